"""format="svg": matplotlib figures and SVG text, sent locked down."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree

import pytest
from dash import Input, Output, dcc, html

from .dash_browser import DashBrowser

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
HOSTILE = "</text><script>alert(1)</script><text>&amp;\"'"


@pytest.fixture
def chart(images):
    from matplotlib.figure import Figure

    drawn = []

    @images.generator(name="chart", format="svg", deterministic=True)
    def chart(title, inches=4):
        figure = Figure(figsize=(inches, inches * 0.75), dpi=100)
        axes = figure.add_subplot()
        axes.plot([0, 1, 2], [0, 1, 4])
        axes.set_title(title)
        figure.canvas.mpl_connect("draw_event", lambda event: drawn.append(title))
        return figure

    chart.drawn = drawn
    return chart


def get(images, app, client, name, **params):
    with app.test_request_context():
        return client.get(images.url_for(name, **params))


def test_a_figure_is_sent_as_svg_with_a_locked_down_policy(images, app, client, chart):
    response = get(images, app, client, "chart", title="Sales")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "288pt" and root.get("height") == "216pt"
    assert "Server-Timing" in response.headers


def test_text_from_values_cannot_inject_markup(images, app, client, chart):
    response = get(images, app, client, "chart", title=HOSTILE)
    assert response.status_code == 200
    assert b"<script" not in response.data
    ElementTree.fromstring(response.data)  # still one well-formed document


def test_svg_text_and_bytes_are_sent_as_they_are(images, app, client):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    images.generator(name="text", format="svg")(lambda: svg)
    images.generator(name="bytes", format="svg")(
        lambda: b'<?xml version="1.0"?>\n' + svg.encode()
    )
    assert get(images, app, client, "text").data == svg.encode()
    assert get(images, app, client, "bytes").data.endswith(svg.encode())


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("<html><body>not svg</body></html>", "bytes that are not svg"),
        (b"\x89PNG\r\n\x1a\n", "bytes that are not svg"),
        (42, 'format="svg" takes a matplotlib Figure, or SVG text or bytes'),
    ],
)
def test_what_is_not_svg_is_a_500_and_logged(
    images, app, client, caplog, result, message
):
    images.generator(name="bad", format="svg")(lambda: result)
    with caplog.at_level(logging.ERROR):
        response = get(images, app, client, "bad")
    assert response.status_code == 500
    assert message in caplog.text


def test_a_pillow_image_cannot_be_svg(images, app, client, caplog):
    from PIL import Image

    images.generator(name="raster", format="svg")(lambda: Image.new("L", (2, 2)))
    with caplog.at_level(logging.ERROR):
        assert get(images, app, client, "raster").status_code == 500
    assert "takes a matplotlib Figure" in caplog.text


def test_a_figure_too_large_is_refused_before_it_is_drawn(
    images, app_factory, chart, caplog
):
    app = app_factory(DASH_IMAGES_MAX_PIXELS=1000 * 1000)
    client = app.test_client()
    assert get(images, app, client, "chart", title="a", inches=10).status_code == 200
    with caplog.at_level(logging.ERROR):
        response = get(images, app, client, "chart", title="b", inches=100)
    assert response.status_code == 500
    assert "10000x7500, more than the 1000000 pixels" in caplog.text
    assert chart.drawn == ["a"]


def test_auto_never_picks_svg(images, app, client):
    from PIL import Image

    images.generator(name="auto", format="auto")(lambda: Image.new("L", (2, 2)))
    for accept in ("image/svg+xml", "image/svg+xml, */*;q=0.1", "image/*"):
        response = client.get("/image_generator/auto.auto", headers={"Accept": accept})
        assert response.mimetype == "image/png"


def test_svg_takes_no_pillow_options(images):
    with pytest.raises(ValueError, match="unknown option 'quality'"):
        images.generator(name="x", format="svg", quality=80)(lambda: "<svg/>")


def test_a_dash_callback_can_draw_svg(dash_factory, images):
    from matplotlib.figure import Figure

    dash_app = dash_factory(html.Div([dcc.Input(id="t", value="x"), html.Img(id="i")]))

    @images.callback(Output("i", "src"), Input("t", "value"), format="svg")
    def draw(title):
        figure = Figure(figsize=(2, 2))
        figure.suptitle(title)
        return figure

    page = DashBrowser(dash_app)
    url = page.update("i.src", ["hello"])
    assert url.endswith(".svg?title=%22hello%22")
    response = page.get(url)
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == CSP
    # The title is drawn (as paths): the same title, the same drawing;
    # another title, another drawing.
    assert page.get(url).data == response.data
    other = page.get(page.update("i.src", ["bye"]))
    assert other.status_code == 200 and other.data != response.data


def test_the_same_figure_is_the_same_svg_so_it_revalidates(images, app, client):
    # matplotlib writes the time into an SVG unless told not to: every
    # drawing would differ, and its ETag (from the bytes) never match.
    from matplotlib.figure import Figure

    @images.generator(name="line", format="svg")
    def line():
        figure = Figure(figsize=(2, 2))
        figure.add_subplot().plot([0, 1], [1, 0])
        return figure

    first = get(images, app, client, "line")
    assert b"<dc:date>" not in first.data
    with app.test_request_context():
        url = images.url_for("line")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "deterministic", [True, False], ids=["deterministic", "not deterministic"]
)
def test_an_svg_of_any_version_is_sent_locked_down(images, app_factory, deterministic):
    # A URL's version is the client's to choose: another version than the
    # server's is sent no-store, and still with the policy, so that no one
    # can have an SVG sent without it by editing _v.
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    images.generator(name="text", format="svg", deterministic=deterministic)(
        lambda: svg
    )
    app = app_factory(DASH_IMAGES_VERSION="7")
    client = app.test_client()
    with app.test_request_context():
        url = images.url_for("text")
    assert url == "/image_generator/text.svg?_v=7"
    other = "/image_generator/text.svg?_v=6"
    responses = {"current": client.get(url), "other version": client.get(other)}
    for name, address in (("current", url), ("other version", other)):
        etag = responses[name].headers["ETag"]
        responses[f"{name}, revalidated"] = client.get(
            address, headers={"If-None-Match": etag}
        )
    responses["no version"] = client.get("/image_generator/text.svg")
    assert {k: r.status_code for k, r in responses.items()} == {
        "current": 200,
        "other version": 200,
        "current, revalidated": 304,
        "other version, revalidated": 304,
        "no version": 200,
    }
    assert {
        k: (
            r.headers.get("Content-Security-Policy"),
            r.headers.get("X-Content-Type-Options"),
        )
        for k, r in responses.items()
    } == dict.fromkeys(responses, (CSP, "nosniff"))
    assert responses["other version"].data == svg.encode()
    assert responses["other version"].headers["Cache-Control"] == "no-store"
    assert responses["current"].headers["Cache-Control"] == "private, no-cache"
