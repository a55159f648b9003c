"""Per-app state: the configuration read once in ``init_app``, and the signer."""

from __future__ import annotations

import os
import typing as t
import weakref

from dash.testing import ignore_register_page
from flask import Flask

from .core import urls, workers
from .core.cache_guard import GuardedCache, check_timeouts
from .core.flight import RenderSlots
from .core.service import RenderService
from .exceptions import (
    BadSignature,
    ConfigurationError,
    QueryTooLong,
    RegistrationError,
    UnknownImage,
    UrlBuildError,
)

if t.TYPE_CHECKING:
    from flask_caching import Cache
    from itsdangerous import Signer

    from .core.registry import ImageSpec
    from .extension import DynamicImages

__all__ = ["AppState", "get_state", "picture_rule", "EXTENSION_KEY", "DEFAULTS"]

EXTENSION_KEY = "dash_images"

#: Every configuration key and its default.
DEFAULTS: dict[str, t.Any] = {
    # None: sign whenever the app has a SECRET_KEY; True/False force it.
    "DASH_IMAGES_SIGN": None,
    # Put into every URL, so a deploy with new drawing code busts old caches.
    "DASH_IMAGES_VERSION": None,
    # gunicorn's default request-line limit is 4094 bytes, method and
    # protocol included; stay under it with room for a long path.
    "DASH_IMAGES_MAX_URL_LENGTH": 3800,
    # 4096 x 4096: about 64 MiB as RGBA, what one request may make a worker hold.
    "DASH_IMAGES_MAX_PIXELS": 4096 * 4096,
    # Generator calls at once per process: the default of Python's own
    # ThreadPoolExecutor, CPUs + 4 (at most 32): enough to overlap I/O-bound
    # generators, a bound on memory and on CPU-bound ones.
    "DASH_IMAGES_MAX_RENDERS": min(32, (os.cpu_count() or 1) + 4),
    # Seconds a request waits for a render slot (or for another request's
    # render of the same picture) before a 503.
    "DASH_IMAGES_RENDER_WAIT": 5.0,
    # Seconds a render may take before its request gets a 503 (None: no
    # limit); with processes, its worker is killed.
    "DASH_IMAGES_RENDER_TIMEOUT": None,
    # Worker processes that draw (0: in the request's thread).
    "DASH_IMAGES_RENDER_PROCESSES": 0,
    # Renders a worker process does before it is replaced.
    "DASH_IMAGES_RENDER_MAX_TASKS": 100,
    # Renders past RENDER_TIMEOUT that may run on in their threads (which
    # cannot be stopped) without a render slot; past it they keep theirs and
    # images.healthy() is False. None: DASH_IMAGES_MAX_RENDERS.
    "DASH_IMAGES_MAX_ABANDONED": None,
    # Seconds a failing server cache is skipped before it is tried again.
    "DASH_IMAGES_CACHE_RETRY": 30.0,
    # Seconds a signed URL stays valid (None: for good).
    "DASH_IMAGES_URL_MAX_AGE": None,
    # Seconds the clocks of the hosts may differ by, for URL_MAX_AGE.
    "DASH_IMAGES_URL_LEEWAY": 10.0,
}


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
        config = app.config
        extension = self.extension
        self.version = _optional_name(config, "DASH_IMAGES_VERSION")
        self.max_url_length = _positive_int(config, "DASH_IMAGES_MAX_URL_LENGTH")
        self.url_max_age = _optional_positive_int(config, "DASH_IMAGES_URL_MAX_AGE")
        self.url_leeway = _seconds(config, "DASH_IMAGES_URL_LEEWAY")
        self.signer: Signer | None = _signer(config, self.url_max_age is not None)
        # Dash URLs are signed only when asked: the callback endpoint would
        # sign whatever values a browser posts, so a signature there protects
        # nothing, and it costs the browser-built URL (a second round trip).
        self.signs_dash_urls = config["DASH_IMAGES_SIGN"] is True
        timeout = _optional_seconds(config, "DASH_IMAGES_RENDER_TIMEOUT")
        #: Worker processes that draw (0: renders run in the request's thread).
        self.processes = _count(config, "DASH_IMAGES_RENDER_PROCESSES")
        max_tasks = _positive_int(config, "DASH_IMAGES_RENDER_MAX_TASKS")
        renders = _positive_int(config, "DASH_IMAGES_MAX_RENDERS")
        max_abandoned = (
            renders
            if config["DASH_IMAGES_MAX_ABANDONED"] is None
            else _count(config, "DASH_IMAGES_MAX_ABANDONED")
        )
        runner: workers.Runner
        if self.processes:
            # One worker per render at once: a slot holder always has one.
            renders = min(renders, self.processes)
            runner = workers.ProcessPool(
                self.processes,
                timeout,
                max_tasks,
                # A page module imported in a worker must not register its
                # page: Dash's own switch, which its background callbacks use.
                loading=ignore_register_page,
            )
        elif timeout is not None:
            runner = workers.InThreadWithTimeout(timeout)
        else:
            runner = workers.InThread()
        self.service = RenderService(
            slots=RenderSlots(
                renders,
                _seconds(config, "DASH_IMAGES_RENDER_WAIT"),
                timeout=timeout,
                max_abandoned=max_abandoned,
            ),
            runner=runner,
            max_pixels=_positive_int(config, "DASH_IMAGES_MAX_PIXELS"),
            cache=_guarded_cache(
                app, extension.cache, _seconds(config, "DASH_IMAGES_CACHE_RETRY")
            ),
            logger=app.logger,
            sender=app,
            namespace=app.name,
        )
        self._read = _read_keys(config)

    def configure_again(self, app: Flask) -> list[str]:
        """Read the configuration again if it changed since it was read (at
        the app's first request, where it can still take effect: nothing
        has been served).

        :returns: the keys that changed.
        :raises ConfigurationError: a value is wrong.
        :raises RegistrationError: a generator this app has cannot be drawn
            with the new configuration (worker processes).
        """
        now = _read_keys(app.config)
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
        for spec in self.generators.values():
            self.check_sendable(spec)
        for bound in self.dash_pictures.values():
            for spec in bound.values():
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
                f"{getattr(name_or_function, '__qualname__', name_or_function)} {what};"
                " look it up by name"
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


def _read_keys(config: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    # What configure() reads, to tell whether it changed.
    keys = [*DEFAULTS, "SECRET_KEY", "SECRET_KEY_FALLBACKS"]
    return {key: config.get(key) for key in keys}


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


def _signer(config: t.Mapping[str, t.Any], timed: bool) -> Signer | None:
    sign = config["DASH_IMAGES_SIGN"]
    secret_key = config.get("SECRET_KEY")
    if sign not in (None, True, False):
        raise ConfigurationError("DASH_IMAGES_SIGN must be None, True or False")
    if sign is True and not secret_key:
        raise ConfigurationError(
            "DASH_IMAGES_SIGN is True but the app has no SECRET_KEY to sign with"
        )
    if sign is False or not secret_key:
        return None
    return urls.make_signer(
        secret_key, config.get("SECRET_KEY_FALLBACKS") or (), timed=timed
    )


def _guarded_cache(
    app: Flask, cache: Cache | None, retry: float
) -> GuardedCache | None:
    if cache is None:
        return None
    # The backend itself, so the render service needs no app context.
    backend = app.extensions["cache"][cache]
    problem = check_timeouts(backend)
    if problem is not None:
        raise ConfigurationError(f"DynamicImages(cache=...): {problem}")
    return GuardedCache(backend, retry, app.logger)


def _seconds(config: t.Mapping[str, t.Any], key: str) -> float:
    value = config[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value < float("inf")
    ):
        raise ConfigurationError(f"{key} must be seconds (0 or more), not {value!r}")
    return float(value)


def _optional_seconds(config: t.Mapping[str, t.Any], key: str) -> float | None:
    if config[key] is None:
        return None
    seconds = _seconds(config, key)
    if seconds == 0:
        raise ConfigurationError(f"{key} must be more than 0 seconds, or None")
    return seconds


def _count(config: t.Mapping[str, t.Any], key: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"{key} must be a whole number (0 or more), not {value!r}"
        )
    return value


def _optional_positive_int(config: t.Mapping[str, t.Any], key: str) -> int | None:
    return None if config[key] is None else _positive_int(config, key)


def _positive_int(config: t.Mapping[str, t.Any], key: str) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigurationError(
            f"{key} must be a positive whole number, not {value!r}"
        )
    return value


def _optional_name(config: t.Mapping[str, t.Any], key: str) -> str | None:
    value = config[key]
    if value is None:
        return None
    value = str(value)
    if not value or not all(c.isascii() and (c.isalnum() or c in "_-") for c in value):
        raise ConfigurationError(
            f"{key} must be letters, digits, '_' or '-', not {value!r}"
        )
    return value
