"""The README's complete examples run as pasted."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
import typing as t
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dash.exceptions import PreventUpdate

from .conftest import decode
from .dash_browser import DashBrowser

README = Path(__file__).resolve().parent.parent / "README.rst"
_BLOCK = re.compile(
    r"^(?P<indent> *)\.\. code-block:: python\n\n(?P<code>(?:(?P=indent)    .*\n|\n)+)",
    re.M,
)


def examples() -> dict[str, str]:
    """The README's Python blocks that name their file: ``# file: app.py``."""
    found = {}
    for match in _BLOCK.finditer(README.read_text(encoding="utf-8")):
        code = textwrap.dedent(match.group("code"))
        first = code.partition("\n")[0]
        if first.startswith("# file: "):
            found[first.removeprefix("# file: ")] = code
    return found


def test_the_readme_has_a_dash_and_a_flask_example():
    assert set(examples()) == {"app.py", "flask_app.py", "metrics.py"}


def load(tmp_path: Path, filename: str) -> t.Any:
    path = tmp_path / filename
    path.write_text(examples()[filename], encoding="utf-8")
    name = f"readme_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@pytest.mark.parametrize("filename", ["app.py", "flask_app.py"])
def test_each_example_runs_as_a_script_up_to_app_run(tmp_path, filename):
    (tmp_path / filename).write_text(examples()[filename], encoding="utf-8")
    # Everything but serving: app.run is replaced by a note of its arguments.
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


def test_the_dash_example_draws_its_line(tmp_path):
    module = load(tmp_path, "app.py")
    page = DashBrowser(module.app)
    url = page.update("picture.src", [120, 50])
    assert url == "/image_generator/line.png?x=120&y=50"
    response = page.get(url)
    assert response.status_code == 200
    picture = decode(response.data)
    assert picture.size == (200, 200)
    assert picture.getpixel((60, 25)) != picture.getpixel((199, 0))
    with pytest.raises(PreventUpdate):
        page.update("picture.src", [120, None])  # an emptied number box


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(v for k, v in attrs if k == "src" and v)


def test_the_flask_example_serves_its_badges(tmp_path):
    module = load(tmp_path, "flask_app.py")
    client = module.app.test_client()
    page = client.get("/")
    assert page.status_code == 200
    parser = Images()
    parser.feed(page.get_data(as_text=True))
    assert len(parser.sources) == 2
    for source in parser.sources:
        assert "&_sig=" in source
        response = client.get(source.replace("&amp;", "&"))
        assert response.status_code == 200
        assert decode(response.data).size == (160, 32)


def test_the_prometheus_recipe_counts_what_it_says(tmp_path, images, app_factory):
    import concurrent.futures
    import threading

    from PIL import Image

    metrics = load(tmp_path, "metrics.py")
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
