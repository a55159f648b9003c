"""Per-app state: the configuration read once in ``init_app``, and the signer."""

from __future__ import annotations

import hashlib
import os
import typing as t

from flask import Flask

from . import urls
from .cache_guard import GuardedCache, check_timeouts
from .exceptions import BadSignature, ConfigurationError, QueryTooLong, UnknownImage
from .flight import RenderSlots
from .service import RenderService

if t.TYPE_CHECKING:
    from flask_caching import Cache
    from itsdangerous import Signer

    from .extension import DynamicImages
    from .registry import ImageSpec

__all__ = ["AppState", "get_state", "EXTENSION_KEY", "DEFAULTS"]

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
    # Seconds a request waits for a render slot before a 503.
    "DASH_IMAGES_RENDER_WAIT": 5.0,
    # Seconds a failing server cache is skipped before it is tried again.
    "DASH_IMAGES_CACHE_RETRY": 30.0,
    # Seconds a signed URL stays valid (None: for good).
    "DASH_IMAGES_URL_MAX_AGE": None,
}


class AppState:
    """What one app needs to serve and build image URLs.

    Lives in ``app.extensions["dash_images"]``; built by
    :meth:`DynamicImages.init_app`, which has set the defaults.

    :raises ConfigurationError: a configuration value is wrong.
    """

    def __init__(self, extension: DynamicImages, app: Flask) -> None:
        config = app.config
        self.extension = extension
        self.version = _optional_name(config, "DASH_IMAGES_VERSION")
        self.max_url_length = _positive_int(config, "DASH_IMAGES_MAX_URL_LENGTH")
        self.url_max_age = _optional_positive_int(config, "DASH_IMAGES_URL_MAX_AGE")
        self.signer: Signer | None = _signer(config, self.url_max_age is not None)
        # Dash URLs are signed only when asked: the callback endpoint would
        # sign whatever values a browser posts, so a signature there protects
        # nothing, and it costs the browser-built URL (a second round trip).
        self.signs_dash_urls = config["DASH_IMAGES_SIGN"] is True
        self.service = RenderService(
            slots=RenderSlots(
                _positive_int(config, "DASH_IMAGES_MAX_RENDERS"),
                _seconds(config, "DASH_IMAGES_RENDER_WAIT"),
            ),
            max_pixels=_positive_int(config, "DASH_IMAGES_MAX_PIXELS"),
            cache=_guarded_cache(
                app, extension.cache, _seconds(config, "DASH_IMAGES_CACHE_RETRY")
            ),
            logger=app.logger,
            sender=app,
        )
        # Where Dash apps' pictures are served: routes_pathname_prefix ->
        # the blueprint's name there, and the browser's root if not the
        # request's (see :meth:`serve_dash_prefix`).
        self.dash_routes: dict[str, tuple[str, str | None]] = {}
        # Dash generator guid -> the blueprints (Dash apps' prefixes) that
        # serve it: only those of the Dash apps that have its callback.
        self._dash_serving: dict[str, set[str]] = {}

    def read_url(
        self, guid: str, ext: str, query_string: bytes, blueprint: str | None
    ) -> tuple[ImageSpec, dict[str, t.Any], str | None]:
        """What the picture URL ``<guid>.<ext>?<query_string>``, served by the
        blueprint registered as ``blueprint``, asks for: its generator, the
        values, and the version the URL carries.

        :raises UnknownImage: no such picture here.
        :raises QueryTooLong: the query is over the configured length.
        :raises BadSignature: the URL's signature is missing, wrong or expired.
        :raises BadParameter: the values are missing, unknown or malformed.
        """
        spec = self.extension.registry.get(guid)
        if spec is None or spec.extension != ext or not self.serves(spec, blueprint):
            raise UnknownImage("no such image")
        if len(query_string) > self.max_url_length:
            raise QueryTooLong(f"the query is longer than {self.max_url_length} bytes")
        query, signature = urls.split_signature(query_string)
        problem = self.check_signature(spec, query, signature)
        if problem is not None:
            raise BadSignature(problem)
        values, version = urls.decode_query(query, spec.params, spec.required)
        return spec, values, version

    def serves(self, spec: ImageSpec, blueprint: str | None) -> bool:
        """Whether the blueprint registered as ``blueprint`` serves ``spec``:
        a Dash generator only under the prefix of a Dash app with its
        callback (see :meth:`serve_dash_picture`), a plain one only at the
        app's root."""
        if spec.keywords:
            return blueprint == urls.BLUEPRINT
        return blueprint in self._dash_serving.get(spec.guid, ())

    def serve_dash_picture(self, guid: str, routes_prefix: str) -> None:
        """Serve the Dash generator ``guid`` under the Dash app at
        ``routes_prefix`` (set up by :meth:`serve_dash_prefix`), and under
        no other Dash app's prefix, which another guard may cover."""
        blueprint, _ = self.dash_routes[routes_prefix]
        self._dash_serving.setdefault(guid, set()).add(blueprint)

    def serve_dash_prefix(
        self, app: Flask, routes_prefix: str, requests_prefix: str
    ) -> None:
        """Serve Dash pictures under a Dash app's ``routes_pathname_prefix``,
        so that whatever guards the prefix guards them too.

        :param requests_prefix: Dash's ``requests_pathname_prefix``: the same
            prefix as the browser sees it (behind a proxy that strips a path).
        :raises ConfigurationError: the app has already served a request.
        """
        if routes_prefix in self.dash_routes:
            return
        name = urls.BLUEPRINT
        if routes_prefix != "/":
            digest = hashlib.blake2b(routes_prefix.encode(), digest_size=6)
            name = f"{urls.BLUEPRINT}_{digest.hexdigest()}"
            if app._got_first_request:
                raise ConfigurationError(
                    f"the Dash app at {routes_prefix!r} got its first image"
                    f" callback after the app {app.name!r} served requests;"
                    " register image callbacks before the app serves"
                )
            app.register_blueprint(
                self.extension.blueprint, name=name, url_prefix=routes_prefix[:-1]
            )
        root = None
        if requests_prefix != routes_prefix and requests_prefix.endswith(routes_prefix):
            root = requests_prefix[: len(requests_prefix) - len(routes_prefix)]
        self.dash_routes[routes_prefix] = (name, root)

    def signs(self, spec: ImageSpec) -> bool:
        """Whether ``spec``'s URLs are signed on this app: a plain generator's
        whenever the app signs; a Dash generator's only with
        ``DASH_IMAGES_SIGN = True``."""
        return self.signer is not None and (spec.keywords or self.signs_dash_urls)

    def sign(self, spec: ImageSpec, query: str) -> str:
        """``query`` with its signature appended, if ``spec``'s URLs are signed."""
        if self.signer is None or not self.signs(spec):
            return query
        filename = f"{spec.guid}.{spec.extension}"
        signature = urls.signature_for(self.signer, filename, query)
        return "&".join(filter(None, [query, f"{urls.SIGNATURE}={signature}"]))

    def check_signature(
        self, spec: ImageSpec, query: bytes, signature: bytes | None
    ) -> str | None:
        """What is wrong with a request's signature, if ``spec``'s URLs are
        signed (see :func:`.urls.signature_problem`); ``None`` when good."""
        if self.signer is None or not self.signs(spec):
            return None
        filename = f"{spec.guid}.{spec.extension}"
        return urls.signature_problem(
            self.signer, filename, query, signature, self.url_max_age
        )

    def version_for(self, spec: ImageSpec) -> str | None:
        """The version a URL carries: the app's and the generator's (the
        browser reads the app's from the page)."""
        if self.version is None:
            return spec.version
        return (
            self.version if spec.version is None else f"{self.version}.{spec.version}"
        )


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
