"""The package's three parts, read from its imports: the core knows neither
Flask nor Dash, the Flask adapter never imports the Dash side, imports run one
way (Dash side -> Flask adapter -> core) with no circle, and no import of the
package's own modules is hidden inside a function."""

from __future__ import annotations

import ast
import pathlib

import pytest

import flask_dash_images

PACKAGE = pathlib.Path(flask_dash_images.__file__).parent
#: Shared by every part: errors and signals.
SHARED = {"flask_dash_images.exceptions", "flask_dash_images.signals"}
FLASK_ADAPTER = {
    "flask_dash_images.extension",
    "flask_dash_images.first_request",
    "flask_dash_images.records",
    "flask_dash_images.settings",
    "flask_dash_images.state",
    "flask_dash_images.views",
}


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> list[tuple[str, bool]]:
    """Each module ``name`` imports (absolute), and whether the import is at
    module level (``if TYPE_CHECKING:`` blocks are left out)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = top and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                    # "from . import x": x may be a module of its own.
                    for alias in child.names:
                        sub = f"{base}.{alias.name}"
                        found.append((sub if sub in MODULES else base, inner))
                else:
                    found.append((base, inner))
            visit(child, inner)

    visit(tree, True)
    return found


def part(name: str) -> str:
    if name.startswith("flask_dash_images.core"):
        return "core"
    if name.startswith("flask_dash_images.dash"):
        return "dash"
    if name in FLASK_ADAPTER:
        return "flask"
    if name in SHARED:
        return "shared"
    return "package"


RANK = {"shared": 0, "core": 1, "flask": 2, "dash": 3, "package": 4}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_one_way(name):
    own = [m for m, _ in imports(name) if m.startswith("flask_dash_images")]
    for imported in own:
        if imported == "flask_dash_images" and part(name) == "dash":
            continue  # only its __version__, set before the package imports
        assert RANK[part(imported)] <= RANK[part(name)], (
            f"{name} ({part(name)}) imports {imported} ({part(imported)})"
        )


@pytest.mark.parametrize("name", sorted(n for n in MODULES if part(n) == "core"))
def test_the_core_knows_neither_flasks_request_nor_dash(name):
    outside = {m.split(".")[0] for m, _ in imports(name)}
    assert not outside & {"flask", "dash"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_of_the_package_is_deferred(name):
    deferred = [
        m for m, top in imports(name) if not top and m.startswith("flask_dash_images")
    ]
    assert deferred == []


def test_no_import_circle():
    graph = {
        name: {m for m, _ in imports(name) if m in MODULES and m != name}
        for name in MODULES
    }
    graph["flask_dash_images.dash"].discard("flask_dash_images")  # __version__
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        assert name not in path, " -> ".join([*path, name])
        if name in done:
            return
        for imported in graph[name]:
            walk(imported, [*path, name])
        done.add(name)

    for name in graph:
        walk(name, [])


def test_the_three_parts_are_there():
    assert {part(n) for n in MODULES} == {"shared", "core", "flask", "dash", "package"}
    assert [n for n in MODULES if part(n) == "package"] == ["flask_dash_images"]
