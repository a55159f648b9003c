"""The code blocks of the documentation (README.rst and docs/), as tests
read them.

Every block is a ``.. code-block:: LANGUAGE`` directive; a bare ``::``
literal block is not used, so nothing escapes the extractor. A block is one
of three kinds:

a file
    its first line names it: ``# file: app.py`` (any language whose
    comments start with ``#``: Python, TOML, nginx). A page's files are
    written together into a directory (``myapp/pages/plot.py``), where the
    page's own test runs them and checks what the text says they show.
a fragment
    the directive says so with ``:class: fragment`` (the page shows a
    "fragment" label): part of a larger program, never run alone.
a snippet
    any other Python block: a complete program, run as it is by
    ``tests/test_docs.py``.

:func:`examples` and :func:`load` give the Quick start's programs to the
tests that run them in other deployments; :class:`Images` reads the
pictures of a page they serve.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
import textwrap
import typing as t
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.rst"
DOCS = ROOT / "docs"
QUICKSTART = DOCS / "quickstart.rst"

_DIRECTIVE = re.compile(
    r"^(?P<indent> *)\.\. code-block::[ \t]*(?P<language>\S*)[ \t]*$"
)
_OPTION = re.compile(r"^ +:(?P<name>[\w-]+):[ \t]*(?P<value>.*)$")
_FILE = re.compile(r"^# file: (?P<name>\S+)$")
# A paragraph that ends in "::" starts a literal block (a directive does not).
_BARE_LITERAL = re.compile(r"^(?! *\.\. )(?! *::\s*$).*\S::[ \t]*$|^ *::[ \t]*$")


@dataclasses.dataclass(frozen=True)
class Block:
    source: Path
    line: int  # of the directive, 1-based
    language: str
    options: dict[str, str]
    code: str

    @property
    def where(self) -> str:
        return f"{self.source.relative_to(ROOT)}:{self.line}"

    @property
    def file(self) -> str | None:
        """The name the block gives itself (``# file: app.py``), if any."""
        match = _FILE.match(self.code.partition("\n")[0])
        return None if match is None else match.group("name")

    @property
    def fragment(self) -> bool:
        return "fragment" in self.options.get("class", "").split()

    @property
    def snippet(self) -> bool:
        """A Python block that runs as it is."""
        return self.language == "python" and not self.fragment and self.file is None


def blocks(source: Path) -> list[Block]:
    """The ``code-block`` directives of one reST file, in order."""
    lines = source.read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        index += 1
        if match is None:
            continue
        start = index
        indent = len(match.group("indent"))
        options = {}
        while index < len(lines) and (option := _OPTION.match(lines[index])):
            options[option.group("name")] = option.group("value").strip()
            index += 1
        body = []
        while index < len(lines) and (
            not lines[index].strip()
            or len(lines[index]) - len(lines[index].lstrip()) > indent
        ):
            body.append(lines[index])
            index += 1
        code = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
        found.append(Block(source, start, match.group("language"), options, code))
    return found


def bare_literal_blocks(source: Path) -> list[str]:
    """Where a page starts a literal block with ``::`` instead of a
    ``code-block`` directive."""
    text = source.read_text(encoding="utf-8").splitlines()
    return [
        f"{source.relative_to(ROOT)}:{number}"
        for number, line in enumerate(text, 1)
        if _BARE_LITERAL.match(line)
    ]


def pages() -> list[Path]:
    """Every reST source of the docs site, and the README."""
    return [README, *sorted(DOCS.rglob("*.rst"))]


def files(source: Path) -> dict[str, str]:
    """The files a page names (``# file: ...``), by name."""
    named: dict[str, str] = {}
    for block in blocks(source):
        if block.file is not None:
            assert block.file not in named, f"{block.where}: {block.file} twice"
            named[block.file] = block.code
    return named


def write_files(source: Path, target: Path) -> dict[str, str]:
    """Write the files a page names under ``target``; returns them."""
    named = files(source)
    for name, code in named.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    return named


def examples() -> dict[str, str]:
    """The Quick start's complete programs by file name: ``app.py`` (the
    README's and the docs' Quickstart's, the same) and ``flask_app.py``
    (the Quickstart's plain Flask app). Other test modules run them in
    other deployments."""
    return {**files(QUICKSTART), **files(README)}


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
