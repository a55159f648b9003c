"""Per-app state: which function draws each of the app's pictures, where
they are served, how their URLs are read and signed, and the app's
settings (:mod:`.settings`)."""

from __future__ import annotations

import typing as t
import weakref

from flask import Flask

from . import settings
from .core import urls, workers
from .core.callables import label_of
from .exceptions import (
    BadSignature,
    ConfigurationError,
    QueryTooLong,
    RegistrationError,
    UnknownImage,
    UrlBuildError,
)

if t.TYPE_CHECKING:
    from itsdangerous import Signer

    from .core.spec import ImageSpec
    from .extension import DynamicImages

__all__ = ["AppState", "get_state", "picture_rule", "EXTENSION_KEY"]

EXTENSION_KEY = "dash_images"


class AppState:
    """What one app needs to serve and build image URLs.

    Lives in ``app.extensions["dash_images"]``; built by
    :meth:`DynamicImages.init_app`, which has set the defaults.

    :raises ConfigurationError: a configuration value is wrong.
    """

    def __init__(self, extension: DynamicImages, app: Flask) -> None:
        self.extension = extension
        self.app_name = app.name
        # Weak: the app holds this state; the state must not keep it alive.
        self._app = weakref.ref(app)
        #: Which function draws each of this app's pictures, by guid: the
        #: plain generators and ``images.callback``'s this app took (see
        #: :meth:`take`). A factory may bind another function of the same
        #: code to each app it makes: each keeps its own.
        self.generators: dict[str, ImageSpec] = {}
        # The guids whose spec this app took at init_app from another app's
        # decoration: its own, decorated after, takes their place.
        self._borrowed: set[str] = set()
        #: The pictures each picture route of this app serves: the route's
        #: rule (``<prefix>image_generator/<guid>.<ext>``) -> guid -> spec.
        #: Plain generators are served at the root, a Dash app's pictures
        #: under its prefix only (where whatever guards it guards them).
        self.pictures: dict[str, dict[str, ImageSpec]] = {}
        #: Dash generator guid -> the spec bound to each Dash app that has its
        #: callback, by the app's ``requests_pathname_prefix`` (for URLs).
        self.dash_pictures: dict[str, dict[str, ImageSpec]] = {}
        #: The Dash apps on this server bound so far (by the Dash side, at
        #: the server's first request).
        self.dash_apps: list[t.Any] = []
        self._read: dict[str, t.Any] = {}
        self.configure(app)

    def configure(self, app: Flask) -> None:
        """Read the app's configuration (``init_app`` does, and the app's
        first request again if it changed meanwhile).

        :raises ConfigurationError: a value is wrong.
        """
        read = settings.read(app, self.extension.cache)
        # Attributes of their own: the route reads them on every request.
        self.version = read.version
        self.max_url_length = read.max_url_length
        self.url_max_age = read.url_max_age
        self.url_leeway = read.url_leeway
        self.signer: Signer | None = read.signer
        self.signs_dash_urls = read.signs_dash_urls
        #: Worker processes that draw (0: renders run in the request's thread).
        self.processes = read.processes
        self.service = read.service
        self._read = settings.read_keys(app.config)

    def configure_again(self, app: Flask) -> list[str]:
        """Read the configuration again if it changed since it was read (at
        the app's first request, where it can still take effect: nothing
        has been served).

        :returns: the keys that changed.
        :raises ConfigurationError: a value is wrong.
        :raises RegistrationError: a generator this app has cannot be drawn
            with the new configuration (worker processes).
        """
        now = settings.read_keys(app.config)
        changed = sorted(
            k for k, v in now.items() if k not in self._read or self._read[k] != v
        )
        if not changed:
            return []
        old = self.service.runner
        self.configure(app)
        close = getattr(old, "close", None)
        if close is not None:
            close()
        # The Dash apps' own generators are checked as they bind, next.
        for spec in self.generators.values():
            self.check_sendable(spec)
        return changed

    def read_url(
        self, guid: str, ext: str, query_string: bytes, rule: str
    ) -> tuple[ImageSpec, dict[str, t.Any], str | None, str | None]:
        """What the picture URL ``<prefix>image_generator/<guid>.<ext>?<query>``
        asks for: its generator, the values, the version the URL carries,
        and the download's format, for a download.

        :param rule: the rule of the picture route that matched (see
            :func:`picture_rule`): the root's, or a Dash app's.

        ``<guid>.map`` asks for the coordinate map of a picture with
        ``events``: its query is read, and its signature checked, as the
        picture's. ``<guid>.<format>?...&_download=1`` is a download, in a
        format of its ``export=``: signed for that file name.

        :raises UnknownImage: no such picture here.
        :raises QueryTooLong: the query is over the configured length.
        :raises BadSignature: the URL's signature is missing, wrong or expired.
        :raises BadParameter: the values are missing, unknown or malformed.
        """
        spec = self.pictures.get(rule, _NOTHING).get(guid)
        if spec is None:
            raise UnknownImage("no such image")
        is_map = ext == urls.MAP_EXTENSION and bool(spec.events)
        if not (ext == spec.extension or is_map or ext in spec.export):
            raise UnknownImage("no such image")
        if len(query_string) > self.max_url_length:
            raise QueryTooLong(f"the query is longer than {self.max_url_length} bytes")
        query, signature = urls.split_signature(query_string)
        signed = spec.extension if is_map else ext
        problem = self.check_signature(spec, query, signature, signed)
        if problem is not None:
            raise BadSignature(problem)
        values, version, download = urls.decode_query(query, spec.params, spec.required)
        # A download says so (_download=1), in a format of export=; without
        # it, the URL is the picture's (or its map's) own.
        if not (ext in spec.export if download else ext == spec.extension or is_map):
            raise UnknownImage("no such image")
        spec.check(values, self.service.max_pixels)
        # A plain tuple: a NamedTuple's constructor costs a call per request.
        return spec, values, version, ext if download else None

    def check_sendable(self, spec: ImageSpec) -> None:
        """Refuse a generator a worker process cannot get, where renders run
        in worker processes.

        :raises RegistrationError: naming the generator and the fix.
        """
        if not self.processes:
            return
        problem = workers.check_sendable(spec.function)
        if problem is not None:
            raise RegistrationError(
                f"{spec.label}: the app {self.app_name!r} draws in worker"
                f" processes (DASH_IMAGES_RENDER_PROCESSES), which cannot get"
                f" this generator: {problem}"
            )

    def hosts(self, dash_app: t.Any) -> bool:
        """Whether ``dash_app`` runs on this state's app."""
        return getattr(dash_app, "server", None) is self._app()

    def take(self, spec: ImageSpec, *, borrow: bool = False) -> bool:
        """Draw ``spec.guid``'s pictures with ``spec`` on this app, unless
        it has its own already: a function is an app's own when the app
        existed at its decoration, or when nobody had it before the app was
        set up. A factory that sets an app up, then decorates a closure for
        it, gives each app its own; a generator decorated at import serves
        every app.

        :param borrow: ``spec`` is another app's own, taken at ``init_app``
            until this app's own comes.
        :returns: whether ``spec`` is now this app's.
        """
        if spec.guid in self.generators and spec.guid not in self._borrowed:
            return False
        self.generators[spec.guid] = spec
        if borrow:
            self._borrowed.add(spec.guid)
        else:
            self._borrowed.discard(spec.guid)
        if spec.keywords:
            self.pictures.setdefault(picture_rule("/"), {})[spec.guid] = spec
        return True

    def find(self, name_or_function: str | t.Callable[..., t.Any]) -> ImageSpec:
        """This app's spec for a generator name (its guid) or function.

        :raises LookupError: nothing, or more than one spec, matches.
        """
        if isinstance(name_or_function, str):
            spec = self.generators.get(name_or_function)
            bound = self.dash_pictures.get(name_or_function)
            if spec is None and bound:
                spec = next(iter(bound.values()))
            if spec is None:
                raise LookupError(f"no image generator named {name_or_function!r}")
            return spec
        every = [*self.generators.values()]
        every += [s for bound in self.dash_pictures.values() for s in bound.values()]
        specs = list(
            {id(s): s for s in every if s.function is name_or_function}.values()
        )
        if len(specs) != 1:
            what = "is not registered" if not specs else "is registered more than once"
            raise LookupError(
                f"{label_of(name_or_function)} {what}; look it up by name"
            )
        return specs[0]

    def dash_prefix(self, spec: ImageSpec, dash_app: t.Any = None) -> str:
        """The ``requests_pathname_prefix`` of the Dash app whose picture
        ``spec`` is: ``dash_app``'s, or the one Dash app here bound to it.

        :raises UrlBuildError: no Dash app here has its callback (they bind
            at the app's first request), or several and ``dash_app`` is not
            one of them.
        """
        bound = self.dash_pictures.get(spec.guid, {})
        if dash_app is not None:
            prefix = getattr(
                getattr(dash_app, "config", None), "requests_pathname_prefix", None
            )
            if prefix in bound:
                return t.cast(str, prefix)
            raise UrlBuildError(
                f"{spec.label}: the Dash app at {prefix!r} does not have this"
                " image callback"
            )
        if len(bound) == 1:
            return next(iter(bound))
        if not bound:
            raise UrlBuildError(
                f"{spec.label} is an image callback that no Dash app on the app"
                f" {self.app_name!r} has yet (Dash apps set up at the app's"
                " first request); build its URL in a request"
            )
        raise UrlBuildError(
            f"{spec.label} is an image callback of the Dash apps at"
            f" {', '.join(map(repr, sorted(bound)))}; say which with"
            " _dash_app=<the Dash app>"
        )

    def serve_dash_picture(
        self, spec: ImageSpec, routes_prefix: str, requests_prefix: str
    ) -> None:
        """Serve ``spec``'s pictures under the Dash app at ``routes_prefix``
        (which the browser reaches at ``requests_prefix``), and under no
        other prefix, which another guard may cover."""
        self.pictures.setdefault(picture_rule(routes_prefix), {})[spec.guid] = spec
        self.dash_pictures.setdefault(spec.guid, {})[requests_prefix] = spec

    def query(
        self,
        spec: ImageSpec,
        values: t.Sequence[t.Any],
        names: t.Sequence[str],
        download: str | None = None,
    ) -> str:
        """The query of ``spec``'s picture URL for ``values`` of the
        parameters ``names``: encoded, versioned, signed where it is signed.

        :param download: a format of ``spec.export``: the query of that
            download's URL (``<guid>.<format>?...&_download=1``) instead.
        :raises UrlBuildError: a value no URL can hold, or a query over
            ``DASH_IMAGES_MAX_URL_LENGTH``.
        """
        try:
            query = urls.encode_query(
                names, values, self.version_for(spec), download=download is not None
            )
        except (TypeError, ValueError) as error:
            raise UrlBuildError(f"{spec.label}: {error}") from None
        query = self.sign(spec, query, download or spec.extension)
        if len(query) > self.max_url_length:
            raise UrlBuildError(
                f"{spec.label}: the URL's query would be {len(query)} bytes, more"
                f" than DASH_IMAGES_MAX_URL_LENGTH ({self.max_url_length}); pass"
                " smaller values (an id or a key to look the data up by, not the"
                " data itself)"
            )
        return query

    def signs(self, spec: ImageSpec) -> bool:
        """Whether ``spec``'s URLs are signed on this app: a plain generator's
        whenever the app signs; a Dash generator's only with
        ``DASH_IMAGES_SIGN = True``."""
        return self.signer is not None and (spec.keywords or self.signs_dash_urls)

    def sign(self, spec: ImageSpec, query: str, ext: str) -> str:
        """``query`` with its signature appended, if ``spec``'s URLs are
        signed; it covers the file name ``<guid>.<ext>`` too."""
        if self.signer is None or not self.signs(spec):
            return query
        filename = f"{spec.guid}.{ext}"
        signature = urls.signature_for(self.signer, filename, query)
        return "&".join(filter(None, [query, f"{urls.SIGNATURE}={signature}"]))

    def check_signature(
        self, spec: ImageSpec, query: bytes, signature: bytes | None, ext: str
    ) -> str | None:
        """What is wrong with a request's signature for the file name
        ``<guid>.<ext>``, if ``spec``'s URLs are signed (see
        :func:`.urls.signature_problem`); ``None`` when good."""
        if self.signer is None or not self.signs(spec):
            return None
        filename = f"{spec.guid}.{ext}"
        return urls.signature_problem(
            self.signer, filename, query, signature, self.url_max_age, self.url_leeway
        )

    def version_for(self, spec: ImageSpec) -> str | None:
        """The version a URL carries: the app's and the generator's (the
        browser reads the app's from the page)."""
        if self.version is None:
            return spec.version
        return (
            self.version if spec.version is None else f"{self.version}.{spec.version}"
        )


_NOTHING: dict[str, ImageSpec] = {}


def picture_rule(prefix: str) -> str:
    """The rule of the picture route under the routes ``prefix`` (``/`` or
    a Dash app's ``routes_pathname_prefix``), as werkzeug keeps it."""
    return f"{prefix}{urls.ROUTE[1:]}<guid>.<ext>"


def get_state(app: Flask) -> AppState:
    """The extension's state on ``app``.

    :raises ConfigurationError: ``init_app`` was never called for this app.
    """
    try:
        state = app.extensions[EXTENSION_KEY]
    except KeyError:
        raise ConfigurationError(
            f"DynamicImages is not set up on the app {app.name!r};"
            " call images.init_app(app) first"
        ) from None
    return t.cast(AppState, state)
