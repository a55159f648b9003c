from __future__ import annotations

import io
import os
import typing as t

import dash
import pytest
from dash import _callback as dash_callback_registry
from dash import _get_app as dash_get_app
from flask import Flask
from hypothesis import settings
from PIL import Image

from flask_dash_images import DynamicImages

from .dash_browser import DashBrowser

# `make fuzz` runs the property-based tests with many more examples; CI runs
# the same examples every time (a failure there can be run again as it was).
settings.register_profile("fuzz", max_examples=20_000, deadline=None)
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile(
    os.environ.get(
        "HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "default"
    )
)


@pytest.fixture(autouse=True)
def _fresh_dash_globals() -> t.Iterator[None]:
    # dash.callback collects into module-level lists that the next Dash app to
    # serve a request takes over; keep one test's callbacks out of the next.
    def clear() -> None:
        dash_callback_registry.GLOBAL_CALLBACK_LIST.clear()
        dash_callback_registry.GLOBAL_CALLBACK_MAP.clear()
        dash_callback_registry.GLOBAL_INLINE_SCRIPTS.clear()
        # The Dash app made last, which images.callback looks at.
        dash_get_app.APP = None

    clear()
    yield
    clear()


@pytest.fixture
def images() -> DynamicImages:
    return DynamicImages()


@pytest.fixture
def app_factory(images: DynamicImages) -> t.Callable[..., Flask]:
    """Make Flask apps that share the ``images`` extension (an app factory)."""

    def make(**config: t.Any) -> Flask:
        app = Flask(__name__)
        app.config.update(TESTING=True, **config)
        images.init_app(app)
        return app

    return make


@pytest.fixture
def app(app_factory: t.Callable[..., Flask]) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> t.Any:
    return app.test_client()


@pytest.fixture
def dash_factory(images: DynamicImages) -> t.Callable[..., dash.Dash]:
    """Dash apps hosted on a Flask server set up with ``images``."""

    def make(
        layout: t.Any, config: dict[str, t.Any] | None = None, **dash_options: t.Any
    ) -> dash.Dash:
        server = Flask(__name__)
        server.config.update(TESTING=True, **(config or {}))
        images.init_app(server)
        dash_app = dash.Dash(__name__, server=server, **dash_options)
        dash_app.layout = layout
        return dash_app

    return make


@pytest.fixture
def calls() -> list[t.Any]:
    """The values ``register_tile``'s generators were called with."""
    return []


@pytest.fixture
def register_tile(
    images: DynamicImages, calls: list[t.Any]
) -> t.Callable[..., t.Callable[[int], Image.Image]]:
    """Register a plain generator of grey 8x8 tiles that records its calls:
    ``register_tile(name="tile", **options)``."""

    def register(
        name: str = "tile", **options: t.Any
    ) -> t.Callable[[int], Image.Image]:
        @images.generator(name=name, **options)
        def tile(shade: int) -> Image.Image:
            calls.append(shade)
            return Image.new("L", (8, 8), shade)

        return tile

    return register


@pytest.fixture
def browser() -> t.Callable[[dash.Dash], DashBrowser]:
    return DashBrowser


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size and a.convert("RGBA").tobytes() == b.convert("RGBA").tobytes()
    )


def black_share(picture: Image.Image) -> float:
    """The share of a picture's pixels that are black."""
    import numpy as np

    rgb = np.asarray(picture.convert("RGB"))
    return float((rgb.max(axis=2) == 0).mean())
