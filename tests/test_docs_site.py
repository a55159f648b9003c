"""The documentation site builds (``make docs``: warnings are errors, every
reference resolves) and a reader finds their way in it.

The site is built once per session, into a temporary directory, the way
``make docs`` builds it. Without Sphinx the tests skip, except in CI
(``CI=true``), where they fail: ``make test`` installs the ``docs`` extra.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
import sys
import typing as t
from html.parser import HTMLParser
from pathlib import Path

import pytest

import flask_dash_images

from .doc_blocks import DOCS
from .servers import unavailable

# Pages Sphinx makes for itself, reached from every page's header or sidebar.
GENERATED = {"genindex.html", "search.html", "py-modindex.html", "404.html"}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built HTML (``sphinx-build -W --keep-going -n``)."""
    try:
        import pallets_sphinx_themes  # noqa: F401
        import sphinx  # noqa: F401
    except ImportError:
        unavailable("Sphinx is not installed: pip install -e '.[docs]'", "docs")
    out = tmp_path_factory.mktemp("docs")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "-b",
            "html",
            "-d",
            str(out / "doctrees"),
            str(DOCS),
            str(out / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    return out / "html"


class Page(HTMLParser):
    """The links and ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, tuple[str, ...]]] = []
        self.ids: set[str] = set()
        self._classes: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(t.cast(str, values["id"]))
        classes = tuple((values.get("class") or "").split())
        if tag == "li":
            self._classes.append(classes)
        if tag == "a" and values.get("href"):
            parents = tuple(c for each in self._classes for c in each)
            self.links.append((t.cast(str, values["href"]), (*classes, *parents)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._classes:
            self._classes.pop()


def read(site: Path, name: str) -> Page:
    page = Page()
    page.feed((site / name).read_text(encoding="utf-8"))
    return page


def pages(site: Path) -> list[str]:
    return sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if "_static" not in path.parts and "_modules" not in path.parts
    )


def internal(page: str, href: str) -> tuple[str, str] | None:
    """``(page, fragment)`` a link from ``page`` leads to; None if external."""
    if "://" in href or href.startswith("mailto:"):
        return None
    path, _, fragment = href.partition("#")
    # The 404 page's links start at the site's root, for any URL it answers.
    base = "/" if path.startswith("/") else posixpath.dirname(page)
    target = posixpath.normpath(posixpath.join(base, path)).lstrip("/")
    return (page if not path else target), fragment


def test_the_site_has_a_search_page(site):
    assert (site / "search.html").is_file()
    assert (site / "searchindex.js").stat().st_size > 10_000
    # Every page has the search box.
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'action="search.html"' in index


def test_every_page_is_in_the_index_table_of_contents(site):
    toc = {
        internal("index.html", href)[0]
        for href, classes in read(site, "index.html").links
        if "toctree-l1" in classes and internal("index.html", href)
    }
    written = set(pages(site)) - GENERATED
    assert written - toc == {"index.html"}  # no orphan page
    assert len(toc) >= 20


def test_no_internal_link_is_broken(site):
    parsed = {name: read(site, name) for name in pages(site)}
    broken = []
    for name, page in parsed.items():
        for href, _ in page.links:
            target = internal(name, href)
            if target is None or target[0].startswith("_"):
                continue
            path, fragment = target
            if path.endswith("/"):
                path += "index.html"
            if path not in parsed and not (site / path).is_file():
                broken.append(f"{name}: {href}")
            elif fragment and path in parsed and fragment not in parsed[path].ids:
                broken.append(f"{name}: {href} (no #{fragment})")
    assert broken == []


def test_every_public_name_has_an_api_entry(site):
    ids = read(site, "api.html").ids
    missing = [
        n for n in flask_dash_images.__all__ if f"flask_dash_images.{n}" not in ids
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("task", "href", "says"),
    [
        (
            "set a config key from the environment",
            "configuration.html#config-where",
            "FLASK_DASH_IMAGES_MAX_RENDERS",
        ),
        (
            "test my factory with pytest",
            "guides/testing.html#testing-factory",
            "-p no:dash",
        ),
        ("run behind nginx", "guides/deployment.html#deploy-nginx", "proxy_pass"),
        ("download as PDF", "guides/downloads.html#downloads-pdf", "export="),
    ],
)
def test_tasks_are_one_click_from_the_index(site, task, href, says):
    assert href in {link for link, _ in read(site, "index.html").links}, task
    page, _, fragment = href.partition("#")
    assert fragment in read(site, page).ids
    assert says in (site / page).read_text(encoding="utf-8")


def test_references_to_other_projects_go_to_their_sites(site):
    config = (site / "configuration.html").read_text(encoding="utf-8")
    flask = "https://flask.palletsprojects.com/en/stable/api/#flask.Config.from_prefixed_env"
    assert flask in config
    api = (site / "api.html").read_text(encoding="utf-8")
    werkzeug = "https://werkzeug.palletsprojects.com/en/stable/exceptions/"
    assert f"{werkzeug}#werkzeug.exceptions.BadRequest" in api
