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
_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:    .*\n|\n)+)", re.M)


def examples() -> dict[str, str]:
    """The README's Python blocks that name their file: ``# file: app.py``."""
    found = {}
    for match in _BLOCK.finditer(README.read_text(encoding="utf-8")):
        code = textwrap.dedent(match.group(1))
        first = code.partition("\n")[0]
        if first.startswith("# file: "):
            found[first.removeprefix("# file: ")] = code
    return found


def test_the_readme_has_a_dash_and_a_flask_example():
    assert set(examples()) == {"app.py", "flask_app.py"}


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
