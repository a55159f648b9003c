"""A multi-page Dash app (use_pages=True) from an app factory, whose page
modules register image callbacks when Dash imports them
(tests/apps/pages_app)."""

from __future__ import annotations

import sys

import dash
import pytest
from dash import _pages

from flask_dash_images import DynamicImages
from tests.apps.pages_app import app as app_module
from tests.apps.pages_app import extensions

from .helpers import fill_and_wait_for_image, read_pixel, wait_for_dash, wait_for_image

pytestmark = pytest.mark.browser

PAGE_MODULES = ("pages.home", "pages.plot")


@pytest.fixture(autouse=True)
def fresh_pages_app(monkeypatch):
    """A fresh extension for the app and its pages in each test, and Dash's
    process-wide page registry and page modules as they were after it."""
    images = DynamicImages()
    monkeypatch.setattr(extensions, "images", images)
    monkeypatch.setattr(app_module, "images", images)
    registry = dict(_pages.PAGE_REGISTRY)
    yield images
    _pages.PAGE_REGISTRY.clear()
    _pages.PAGE_REGISTRY.update(registry)
    for name in PAGE_MODULES:
        sys.modules.pop(name, None)


def open_plot(page, base_url):
    """Open the home page, follow its link to the plot page (no reload), and
    wait for the picture."""
    page.goto(base_url + "/")
    wait_for_dash(page)
    page.click("#to-plot")
    picture = wait_for_image(page, "#plot-img")
    assert page.url == base_url + "/plot"
    return picture


def test_a_page_module_registers_the_picture_of_its_page(live_server, page):
    dash_app = app_module.create_app()
    assert [p["path"] for p in dash.page_registry.values()] == ["/", "/plot"]

    picture = open_plot(page, live_server(dash_app))
    assert (picture.width, picture.height) == (40, 20)
    assert "/image_generator/" in picture.src
    # The line from the top left corner: black there, white at the top right.
    assert read_pixel(page, "#plot-img", 0, 0)[:3] == (0, 0, 0)
    assert read_pixel(page, "#plot-img", 39, 0)[:3] == (255, 255, 255)

    changed = fill_and_wait_for_image(page, "#plot-n", "90", "#plot-img")
    assert (changed.width, changed.height) == (90, 45)
    assert changed.src != picture.src


def test_the_factory_called_twice_gives_two_working_apps(live_server, context):
    first = app_module.create_app()
    second = app_module.create_app()
    # One registry for the process: the second app's import replaced the
    # entries of the first (same module names), it did not add any.
    assert list(dash.page_registry) == list(PAGE_MODULES)

    pages = [context.new_page() for _ in range(2)]
    for page, dash_app in zip(pages, (first, second), strict=True):
        picture = open_plot(page, live_server(dash_app))
        assert (picture.width, picture.height) == (40, 20)
    for page, text in zip(pages, ("60", "70"), strict=True):
        changed = fill_and_wait_for_image(page, "#plot-n", text, "#plot-img")
        assert changed.width == int(text)
