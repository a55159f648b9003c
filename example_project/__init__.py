"""The example gallery for flask-dash-images.

One Flask server hosts a Dash app at ``/`` (a page per demo, routed with
``dcc.Location``) and a plain Flask page at ``/flask/``.

Every call of :func:`create_app` builds everything afresh: its own server,
its own :class:`~flask_dash_images.DynamicImages` and its own Dash app, and
the pages register their generators with ``image_callback(dash_app, ...)``,
which binds each callback to that one Dash app. (A module-level extension
with ``images.callback`` at import, set up in the factory, works as well:
each Dash app gets the callbacks when it sets up. This gallery keeps each
page's registration next to its layout instead.) Apps made by separate calls
share nothing, so the factory can run as often as tests (or a WSGI server)
like. They still build the same image URLs: a generator's id comes from its
code, not from the app or the extension object.

The extension keeps the pictures of deterministic generators in a
Flask-Caching ``SimpleCache``: one per app, in the process's memory. Behind
several workers or hosts, a ``RedisCache`` would share them.

:func:`create_app` is the Flask factory (``flask --app example_project run``
finds it); :func:`create_dash_app` is the same, for callers that need the Dash
app itself, such as tests that drive its callbacks.
"""

from __future__ import annotations

import typing as t

import dash
from flask import Flask
from flask_caching import Cache

from flask_dash_images import DynamicImages

from . import flask_page, shell

__all__ = ["create_app", "create_dash_app"]


def create_app(config: t.Mapping[str, t.Any] | None = None) -> Flask:
    """The gallery's Flask server, with the Dash app mounted at ``/``.

    :param config: Flask configuration (``DASH_IMAGES_*`` keys included),
        applied before anything is set up.
    """
    return create_dash_app(config).server


def create_dash_app(config: t.Mapping[str, t.Any] | None = None) -> dash.Dash:
    """The gallery's Dash app; its ``server`` is what :func:`create_app` returns."""
    server = Flask(__name__)
    server.config.update(config or {})
    images = DynamicImages(server, cache=Cache(config={"CACHE_TYPE": "SimpleCache"}))
    flask_page.init_app(server, images)
    dash_app = dash.Dash(
        __name__,
        server=server,
        url_base_pathname="/",
        title="flask-dash-images gallery",
        update_title=None,
    )
    shell.init_dash(dash_app)
    return dash_app
