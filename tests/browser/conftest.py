"""Fixtures for tests that drive Debian's Chromium through Playwright.

``chromium`` is one browser for the session; every test gets its own
``context`` (fresh cache and cookies) and ``page``, and ``new_context`` makes
more, with options (``device_scale_factor=2``). ``live_server`` serves
apps on loopback for the test; ``open_app`` does both for the usual case.
Without Chromium or Playwright the tests skip, except in CI (``CI=true``),
where they fail.
"""

from __future__ import annotations

import typing as t

import pytest

from ..servers import LiveServer, unavailable
from .helpers import (
    CHROMIUM_ARGS,
    assert_no_console_errors,
    find_chromium,
    wait_for_dash,
    watch,
)

if t.TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# Milliseconds a Playwright action or wait may take before the test fails.
TIMEOUT_MS = 10_000

_call_report = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> t.Generator[None, pytest.TestReport, pytest.TestReport]:
    # Teardown checks the page for errors only after a passing test: a failed
    # one has already said what went wrong.
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


def _unavailable(reason: str) -> t.NoReturn:
    unavailable(reason, "browser")


@pytest.fixture(scope="session")
def chromium() -> t.Iterator[Browser]:
    """Debian's Chromium, headless, launched once for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[test]'")
    executable, reason = find_chromium()
    if executable is None:
        _unavailable(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_server() -> t.Iterator[t.Callable[[t.Any], str]]:
    """Serve an app on 127.0.0.1 for this test: ``base_url = live_server(app)``.

    Takes a WSGI app (a Flask app) or a Dash app; returns the base URL without
    a trailing slash. Every server is shut down after the test.
    """
    servers: list[LiveServer] = []

    def serve(app: t.Any) -> str:
        server = LiveServer(app)
        servers.append(server)
        return server.url

    yield serve
    for server in reversed(servers):
        server.close()


@pytest.fixture
def new_context(
    chromium: Browser, live_server: t.Any, request: pytest.FixtureRequest
) -> t.Iterator[t.Callable[..., BrowserContext]]:
    """Make browser contexts whose pages are watched (see ``watch``):
    ``context = new_context(device_scale_factor=2)``; takes the options of
    Playwright's ``Browser.new_context``.

    After a passing test, any page that logged a console error not allowed
    with ``allow_console_errors``, or an uncaught exception, fails it.
    Every context is closed after the test.
    """
    # Depends on live_server so that the browser hangs up before the servers
    # close, not the other way round.
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def on_page(page: Page) -> None:
        watch(page)
        pages.append(page)

    def make(**options: t.Any) -> BrowserContext:
        context = chromium.new_context(**options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", on_page)
        return context

    try:
        yield make
        report = request.node.stash.get(_call_report, None)
        if report is not None and report.passed:
            for page in pages:
                assert_no_console_errors(page)
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def context(new_context: t.Callable[..., BrowserContext]) -> BrowserContext:
    """A fresh browser context; every page in it is watched (see ``watch``)
    and checked for errors after a passing test (see ``new_context``)."""
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in this test's context, watched for errors."""
    return context.new_page()


@pytest.fixture
def open_app(
    live_server: t.Callable[[t.Any], str], page: Page
) -> t.Callable[..., Page]:
    """Serve an app and open it in ``page``: ``page = open_app(dash_app)``.

    For a Dash app, returns once the renderer has drawn the layout.
    """
    import dash

    def open_(app: t.Any, path: str = "/") -> Page:
        page.goto(live_server(app) + path)
        if isinstance(app, dash.Dash):
            wait_for_dash(page)
        return page

    return open_
