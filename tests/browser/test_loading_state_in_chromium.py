"""The picture's state on its <img>, the default stylesheet, a dcc.Loading that
spins until the picture has arrived, and errors in the console (debug)."""

from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from dash import ALL, Input, Output, dcc, html
from PIL import Image

from .helpers import allow_console_errors, image_selector, page_log

pytestmark = pytest.mark.browser

STATE = "data-dash-images-state"


@pytest.fixture
def gate(live_server):
    """Generators wait on it; opened by the test, and always at teardown
    (before the live server closes, which waits for its requests)."""
    event = threading.Event()
    yield event
    event.set()


def state(page, selector):
    return page.get_attribute(selector, STATE)


def wait_for_state(page, selector, expected):
    page.wait_for_function(
        "([selector, expected]) => {"
        "  const img = document.querySelector(selector);"
        f"  return img !== null && img.getAttribute('{STATE}') === expected;"
        "}",
        arg=[selector, expected],
    )


def style(page, selector, prop):
    return page.evaluate(
        "([s, p]) => getComputedStyle(document.querySelector(s))[p]", [selector, prop]
    )


def wait_for_style(page, selector, prop, expected):
    page.wait_for_function(
        "([s, p, e]) => getComputedStyle(document.querySelector(s))[p] === e",
        arg=[selector, prop, expected],
    )


def held_app(dash_factory, images, gate, layout=None, **options):
    dash_app = dash_factory(
        layout or html.Div([dcc.Input(id="n", value=10), html.Img(id="pic")])
    )

    @images.callback(Output("pic", "src"), Input("n", "value"), **options)
    def draw(n):
        if n == "fail":
            raise ValueError("no picture for fail")
        if n == "hold":
            assert gate.wait(30)
            n = 30
        return Image.new("L", (int(n), int(n)), 200)

    return dash_app


def test_a_picture_is_loading_then_loaded(dash_factory, images, gate, open_app):
    page = open_app(held_app(dash_factory, images, gate))
    wait_for_state(page, "#pic", "loaded")
    assert page.get_attribute("#pic", "aria-busy") is None
    assert style(page, "#pic", "opacity") == "1"

    page.fill("#n", "hold")
    wait_for_state(page, "#pic", "loading")
    assert page.get_attribute("#pic", "aria-busy") == "true"
    # The default stylesheet: dimmed, with a progress cursor.
    # (It fades in over 0.15 s: at the first frame it may still read 1.)
    page.wait_for_function(
        "parseFloat(getComputedStyle(document.querySelector('#pic')).opacity) < 1"
    )
    assert style(page, "#pic", "cursor") == "progress"

    gate.set()
    wait_for_state(page, "#pic", "loaded")
    assert page.get_attribute("#pic", "aria-busy") is None
    assert page.evaluate("document.querySelector('#pic').naturalWidth") == 30


def test_a_failed_picture_shows_its_error_state(dash_factory, images, gate, open_app):
    page = open_app(held_app(dash_factory, images, gate))
    allow_console_errors(page, "status of 500")
    wait_for_state(page, "#pic", "loaded")
    page.fill("#n", "fail")
    wait_for_state(page, "#pic", "error")
    assert page.get_attribute("#pic", "aria-busy") is None
    assert style(page, "#pic", "outlineStyle") == "dashed"


def test_the_app_overrides_the_default_look(dash_factory, images, gate, open_app):
    dash_app = held_app(dash_factory, images, gate)
    dash_app.index_string = dash_app.index_string.replace(
        "{%css%}",
        "{%css%}<style>img[data-dash-images-state=loading]{opacity:.2}</style>",
    )
    page = open_app(dash_app)
    page.fill("#n", "hold")
    wait_for_state(page, "#pic", "loading")
    wait_for_style(page, "#pic", "opacity", "0.2")
    gate.set()


def test_every_all_picture_has_its_state(dash_factory, images, gate, open_app):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id={"t": "n", "i": i}, value=str(5 + i)) for i in range(3)]
            + [html.Img(id={"t": "img", "i": i}) for i in range(3)]
        )
    )

    @images.callback(
        Output({"t": "img", "i": ALL}, "src"),
        Input({"t": "n", "i": ALL}, "value"),
        hidpi=True,
    )
    def draw(n, *, scale):
        if n == "hold":
            assert gate.wait(30)
            n = "9"
        return Image.new("L", (int(n) * scale, int(n) * scale), 90)

    page = open_app(dash_app)
    selectors = [image_selector({"t": "img", "i": i}) for i in range(3)]
    for selector in selectors:
        wait_for_state(page, selector, "loaded")
    page.fill(image_selector({"t": "n", "i": 1}), "hold")
    wait_for_state(page, selectors[1], "loading")
    assert [state(page, s) for s in selectors] == ["loaded", "loading", "loaded"]
    gate.set()
    wait_for_state(page, selectors[1], "loaded")


def test_a_dcc_loading_spins_until_the_picture_has_arrived(
    dash_factory, images, gate, open_app
):
    layout = html.Div(
        [
            dcc.Input(id="n", value=10),
            dcc.Loading(
                id="spinner",
                children=html.Img(id="pic", **{"data-dash-images-loading": "spinner"}),
            ),
        ]
    )
    page = open_app(held_app(dash_factory, images, gate, layout=layout))
    wait_for_state(page, "#pic", "loaded")
    spinner = "#spinner .dash-spinner, #spinner [class*='spinner']"
    assert page.locator(spinner).count() == 0

    page.fill("#n", "hold")
    wait_for_state(page, "#pic", "loading")
    page.wait_for_selector(spinner, state="visible")
    gate.set()
    wait_for_state(page, "#pic", "loaded")
    page.wait_for_selector(spinner, state="detached")


def test_with_dev_tools_a_failed_picture_is_explained_in_their_error_list(
    dash_factory, images, gate, open_app
):
    dash_app = held_app(dash_factory, images, gate)
    dash_app.enable_dev_tools(
        debug=True, dev_tools_hot_reload=False, dev_tools_disable_version_check=True
    )
    dash_app.server.debug = True
    page = open_app(dash_app)
    allow_console_errors(
        page, "status of 500", "flask-dash-images", "Callback error updating"
    )
    wait_for_state(page, "#pic", "loaded")
    with page.expect_response(
        lambda r: "_dash-update-component" in r.url and r.status == 500
    ) as probe:
        page.fill("#n", "fail")
    wait_for_state(page, "#pic", "error")
    # Dash's dev tools: one error, from the probe, under the image's name...
    page.wait_for_selector(".test-devtools-error-count", timeout=10_000)
    assert page.inner_text(".test-devtools-error-count") == "1"
    title = page.inner_text(".dash-fe-error__title")
    assert title == "Callback error updating pic.data-dash-images-error"
    # ...whose page (shown when the error is opened) is the generator's
    # error and traceback, with the picture's URL.
    text = unescape(probe.value.text())
    assert "ValueError: no picture for fail" in text
    assert "/image_generator/" in text and "n=%22fail%22" in text
    assert 'raise ValueError("no picture for fail")' in text
    # The console says which picture, and where to look.
    (message,) = [e for e in page_log(page).console_errors if "flask-dash-images" in e]
    assert "n=%22fail%22" in message and "dev tools" in message
    # The probe ran once: the generator is asked once more, not per event.
    failed = [u for s, u in page_log(page).image_responses() if s == 500]
    assert len(failed) == 1


def test_without_dev_tools_a_failure_is_not_fetched_again(
    dash_factory, images, gate, open_app
):
    page = open_app(held_app(dash_factory, images, gate))
    allow_console_errors(page, "status of 500")
    wait_for_state(page, "#pic", "loaded")
    page.fill("#n", "fail")
    wait_for_state(page, "#pic", "error")
    page.wait_for_timeout(300)
    failed = [u for s, u in page_log(page).image_responses() if s == 500]
    assert len(failed) == 1
    assert not any("flask-dash-images" in e for e in page_log(page).console_errors)


# The message of the probe's error, on the page a dev tools entry shows.
FAILED_MESSAGE = (
    r"flask_dash_images\.dash\.probe\.PictureFailed:"
    r" the picture of (?P<image>.+) failed:"
    r" (?P<error>.+) \((?P<url>http://\S+/image_generator/\S+)\)"
)


def with_dev_tools(dash_app):
    dash_app.enable_dev_tools(
        debug=True, dev_tools_hot_reload=False, dev_tools_disable_version_check=True
    )
    dash_app.server.debug = True
    return dash_app


def dev_tools_errors(page, count):
    """Wait for ``count`` entries in the dev tools' error list (and no more
    soon after), open each, and return their titles and, from the page each
    shows when opened, the error's message."""
    entries = page.locator(".test-devtools-error-toggle")
    page.wait_for_function(
        "(n) => document.querySelectorAll('.test-devtools-error-toggle').length >= n",
        arg=count,
    )
    page.wait_for_timeout(300)  # a late duplicate would show by now
    assert page.inner_text(".test-devtools-error-count") == str(count)
    assert entries.count() == count
    titles = entries.locator(".dash-fe-error__title").all_inner_texts()
    # An opened entry shows Werkzeug's debugger page, whose scripts and styles
    # come from Werkzeug's debugger (app.run(debug=True)), not from the live
    # server: stand in for it.
    page.route(re.compile(r"[?&]__debugger__=yes"), lambda r: r.fulfill(status=204))
    for i in range(count):
        entries.nth(i).click()
    frames = page.frame_locator(".dash-backend-error iframe")
    messages = [frames.nth(i).locator(".errormsg").inner_text() for i in range(count)]
    return titles, messages


def test_with_dev_tools_each_failed_picture_has_its_entry_in_their_error_list(
    dash_factory, images, open_app
):
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="n", value=10), html.Img(id="left"), html.Img(id="right")]
        )
    )

    @images.callback(Output("left", "src"), Input("n", "value"))
    def draw_left(n):
        if n == "fail":
            raise ValueError("no left picture")
        return Image.new("L", (int(n), int(n)), 50)

    @images.callback(Output("right", "src"), Input("n", "value"))
    def draw_right(n):
        if n == "fail":
            raise ValueError("no right picture")
        return Image.new("L", (int(n), int(n)), 150)

    page = open_app(with_dev_tools(dash_app))
    allow_console_errors(
        page, "status of 500", "flask-dash-images", "Callback error updating"
    )
    wait_for_state(page, "#left", "loaded")
    wait_for_state(page, "#right", "loaded")
    page.fill("#n", "fail")  # one change: both pictures fail
    wait_for_state(page, "#left", "error")
    wait_for_state(page, "#right", "error")

    titles, messages = dev_tools_errors(page, 2)
    assert sorted(titles) == [
        "Callback error updating left.data-dash-images-error",
        "Callback error updating right.data-dash-images-error",
    ]
    # Opened, each entry says which picture failed, and why.
    failed = [re.fullmatch(FAILED_MESSAGE, message) for message in messages]
    assert all(failed), messages
    assert sorted((m["image"], m["error"]) for m in failed) == [
        ("left", "ValueError: no left picture"),
        ("right", "ValueError: no right picture"),
    ]
    assert all("n=%22fail%22" in m["url"] for m in failed)
    # The browser asked for each failed picture once.
    assert len([u for s, u in page_log(page).image_responses() if s == 500]) == 2


def test_with_dev_tools_each_failed_all_picture_has_its_entry(
    dash_factory, images, open_app
):
    ids = [{"type": "tile", "index": i} for i in range(2)]
    dash_app = dash_factory(
        html.Div(
            [dcc.Input(id="n", value=10)]
            + [dcc.Input(id={"type": "k", "index": i}, value=i) for i in range(2)]
            + [html.Img(id=tile) for tile in ids]
        )
    )

    @images.callback(
        Output({"type": "tile", "index": ALL}, "src"),
        Input("n", "value"),
        Input({"type": "k", "index": ALL}, "value"),
    )
    def draw(n, k):
        if n == "fail":
            raise ValueError(f"no tile {k}")
        return Image.new("L", (int(n), int(n)), 100)

    page = open_app(with_dev_tools(dash_app))
    allow_console_errors(
        page, "status of 500", "flask-dash-images", "Callback error updating"
    )
    selectors = [image_selector(tile) for tile in ids]
    for selector in selectors:
        wait_for_state(page, selector, "loaded")
    page.fill("#n", "fail")
    for selector in selectors:
        wait_for_state(page, selector, "error")

    titles, messages = dev_tools_errors(page, 2)
    # Dash names a pattern-matching callback's error by its pattern...
    pattern = '{"index":["MATCH"],"type":"tile"}'
    assert titles == [f"Callback error updating {pattern}.data-dash-images-error"] * 2
    # ...so which tile is in the entry, once opened.
    failed = [re.fullmatch(FAILED_MESSAGE, message) for message in messages]
    assert all(failed), messages
    assert sorted((m["image"], m["error"]) for m in failed) == [
        ("{'index': 0, 'type': 'tile'}", "ValueError: no tile 0"),
        ("{'index': 1, 'type': 'tile'}", "ValueError: no tile 1"),
    ]


def test_a_picture_that_failed_before_it_was_watched_shows_its_error_state(
    dash_factory, images, gate, open_app
):
    page = open_app(held_app(dash_factory, images, gate))
    allow_console_errors(page, "status of 404")
    wait_for_state(page, "#pic", "loaded")
    # A picture that has failed by the time the page script first sees it
    # (loaded off the page, then put in it): its error event came and went.
    seen = page.evaluate(
        """(url) => new Promise((resolve) => {
            const img = new Image();
            img.id = "early";
            img.addEventListener("error", () => {
                document.body.appendChild(img);
                // The script's MutationObserver has run by the next task.
                setTimeout(() => resolve({
                    complete: img.complete,
                    width: img.naturalWidth,
                    state: img.getAttribute("data-dash-images-state"),
                }));
            });
            img.src = url;
        })""",
        "/image_generator/nothing.png",
    )
    assert seen == {"complete": True, "width": 0, "state": "error"}
    assert page.get_attribute("#early", "aria-busy") is None
    assert style(page, "#early", "outlineStyle") == "dashed"


def test_a_picture_in_the_page_that_failed_before_the_script_ran_shows_its_error(
    dash_factory, images, gate, open_app
):
    dash_app = held_app(dash_factory, images, gate)
    # In the page's HTML, before Dash's scripts: it may fail before they run.
    dash_app.index_string = dash_app.index_string.replace(
        "{%app_entry%}",
        '<img id="logo" src="/image_generator/nothing.png">{%app_entry%}',
    )
    page = open_app(dash_app)
    allow_console_errors(page, "status of 404")
    wait_for_state(page, "#pic", "loaded")
    wait_for_state(page, "#logo", "error")
    assert page.evaluate("document.querySelector('#logo').naturalWidth") == 0
