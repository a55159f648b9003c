"""Downloads in Chromium: through the built-in "Download picture" control and
through the image's ``data-export``, as a user takes them (Playwright's
``expect_download``): a vector PDF of the figure's size, an SVG with its text
as text, a PNG ``export_scale`` times the picture on screen, named from the
values; the control shown on hover and keyboard focus; the downloads always
the current values; ``ALL`` images each their own."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pypdf
import pytest
from dash import ALL, Input, Output, dcc, html
from matplotlib.figure import Figure
from PIL import Image

from .helpers import image_selector, wait_for_image

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"


def chart(title):
    figure = Figure(figsize=(4, 3), dpi=40)
    figure.add_subplot().plot([0, 1, 2], [2, 0, 1])
    figure.suptitle(title)
    return figure


@pytest.fixture
def chart_page(dash_factory, images, open_app):
    dash_app = dash_factory(
        html.Div(
            [
                dcc.Input(id="title", value="Zürich"),
                html.Div(html.Img(id="chart"), style={"position": "relative"}),
                html.A("SVG", id="svg-link", download=""),
            ]
        )
    )

    @images.callback(
        Output("chart", "src"),
        Input("title", "value"),
        export=("png", "svg", "pdf"),
        export_scale=3,
        filename="chart-{title}",
    )
    def draw(title):
        return chart(title)

    @dash_app.callback(Output("svg-link", "href"), Input("chart", "data-export"))
    def link(exports):
        return None if exports is None else exports["svg"]

    page = open_app(dash_app)
    wait_for_image(page, "#chart")
    return page


def download(page, action):
    with page.expect_download() as info:
        action()
    taken = info.value
    return taken.suggested_filename, Path(taken.path()).read_bytes()


def test_the_control_downloads_each_format(chart_page):
    page = chart_page
    button = page.get_by_role("button", name="Download picture")
    assert button.evaluate("b => getComputedStyle(b.parentNode).opacity") == "0"
    page.hover("#chart")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector("
        "'[data-dash-images-download]')).opacity === '1'"
    )
    button.click()
    links = page.locator("[data-dash-images-download] a")
    assert links.all_inner_texts() == ["PNG", "SVG", "PDF"]

    name, pdf = download(page, lambda: page.get_by_role("link", name="PDF").click())
    assert name == "chart-Zürich.pdf"
    assert pdf.startswith(b"%PDF-")
    (sheet,) = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert (float(sheet.mediabox.width), float(sheet.mediabox.height)) == (288, 216)

    button.click()
    name, png = download(page, lambda: page.get_by_role("link", name="PNG").click())
    assert name == "chart-Zürich.png"
    shown = page.evaluate("document.querySelector('#chart').naturalWidth")
    assert shown == 160
    assert Image.open(io.BytesIO(png)).size == (480, 360)


def test_the_control_opens_from_the_keyboard(chart_page):
    page = chart_page
    page.focus("#title")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Download picture"
    # Shown while it has the focus (after its short fade).
    page.wait_for_function(
        "() => getComputedStyle(document.activeElement.parentNode).opacity === '1'"
    )
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == "PNG"
    page.keyboard.press("Escape")
    assert page.locator("[data-dash-images-download] ul").is_hidden()


def test_data_export_takes_a_download_of_its_own_link(chart_page):
    page = chart_page
    page.wait_for_function(
        "() => (document.querySelector('#svg-link').getAttribute('href') || '')"
        ".includes('.svg?')"
    )
    name, svg = download(page, lambda: page.click("#svg-link"))
    assert name == "chart-Zürich.svg"
    root = ElementTree.fromstring(svg)
    assert "Zürich" in ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_the_downloads_are_the_current_values(dash_factory, images, open_app):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", type="number", value=1), html.Img(id="pic")])
    )
    calls = []

    @images.callback(Output("pic", "src"), Input("n", "value"), export=("png",))
    def draw(n):
        calls.append(n)
        if n == 2:
            time.sleep(1.5)  # still loading when n becomes 3
        return Image.new("L", (n, n), 90)

    page = open_app(dash_app)
    wait_for_image(page, "#pic")
    page.fill("#n", "2")
    page.wait_for_function("() => document.querySelector('#pic').src.includes('n=2')")
    page.fill("#n", "3")
    # The picture of 2 is still loading (its src waits), the download is 3's.
    page.hover("#pic")
    page.get_by_role("button", name="Download picture").click()
    href = page.get_by_role("link", name="PNG").get_attribute("href")
    assert "n=3" in href and "_download=1" in href
    assert "n=2" in page.get_attribute("#pic", "src")


def test_all_images_each_have_their_own_downloads(dash_factory, images, open_app):
    ids = [{"type": "thumb", "i": i} for i in range(3)]
    sizes = [4, 6, 8]
    dash_app = dash_factory(
        html.Div(
            [
                *[
                    dcc.Input(id={"type": "size", "i": i}, value=n)
                    for i, n in enumerate(sizes)
                ],
                *[html.Img(id=i) for i in ids],
            ]
        )
    )

    @images.callback(
        Output({"type": "thumb", "i": ALL}, "src"),
        Input({"type": "size", "i": ALL}, "value"),
        export=("pdf",),
        filename="thumb-{size}",
    )
    def thumb(size):
        return Image.new("L", (size, size), 120)

    page = open_app(dash_app)
    for i, size in enumerate(sizes):
        selector = image_selector(ids[i])
        wait_for_image(page, selector)
        page.hover(selector)
        control = page.locator(f"{selector} + [data-dash-images-download]")
        control.get_by_role("button", name="Download picture").click()
        name, pdf = download(page, lambda c=control: c.get_by_role("link").click())
        assert name == f"thumb-{size}.pdf"
        (sheet,) = pypdf.PdfReader(io.BytesIO(pdf)).pages
        assert float(sheet.mediabox.width) == size * 72 / 96


def listeners(page, selector, kind):
    """How many ``kind`` listeners the element has (Chromium's own count)."""
    cdp = page.context.new_cdp_session(page)
    found = cdp.send(
        "Runtime.evaluate", {"expression": f"document.querySelector({selector!r})"}
    )
    each = cdp.send(
        "DOMDebugger.getEventListeners", {"objectId": found["result"]["objectId"]}
    )["listeners"]
    return sum(1 for listener in each if listener["type"] == kind)


def test_a_picture_moved_by_react_keeps_one_control_and_one_listener(chart_page):
    # React moves the <img> (a list reordered): its control follows, made
    # anew each time, and the picture still has one listener placing it.
    page = chart_page
    page.evaluate(
        "() => { const img = document.querySelector('#chart');"
        " img.parentNode.appendChild(document.createElement('span')); }"
    )
    for _ in range(3):
        page.evaluate(
            "() => { const img = document.querySelector('#chart');"
            " img.parentNode.appendChild(img); }"
        )
        page.wait_for_function(
            "() => document.querySelector('#chart').previousElementSibling"
            " && document.querySelector('#chart + [data-dash-images-download]')"
        )
    assert page.locator("[data-dash-images-download]").count() == 1
    assert listeners(page, "#chart", "pointerenter") == 1
    # And it places the control there is now, at the picture's corner.
    page.evaluate("document.querySelector('#chart').style.marginLeft = '30px'")
    page.hover("#chart")
    left, corner = page.evaluate(
        "() => { const img = document.querySelector('#chart');"
        " return [img.nextElementSibling.style.left,"
        " img.offsetLeft + img.offsetWidth + 'px']; }"
    )
    assert left == corner
