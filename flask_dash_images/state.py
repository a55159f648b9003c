"""Per-app state: the configuration read once in ``init_app``, and the signer."""

from __future__ import annotations

import typing as t

from flask import Flask

from .exceptions import ConfigurationError

if t.TYPE_CHECKING:
    from itsdangerous import Signer

    from .extension import DynamicImages

__all__ = ["AppState", "get_state", "EXTENSION_KEY"]

EXTENSION_KEY = "dash_images"


class AppState:
    """What one app needs to serve and build image URLs.

    Lives in ``app.extensions["dash_images"]``; built by
    :meth:`DynamicImages.init_app`.
    """

    def __init__(self, extension: DynamicImages, app: Flask) -> None:
        self.extension = extension
        self.signer: Signer | None = None


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
