"""The README: the package's front page, its example run as pasted.

Its code blocks follow the docs' rules (:mod:`tests.doc_blocks`); the
snippets among them run in ``tests/test_docs.py`` with the docs'.
"""

from __future__ import annotations

import importlib.util
import io
import re
import subprocess
import sys
import typing as t
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dash.exceptions import PreventUpdate

from . import doc_blocks
from .conftest import decode
from .dash_browser import DashBrowser
from .servers import unavailable

README = doc_blocks.README
QUICKSTART = doc_blocks.DOCS / "quickstart.rst"
DOCS_SITE = "https://flask-dash-images.readthedocs.io/en/latest/"


def examples() -> dict[str, str]:
    """The Quick start's complete programs by file name: ``app.py`` (the
    README's and the docs' Quickstart's, the same) and ``flask_app.py``
    (the Quickstart's plain Flask app). Other test modules run them in
    other deployments."""
    return {**doc_blocks.files(QUICKSTART), **doc_blocks.files(README)}


def load(tmp_path: Path, filename: str) -> t.Any:
    """Import one of :func:`examples` from ``tmp_path`` under the name
    ``readme_<stem>`` (forgotten again at once)."""
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


class Images(HTMLParser):
    """The ``src`` of every ``<img>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(v for k, v in attrs if k == "src" and v)


def test_the_readme_names_its_files():
    assert set(doc_blocks.files(README)) == {"app.py"}
    # The README's Quick start is the docs' Quickstart's, word for word.
    assert doc_blocks.files(README)["app.py"] == doc_blocks.files(QUICKSTART)["app.py"]
    assert set(examples()) == {"app.py", "flask_app.py"}


def test_the_readme_is_a_front_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    for command in ("make run", "make test", "make docs"):
        assert f"    {command} " in text


def test_the_readme_is_a_valid_long_description():
    try:
        from readme_renderer.rst import render
    except ImportError:
        unavailable(
            "readme_renderer is not installed: pip install -e '.[docs]'", "docs"
        )
    warnings = io.StringIO()
    html = render(README.read_text(encoding="utf-8"), stream=warnings)
    assert html is not None, warnings.getvalue()
    assert warnings.getvalue() == ""


def test_the_readme_links_to_pages_the_docs_have():
    text = README.read_text(encoding="utf-8")
    links = re.findall(re.escape(DOCS_SITE) + r"([\w/.-]+?)\.html", text)
    assert len(links) >= 10
    missing = [p for p in links if not (doc_blocks.DOCS / f"{p}.rst").is_file()]
    assert missing == []


def test_the_quick_start_runs_as_a_script_up_to_app_run(tmp_path):
    doc_blocks.write_files(README, tmp_path)
    # Everything but serving: app.run is replaced by a note of its arguments.
    script = (
        "import runpy, dash, flask\n"
        "def run(self, *args, **kwargs): print('run', kwargs)\n"
        "dash.Dash.run = flask.Flask.run = run\n"
        "runpy.run_path('app.py', run_name='__main__')\n"
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


def test_the_quick_start_draws_its_line(tmp_path):
    page = DashBrowser(load(tmp_path, "app.py").app)
    url = page.update("picture.src", [120, 50])
    assert url == "/image_generator/line.png?x=120&y=50"
    response = page.get(url)
    assert response.status_code == 200
    picture = decode(response.data)
    assert picture.size == (200, 200)
    assert picture.getpixel((60, 25)) != picture.getpixel((199, 0))
    with pytest.raises(PreventUpdate):
        page.update("picture.src", [120, None])  # an emptied number box
