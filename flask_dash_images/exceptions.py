"""One family of errors: :class:`DynamicImagesError` and its subclasses.

Errors a client causes subclass the matching werkzeug HTTP exception, so Flask
answers them with their status and a short plain message.
"""

from __future__ import annotations

from werkzeug.exceptions import BadRequest, Forbidden, NotFound, RequestURITooLarge

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


class _ClientError(DynamicImagesError):
    """An HTTP error caused by the request; shown to the client as plain text."""

    code: int

    def get_body(self, environ=None, scope=None) -> str:  # type: ignore[override]
        return f"{self.code} {self.name}: {self.description}\n"

    def get_headers(self, environ=None, scope=None):  # type: ignore[override]
        return [("Content-Type", "text/plain; charset=utf-8")]


class BadParameter(_ClientError, BadRequest):
    """A query parameter is missing, unknown, repeated or malformed (400)."""


class BadSignature(_ClientError, Forbidden):
    """The URL's signature is missing or wrong (403)."""


class UnknownImage(_ClientError, NotFound):
    """No generator has this guid and extension (404)."""


class QueryTooLong(_ClientError, RequestURITooLarge):
    """The query is longer than ``DASH_IMAGES_MAX_URL_LENGTH`` allows (414)."""
