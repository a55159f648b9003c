"""The example gallery: every page answers, every demo's picture loads."""

from __future__ import annotations

import typing as t
from html.parser import HTMLParser

import flask
import pytest

from example_project import __main__ as main_module
from example_project import create_app, create_dash_app
from example_project.nav import LINKS
from example_project.pages import PAGES, line

from .conftest import decode, same_pixels

THUMB = '{"index":["MATCH"],"type":"thumb"}.src'

# output, input values, concrete output id (for MATCH), picture size
DEMOS = {
    "line": ("line-picture.src", [120, 30], None, (200, 200)),
    "fractal": ("fractal-picture.src", [3, -0.75, 0.1, 120], None, (400, 300)),
    "chart": ("chart-picture.src", [3, 400], None, (600, 350)),
    "heatmap": ("heatmap-picture.src", [2.5, "viridis"], None, (480, 320)),
    "thumbnails": (
        THUMB,
        [({"type": "hue", "index": 2}, 200)],
        {"type": "thumb", "index": 2},
        (120, 120),
    ),
    "errors": ("errors-polygon.src", [7], None, (200, 200)),
}


@pytest.fixture
def dash_app() -> t.Any:
    return create_dash_app({"TESTING": True})


@pytest.fixture
def page(dash_app, browser):
    return browser(dash_app)


def route(client: t.Any, pathname: str) -> tuple[t.Any, t.Any]:
    """What the router puts in the page and the menu for ``pathname``."""
    response = client.post(
        "/_dash-update-component",
        json={
            "output": "..page.children...menu.children..",
            "outputs": [
                {"id": "page", "property": "children"},
                {"id": "menu", "property": "children"},
            ],
            "inputs": [{"id": "url", "property": "pathname", "value": pathname}],
            "state": [],
            "changedPropIds": ["url.pathname"],
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["response"]
    return result["page"]["children"], result["menu"]["children"]


def text_of(component: t.Any) -> str:
    """All the text in a serialised component tree."""
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children"))
    if isinstance(component, list):
        return " ".join(text_of(child) for child in component)
    return "" if component is None else str(component)


class ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


@pytest.mark.parametrize("path", ["/", *(link.path for link in LINKS)])
def test_every_page_answers_200(dash_app, path):
    response = dash_app.server.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("dash_page", PAGES, ids=lambda p: p.PATH)
def test_the_router_shows_each_page_with_its_one_line_summary(dash_app, dash_page):
    content, menu = route(dash_app.server.test_client(), dash_page.PATH)
    heading, summary, _layout = content
    assert heading["type"] == "H2" and heading["props"]["children"] == dash_page.TITLE
    assert summary["props"]["children"] == dash_page.SUMMARY
    active = [item for item in menu if item["props"].get("className") == "active"]
    assert [item["props"]["children"] for item in active] == [dash_page.TITLE]


def test_the_router_shows_the_index_and_a_not_found_page(dash_app):
    client = dash_app.server.test_client()
    index, _ = route(client, "/")
    assert all(link.title in text_of(index) for link in LINKS)
    missing, _ = route(client, "/no-such-page")
    assert "No such page" in text_of(missing)


@pytest.mark.parametrize(
    ("output", "inputs", "outputs", "size"), DEMOS.values(), ids=list(DEMOS)
)
def test_each_demo_serves_its_picture(page, output, inputs, outputs, size):
    url = page.update(output, inputs, outputs=outputs)
    assert url.startswith("/image_generator/")
    response = page.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert decode(response.data).size == size


def test_the_line_demo_draws_the_readme_picture(page):
    response = page.get(page.update("line-picture.src", [150, 40]))
    assert same_pixels(decode(response.data), line.draw_line(150, 40))


@pytest.mark.parametrize(
    ("output", "inputs", "size"),
    [
        ("line-picture.src", [None, "x"], (200, 200)),
        ("fractal-picture.src", [None, "x", [], 10**9], (400, 300)),
        ("chart-picture.src", [10**9, -5], (600, 350)),
        ("heatmap-picture.src", [1e300, "no-such-map"], (480, 320)),
        ("errors-polygon.src", [10**6], (200, 200)),
    ],
)
def test_generators_bound_values_a_url_could_carry(page, output, inputs, size):
    # Empty inputs send None, and anyone can edit a URL: no error, no
    # billion-iteration fractal, just the picture for the nearest sane value.
    response = page.get(page.update(output, inputs))
    assert response.status_code == 200
    assert decode(response.data).size == size


@pytest.mark.parametrize(
    ("behaviour", "status"),
    [("draw", 200), ("raise", 500), ("abort", 400), ("string", 500)],
)
def test_the_error_demo_fails_as_labelled_while_the_page_keeps_working(
    page, behaviour, status
):
    response = page.get(page.update("errors-picture.src", [behaviour]))
    assert response.status_code == status
    assert b"on purpose (error" not in response.data  # no traceback for the client
    healthy = page.get(page.update("errors-polygon.src", [6]))
    assert healthy.status_code == 200 and healthy.mimetype == "image/png"


def test_the_flask_page_images_load(dash_app):
    client = dash_app.server.test_client()
    response = client.get("/flask/?text=Grüße")
    assert response.status_code == 200
    parser = ImageSources()
    parser.feed(response.get_data(as_text=True))
    assert len(parser.images) >= 3
    for image in parser.images:
        src = image["src"]
        assert src and src.startswith("/image_generator/")
        picture = client.get(src)
        assert picture.status_code == 200, src
        assert picture.mimetype == "image/png"
        decode(picture.data)


def test_create_app_can_be_called_again_in_one_process(browser):
    first, second = create_dash_app(), create_dash_app()
    urls = [
        browser(app).update("line-picture.src", [10, 20]) for app in (first, second)
    ]
    # The id comes from the code, so the apps agree on URLs...
    assert urls[0] == urls[1]
    # ...and each serves it on its own.
    for app in (first, second):
        assert app.server.test_client().get(urls[0]).status_code == 200
    assert isinstance(create_app(), flask.Flask)


def test_main_runs_the_threaded_dev_server(monkeypatch):
    calls = []
    monkeypatch.setattr(flask.Flask, "run", lambda self, **kw: calls.append(kw))
    main_module.main(["--host", "0.0.0.0", "--port", "9999"])
    assert calls == [
        {"host": "0.0.0.0", "port": 9999, "debug": False, "threaded": True}
    ]


def test_config_is_applied_before_the_extension_is_set_up(browser):
    dash_app = create_dash_app({"SECRET_KEY": "example-secret"})
    page = browser(dash_app)
    url = page.update("line-picture.src", [5, 5])
    assert "_sig=" in url
    assert page.get(url).status_code == 200
    assert page.get(url.partition("&_sig=")[0]).status_code == 403
