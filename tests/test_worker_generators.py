"""Worker processes take every generator written at a module's top level,
whatever the order of config, extension and decorator: the README's own
examples with DASH_IMAGES_RENDER_PROCESSES set before the extension (the
Quick start run as a script, the plain Flask example and the one-liner
imported), and the multi-page recipe, whose page module Dash loads from its
file. Run as a user runs them, in a process of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from .doc_blocks import examples

REPO = Path(__file__).resolve().parent.parent
PROCESSES = 'config["DASH_IMAGES_RENDER_PROCESSES"] = 1\n'


def quick_start() -> str:
    """The Quick start, set up for worker processes before the extension."""
    code = examples()["app.py"]
    anchor = "images = DynamicImages(app.server)\n"
    assert anchor in code
    return code.replace(anchor, f"app.server.{PROCESSES}{anchor}")


def flask_example() -> str:
    code = examples()["flask_app.py"]
    anchor = "images = DynamicImages(app)\n"
    assert anchor in code
    return code.replace(anchor, f"app.{PROCESSES}{anchor}")


def one_liner() -> str:
    """The Quick start as the one-liner of dash-dynamic-images writes it."""
    code = quick_start().partition('if __name__ == "__main__":')[0]
    for old, new in [
        ("images = DynamicImages(app.server)\n", ""),
        (
            "from flask_dash_images import DynamicImages\n",
            "from flask_dash_images import image_callback\n",
        ),
        ("@images.callback(\n", "@image_callback(\n    app,\n"),
    ]:
        assert old in code
        code = code.replace(old, new)
    return code


#: What the Quick start runs as a script instead of ``app.run(debug=True)``.
DRIVE = textwrap.dedent(
    """
    import html.parser, io, json, multiprocessing, sys

    import dash
    from dash import Dash, html as dash_html
    from PIL import Image

    import flask_app, one_liner
    from tests.apps.pages_app.app import PAGES
    from tests.apps.pages_app.extensions import images as page_images

    def drawn(client, url, expected):
        response = client.get(url)
        if response.status_code != 200:
            return [response.status_code, response.get_data(as_text=True)]
        picture = Image.open(io.BytesIO(response.data)).convert("RGB")
        return [200, picture.tobytes() == expected.convert("RGB").tobytes()]

    class Sources(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.sources = []

        def handle_starttag(self, tag, attrs):
            self.sources += [v for k, v in attrs if tag == "img" and k == "src"]

    def main(app):
        found = {}
        main_module = sys.modules["__main__"]
        client = app.server.test_client()
        client.get("/")
        found["script"] = drawn(
            client, "/image_generator/line.png?x=120&y=50", main_module.draw(120, 50)
        )
        client = one_liner.app.server.test_client()
        client.get("/")
        found["one_liner"] = drawn(
            client, "/image_generator/line.png?x=120&y=50", one_liner.draw(120, 50)
        )
        client = flask_app.app.test_client()
        parser = Sources()
        parser.feed(client.get("/").get_data(as_text=True))
        found["flask"] = drawn(
            client, parser.sources[0].replace("&amp;", "&"), flask_app.badge("hello")
        )
        # The multi-page recipe, its app factory called twice (Dash runs the
        # page module again for each app): the first app draws too.
        made = []
        for _ in range(2):
            pages = Dash(
                "tests.apps.pages_app.app", use_pages=True, pages_folder=str(PAGES)
            )
            pages.server.config["DASH_IMAGES_RENDER_PROCESSES"] = 1
            page_images.init_app(pages.server)
            pages.layout = dash_html.Div([dash.page_container])
            made.append(pages)
        plot = sys.modules["pages.plot"].plot  # the second run's
        for pages in made:
            pages.server.test_client().get("/")
        with made[1].server.test_request_context():
            url = page_images.url_for(plot, n="40")
        for index, pages in enumerate(made):
            client = pages.server.test_client()
            found[f"page_{index}"] = drawn(client, url, plot("40"))
        workers = [
            p for p in multiprocessing.active_children()
            if p.name == "dash-images-render"
        ]
        found["workers"] = len(workers)
        print(json.dumps(found))
    """
)


def test_the_readmes_examples_and_a_page_module_draw_in_worker_processes(tmp_path):
    script = quick_start()
    run = "    app.run(debug=True)\n"
    assert run in script
    (tmp_path / "app.py").write_text(
        script.replace(run, "    import drive\n\n    drive.main(app)\n")
    )
    (tmp_path / "flask_app.py").write_text(flask_example())
    (tmp_path / "one_liner.py").write_text(one_liner())
    (tmp_path / "drive.py").write_text(DRIVE)
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # Each picture is the generator's own, drawn in a worker process: one
    # for each app (of the five, the pages app made first draws nothing
    # before its picture is asked for).
    assert found == {
        "script": [200, True],
        "one_liner": [200, True],
        "flask": [200, True],
        "page_0": [200, True],
        "page_1": [200, True],
        "workers": 5,
    }, done.stderr
