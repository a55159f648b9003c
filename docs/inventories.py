"""Intersphinx inventories kept in the repository, so the docs build offline.

The machines that build these docs (CI, a developer's) reach no
documentation site, and Sphinx's intersphinx would have to download each
project's ``objects.inv``. Instead ``docs/_inventories/<project>.txt`` holds
the entries the docs use, one a line, in the text of the
``objects.inv`` format (``name domain:role priority uri display-name``, the
URI relative to the project's site, ``$`` standing for the name), and
``conf.py`` packs each into an ``objects.inv`` at build time
(:func:`write_inventories`). Links go to the real sites (:data:`SITES`).

To add entries, take them from a project's full inventory (a copy of its
``objects.inv``, or the one Debian's ``python-<name>-doc`` package installs
under ``/usr/share/doc``)::

    python docs/inventories.py pick flask /path/to/objects.inv flask.Flask ...

Python objects are taken, and pages (``std:doc``) named by their path.
``--dirhtml`` turns ``page.html#anchor`` into ``page/#anchor`` for sites
built with Sphinx's dirhtml builder (the Pallets sites). A project with no
Sphinx inventory (Dash) has its entries written by hand. ``make docs``
(nitpicky) names every reference that still resolves nowhere.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import zlib

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = HERE / "_inventories"

#: Each project's documentation: where the links go.
SITES = {
    "python": "https://docs.python.org/3/",
    "flask": "https://flask.palletsprojects.com/en/stable/",
    "werkzeug": "https://werkzeug.palletsprojects.com/en/stable/",
    "dash": "https://dash.plotly.com/",
    "flask_caching": "https://flask-caching.readthedocs.io/en/latest/",
    "pillow": "https://pillow.readthedocs.io/en/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
    "numpy": "https://numpy.org/doc/stable/",
    "xarray": "https://docs.xarray.dev/en/stable/",
}


def read_entries(project: str) -> list[str]:
    """The entries of ``_inventories/<project>.txt`` (comments left out)."""
    text = (SOURCES / f"{project}.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def pack(project: str, entries: list[str]) -> bytes:
    """An ``objects.inv`` (version 2) holding ``entries``."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{entry}\n" for entry in entries)
    return header.encode() + zlib.compress(body.encode())


def write_inventories(target: pathlib.Path) -> dict[str, tuple[str, str]]:
    """Write ``<target>/<project>.inv`` for every project; returns
    ``intersphinx_mapping``: the real site, and the local inventory."""
    target.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for project, site in SITES.items():
        path = target / f"{project}.inv"
        # Whole or not at all: builds may run side by side (the test suite's).
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_bytes(pack(project, read_entries(project)))
        os.replace(partial, path)
        mapping[project] = (site, str(path))
    return mapping


def pick(project: str, inventory: str, names: list[str], dirhtml: bool) -> int:
    """Add the entries for ``names`` from a full inventory to the project's
    text file."""
    from sphinx.util.inventory import InventoryFile

    with open(inventory, "rb") as stream:
        full = InventoryFile.load(stream, "", lambda base, uri: uri)
    found = {}
    for kind, objects in full.items():
        for name, item in objects.items():
            # Python objects; a page or a label only where asked by its name.
            if name in names and (kind.startswith("py:") or "/" in name):
                uri = item.uri if hasattr(item, "uri") else item[2]
                display = item.display_name if hasattr(item, "uri") else item[3]
                if dirhtml:
                    page, _, anchor = uri.partition("#")
                    page = page.removesuffix(".html")
                    page = "" if page == "index" else f"{page}/"
                    uri = f"{page}#{anchor}" if anchor else page
                if uri.endswith(f"#{name}"):
                    uri = uri[: -len(name)] + "$"
                found[(name, kind)] = f"{name} {kind} 1 {uri} {display}"
    missing = sorted(set(names) - {name for name, _ in found})
    path = SOURCES / f"{project}.txt"
    known = set(read_entries(project)) if path.exists() else set()
    new = [entry for entry in found.values() if entry not in known]
    with path.open("a", encoding="utf-8") as out:
        out.writelines(f"{entry}\n" for entry in sorted(new))
    print(f"{path.name}: {len(new)} added", file=sys.stderr)
    for name in missing:
        print(f"not in {inventory}: {name}", file=sys.stderr)
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    picking = commands.add_parser("pick", help="add entries from a full inventory")
    picking.add_argument("project", choices=sorted(SITES))
    picking.add_argument("inventory", help="a project's full objects.inv")
    picking.add_argument("names", nargs="+")
    picking.add_argument("--dirhtml", action="store_true")
    args = parser.parse_args(argv)
    return pick(args.project, args.inventory, args.names, args.dirhtml)


if __name__ == "__main__":
    sys.exit(main())
