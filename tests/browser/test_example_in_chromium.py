"""The example gallery in Chromium, as a visitor uses it.

Every page loads without console errors, asks for each picture once, and
every picture decodes at the size its page module says; changing an input
changes what the browser shows, read back pixel by pixel; a key press on the
fractal's Centre sliders moves the view a visible step, and a zoom from the
whole set finds more than black; a failing generator breaks only its own
picture; a high-density screen loads the heat map's 2x picture, and only
that one; the sliders' value tooltips cover no other control. Pointer
events: a region brushed on the Zoom picture becomes its view at the
picture's aspect ratio (and a double-click the whole view again), each view
in the page's URL for Back and Forward, and a click on a city of the
Inspect scatter names it.
"""

from __future__ import annotations

import collections
import json
import re
import typing as t
from urllib.parse import parse_qsl, urlsplit

import flask
import pytest
from dash.development.base_component import stringify_id
from PIL import Image

from example_project import axes, create_app, flask_page
from example_project.nav import FLASK_PAGE
from example_project.pages import (
    PAGES,
    chart,
    errors,
    formats,
    fractal,
    heatmap,
    inspect,
    line,
    thumbnails,
    zoom,
)
from flask_dash_images.core.render import to_image

from ..conftest import black_share, same_pixels
from .helpers import (
    allow_console_errors,
    assert_no_console_errors,
    choose_option,
    decoded_size,
    fill_and_wait_for_image,
    image_selector,
    page_log,
    read_image,
    wait_for_broken_image,
    wait_for_chosen_image,
    wait_for_dash,
    wait_for_image,
    wait_for_pictures,
    wait_for_response,
)

if t.TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser


def thumb(index: int) -> dict[str, t.Any]:
    return {"type": "thumb", "index": index}


# Each Dash page's pictures: the <img>'s DOM id -> its natural size.
PICTURES: dict[str, dict[str, tuple[int, int]]] = {
    "/": {},
    line.PATH: {"line-picture": (line.SIZE, line.SIZE)},
    fractal.PATH: {"fractal-picture": (fractal.WIDTH, fractal.HEIGHT)},
    chart.PATH: {"chart-picture": (chart.WIDTH, chart.HEIGHT)},
    inspect.PATH: {"inspect-picture": (inspect.WIDTH, inspect.HEIGHT)},
    heatmap.PATH: {"heatmap-picture": (heatmap.WIDTH, heatmap.HEIGHT)},
    zoom.PATH: {"zoom-picture": (zoom.WIDTH, zoom.HEIGHT)},
    formats.PATH: {
        f"formats-{name}": (formats.WIDTH, formats.HEIGHT) for name in formats.FORMATS
    },
    thumbnails.PATH: {
        stringify_id(thumb(i)): (thumbnails.SIZE, thumbnails.SIZE)
        for i in range(len(thumbnails.HUES))
    },
    errors.PATH: {
        "errors-picture": (errors.SIZE, errors.SIZE),
        "errors-polygon": (errors.SIZE, errors.SIZE),
    },
}


@pytest.fixture
def gallery(live_server: t.Callable[[t.Any], str]) -> str:
    """The base URL of a fresh gallery served on loopback."""
    return live_server(create_app())


@pytest.fixture
def visit(gallery: str, page: Page) -> t.Callable[[str], Page]:
    """Open a gallery page in ``page``; a Dash page once the renderer drew it."""

    def open_(path: str) -> Page:
        page.goto(gallery + path)
        if path != FLASK_PAGE.path:
            wait_for_dash(page)
            page.wait_for_selector("#page > h2")
        return page

    return open_


def gallery_url(page: Page, src: str) -> str:
    """The absolute URL of a ``src`` on ``page``."""
    return t.cast(
        str, page.evaluate("(src) => new URL(src, document.baseURI).href", src)
    )


def query_values(src: str) -> dict[str, t.Any]:
    """The values in an image URL's query, decoded from their JSON."""
    return {k: json.loads(v) for k, v in parse_qsl(urlsplit(src).query)}


def requests_to(page: Page, fragment: str) -> list[str]:
    return [url for _, url in page_log(page).responses if fragment in url]


def count_picture_requests(page: Page) -> collections.Counter[str]:
    """From now on, count the requests ``page`` sends for each picture URL."""
    counts: collections.Counter[str] = collections.Counter()
    page.on(
        "request",
        lambda request: (
            counts.update([request.url]) if "/image_generator/" in request.url else None
        ),
    )
    return counts


def test_the_table_covers_every_page():
    assert set(PICTURES) == {"/", *(p.PATH for p in PAGES)}


@pytest.mark.parametrize("path", list(PICTURES))
def test_every_dash_page_loads_and_its_pictures_decode(page, visit, path):
    requests = count_picture_requests(page)
    visit(path)
    expected = PICTURES[path]
    if expected:
        # Those shown: the Zoom page's picture for the other drag loads nothing.
        shown = wait_for_pictures(page, "img:not([style*='display: none'])")
        loaded = {p["id"]: (p["width"], p["height"]) for p in shown}
        assert loaded == expected
    else:
        assert page.locator("img").count() == 0
    assert {status for status, _ in page_log(page).image_responses()} <= {200}
    assert len(page_log(page).image_responses()) >= len(expected)
    # Whatever a page shows about its pictures, it learns without asking again.
    page.wait_for_load_state("networkidle")
    assert {url: n for url, n in requests.items() if n > 1} == {}
    assert_no_console_errors(page)


def test_the_flask_page_loads_and_its_pictures_decode(visit):
    page = visit(FLASK_PAGE.path)
    sizes = {p["alt"]: (p["width"], p["height"]) for p in wait_for_pictures(page)}
    text = "Hello from Flask"
    assert sizes == {
        f"a badge reading {text}": flask_page.badge(text).size,
        **{
            f"random walk, seed {seed}": (
                flask_page.SPARK_WIDTH,
                flask_page.SPARK_HEIGHT,
            )
            for seed in range(1, 5)
        },
        **{name: (fractal.WIDTH, fractal.HEIGHT) for name in fractal.PRESETS},
    }
    assert [s for s, _ in page_log(page).image_responses()] == [200] * len(sizes)

    # The form reloads the page with new text: a new badge, every letter
    # drawn (see test_example_project for the missing-glyph box).
    text = "Grüße ÆØÅ €"
    page.fill("input[name=text]", text)
    with page.expect_navigation():
        page.click("button[type=submit]")
    selector = f"img[alt='a badge reading {text}']"
    badge = wait_for_image(page, selector)
    assert (badge.width, badge.height) == flask_page.badge(text).size
    assert same_pixels(read_image(page, selector), flask_page.badge(text))
    assert_no_console_errors(page)


def test_the_line_follows_its_inputs_with_one_request_per_change(visit):
    page = visit(line.PATH)
    first = wait_for_image(page, "#line-picture")
    assert same_pixels(read_image(page, "#line-picture"), line.draw_line(120, 80))
    callbacks = len(requests_to(page, "/_dash-update-component"))

    second = fill_and_wait_for_image(page, "#line-x", "40", "#line-picture")
    assert second.src != first.src
    assert same_pixels(read_image(page, "#line-picture"), line.draw_line(40, 80))
    # The URL was built in the browser: the picture's request, no callback's.
    assert len(requests_to(page, "/_dash-update-component")) == callbacks
    assert len(requests_to(page, second.src)) == 1
    assert_no_console_errors(page)


def test_an_emptied_box_leaves_the_line_as_it_is(visit):
    page = visit(line.PATH)
    first = wait_for_image(page, "#line-picture")
    # No request for x=null, until the box has a number again.
    page.fill("#line-x", "")
    second = fill_and_wait_for_image(page, "#line-x", "60", "#line-picture")
    assert query_values(second.src) == {"x": 60, "y": 80}
    assert [url for _, url in page_log(page).image_responses()] == [
        gallery_url(page, src) for src in (first.src, second.src)
    ]
    assert_no_console_errors(page)


def test_the_fractal_jumps_to_a_preset_and_back_from_the_cache(visit):
    page = visit(fractal.PATH)
    first = wait_for_image(page, "#fractal-picture")

    choose_option(page, "#fractal-preset", "Seahorse valley")
    second = wait_for_image(page, "#fractal-picture", changed_from=first.src)
    values = query_values(second.src)
    names = ("zoom", "centre_x", "centre_y", "iterations")
    preset = dict(zip(names, fractal.PRESETS["Seahorse valley"], strict=True))
    assert values == pytest.approx(preset)
    drawn = Image.fromarray(fractal.mandelbrot(**values))
    assert same_pixels(read_image(page, "#fractal-picture"), drawn)

    # Back to the first view: the browser still has it (max_age), no request.
    choose_option(page, "#fractal-preset", "Whole set")
    again = wait_for_image(page, "#fractal-picture", src=first.src)
    assert again.src == first.src
    assert len(requests_to(page, first.src)) == 1
    assert_no_console_errors(page)


def test_zooming_in_from_the_whole_set_finds_more_than_black(visit):
    page = visit(fractal.PATH)
    first = wait_for_image(page, "#fractal-picture")
    page.locator("#fractal-zoom [role=slider]").press("End")
    deepest = wait_for_image(page, "#fractal-picture", changed_from=first.src)
    values = query_values(deepest.src)
    _, x, y, iterations = fractal.PRESETS["Whole set"]
    assert values == pytest.approx(
        {
            "zoom": fractal.MAX_ZOOM,
            "centre_x": x,
            "centre_y": y,
            "iterations": iterations,
        }
    )
    shown = read_image(page, "#fractal-picture")
    assert same_pixels(shown, Image.fromarray(fractal.mandelbrot(**values)))
    assert black_share(shown) < 0.9
    assert_no_console_errors(page)


def centre_moved(
    before: dict[str, t.Any], after: dict[str, t.Any]
) -> tuple[float, float]:
    """How far the view moved between two URLs' values, in its pixels."""
    pixel = fractal.VIEW_WIDTH / (fractal.WIDTH * 2 ** before["zoom"])
    return (
        (after["centre_x"] - before["centre_x"]) / pixel,
        (after["centre_y"] - before["centre_y"]) / pixel,
    )


@pytest.mark.parametrize("preset", ["Whole set", "Seahorse valley", "Triple spirals"])
def test_a_key_press_on_a_centre_slider_moves_the_picture(visit, preset):
    page = visit(fractal.PATH)
    src = wait_for_image(page, "#fractal-picture").src
    if preset != "Whole set":
        choose_option(page, "#fractal-preset", preset)
        src = wait_for_image(page, "#fractal-picture", changed_from=src).src
    for slider, axis in (("#fractal-x", 0), ("#fractal-y", 1)):
        before = read_image(page, "#fractal-picture")
        page.locator(f"{slider} [role=slider]").press("ArrowRight")
        moved = wait_for_image(page, "#fractal-picture", changed_from=src)
        shift = centre_moved(query_values(src), query_values(moved.src))
        # One step, 8 to 20 pixels; from a value off the step's grid Radix
        # snaps to the grid, which may add or take half a step.
        assert 4 <= shift[axis] <= 30 and shift[1 - axis] == 0, shift
        after = read_image(page, "#fractal-picture")
        assert not same_pixels(after, before)
        values = query_values(moved.src)
        assert same_pixels(after, Image.fromarray(fractal.mandelbrot(**values)))
        src = moved.src
    assert_no_console_errors(page)


def test_the_chart_redraws_for_fewer_walkers(visit):
    page = visit(chart.PATH)
    first = wait_for_image(page, "#chart-picture")
    before = read_image(page, "#chart-picture")

    choose_option(page, "#chart-walkers", "1")
    second = wait_for_image(page, "#chart-picture", changed_from=first.src)
    assert (second.width, second.height) == (chart.WIDTH, chart.HEIGHT)
    assert query_values(second.src)["walkers"] == 1
    assert not same_pixels(read_image(page, "#chart-picture"), before)
    assert_no_console_errors(page)


def test_the_heat_map_changes_colour_map(visit):
    page = visit(heatmap.PATH)
    first = wait_for_image(page, "#heatmap-picture")
    magma = Image.fromarray(heatmap.heat_map(3, "magma"))
    assert same_pixels(read_image(page, "#heatmap-picture"), magma)

    choose_option(page, "#heatmap-colours", "viridis")
    wait_for_image(page, "#heatmap-picture", changed_from=first.src)
    viridis = Image.fromarray(heatmap.heat_map(3, "viridis"))
    assert same_pixels(read_image(page, "#heatmap-picture"), viridis)
    assert_no_console_errors(page)


@pytest.mark.parametrize("scale", [1, 2])
def test_the_heat_map_loads_the_picture_for_the_screens_density(
    new_context: t.Callable[..., BrowserContext], gallery: str, scale: int
):
    page = new_context(device_scale_factor=scale).new_page()
    page.goto(gallery + heatmap.PATH)
    wait_for_dash(page)
    shown = wait_for_chosen_image(page, "#heatmap-picture")
    assert f"scale={scale}" in shown["currentSrc"]
    assert shown["srcset"].endswith("scale=2 2x")
    # Drawn at its CSS size whatever the density...
    assert (shown["cssWidth"], shown["cssHeight"]) == (heatmap.WIDTH, heatmap.HEIGHT)
    # ...from `scale` times as many pixels. naturalWidth is divided by the
    # density of the srcset candidate, so it is the CSS size either way.
    assert decoded_size(page, "#heatmap-picture") == (
        heatmap.WIDTH * scale,
        heatmap.HEIGHT * scale,
    )
    assert (shown["width"], shown["height"]) == (heatmap.WIDTH, heatmap.HEIGHT)

    # A new input: again only the picture for this density is fetched.
    choose_option(page, "#heatmap-colours", "cividis")
    wait_for_chosen_image(
        page, "#heatmap-picture", f"scale={scale}", changed_from=shown["currentSrc"]
    )
    fetched = [url for _, url in page_log(page).image_responses()]
    assert len(fetched) == 2
    assert all(f"scale={scale}" in url for url in fetched)
    assert_no_console_errors(page)


def test_the_formats_page_says_what_the_browser_received(gallery, page):
    # Imported here: without Playwright the fixtures skip this test.
    from playwright.sync_api import expect

    types: dict[str, str] = {}
    page.on(
        "response",
        lambda r: types.__setitem__(r.url, r.headers.get("content-type", "")),
    )
    page.goto(gallery + formats.PATH)
    wait_for_dash(page)
    first = {}
    for name in formats.FORMATS:
        first[name] = wait_for_image(page, f"#formats-{name}").src
        caption = page.locator(f"#formats-{name}-received")
        expect(caption).to_contain_text("received")
        first[f"{name}-received"] = caption.text_content()

    choose_option(page, "#formats-preset", "Dendrite")
    for name in formats.FORMATS:
        picture = wait_for_image(page, f"#formats-{name}", changed_from=first[name])
        assert query_values(picture.src) == {"preset": "Dendrite"}
        # The caption says what the browser got, as the response said it.
        caption = page.locator(f"#formats-{name}-received")
        expect(caption).not_to_have_text(first[f"{name}-received"])
        received = types[gallery + picture.src]
        expect(caption).to_have_text(re.compile(rf"^received {received} · \d"))
        if name == "auto":
            # One URL for every browser; Chromium's Accept header names WebP
            # and AVIF, and the server prefers WebP.
            assert urlsplit(picture.src).path.endswith(".auto")
            expect(page.locator("#formats-auto-url")).to_have_text(picture.src)
            assert received == "image/webp"
        else:
            assert received == f"image/{name}"
    assert_no_console_errors(page)


def test_one_thumbnail_follows_its_slider(visit):
    page = visit(thumbnails.PATH)
    selectors = [image_selector(thumb(i)) for i in range(len(thumbnails.HUES))]
    before = [wait_for_image(page, s).src for s in selectors]

    slider = image_selector({"type": "hue", "index": 1}) + " [role=slider]"
    page.locator(slider).press("ArrowRight")
    hue = thumbnails.HUES[1] + 5
    changed = wait_for_image(page, selectors[1], changed_from=before[1])
    assert query_values(changed.src) == {"hue": hue}
    assert same_pixels(read_image(page, selectors[1]), thumbnails.hue_tile(hue))
    others = [page.locator(s).get_attribute("src") for s in selectors]
    assert others[:1] + others[2:] == before[:1] + before[2:]
    assert_no_console_errors(page)


def test_the_errors_page_asks_for_each_picture_once(page, visit):
    from playwright.sync_api import expect

    requests = count_picture_requests(page)
    visit(errors.PATH)
    allow_console_errors(page, r"Failed to load resource: .* status of 500")
    drawn = wait_for_image(page, "#errors-picture")
    polygon = wait_for_image(page, "#errors-polygon")
    status = page.locator("#errors-status")
    expect(status).to_have_text("HTTP 200 OK")
    page.wait_for_load_state("networkidle")
    assert requests == {
        gallery_url(page, drawn.src): 1,
        gallery_url(page, polygon.src): 1,
    }

    # A failing picture: its status shown, its generator run once.
    page.get_by_label(errors.BEHAVIOURS["raise"]).check()
    broken = wait_for_broken_image(page, "#errors-picture", changed_from=drawn.src)
    expect(status).to_have_text("HTTP 500 Internal Server Error")
    page.wait_for_load_state("networkidle")
    assert requests[gallery_url(page, broken.src)] == 1
    assert sum(requests.values()) == 3
    assert_no_console_errors(page)


def test_a_failing_generator_shows_its_status_and_the_page_keeps_working(visit):
    # Imported here: without Playwright the fixtures skip this test.
    from playwright.sync_api import expect

    page = visit(errors.PATH)
    allow_console_errors(page, r"Failed to load resource: .* status of [45]00")
    drawn = wait_for_image(page, "#errors-picture")
    polygon = wait_for_image(page, "#errors-polygon")

    page.get_by_label(errors.BEHAVIOURS["raise"]).check()
    broken = wait_for_broken_image(page, "#errors-picture", changed_from=drawn.src)
    status, _ = wait_for_response(page, lambda s, url: url.endswith(broken.src))
    assert status == 500
    page.wait_for_function(
        "document.getElementById('errors-status').textContent.startsWith('HTTP 500')"
    )
    page.get_by_label(errors.BEHAVIOURS["abort"]).check()
    wait_for_broken_image(page, "#errors-picture", changed_from=broken.src)
    expect(page.locator("#errors-status")).to_have_text("HTTP 400 Bad Request")

    # The other picture still follows its slider...
    page.locator("#errors-sides [role=slider]").press("ArrowRight")
    sides = wait_for_image(page, "#errors-polygon", changed_from=polygon.src)
    assert query_values(sides.src) == {"sides": 6}
    assert same_pixels(read_image(page, "#errors-polygon"), errors.polygon(6))
    # ...and the failing one comes back when it is asked to draw.
    page.get_by_label(errors.BEHAVIOURS["draw"]).check()
    wait_for_image(page, "#errors-picture", src=drawn.src)
    assert same_pixels(read_image(page, "#errors-picture"), errors.fragile("draw"))
    assert_no_console_errors(page)


def picture_point(
    page: Page, selector: str, fx: float, fy: float
) -> tuple[float, float]:
    """Where the point at fractions (fx, fy) of a picture is, from its top
    left, in the page's CSS pixels: inside the border of the ``<img>``'s
    content box, which is what the picture fills."""
    page.locator(selector).scroll_into_view_if_needed()
    left, top, width, height = page.locator(selector).evaluate(
        """(img) => {
            const box = img.getBoundingClientRect();
            return [box.left + img.clientLeft, box.top + img.clientTop,
                    img.clientWidth, img.clientHeight];
        }"""
    )
    return left + fx * width, top + fy * height


def density_point(page: Page, selector: str, x: float, y: float) -> tuple[float, float]:
    """Where the data point (x, y) of the Zoom picture at ``selector`` is,
    in CSS pixels: through the picture's extent, margins and all."""
    view = query_values(page.locator(selector).get_attribute("src") or "")["view"]
    x0, x1, y0, y1 = zoom.bounded_view(view)
    left, top, _, _ = axes.MARGINS
    column = left + (x - x0) / (x1 - x0) * zoom.DENSITY_WIDTH
    row = top + (y1 - y) / (y1 - y0) * zoom.DENSITY_HEIGHT
    return picture_point(page, selector, column / zoom.WIDTH, row / zoom.HEIGHT)


@pytest.fixture(autouse=True)
def few_zoom_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Zoom page draws 200,000 points, made in memory (the gallery's
    hundred million and their cache file are not for tests)."""
    monkeypatch.setenv(zoom.COUNT_VARIABLE, "200000")
    monkeypatch.setenv(zoom.CACHE_VARIABLE, "")


def zoom_link(page: Page) -> str:
    return urlsplit(page.url).query


@pytest.fixture
def served(live_server: t.Callable[[t.Any], str], page: Page) -> list[str]:
    """Open the Zoom page of a gallery that lists the pictures it serves
    (the browser's cache answers the others)."""
    app = create_app()
    pictures: list[str] = []

    @app.after_request
    def log(response: t.Any) -> t.Any:
        if "/image_generator/" in flask.request.path:
            pictures.append(flask.request.full_path)
        return response

    page.goto(live_server(app) + zoom.PATH)
    wait_for_dash(page)
    return pictures


def test_a_brush_zooms_at_the_aspect_ratio_and_back_and_forward_restore_views(
    page, served
):
    from playwright.sync_api import expect

    first = wait_for_image(page, "#zoom-picture")
    assert query_values(first.src) == {"view": list(zoom.FULL)}
    whole_picture = zoom.density(zoom.FULL).picture
    assert same_pixels(read_image(page, "#zoom-picture"), whole_picture)
    expect(page.locator("#zoom-range")).to_have_text(zoom.describe(zoom.FULL)[0])
    assert zoom_link(page) == ""

    # A drag that brushes: the other picture, the same view.
    page.get_by_label(zoom.DRAGS["brush"]).check()
    whole = wait_for_image(page, "#zoom-box")
    assert query_values(whole.src) == {"view": list(zoom.FULL)}
    expect(page.locator("#zoom-picture")).to_be_hidden()
    # Brush from (-3, 2) to (1, 0): twice as wide as the picture's shape.
    page.mouse.move(*density_point(page, "#zoom-box", -3, 2))
    page.mouse.down()
    page.mouse.move(*density_point(page, "#zoom-box", 1, 0), steps=8)
    page.mouse.up()
    zoomed = wait_for_image(page, "#zoom-box", changed_from=whole.src)
    # The region brushed, to half a pixel, made as tall as the aspect
    # ratio asks around its centre: 4 wide, 8/3 tall.
    view = query_values(zoomed.src)["view"]
    half_pixel = (zoom.FULL[1] - zoom.FULL[0]) / zoom.DENSITY_WIDTH / 2
    assert view == pytest.approx([-3, 1, 1 - 4 / 3, 1 + 4 / 3], abs=half_pixel)
    assert (view[1] - view[0]) / (view[3] - view[2]) == pytest.approx(1.5, rel=1e-4)
    shown = read_image(page, "#zoom-box")
    assert same_pixels(shown, zoom.density(view).picture)
    expect(page.locator("#zoom-range")).to_have_text(zoom.describe(view)[0])
    # The page's URL holds the view: a link to it.
    assert zoom_link(page) == zoom.link(tuple(view)).removeprefix("?")

    # A double-click: the whole view, and the page's URL with no view.
    page.mouse.dblclick(*picture_point(page, "#zoom-box", 0.5, 0.5))
    wait_for_image(page, "#zoom-box", src=whole.src)
    assert zoom_link(page) == ""
    # Back: the brushed view (the browser still has its picture); Forward:
    # the whole one; Back twice: the first.
    page.go_back()
    wait_for_image(page, "#zoom-box", src=zoomed.src)
    assert same_pixels(read_image(page, "#zoom-box"), shown)
    assert zoom_link(page) == zoom.link(tuple(view)).removeprefix("?")
    page.go_forward()
    wait_for_image(page, "#zoom-box", src=whole.src)
    page.go_back()
    wait_for_image(page, "#zoom-box", src=zoomed.src)
    page.go_back()
    wait_for_image(page, "#zoom-box", src=whole.src)
    # The page stayed as it was through it all: the brush still chosen.
    expect(page.get_by_label(zoom.DRAGS["brush"])).to_be_checked()
    # Each view drawn once: the browser kept them.
    assert served == [first.src, whole.src, zoomed.src]
    assert_no_console_errors(page)


def test_a_view_is_a_link_one_can_send(visit):
    from playwright.sync_api import expect

    view = (1.7, 1.82, 0.2, 0.28)
    page = visit(zoom.PATH + zoom.link(view))
    first = wait_for_image(page, "#zoom-picture")
    assert query_values(first.src) == {"view": list(view)}
    assert same_pixels(read_image(page, "#zoom-picture"), zoom.density(view).picture)
    expect(page.locator("#zoom-range")).to_have_text(zoom.describe(view)[0])
    # Whole view: the page's own URL.
    page.click("#zoom-whole")
    wait_for_image(page, "#zoom-picture", changed_from=first.src)
    assert zoom_link(page) == ""
    page.go_back()
    wait_for_image(page, "#zoom-picture", src=first.src)
    assert_no_console_errors(page)


# Whether a picture has shown a preview since (window.previewSeen).
WATCH_PREVIEW = """(selector) => {
    const img = document.querySelector(selector);
    window.previewSeen = false;
    new MutationObserver(() => {
        window.previewSeen ||= img.hasAttribute("data-dash-images-preview");
    }).observe(img, {attributeFilter: ["data-dash-images-preview"]});
}"""


def test_the_wheel_zooms_around_the_pointer_and_a_pan_follows_the_drag(page, served):
    first = wait_for_image(page, "#zoom-picture")
    page.evaluate(WATCH_PREVIEW, "#zoom-picture")
    # A notch of the wheel over (1, 0.5): the preview at once, then the
    # picture of the view zoomed around that point, which stays under the
    # pointer (to a CSS pixel), the aspect kept.
    pointer = density_point(page, "#zoom-picture", 1.0, 0.5)
    page.mouse.move(*pointer)
    page.mouse.wheel(0, -100)
    zoomed = wait_for_image(page, "#zoom-picture", changed_from=first.src)
    assert page.evaluate("window.previewSeen")
    expect_no_preview(page, "#zoom-picture")
    view = query_values(zoomed.src)["view"]
    assert (view[1] - view[0]) / (view[3] - view[2]) == pytest.approx(1.5, rel=1e-4)
    assert 12 / (view[1] - view[0]) == pytest.approx(1.2, rel=0.05)
    assert density_point(page, "#zoom-picture", 1.0, 0.5) == pytest.approx(
        pointer, abs=1
    )
    assert same_pixels(read_image(page, "#zoom-picture"), zoom.density(view).picture)
    assert zoom_link(page) == zoom.link(tuple(view)).removeprefix("?")

    # A drag of 60 by 30 CSS pixels from (1, 0.5): that point follows the
    # pointer to where the drag ended (and the view stays inside).
    page.mouse.down()
    end = (pointer[0] + 60, pointer[1] + 30)
    page.mouse.move(*end, steps=6)
    page.mouse.up()
    panned = wait_for_image(page, "#zoom-picture", changed_from=zoomed.src)
    moved = query_values(panned.src)["view"]
    assert moved[1] - moved[0] == pytest.approx(view[1] - view[0], rel=1e-4)
    assert density_point(page, "#zoom-picture", 1.0, 0.5) == pytest.approx(end, abs=1)

    # Back twice: the zoomed view, then the first, from the browser's cache.
    page.go_back()
    wait_for_image(page, "#zoom-picture", src=zoomed.src)
    page.go_back()
    wait_for_image(page, "#zoom-picture", src=first.src)
    assert served == [first.src, zoomed.src, panned.src]
    assert_no_console_errors(page)


def test_at_the_deepest_view_the_wheel_moves_nothing_and_its_preview_ends(visit):
    deep = zoom.bounded_view([1.7, 1.7 + 12 / zoom.MAX_ZOOM, 0.2, 0.2 + 8 / 10_000])
    page = visit(zoom.PATH + zoom.link(deep))
    first = wait_for_image(page, "#zoom-picture")
    page.evaluate(WATCH_PREVIEW, "#zoom-picture")
    entries = page.evaluate("history.length")
    page.mouse.move(*picture_point(page, "#zoom-picture", 0.5, 0.5))
    page.mouse.wheel(0, -100)
    page.wait_for_function("window.previewSeen")
    # The page's answer keeps the view: the preview goes (well before the
    # 1.5 s the page script waits for a picture that does not come).
    page.wait_for_function(
        "!document.querySelector('#zoom-picture').hasAttribute("
        "'data-dash-images-preview')",
        timeout=1000,
    )
    assert page.locator("#zoom-picture").get_attribute("src") == first.src
    assert page.evaluate("history.length") == entries
    assert_no_console_errors(page)


def expect_no_preview(page: Page, selector: str) -> None:
    page.wait_for_function(
        "(s) => !document.querySelector(s).hasAttribute('data-dash-images-preview')",
        arg=selector,
    )


def data_to_fractions(figure: t.Any, x: float, y: float) -> tuple[float, float]:
    """Where the data point (x, y) of a figure's first axes is drawn, as
    fractions of the picture from its top left (matplotlib's transform)."""
    figure.canvas.draw()
    px, py = figure.axes[0].transData.transform((x, y))
    width, height = figure.get_size_inches() * figure.dpi
    return px / width, 1 - py / height


def test_a_click_on_a_city_names_it_and_hover_reads_the_pointer(visit):
    from playwright.sync_api import expect

    page = visit(inspect.PATH)
    first = wait_for_image(page, "#inspect-picture")
    assert query_values(first.src) == {"selected": ""}
    figure = inspect.scatter("")
    src = first.src
    for name in ("Paris", "Sydney"):
        city = inspect.BY_NAME[name]
        at = data_to_fractions(figure, city.longitude, city.latitude)
        page.mouse.click(*picture_point(page, "#inspect-picture", *at))
        expect(page.locator("#inspect-name")).to_have_text(name)
        expect(page.locator("#inspect-city")).to_contain_text(city.country)
        # The picture rings the city chosen.
        src = wait_for_image(page, "#inspect-picture", changed_from=src).src
        assert query_values(src) == {"selected": name}
        drawn = to_image(inspect.scatter(name))
        assert same_pixels(read_image(page, "#inspect-picture"), drawn)

    # Far from every city: none chosen, the first picture again.
    at = data_to_fractions(figure, -150, -45)
    page.mouse.click(*picture_point(page, "#inspect-picture", *at))
    expect(page.locator("#inspect-city")).to_have_text(
        f"No city near {inspect.place(-45, -150)}: click on a dot."
    )
    wait_for_image(page, "#inspect-picture", src=first.src)

    # Hover: the pointer's place, to a tenth of a degree (a CSS pixel here is
    # about 0.6 of a degree of longitude and 0.6 of latitude).
    page.mouse.move(*picture_point(page, "#inspect-picture", *at))
    at = data_to_fractions(figure, 100, -20)
    page.mouse.move(*picture_point(page, "#inspect-picture", *at), steps=4)
    pointer = page.locator("#inspect-pointer")
    expect(pointer).to_have_text(re.compile(r"S, .*E$"))
    page.wait_for_timeout(300)  # throttled: the last position wins
    latitude, longitude = map(float, re.findall(r"[\d.]+", pointer.inner_text()))
    assert (latitude, longitude) == pytest.approx((20, 100), abs=0.7)
    assert_no_console_errors(page)


# Every slider tooltip's box, and what it covers: any element with a box that
# is neither around the tooltip nor inside it (labels, other sliders,
# dropdowns, pictures, text, other tooltips), and whether it stays inside
# its card.
_TOOLTIP_OVERLAPS = """
() => {
    const box = (e) => e.getBoundingClientRect();
    const meet = (a, b) => a.left < b.right && b.left < a.right
        && a.top < b.bottom && b.top < a.bottom;
    const name = (e) => e.tagName.toLowerCase()
        + (e.id ? "#" + e.id : "")
        + (e.className && typeof e.className === "string"
            ? "." + e.className.trim().split(/\\s+/).join(".") : "");
    const elements = Array.from(document.querySelectorAll("#page *"));
    return Array.from(document.querySelectorAll(".dash-slider-tooltip"))
        .map((tip) => {
            const own = box(tip);
            const covered = elements.filter((e) => {
                if (e.contains(tip) || tip.contains(e)) return false;
                const other = box(e);
                return other.width > 0 && other.height > 0 && meet(own, other);
            }).map(name);
            const card = box(tip.closest(".controls, .card, .thumbnail"));
            const inside = own.left >= card.left && own.right <= card.right
                && own.top >= card.top && own.bottom <= card.bottom;
            return {text: tip.textContent, covered: covered, inside: inside};
        });
}
"""

# The pages with sliders: how many each has.
SLIDERS = {
    fractal.PATH: 4,
    chart.PATH: 1,
    heatmap.PATH: 1,
    thumbnails.PATH: len(thumbnails.HUES),
    errors.PATH: 1,
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", list(SLIDERS))
def test_slider_tooltips_cover_no_other_control(
    new_context: t.Callable[..., BrowserContext], gallery: str, path: str, width: int
):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(gallery + path)
    wait_for_dash(page)
    wait_for_pictures(page)
    # Dash loads the sliders' code on demand: wait for every tooltip.
    page.wait_for_function(
        "(n) => document.querySelectorAll('.dash-slider-tooltip').length === n",
        arg=SLIDERS[path],
    )
    tooltips = page.evaluate(_TOOLTIP_OVERLAPS)
    assert [t for t in tooltips if t["covered"] or not t["inside"]] == []
    sliders = page.locator("[role=slider]")
    # At the far end the values are longest and the last thumb has focus,
    # which Dash draws an eighth larger, tooltip and all.
    for slider in sliders.all():
        slider.press("End")
    page.wait_for_load_state("networkidle")
    tooltips = page.evaluate(_TOOLTIP_OVERLAPS)
    assert [t for t in tooltips if t["covered"] or not t["inside"]] == []
    assert_no_console_errors(page)
