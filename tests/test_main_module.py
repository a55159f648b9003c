"""A script's generators get the URLs its imported module gets:
``python app.py`` and ``gunicorn app:server`` serve the same pictures."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

APP = textwrap.dedent(
    """
    from dash import Input, Output
    from flask_dash_images import DynamicImages

    images = DynamicImages()

    @images.generator()
    def plain(n):
        return None

    @images.callback(Output("img", "src"), Input("n", "value"))
    def dash_picture(n):
        return None

    if __name__ == "__main__":
        print(" ".join(spec.guid for spec in images.registry))
    """
)


def run(directory, *args):
    done = subprocess.run(
        [sys.executable, *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.parametrize("package", ["", "pkg"])
def test_a_script_and_its_import_give_the_same_guids(tmp_path, package):
    folder = tmp_path / package
    folder.mkdir(exist_ok=True)
    if package:
        (folder / "__init__.py").write_text("")
    (folder / "app.py").write_text(APP)
    module = f"{package}.app" if package else "app"
    imported = run(
        tmp_path,
        "-c",
        f"import {module} as m; print(' '.join(s.guid for s in m.images.registry))",
    )
    assert len(imported) == 2
    assert run(tmp_path, "-m", module) == imported
    if not package:
        assert run(tmp_path, "app.py") == imported
