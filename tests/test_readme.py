"""The README: the package's front page, its links and its blocks.

Its code blocks follow the docs' rules (:mod:`tests.doc_blocks`); the
snippets among them run in ``tests/test_docs.py`` with the docs'. Its Quick
start is the docs' Quickstart's ``app.py`` word for word (checked here), so
it runs there, with the Quickstart.
"""

from __future__ import annotations

import io
import re

from . import doc_blocks
from .servers import unavailable

README = doc_blocks.README
QUICKSTART = doc_blocks.QUICKSTART
DOCS_SITE = "https://flask-dash-images.readthedocs.io/en/latest/"


def test_the_readme_names_its_files():
    assert set(doc_blocks.files(README)) == {"app.py"}
    # The README's Quick start is the docs' Quickstart's, word for word.
    assert doc_blocks.files(README)["app.py"] == doc_blocks.files(QUICKSTART)["app.py"]
    assert set(doc_blocks.examples()) == {"app.py", "flask_app.py"}


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
