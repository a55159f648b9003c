"""Pictures generated on request, served by URL, for Flask and Plotly Dash."""

from __future__ import annotations

import typing as t

from .exceptions import (
    BadParameter,
    BadSignature,
    ConfigurationError,
    DynamicImagesError,
    RegistrationError,
    RenderBusy,
    RenderError,
    UnknownImage,
    UrlBuildError,
)
from .extension import DynamicImages
from .signals import image_failed, image_rendered

__version__ = "0.1.0"

__all__ = [
    "BadParameter",
    "BadSignature",
    "ConfigurationError",
    "DynamicImages",
    "DynamicImagesError",
    "RegistrationError",
    "RenderBusy",
    "RenderError",
    "UnknownImage",
    "UrlBuildError",
    "image_callback",
    "image_failed",
    "image_rendered",
]


def __getattr__(name: str) -> t.Any:
    # image_callback needs dash; plain Flask users never import it.
    if name == "image_callback":
        from .dash_app import image_callback

        return image_callback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
