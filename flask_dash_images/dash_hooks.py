"""The Dash apps the extension serves: finding them, and Dash's hooks.

Every Dash app on a server set up with :class:`DynamicImages` gets its
pictures served under its own prefix, its first requests serialized
(:mod:`.dash_setup`), the dev tools' probe (:mod:`.dash_debug`), its page's
config (the app's version), and the page script and stylesheet (loading
state, responsive boxes), through Dash's own hooks. Importing this module
registers the hooks, once per process.
"""

from __future__ import annotations

import functools
import json
import typing as t

import dash
import flask
from dash import _get_app as dash_get_app

from .clientside import CONFIG_ID
from .dash_debug import add_probe
from .dash_setup import serialize_dash_setup
from .exceptions import ConfigurationError
from .state import EXTENSION_KEY, AppState, get_state

if t.TYPE_CHECKING:
    from .extension import DynamicImages

__all__ = [
    "attach",
    "attach_current_dash_app",
    "check_backend",
    "current_dash_app",
    "route_of_this_request",
]


def check_backend(dash_app: dash.Dash) -> None:
    """Refuse a Dash app that does not run on Flask, saying what works.

    :raises ConfigurationError: Dash runs it on FastAPI or Quart.
    """
    server = getattr(dash_app, "server", None)
    if isinstance(server, flask.Flask):
        return
    backend = type(server).__module__.partition(".")[0]
    raise ConfigurationError(
        f"this Dash app runs on {type(server).__name__} (Dash's {backend!r}"
        " backend); flask-dash-images serves pictures from Flask, so image"
        " callbacks need a Dash app on the Flask backend (the default:"
        " Dash(__name__), or Dash(server=flask_app)); plain Flask generators"
        " work on any Flask app"
    )


def attach(images: DynamicImages, dash_app: dash.Dash | None) -> None:
    """Serve ``dash_app``'s pictures under its prefix (and no other Dash
    app's), and make its first requests wait for its set-up, if ``images``
    is set up on its server (else :meth:`DynamicImages.init_app` does it
    later)."""
    if dash_app is None:
        return
    state = _state_of(dash_app)
    if state is not None and state.extension is images:
        config = dash_app.config
        state.serve_dash_prefix(
            dash_app.server,
            config.routes_pathname_prefix,
            config.requests_pathname_prefix,
        )
        for guid, owners in images.dash_apps_of.items():
            if any(owner is None or owner is dash_app for owner in owners):
                state.serve_dash_picture(guid, config.routes_pathname_prefix)
        blueprint, _ = state.dash_routes[config.routes_pathname_prefix]
        # The probe only with dev tools, known for sure at the first request.
        serialize_dash_setup(
            dash_app, before=functools.partial(add_probe, dash_app, state, blueprint)
        )


def attach_current_dash_app(server: flask.Flask) -> None:
    """Attach the Dash app made last, if it runs on ``server``."""
    dash_app = current_dash_app()
    if dash_app is not None and dash_app.server is server:
        attach(server.extensions[EXTENSION_KEY].extension, dash_app)


def _on_new_dash_app(dash_app: dash.Dash) -> None:
    # Runs for every Dash app made after this module was imported.
    state = _state_of(dash_app)
    if state is not None:
        attach(state.extension, dash_app)


def _state_of(dash_app: dash.Dash) -> AppState | None:
    extensions = getattr(dash_app.server, "extensions", None)
    if not isinstance(extensions, dict):
        return None
    return t.cast("AppState | None", extensions.get(EXTENSION_KEY))


def current_dash_app() -> dash.Dash | None:
    # The Dash app made last. Not dash.get_app(): it prefers a context
    # variable that a Dash method may have left set to an older app.
    return t.cast("dash.Dash | None", getattr(dash_get_app, "APP", None))


def route_of_this_request() -> tuple[str, str | None]:
    """The blueprint name and browser root for the Dash app whose callback
    this request is: Dash serves it at ``<routes prefix>_dash-update-component``."""
    state = get_state(flask.current_app)
    rule = flask.request.url_rule
    prefix = "/" if rule is None else rule.rule.rpartition("/")[0] + "/"
    try:
        return state.dash_routes[prefix]
    except KeyError:
        raise ConfigurationError(
            f"the Dash app at {prefix!r} is not set up for images: call"
            " images.init_app(dash_app.server) before it serves, or use"
            " image_callback(dash_app, ...)"
        ) from None


def _add_page_config(index: str) -> str:
    # Every Dash page of a server set up with images says its version, which
    # the browser's URL builder adds as the server's does.
    state = flask.current_app.extensions.get(EXTENSION_KEY)
    if state is None or state.version is None:
        return index
    tag = (
        f'<script id="{CONFIG_ID}" type="application/json">'
        f"{json.dumps({'version': state.version})}</script>"
    )
    anchor = index.find("</script>", index.find('id="_dash-config"')) + len("</script>")
    return index[:anchor] + tag + index[anchor:]


dash.hooks.setup()(_on_new_dash_app)
dash.hooks.index()(_add_page_config)
# The loading state of every picture, served from Dash's component suites.
dash.hooks.script(
    [{"relative_package_path": "assets/dash_images.js", "namespace": __package__}]
)
dash.hooks.stylesheet(
    [{"relative_package_path": "assets/dash_images.css", "namespace": __package__}]
)
