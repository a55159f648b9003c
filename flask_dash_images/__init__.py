"""Pictures generated on request, served by URL, for Flask and Plotly Dash."""

from __future__ import annotations

# First: the Dash side names it as the version of the page script it serves.
__version__ = "0.1.0"


from .core.navigation import next_view
from .core.render import Extent
from .dash import image_callback
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
from .signals import image_failed, image_rendered, render_abandoned

__all__ = [
    "BadParameter",
    "BadSignature",
    "ConfigurationError",
    "DynamicImages",
    "DynamicImagesError",
    "Extent",
    "RegistrationError",
    "RenderBusy",
    "RenderError",
    "UnknownImage",
    "UrlBuildError",
    "image_callback",
    "image_failed",
    "image_rendered",
    "next_view",
    "render_abandoned",
]
