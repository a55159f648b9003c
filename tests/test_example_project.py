"""The example gallery: every page answers, every demo's picture loads."""

from __future__ import annotations

import json
import re
import typing as t
from html.parser import HTMLParser
from urllib.parse import quote

import flask
import numpy as np
import pytest
from PIL import Image

from example_project import __main__ as main_module
from example_project import create_app, create_dash_app
from example_project.nav import LINKS
from example_project.pages import (
    PAGES,
    chart,
    errors,
    formats,
    fractal,
    heatmap,
    line,
    thumbnails,
)

from .conftest import decode, same_pixels

THUMB = '{"index":["MATCH"],"type":"thumb"}.src'

# The demos whose URL a server-side callback builds, for one picture:
# output, input values, concrete output id (for MATCH), picture size.
DEMOS = {
    "fractal": (
        "fractal-picture.src",
        [3, -0.75, 0.1, 120],
        None,
        (fractal.WIDTH, fractal.HEIGHT),
    ),
    "chart": ("chart-picture.src", [3, 400], None, (chart.WIDTH, chart.HEIGHT)),
    "formats": (
        "formats-png.src",
        ["Dendrite"],
        None,
        (formats.WIDTH, formats.HEIGHT),
    ),
    "thumbnails": (
        THUMB,
        [({"type": "hue", "index": 2}, 200)],
        {"type": "thumb", "index": 2},
        (thumbnails.SIZE, thumbnails.SIZE),
    ),
    "errors": ("errors-polygon.src", [7], None, (errors.SIZE, errors.SIZE)),
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


def hidpi_update(page: t.Any, component: str, inputs: list[t.Any]) -> tuple[str, str]:
    """``src`` and ``srcSet`` from a ``hidpi=True`` image callback, whose one
    callback has both as outputs; ``inputs`` in declared order."""
    callback = page.callback_for(f"..{component}.src...{component}.srcSet..")
    body = {
        "output": callback["output"],
        "outputs": [
            {"id": component, "property": "src"},
            {"id": component, "property": "srcSet"},
        ],
        "inputs": [
            {"id": d["id"], "property": d["property"], "value": value}
            for d, value in zip(callback["inputs"], inputs, strict=True)
        ],
        "changedPropIds": [],
    }
    response = page.client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    props = response.get_json()["response"][component]
    return props["src"], props["srcSet"]


def clientside_specs(client: t.Any) -> list[dict[str, t.Any]]:
    """What the page's clientside image callbacks know: their route and
    parameter names, read from the inline scripts of the page's HTML."""
    html = client.get("/").get_data(as_text=True)
    return [json.loads(m) for m in re.findall(r"var spec = (\{.*?\});", html)]


def line_url(client: t.Any, x: t.Any, y: t.Any) -> str:
    """The URL the Line page's clientside callback builds for (x, y): values
    as JSON.stringify writes them, percent-encoded."""
    (spec,) = clientside_specs(client)
    assert spec["names"] == ["x", "y"]
    query = "&".join(
        f"{name}={quote(json.dumps(value, separators=(',', ':')), safe='')}"
        for name, value in zip(spec["names"], (x, y), strict=True)
    )
    # The browser puts the Dash app's requests_pathname_prefix ("/") first.
    return f"/{spec['path']}?{query}"


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


def test_the_line_demo_builds_its_url_in_the_browser(dash_app):
    client = dash_app.server.test_client()
    dependencies = client.get("/_dash-dependencies").get_json()
    (callback,) = [d for d in dependencies if d["output"] == "line-picture.src"]
    assert callback["clientside_function"] is not None
    # The page's HTML carries the script, which knows the route...
    (spec,) = clientside_specs(client)
    assert spec["path"].startswith("image_generator/")
    assert spec["path"].endswith(".png")
    # ...and the route draws the README's picture for the URL it builds.
    response = client.get(line_url(client, 150, 40))
    assert response.status_code == 200
    assert same_pixels(decode(response.data), line.draw_line(150, 40))


def test_the_heat_map_offers_a_picture_twice_as_large_for_hidpi_screens(page):
    src, srcset = hidpi_update(page, "heatmap-picture", [2.5, "viridis"])
    url_2x, descriptor = srcset.split(" ")
    assert descriptor == "2x"
    assert src.endswith("&scale=1") and url_2x == src[: -len("1")] + "2"
    one, two = (decode(page.get(url).data) for url in (src, url_2x))
    assert one.size == (heatmap.WIDTH, heatmap.HEIGHT)
    assert two.size == (2 * heatmap.WIDTH, 2 * heatmap.HEIGHT)
    assert same_pixels(one, Image.fromarray(heatmap.heat_map(2.5, "viridis")))
    # The same ripples, sampled twice as finely: halved, close to the 1x one.
    halved = np.asarray(two.reduce(2), dtype=float)
    assert np.abs(halved - np.asarray(one, dtype=float)).mean() < 4


@pytest.mark.parametrize("name", formats.FIXED)
def test_the_formats_demo_serves_each_format(page, name):
    url = page.update(f"formats-{name}.src", ["Triple spirals"])
    assert url.partition("?")[0].endswith(f".{name}")
    response = page.get(url)
    assert response.status_code == 200
    assert response.mimetype == f"image/{name}"
    assert decode(response.data).size == (formats.WIDTH, formats.HEIGHT)


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", "image/webp"),
        pytest.param(
            "image/avif,image/*,*/*;q=0.8",
            "image/avif",
            marks=pytest.mark.skipif(
                "avif" not in formats.FIXED, reason="this Pillow cannot write AVIF"
            ),
        ),
        ("image/*,*/*;q=0.8", "image/png"),
        (None, "image/png"),
    ],
)
def test_the_auto_picture_follows_the_accept_header(page, accept, mimetype):
    url = page.update("formats-auto.src", ["Dendrite"])
    assert url.partition("?")[0].endswith(".auto")
    headers = {} if accept is None else {"Accept": accept}
    response = page.get(url, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "Accept" in response.vary
    assert decode(response.data).size == (formats.WIDTH, formats.HEIGHT)


def test_a_fractal_view_is_computed_once(page, monkeypatch):
    calls = []
    escape_times = fractal.escape_times

    def counted(*args: t.Any) -> t.Any:
        calls.append(args)
        return escape_times(*args)

    monkeypatch.setattr(fractal, "escape_times", counted)
    url = page.update("fractal-picture.src", [2, -0.75, 0.1, 100])
    first = page.get(url)
    assert first.status_code == 200 and len(calls) == 1
    assert first.cache_control.max_age == fractal.MAX_AGE
    # A browser revalidating: 304 from the URL alone.
    again = page.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # Another visitor: the server's cache answers.
    other = page.get(url)
    assert other.status_code == 200 and other.data == first.data
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("output", "inputs", "size"),
    [
        (
            "fractal-picture.src",
            [None, "x", [], 10**9],
            (fractal.WIDTH, fractal.HEIGHT),
        ),
        ("chart-picture.src", [10**9, -5], (chart.WIDTH, chart.HEIGHT)),
        ("formats-jpeg.src", [{"no": "such view"}], (formats.WIDTH, formats.HEIGHT)),
        ("errors-polygon.src", [10**6], (errors.SIZE, errors.SIZE)),
    ],
)
def test_generators_bound_values_a_url_could_carry(page, output, inputs, size):
    # Empty inputs send None, and anyone can edit a URL: no error, no
    # billion-iteration fractal, just the picture for the nearest sane value.
    response = page.get(page.update(output, inputs))
    assert response.status_code == 200
    assert decode(response.data).size == size


def test_clientside_and_hidpi_generators_bound_values_too(page):
    client = page.client
    response = client.get(line_url(client, None, "x"))
    assert response.status_code == 200
    assert decode(response.data).size == (line.SIZE, line.SIZE)
    src, srcset = hidpi_update(page, "heatmap-picture", [1e300, "no-such-map"])
    for url, scale in ((src, 1), (srcset.split(" ")[0], 2)):
        response = client.get(url)
        assert response.status_code == 200
        assert decode(response.data).size == (
            heatmap.WIDTH * scale,
            heatmap.HEIGHT * scale,
        )


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
        browser(app).update("chart-picture.src", [3, 200]) for app in (first, second)
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
    # A browser cannot sign, so the Line page's URL is built on the server.
    assert clientside_specs(dash_app.server.test_client()) == []
    url = page.update("line-picture.src", [5, 5])
    assert "_sig=" in url
    assert page.get(url).status_code == 200
    assert page.get(url.partition("&_sig=")[0]).status_code == 403
