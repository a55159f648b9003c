"""Helpers for tests that drive Debian's Chromium through Playwright.

:func:`find_chromium` finds the browser (pages come from
:class:`tests.servers.LiveServer`); :func:`watch` records what a page
reports (console errors, uncaught exceptions, responses); the image helpers
wait for an ``<img>`` to be decoded and read its pixels back through a
canvas, the way a user would see them.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import shutil
import time
import typing as t
import weakref

from dash.development.base_component import stringify_id
from PIL import Image

if t.TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Page, Response

__all__ = [
    "CHROMIUM_ARGS",
    "LoadedImage",
    "PageLog",
    "allow_console_errors",
    "assert_no_console_errors",
    "choose_option",
    "decoded_size",
    "fill_and_wait_for_image",
    "find_chromium",
    "image_selector",
    "page_log",
    "read_image",
    "read_pixel",
    "wait_for_broken_image",
    "wait_for_chosen_image",
    "wait_for_dash",
    "wait_for_image",
    "wait_for_pictures",
    "wait_for_response",
    "watch",
]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
MISSING_CHROMIUM = "Debian's chromium is not installed: apt-get install chromium"

# Headless, and nothing that talks to the network on its own: the tests see
# only the requests the page makes.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> tuple[str | None, str]:
    """The Chromium to drive: ``$CHROMIUM``, else ``chromium`` on the PATH,
    else ``/usr/bin/chromium``.

    :returns: ``(path, "")``, or ``(None, why)`` when there is none.
    """
    configured = os.environ.get("CHROMIUM")
    if configured:
        found = shutil.which(configured)
        if found is None:
            return None, (
                f"CHROMIUM={configured!r} is not an executable"
                " (unset it to use Debian's chromium: apt-get install chromium)"
            )
        return found, ""
    found = shutil.which("chromium") or shutil.which(DEFAULT_CHROMIUM)
    if found is None:
        return None, MISSING_CHROMIUM
    return found, ""


# -- what a page reports ------------------------------------------------------


@dataclasses.dataclass
class PageLog:
    """What one page reported, recorded by :func:`watch`.

    :param console_errors: ``console.error`` messages, and the browser's own
        (such as "Failed to load resource: ... status of 500").
    :param page_errors: uncaught exceptions in the page's scripts.
    :param responses: ``(status, url)`` of every response, in order.
    :param allowed: patterns of console errors a test expects.
    """

    console_errors: list[str] = dataclasses.field(default_factory=list)
    page_errors: list[str] = dataclasses.field(default_factory=list)
    responses: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    allowed: list[re.Pattern[str]] = dataclasses.field(default_factory=list)

    def unexpected_errors(self, allow: t.Iterable[str] = ()) -> list[str]:
        """Console errors no allowed pattern matches, and every page error."""
        patterns = [*self.allowed, *map(re.compile, allow)]
        return [
            f"console: {text}"
            for text in self.console_errors
            if not any(pattern.search(text) for pattern in patterns)
        ] + [f"uncaught: {text}" for text in self.page_errors]

    def image_responses(self) -> list[tuple[int, str]]:
        """``(status, url)`` of the responses from the image route."""
        return [(s, url) for s, url in self.responses if "/image_generator/" in url]


_logs: weakref.WeakKeyDictionary[Page, PageLog] = weakref.WeakKeyDictionary()


def watch(page: Page) -> PageLog:
    """Start recording what ``page`` reports; the ``context`` fixture does this
    for every page it opens."""
    log = _logs.get(page)
    if log is not None:
        return log
    log = _logs[page] = PageLog()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            log.console_errors.append(
                f"{message.text} ({where})" if where else message.text
            )

    def on_page_error(error: Error) -> None:
        log.page_errors.append(error.stack or f"{error.name}: {error.message}")

    def on_response(response: Response) -> None:
        log.responses.append((response.status, response.url))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    return log


def page_log(page: Page) -> PageLog:
    """The :class:`PageLog` of a watched page."""
    try:
        return _logs[page]
    except KeyError:
        raise AssertionError(
            "this page is not watched; call watch(page) first"
        ) from None


def allow_console_errors(page: Page, *patterns: str) -> None:
    """Expect console errors matching these regular expressions on ``page``
    (for this test's checks and the fixture's check at teardown)."""
    page_log(page).allowed.extend(map(re.compile, patterns))


def assert_no_console_errors(page: Page, allow: t.Iterable[str] = ()) -> None:
    """Fail if ``page`` logged a console error (other than allowed ones) or an
    uncaught exception."""
    if not page.is_closed():
        page.evaluate("0")  # a round trip: events sent before it have arrived
    errors = page_log(page).unexpected_errors(allow)
    assert not errors, "the page reported errors:\n" + "\n".join(errors)


def wait_for_response(
    page: Page,
    predicate: t.Callable[[int, str], bool],
    timeout: float = 10_000,
) -> tuple[int, str]:
    """The first recorded ``(status, url)`` matching ``predicate``, waiting
    up to ``timeout`` milliseconds for it to arrive."""
    log = page_log(page)
    deadline = time.monotonic() + timeout / 1000
    while True:
        for status, url in log.responses:
            if predicate(status, url):
                return status, url
        if time.monotonic() > deadline:
            raise AssertionError(f"no such response in {log.responses}")
        page.wait_for_timeout(25)  # lets Playwright deliver events


# -- Dash ---------------------------------------------------------------------


def wait_for_dash(page: Page) -> None:
    """Wait until the Dash renderer has drawn the app's layout."""
    page.wait_for_function(
        """() => {
            const root = document.getElementById("react-entry-point");
            return root !== null && root.childElementCount > 0
                && document.querySelector("._dash-loading") === null;
        }"""
    )


def image_selector(component_id: str | dict[str, t.Any]) -> str:
    """A CSS selector for the element of a Dash component id, dict ids too
    (Dash writes them as JSON with sorted keys)."""
    if isinstance(component_id, dict):
        text = stringify_id(component_id)
    else:
        text = component_id
    return "[id=" + _css_string(text) + "]"


def choose_option(page: Page, dropdown_selector: str, label: str) -> None:
    """Open the ``dcc.Dropdown`` at ``dropdown_selector`` and pick ``label``."""
    page.click(dropdown_selector)
    page.get_by_role("option", name=label, exact=True).click()


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- pictures -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoadedImage:
    """An ``<img>`` whose picture the browser has decoded (or failed to).

    :param src: its ``src`` attribute, as the Dash callback set it.
    :param width: ``naturalWidth``; 0 for a broken image.
    :param height: ``naturalHeight``; 0 for a broken image.
    """

    src: str
    width: int
    height: int


# `complete` is false while a new src is pending; currentSrc == src makes sure
# the decoded picture is the one the src attribute names now.
_IMAGE_STATE = """
([selector, expected, previous, broken]) => {
    const img = document.querySelector(selector);
    if (img === null || !img.complete) return null;
    const src = img.getAttribute("src");
    if (!src) return null;
    if (expected !== null && src !== expected && img.src !== expected) return null;
    if (previous !== null && src === previous) return null;
    if (broken) {
        return img.naturalWidth === 0 ? {src: src, width: 0, height: 0} : null;
    }
    if (img.naturalWidth === 0 || img.currentSrc !== img.src) return null;
    return {src: src, width: img.naturalWidth, height: img.naturalHeight};
}
"""


def wait_for_image(
    page: Page,
    selector: str,
    *,
    src: str | None = None,
    changed_from: str | None = None,
    timeout: float | None = None,
) -> LoadedImage:
    """Wait until the ``<img>`` at ``selector`` shows a decoded picture.

    :param src: the ``src`` it must show (relative as set, or absolute).
    :param changed_from: a ``src`` it must no longer show.
    :param timeout: in milliseconds; the context's default otherwise.
    """
    return _wait_for_img(page, selector, src, changed_from, False, timeout)


def wait_for_broken_image(
    page: Page,
    selector: str,
    *,
    src: str | None = None,
    changed_from: str | None = None,
    timeout: float | None = None,
) -> LoadedImage:
    """Wait until the ``<img>`` at ``selector`` has a ``src`` the browser
    could not load or decode (width and height 0)."""
    return _wait_for_img(page, selector, src, changed_from, True, timeout)


def _wait_for_img(
    page: Page,
    selector: str,
    src: str | None,
    changed_from: str | None,
    broken: bool,
    timeout: float | None,
) -> LoadedImage:
    handle = page.wait_for_function(
        _IMAGE_STATE, arg=[selector, src, changed_from, broken], timeout=timeout
    )
    try:
        state = handle.json_value()
    finally:
        handle.dispose()
    return LoadedImage(state["src"], state["width"], state["height"])


# Every <img> the selector matches: loaded (or failed), with a src, and the
# picture the browser chose (currentSrc, from src or srcset) decoded.
_PICTURES_STATE = """
(selector) => {
    const images = Array.from(document.querySelectorAll(selector));
    if (images.length === 0) return null;
    const states = [];
    for (const img of images) {
        if (!img.complete || !img.getAttribute("src") || !img.currentSrc) {
            return null;
        }
        states.push({
            id: img.id,
            alt: img.alt,
            src: img.getAttribute("src"),
            currentSrc: img.currentSrc,
            width: img.naturalWidth,
            height: img.naturalHeight,
        });
    }
    return states;
}
"""


def wait_for_pictures(
    page: Page, selector: str = "img", *, timeout: float | None = None
) -> list[dict[str, t.Any]]:
    """Wait until every ``<img>`` at ``selector`` (at least one) has a ``src``
    and has finished loading, and return what each shows: ``id``, ``alt``,
    ``src``, ``currentSrc``, ``width`` and ``height`` (``naturalWidth`` and
    ``naturalHeight``, 0 for a broken picture)."""
    handle = page.wait_for_function(_PICTURES_STATE, arg=selector, timeout=timeout)
    try:
        return t.cast(list[dict[str, t.Any]], handle.json_value())
    finally:
        handle.dispose()


_CHOSEN_IMAGE_STATE = """
([selector, fragment, previous]) => {
    const img = document.querySelector(selector);
    if (img === null || !img.complete || img.naturalWidth === 0) return null;
    const current = img.currentSrc;
    if (!current.includes(fragment)) return null;
    if (previous !== null && current === previous) return null;
    return {
        currentSrc: current,
        srcset: img.getAttribute("srcset"),
        width: img.naturalWidth,
        height: img.naturalHeight,
        cssWidth: img.width,
        cssHeight: img.height,
    };
}
"""


def wait_for_chosen_image(
    page: Page,
    selector: str,
    fragment: str = "",
    *,
    changed_from: str | None = None,
    timeout: float | None = None,
) -> dict[str, t.Any]:
    """Wait until the ``<img>`` at ``selector`` shows a decoded picture whose
    URL, the one the browser chose from ``src`` and ``srcset``, contains
    ``fragment`` (and is not ``changed_from``).

    :returns: ``currentSrc``, ``srcset``, ``width`` and ``height`` (natural,
        which for a picture chosen by a density descriptor such as ``2x`` are
        its pixels divided by that density: see :func:`decoded_size`), and
        ``cssWidth`` and ``cssHeight`` (the size it is drawn at, in CSS pixels).
    """
    handle = page.wait_for_function(
        _CHOSEN_IMAGE_STATE, arg=[selector, fragment, changed_from], timeout=timeout
    )
    try:
        return t.cast(dict[str, t.Any], handle.json_value())
    finally:
        handle.dispose()


def decoded_size(page: Page, selector: str) -> tuple[int, int]:
    """The size in pixels of the picture the ``<img>`` at ``selector`` decoded.

    Unlike ``naturalWidth``, not divided by the density of a ``srcset``
    candidate: a ``2x`` picture of 960 pixels is 960 here, 480 there.
    """
    width, height = page.locator(selector).evaluate(
        """async (img) => {
            const bitmap = await createImageBitmap(img);
            const size = [bitmap.width, bitmap.height];
            bitmap.close();
            return size;
        }"""
    )
    return width, height


def fill_and_wait_for_image(
    page: Page, input_selector: str, text: str, image_selector: str
) -> LoadedImage:
    """Type ``text`` into an input (replacing its value) and wait for the
    ``<img>`` at ``image_selector`` to show a new, decoded picture."""
    before = page.locator(image_selector).get_attribute("src")
    page.fill(input_selector, text)
    return wait_for_image(page, image_selector, changed_from=before)


_READ_PIXELS = """
(img, box) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(img, 0, 0);
    const [x, y, width, height] =
        box === null ? [0, 0, canvas.width, canvas.height] : box;
    const data = context.getImageData(x, y, width, height).data;
    let text = "";
    for (let i = 0; i < data.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
    }
    return [width, height, btoa(text)];
}
"""


def read_image(
    page: Page, selector: str, box: tuple[int, int, int, int] | None = None
) -> Image.Image:
    """The pixels of the ``<img>`` at ``selector`` as the browser decoded them,
    drawn on a canvas at natural size and read back, as an RGBA picture.

    :param box: ``(x, y, width, height)`` to read only part of it.

    Opaque pixels come back exact; a canvas stores premultiplied alpha, so the
    colour of a translucent pixel may be rounded.
    """
    width, height, data = page.locator(selector).evaluate(
        _READ_PIXELS, None if box is None else list(box)
    )
    return Image.frombytes("RGBA", (width, height), base64.b64decode(data))


def read_pixel(page: Page, selector: str, x: int, y: int) -> tuple[int, int, int, int]:
    """The RGBA value of one pixel of the ``<img>`` at ``selector``."""
    pixel = read_image(page, selector, (x, y, 1, 1)).getpixel((0, 0))
    return t.cast(tuple[int, int, int, int], pixel)
