"""Sphinx configuration: ``make docs`` builds the site into docs/_build/html."""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from blinker import NamedSignal  # noqa: E402
from inventories import write_inventories  # noqa: E402
from sphinx.pycode import ModuleAnalyzer  # noqa: E402

import flask_dash_images  # noqa: E402

# -- Project ---------------------------------------------------------------

project = "flask-dash-images"
author = "the flask-dash-images authors"
copyright = "the flask-dash-images authors, MIT license"
release = flask_dash_images.__version__
version = ".".join(release.split(".")[:2])

# -- General ---------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "pallets_sphinx_themes",
]
exclude_patterns = ["_build", "_inventories"]
# Every reference must resolve (make docs also passes -n and -W).
nitpicky = True
default_role = "code"
# Python blocks are marked (`.. code-block:: python`); a bare ``::`` is text.
highlight_language = "text"

# -- Autodoc ---------------------------------------------------------------

autodoc_member_order = "bysource"
# Signatures show names and defaults; the docstrings say what each takes.
autodoc_typehints = "none"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = False

# -- Intersphinx -----------------------------------------------------------

# No documentation site is reachable from CI: the inventories are kept in
# the repository as text (docs/_inventories/*.txt, see inventories.py) and
# packed here; the links still go to each project's real site.
intersphinx_mapping = write_inventories(HERE / "_build" / "inventories")
intersphinx_timeout = 1


def public_bases(app, name, obj, options, bases):
    """Leave private classes out of "Bases:" (an exception's plain-text
    mixin); their public bases show instead."""
    bases[:] = [b for b in bases if not b.__name__.startswith("_")]


def signal_docs(app, what, name, obj, options, lines):
    """A signal's documentation is the ``#:`` comment above it in
    ``signals.py``; re-exported, autodoc would show blinker's class doc."""
    if what == "data" and isinstance(obj, NamedSignal):
        docs = ModuleAnalyzer.for_module("flask_dash_images.signals").find_attr_docs()
        lines[:] = list(docs.get(("", name.rpartition(".")[2]), lines))


def setup(app):
    app.connect("autodoc-process-bases", public_bases)
    app.connect("autodoc-process-docstring", signal_docs)


# -- HTML ------------------------------------------------------------------

html_theme = "flask"
html_theme_options = {"index_sidebar_logo": False}
html_title = f"flask-dash-images {release}"
html_short_title = "flask-dash-images"
html_static_path = ["_static"]
html_css_files = ["docs.css"]
html_sidebars = {
    "index": ["project.html", "localtoc.html", "searchbox.html"],
    "**": ["localtoc.html", "relations.html", "searchbox.html"],
}
html_show_sourcelink = False
html_copy_source = False
