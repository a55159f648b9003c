"""One WSGI app for one gunicorn, with an app for each place a render runs:
``/threads`` (the request's thread), ``/timeout`` (a thread of its own,
``DASH_IMAGES_RENDER_TIMEOUT``), ``/processes`` (two worker processes),
and ``/stuck`` (a thread of its own, a timeout of 0.5 s, at most one
abandoned render).

Serve it with ``gunicorn tests.apps.render_modes:application``. It draws a
picture in a worker process at import, as an app that warms up does: with
``--preload``, that is in gunicorn's master, before it forks its workers;
in a render worker that imports this module, at once, in that process.

Every generator of :mod:`tests.apps.render_jobs` is at
``/<mode>/image_generator/<its name>.png``, and ``here``, defined in this
module (a worker process that draws it imports this module, warm-up
included), which draws the pid of the process that drew it. ``/pid``
answers the gunicorn worker's pid, ``/health`` ``ok`` while
``images.healthy()`` (else 503), and every response says which worker
made it (``X-Served-By``).
"""

from __future__ import annotations

import os
import time
import typing as t

from flask import Flask, Response
from PIL import Image
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from flask_dash_images import DynamicImages
from tests.apps import render_jobs

MODES: dict[str, dict[str, t.Any]] = {
    "threads": {},
    "timeout": {"DASH_IMAGES_RENDER_TIMEOUT": 5},
    "processes": {"DASH_IMAGES_RENDER_PROCESSES": 2, "DASH_IMAGES_RENDER_TIMEOUT": 5},
    # Renders soon abandoned, and the second one at once past the cap.
    "stuck": {"DASH_IMAGES_RENDER_TIMEOUT": 0.5, "DASH_IMAGES_MAX_ABANDONED": 1},
}

images = DynamicImages()
for _name in ("square", "pid_picture", "sleeps", "exits", "spawns"):
    images.generator(name=_name)(getattr(render_jobs, _name))


@images.generator(name="here")
def here(n: int, seconds: float = 0) -> Image.Image:
    """The drawing process's pid (mod 4000, plus 1) as the width, after
    ``seconds`` (at most 5) of sleep."""
    time.sleep(min(seconds, 5))
    return Image.new("L", (os.getpid() % 4000 + 1, n))


def served_by(response: Response) -> Response:
    response.headers["X-Served-By"] = str(os.getpid())
    return response


def create_app() -> tuple[DispatcherMiddleware, dict[str, Flask]]:
    root = Flask(__name__)
    root.after_request(served_by)

    @root.route("/pid")
    def pid() -> str:
        return str(os.getpid())

    @root.route("/health")
    def health() -> tuple[str, int]:
        return ("ok", 200) if images.healthy() else ("stuck renders", 503)

    apps = {}
    for mode, config in MODES.items():
        app = Flask(f"{__name__}.{mode}")
        app.config.update(config)
        images.init_app(app)
        app.after_request(served_by)
        apps[mode] = app
    return DispatcherMiddleware(root, {f"/{m}": a for m, a in apps.items()}), apps


application, apps = create_app()

_warm = apps["processes"].test_client().get("/image_generator/pid_picture.png?n=1")
if _warm.status_code != 200:
    raise RuntimeError(f"the warm-up render failed: {_warm.status}")
