"""Per-app state: the configuration read once in ``init_app``, and the signer."""

from __future__ import annotations

import typing as t

from flask import Flask

from . import urls
from .exceptions import ConfigurationError

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
        self.cache: Cache | None = extension.cache
        self.version = _optional_name(config, "DASH_IMAGES_VERSION")
        self.max_url_length = _positive_int(config, "DASH_IMAGES_MAX_URL_LENGTH")
        self.max_pixels = _positive_int(config, "DASH_IMAGES_MAX_PIXELS")
        self.signer: Signer | None = _signer(config)

    def sign(self, filename: str, query: str) -> str:
        """``query`` with its signature appended, if this app signs."""
        if self.signer is None:
            return query
        payload = urls.signed_payload(filename, query)
        signature = self.signer.get_signature(payload).decode("ascii")
        return "&".join(filter(None, [query, f"{urls.SIGNATURE}={signature}"]))

    def signature_ok(
        self, filename: str, query: bytes, signature: bytes | None
    ) -> bool:
        """Whether a request's query carries a valid signature, if this app signs.

        Old keys in ``SECRET_KEY_FALLBACKS`` are accepted too.
        """
        if self.signer is None:
            return True
        payload = urls.signed_payload(filename, query)
        return signature is not None and self.signer.verify_signature(
            payload, signature
        )

    def version_for(self, spec: ImageSpec) -> str | None:
        """The version a URL carries: the app's and the generator's.

        Clientside URLs carry only the generator's: the browser cannot see
        the app's configuration, and both sides must build the same URL.
        """
        if spec.clientside:
            return spec.version
        parts = [v for v in (self.version, spec.version) if v]
        return ".".join(parts) or None


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


def _signer(config: t.Mapping[str, t.Any]) -> Signer | None:
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
    return urls.make_signer(secret_key, config.get("SECRET_KEY_FALLBACKS") or ())


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
