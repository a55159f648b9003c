"""One family of errors: :class:`DynamicImagesError` and its subclasses.

Errors a client causes subclass the matching werkzeug HTTP exception, so Flask
answers them with their status and a short plain message.
"""

from __future__ import annotations

import math
import typing as t

from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    HTTPException,
    NotFound,
    RequestURITooLarge,
    ServiceUnavailable,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "DynamicImagesError",
    "ConfigurationError",
    "RegistrationError",
    "UrlBuildError",
    "BadParameter",
    "BadSignature",
    "UnknownImage",
    "QueryTooLong",
    "RenderError",
    "RenderBusy",
    "GeneratorFailed",
]


class DynamicImagesError(Exception):
    """Base class of every error this extension raises."""


class ConfigurationError(DynamicImagesError, RuntimeError):
    """The app's configuration, or its set-up, is wrong (raised at start-up)."""


class RegistrationError(DynamicImagesError, ValueError):
    """A decorator was given something it cannot register."""


class UrlBuildError(DynamicImagesError, ValueError):
    """A URL cannot be built for these values."""


class RenderError(DynamicImagesError, TypeError):
    """A generator returned something that is not a picture."""


class _PlainTextError(HTTPException):
    """An HTTP error caused by the request; answered as one line of text."""

    def get_body(
        self,
        environ: WSGIEnvironment | None = None,
        scope: dict[str, t.Any] | None = None,
    ) -> str:
        return f"{self.code} {self.name}: {self.description}\n"

    def get_headers(
        self,
        environ: WSGIEnvironment | None = None,
        scope: dict[str, t.Any] | None = None,
    ) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("X-Content-Type-Options", "nosniff"),
        ]


class BadParameter(DynamicImagesError, _PlainTextError, BadRequest):
    """A query parameter is missing, unknown, repeated or malformed (400)."""


class BadSignature(DynamicImagesError, _PlainTextError, Forbidden):
    """The URL's signature is missing or wrong (403)."""


class UnknownImage(DynamicImagesError, _PlainTextError, NotFound):
    """No generator has this guid and extension (404)."""


class QueryTooLong(DynamicImagesError, _PlainTextError, RequestURITooLarge):
    """The query is longer than ``DASH_IMAGES_MAX_URL_LENGTH`` allows (414)."""


class RenderBusy(DynamicImagesError, _PlainTextError, ServiceUnavailable):
    """The picture could not be had in time (503): every render slot stayed
    taken, another request's render of it was not done, or its render ran
    over ``DASH_IMAGES_RENDER_TIMEOUT``.

    :param wait: the seconds waited.
    :param retry_after: whole seconds the client is told to wait (at least
        1): when a slot or the render is expected to be free; by default
        as long as it waited.
    :param why: what it waited for.
    :param waited: say how long it waited (not for a render over its time).
    """

    def __init__(
        self,
        wait: float,
        retry_after: int | None = None,
        why: str = "too many pictures are being drawn",
        waited: bool = True,
    ) -> None:
        super().__init__(f"{why}; waited {wait:g}s for a turn" if waited else why)
        self.retry_after_seconds = max(
            1, math.ceil(wait) if retry_after is None else retry_after
        )

    def get_headers(
        self,
        environ: WSGIEnvironment | None = None,
        scope: dict[str, t.Any] | None = None,
    ) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        return [*headers, ("Retry-After", str(self.retry_after_seconds))]


class GeneratorFailed(DynamicImagesError):
    """A generator raised, or returned something that is not a picture.

    Answered 500 with a generic body (the details go to the log, and to the
    page only in debug mode). ``__cause__`` is the original exception.

    :param label: the generator's name.
    """

    def __init__(self, label: str) -> None:
        super().__init__(f"image generator {label} failed")
        self.label = label
