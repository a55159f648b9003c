"""The README's examples and the multi-page recipe on a real gunicorn
(gthread), drawing in worker processes (DASH_IMAGES_RENDER_PROCESSES set
before the extension): the Quick start and the plain Flask example as
written, the one-liner, and a ``use_pages`` page module, which Dash loads
from its file as ``pages.plot`` (no import finds that name). One WSGI app
mounts them all (``/quick``, ``/flask``, ``/oneliner``, ``/pages``)."""

from __future__ import annotations

import io
import textwrap

import pytest
from PIL import Image

from .doc_blocks import Images, load
from .http_load import timed_get
from .processes import descendants, running
from .render_workers import wait_until
from .servers import ServerGroup
from .test_worker_generators import flask_example, one_liner, quick_start

pytest_plugins = ["tests.servers"]
pytestmark = [pytest.mark.servers]

WSGI = textwrap.dedent(
    """
    import multiprocessing, sys

    import dash
    from dash import Dash, html
    from flask import Flask, jsonify
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    import app as quick_start
    import flask_app
    import one_liner
    from tests.apps.pages_app.app import PAGES
    from tests.apps.pages_app.extensions import images as page_images

    # The recipe's app factory, with worker processes set before init_app.
    pages = Dash("tests.apps.pages_app.app", use_pages=True, pages_folder=str(PAGES))
    pages.server.config["DASH_IMAGES_RENDER_PROCESSES"] = 1
    page_images.init_app(pages.server)
    pages.layout = html.Div([dash.page_container])

    root = Flask(__name__)


    @root.route("/render-workers")
    def render_workers():
        children = multiprocessing.active_children()
        return jsonify(len([p for p in children if p.name == "dash-images-render"]))


    @root.route("/pages-url")
    def pages_url():
        with pages.server.test_request_context():
            return page_images.url_for(sys.modules["pages.plot"].plot, n="40")


    application = DispatcherMiddleware(
        root,
        {
            "/quick": quick_start.app.server,
            "/flask": flask_app.app,
            "/oneliner": one_liner.app.server,
            "/pages": pages.server,
        },
    )
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    (folder / "app.py").write_text(quick_start())
    (folder / "flask_app.py").write_text(flask_example())
    (folder / "one_liner.py").write_text(one_liner())
    (folder / "wsgi.py").write_text(WSGI)
    group = ServerGroup(folder)
    family: set[int] = set()
    try:
        server = group.gunicorn(
            "wsgi:application",
            workers=1,
            worker_class="gthread",
            threads=4,
            env={"GUNICORN_CMD_ARGS": f"--pythonpath {folder}"},
            ready_path="/render-workers",
        )
        yield server
        family = descendants(server.master_pid)
    finally:
        group.close()
    assert wait_until(lambda: not any(map(running, family)), 10), [
        pid for pid in family if running(pid)
    ]


def picture(answer) -> Image.Image:
    assert answer.status == 200, answer.text
    return Image.open(io.BytesIO(answer.reply.data)).convert("RGB")


def test_the_readmes_examples_draw_in_worker_processes(server, tmp_path):
    draw = load(tmp_path, "app.py").draw
    expected = draw(120, 50).convert("RGB").tobytes()
    for prefix in ("/quick", "/oneliner"):
        assert timed_get(server.url, f"{prefix}/").status == 200  # Dash sets up
        answer = timed_get(server.url, f"{prefix}/image_generator/line.png?x=120&y=50")
        assert picture(answer).tobytes() == expected
    page = timed_get(server.url, "/flask/")
    parser = Images()
    parser.feed(page.text)
    assert len(parser.sources) == 2
    for source in parser.sources:
        assert source.startswith("/flask/image_generator/badge.png?")
        answer = timed_get(server.url, source.replace("&amp;", "&"))
        assert picture(answer).size == (160, 32)


def test_a_page_modules_generator_draws_in_a_worker_process(server):
    assert timed_get(server.url, "/pages/").status == 200  # Dash sets up
    path = timed_get(server.url, "/pages-url").text
    assert picture(timed_get(server.url, f"/pages{path}")).size == (40, 20)


def test_every_app_drew_in_worker_processes_of_its_own(server):
    # A picture from each app (the tests above may not have run) ...
    for prefix in ("/quick", "/oneliner"):
        assert timed_get(server.url, f"{prefix}/").status == 200  # Dash sets up
        answer = timed_get(server.url, f"{prefix}/image_generator/line.png?x=3&y=4")
        assert picture(answer).size == (200, 200)
    parser = Images()
    parser.feed(timed_get(server.url, "/flask/").text)
    answer = timed_get(server.url, parser.sources[0].replace("&amp;", "&"))
    assert picture(answer).size == (160, 32)
    assert timed_get(server.url, "/pages/").status == 200
    path = timed_get(server.url, "/pages-url").text
    assert picture(timed_get(server.url, f"/pages{path}")).size == (40, 20)
    # ... was drawn by a render worker of that app's own: four of them.
    assert timed_get(server.url, "/render-workers").text.strip() == "4"
