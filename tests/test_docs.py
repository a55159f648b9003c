"""The documentation's code runs as written (README.rst and docs/).

Every Python block that is not a fragment runs: snippets as they are, and
each page's named files (``# file: ...``) in a test of that page that
checks what the text says they show. :mod:`tests.doc_blocks` says how
blocks are told apart.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap
import typing as t
from pathlib import Path

import pytest
from dash.exceptions import PreventUpdate
from PIL import Image

from . import doc_blocks
from .conftest import decode
from .dash_browser import DashBrowser
from .nginx import NginxServer
from .servers import LiveServer, unavailable

DOCS = doc_blocks.DOCS

pytest_plugins = ["tests.servers", "tests.nginx"]

SNIPPETS = [
    block
    for page in doc_blocks.pages()
    for block in doc_blocks.blocks(page)
    if block.snippet
]


def test_every_block_says_its_language():
    bare = [
        where
        for page in doc_blocks.pages()
        for where in doc_blocks.bare_literal_blocks(page)
    ]
    assert bare == []
    unnamed = [
        block.where
        for page in doc_blocks.pages()
        for block in doc_blocks.blocks(page)
        if not block.language
    ]
    assert unnamed == []


def test_each_kind_of_block_is_there():
    # The extractor finds what the pages hold (a regex that matched nothing
    # would pass every other test here).
    assert len(SNIPPETS) >= 10
    assert set(doc_blocks.files(DOCS / "guides" / "testing.rst")) >= {
        "myapp/__init__.py",
        "pyproject.toml",
        "tests/conftest.py",
    }
    fragments = [
        b for p in doc_blocks.pages() for b in doc_blocks.blocks(p) if b.fragment
    ]
    assert len(fragments) >= 10


@pytest.mark.parametrize("block", SNIPPETS, ids=[b.where for b in SNIPPETS])
def test_each_snippet_runs_as_written(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = compile(block.code, block.where, "exec")
    exec(code, {"__name__": "docs_snippet"})


@pytest.fixture
def importable(tmp_path, monkeypatch):
    """Write a page's files into tmp_path and import from there; the
    modules imported are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)

    def write(page: str) -> dict[str, str]:
        return doc_blocks.write_files(DOCS / page, tmp_path)

    yield write
    for name in set(sys.modules) - before:
        if name.split(".")[0] in {
            "app",
            "flask_app",
            "factory",
            "shapes",
            "myapp",
            "metrics",
            "pages",
        }:
            del sys.modules[name]


# -- Quickstart ------------------------------------------------------------


@pytest.mark.parametrize("filename", ["app.py", "flask_app.py"])
def test_the_quickstart_apps_run_as_scripts_up_to_app_run(tmp_path, filename):
    doc_blocks.write_files(DOCS / "quickstart.rst", tmp_path)
    script = (
        "import runpy, dash, flask\n"
        "def run(self, *args, **kwargs): print('run', kwargs)\n"
        "dash.Dash.run = flask.Flask.run = run\n"
        f"runpy.run_path({filename!r}, run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "run {'debug': True}"


def test_the_quickstart_dash_app_draws_its_line(importable):
    importable("quickstart.rst")
    app = importlib.import_module("app").app
    page = DashBrowser(app)
    url = page.update("picture.src", [120, 50])
    assert url == "/image_generator/line.png?x=120&y=50"  # as the text says
    picture = decode(page.get(url).data)
    assert picture.size == (200, 200)
    assert picture.getpixel((60, 25)) != picture.getpixel((199, 0))
    with pytest.raises(PreventUpdate):
        page.update("picture.src", [120, None])  # an emptied number box


def test_the_quickstart_flask_app_serves_signed_badges(importable):
    importable("quickstart.rst")
    app = importlib.import_module("flask_app").app
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert "/image_generator/badge.png?text=%22hello%22&amp;_sig=" in page
    for source, tampered in [
        ("text=%22hello%22", "text=%22hellp%22"),
        ("text=%22bye%22&amp;colour=%22darkred%22", "text=%22byf%22"),
    ]:
        start = page.index(f"/image_generator/badge.png?{source}")
        url = page[start : page.index('"', start)].replace("&amp;", "&")
        response = client.get(url)
        assert response.status_code == 200
        assert decode(response.data).size == (160, 32)
        # A visitor's change of a signed value, with the same parameters.
        changed = url.replace(source.partition("&")[0], tampered)
        assert changed != url
        assert client.get(changed).status_code == 403


# -- Configuration ---------------------------------------------------------


def test_the_factory_reads_its_keys_from_the_environment(importable, monkeypatch):
    importable("configuration.rst")
    # The keys the page's shell block exports.
    monkeypatch.setenv("FLASK_DASH_IMAGES_MAX_RENDERS", "4")
    monkeypatch.setenv("FLASK_DASH_IMAGES_RENDER_TIMEOUT", "10")
    monkeypatch.setenv("FLASK_DASH_IMAGES_VERSION", "v7")
    factory = importlib.import_module("factory")
    server = factory.create_app({"TESTING": True})
    client = server.test_client()
    assert client.get("/").status_code == 200
    state = server.extensions["dash_images"]
    assert state.service.slots.size == 4
    assert state.version == "v7"
    with server.test_request_context():
        assert factory.images.url_for("square", size=3) == (
            "/image_generator/square.png?size=3&_v=v7"
        )
    assert client.get("/image_generator/square.png?size=3&_v=v7").status_code == 200


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("4", 4),
        ("10.5", 10.5),
        ("true", True),
        ("null", None),
        ("v7", "v7"),
        ("12e4567", float("inf")),  # why the page says to quote such text
        ('"12e4567"', "12e4567"),
    ],
)
def test_prefixed_environment_values_read_as_the_page_says(value, read, monkeypatch):
    from flask import Flask

    monkeypatch.setenv("FLASK_DASH_IMAGES_SOMETHING", value)
    app = Flask(__name__)
    app.config.from_prefixed_env()
    assert app.config["DASH_IMAGES_SOMETHING"] == read


def test_a_quoted_version_from_the_environment_stays_text(importable, monkeypatch):
    importable("configuration.rst")
    monkeypatch.setenv("FLASK_DASH_IMAGES_VERSION", '"12e4567"')
    server = importlib.import_module("factory").create_app()
    assert server.extensions["dash_images"].version == "12e4567"


def test_every_configuration_key_has_an_entry():
    from flask_dash_images.settings import DEFAULTS

    text = (DOCS / "configuration.rst").read_text(encoding="utf-8")
    missing = [key for key in DEFAULTS if f".. data:: {key}\n" not in text]
    assert missing == []


# -- Dash apps ---------------------------------------------------------------


def test_the_factory_recipe_makes_apps_that_each_work(importable):
    importable("guides/dash-apps.rst")
    shapes = importlib.import_module("shapes")
    for _ in range(2):
        app = shapes.create_app({"TESTING": True})
        url = DashBrowser(app, base="/dash/").update("disc.src", [20])
        assert url == "/dash/image_generator/disc.png?radius=20"  # as the text says
        response = app.server.test_client().get(url)
        assert response.status_code == 200
        assert decode(response.data).size == (100, 100)


@pytest.fixture
def page_registry():
    """Dash's registry of pages is the process's; leave it as it was."""
    from dash._pages import PAGE_REGISTRY

    saved = dict(PAGE_REGISTRY)
    yield
    PAGE_REGISTRY.clear()
    PAGE_REGISTRY.update(saved)


@pytest.mark.usefixtures("page_registry")
def test_the_multi_page_recipe_serves_its_page_picture(importable, tmp_path):
    importable("guides/dash-apps.rst")
    # "myapp/__init__.py and myapp/pages/__init__.py may be empty"
    (tmp_path / "myapp" / "__init__.py").write_text("")
    (tmp_path / "myapp" / "pages" / "__init__.py").write_text("")
    create_app = importlib.import_module("myapp.app").create_app
    for _ in range(2):  # the factory may run many times
        app = create_app()
        client = app.server.test_client()
        assert client.get("/plot").status_code == 200
        url = DashBrowser(app).update("plot-img.src", [40])
        assert url == "/image_generator/plot.png?n=40"
        assert decode(client.get(url).data).size == (40, 40)


# -- Testing your app -------------------------------------------------------


def _pytest(
    directory: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_testing_recipe_passes_with_pytest(tmp_path):
    from .browser.helpers import find_chromium

    chromium, why = find_chromium()
    if chromium is None:
        unavailable(why, "browser")
    doc_blocks.write_files(DOCS / "guides" / "testing.rst", tmp_path)
    done = _pytest(tmp_path, CHROMIUM=chromium)
    assert done.returncode == 0, done.stdout + done.stderr
    # Every test of the page ran: none skipped (Chromium's included).
    assert done.stdout.strip().splitlines()[-1].startswith("5 passed"), done.stdout
    assert "skipped" not in done.stdout


def test_without_no_dash_the_recipe_stops_as_the_page_says(tmp_path):
    doc_blocks.write_files(DOCS / "guides" / "testing.rst", tmp_path)
    config = tmp_path / "pyproject.toml"
    config.write_text(config.read_text().replace('addopts = "-p no:dash"\n', ""))
    done = _pytest(tmp_path, "tests/test_generators.py")
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Error while loading plugin" in output
    assert "dash/testing/plugin.py" in output


# -- Timings, signals and metrics --------------------------------------------


def test_the_prometheus_recipe_counts_what_it_says(importable, images, app_factory):
    import concurrent.futures
    import threading

    importable("guides/observability.rst")
    metrics = importlib.import_module("metrics")
    gate, started = threading.Event(), threading.Event()

    @images.generator(name="tile", deterministic=True)
    def tile(n):
        if n < 0:
            raise ValueError("negative")
        if n == 99:
            started.set()
            assert gate.wait(10)
        return Image.new("L", (2, 2), n)

    app = app_factory(DASH_IMAGES_MAX_RENDERS=1, DASH_IMAGES_RENDER_WAIT=0)
    metrics.instrument(app)
    client = app.test_client()
    with app.test_request_context():
        urls = {n: images.url_for("tile", n=n) for n in (1, -1, 99, 5)}
    assert client.get(urls[1]).status_code == 200
    assert client.get(urls[-1]).status_code == 500
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        held = pool.submit(app.test_client().get, urls[99])
        assert started.wait(10)
        gauge = client.get("/metrics").get_data(as_text=True)
        assert client.get(urls[5]).status_code == 503
        gate.set()
        assert held.result(10).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert "dash_images_slots_in_use 1.0" in gauge
    assert 'dash_images_served_total{name="tile",source="render"} 2.0' in text
    assert 'dash_images_failed_total{name="tile"} 1.0' in text
    assert 'dash_images_busy_total{name="tile"} 1.0' in text
    assert 'dash_images_render_seconds_count{name="tile"} 2.0' in text
    assert "dash_images_slots_in_use 0.0" in text


# -- Deployment --------------------------------------------------------------


def _location(page: str, path: str) -> str:
    """The directives of ``location <path> { ... }`` in a page's nginx block."""
    for block in doc_blocks.blocks(DOCS / page):
        match = re.search(
            rf"location {re.escape(path)} \{{\n(.*?)\n *\}}", block.code, re.S
        )
        if block.language == "nginx" and match:
            return textwrap.dedent(match.group(1))
    raise AssertionError(f"{page}: no nginx block with location {path}")


@pytest.mark.nginx
def test_the_nginx_recipe_serves_the_page_and_its_pictures(
    importable, nginx_executable, tmp_path
):
    importable("quickstart.rst")
    app = importlib.import_module("flask_app").app
    location = _location("guides/deployment.rst", "/")
    assert "proxy_pass http://app;" in location
    with LiveServer(app) as upstream:
        nginx = NginxServer(nginx_executable, tmp_path, [upstream], location=location)
        with nginx.start():
            client = nginx.client()
            page = client.get("/").get_data(as_text=True)
            start = page.index("/image_generator/badge.png?")
            url = page[start : page.index('"', start)].replace("&amp;", "&")
            response = client.get(url)
            assert response.status_code == 200
            assert decode(response.data).size == (160, 32)


def test_behind_a_prefix_the_urls_carry_it():
    snippet = next(
        b
        for b in doc_blocks.blocks(DOCS / "guides" / "deployment.rst")
        if b.snippet and "ProxyFix" in b.code
    )
    namespace: dict[str, t.Any] = {"__name__": "docs_snippet"}
    exec(compile(snippet.code, snippet.where, "exec"), namespace)
    app, images = namespace["app"], namespace["images"]
    # The prefix location's headers, as nginx sends them.
    headers = dict(
        re.findall(
            r"proxy_set_header (X-Forwarded-\w+) (\S+);",
            _location("guides/deployment.rst", "/charts/"),
        )
    )
    assert headers["X-Forwarded-Prefix"] == "/charts"

    @images.generator(name="dot")
    def dot(n):
        return Image.new("L", (n, n))

    @app.route("/where")
    def where():
        return images.url_for("dot", n=2)

    client = app.test_client()
    url = client.get(
        "/where", headers={**headers, "X-Forwarded-Proto": "https"}
    ).get_data(as_text=True)
    assert url == "/charts/image_generator/dot.png?n=2"
    assert client.get(url.removeprefix("/charts")).status_code == 200
