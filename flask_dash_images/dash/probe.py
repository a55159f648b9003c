"""Dash's dev tools: why a picture failed, in their error list, per image.

A picture that fails in the browser is a broken ``<img>``; its error is in the
response, which nobody reads. With Flask's debug and Dash's dev tools on
(``app.run(debug=True)``), each image callback gets a probe: the page script
(``assets/dash_images.js``) sets the failed picture's URL on the image's
:data:`~.clientside.FAILED` property, and the probe fetches that URL again
through the app, as the same user (a request inside the callback's request,
with its cookies and headers), so the app's guards, the render slots and the
cache all apply as at the route. What made it fail (the generator's exception
with its traceback, a 4xx and its reason, a guard's answer) is raised in the
callback, so Dash lists it under the image's name; each failed picture is an
entry of its own. Without debug or dev tools there is no probe.
"""

from __future__ import annotations

import io
import typing as t
from urllib.parse import unquote, urlsplit

import dash
import flask
from dash.dependencies import ALL, MATCH, Input, Output
from dash.exceptions import PreventUpdate
from werkzeug.exceptions import HTTPException

from ..core import urls
from ..core.workers import RemoteError
from ..exceptions import DynamicImagesError
from ..views import FAILURE
from .clientside import EXPLAINED, FAILED

if t.TYPE_CHECKING:
    from ..records import DashCallback
    from ..state import AppState

__all__ = ["PictureFailed", "add_probes", "explain"]

#: What the probe's request says it accepts: what browsers send for images.
_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
#: The parts of the callback's request the probe's request keeps: who asks,
#: and where (not what: the method, path, query and body are its own).
_KEPT = frozenset(
    {
        "SCRIPT_NAME",
        "SERVER_NAME",
        "SERVER_PORT",
        "SERVER_PROTOCOL",
        "REMOTE_ADDR",
        "REMOTE_PORT",
        "REMOTE_USER",
        "wsgi.version",
        "wsgi.url_scheme",
        "wsgi.errors",
        "wsgi.multithread",
        "wsgi.multiprocess",
        "wsgi.run_once",
    }
)
_DROPPED_HEADERS = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"})


class PictureFailed(DynamicImagesError):
    """Raised in the dev tools' probe: this picture failed, for the reason
    chained to it (if the app raised one) and given in the message."""


def add_probes(
    dash_app: dash.Dash, state: AppState, records: t.Sequence[DashCallback]
) -> None:
    """Give each of ``dash_app``'s image callbacks its probe, if Flask's debug
    and Dash's dev tools UI are both on (known for sure at set-up)."""
    if not (dash_app.server.debug and _dev_tools_shown(dash_app)):
        return
    for record in records:
        component = _one_by_one(record.output.component_id)

        def probe(url: object, _record: DashCallback = record) -> None:
            image = dash.ctx.triggered_id or _record.output.component_id
            explain(dash_app, image, url)

        dash_app.callback(
            Output(component, EXPLAINED),
            Input(component, FAILED),
            prevent_initial_call=True,
            hidden=True,
        )(probe)


def explain(dash_app: dash.Dash, image: object, url: object) -> None:
    """Fetch the picture at ``url`` (as the browser saw it) through the app,
    as the callback's request's user.

    :raises PreventUpdate: it is fine now, or it is not a picture of this
        Dash app.
    :raises PictureFailed: it fails; why is in the message, and the app's own
        exception, if any, is its ``__cause__``.
    """
    if not isinstance(url, str):
        raise PreventUpdate
    config = dash_app.config
    parts = urlsplit(url)
    below = parts.path.removeprefix(config.requests_pathname_prefix)
    if below == parts.path or not below.startswith(urls.ROUTE[1:]):
        raise PreventUpdate  # not this app's picture route: nothing to fetch
    environ = {
        key: value
        for key, value in flask.request.environ.items()
        if key in _KEPT or (key.startswith("HTTP_") and key not in _DROPPED_HEADERS)
    }
    environ.update(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": unquote(config.routes_pathname_prefix + below, "latin-1"),
            "QUERY_STRING": parts.query,
            "HTTP_ACCEPT": _ACCEPT,
            "CONTENT_LENGTH": "0",
            "wsgi.input": io.BytesIO(),
        }
    )
    status, body = _call(dash_app.server, environ)
    code = int(status.split(" ", 1)[0])
    if code < 400:
        raise PreventUpdate  # it renders now: nothing to show
    cause = environ.get(FAILURE)
    if isinstance(cause, RemoteError):
        reason = str(cause)  # the generator's own error, in a worker process
    elif isinstance(cause, BaseException) and not isinstance(cause, HTTPException):
        reason = f"{type(cause).__name__}: {cause}"  # the generator's own error
    else:
        line = body.decode("utf-8", "replace").strip().partition("\n")[0]
        reason = line if line.startswith(str(code)) else f"{status}: {line}"
    message = f"the picture of {image} failed: {reason} ({url})"
    if isinstance(cause, RemoteError):
        # Its frames are the worker's, which no traceback here shows.
        message += f"\n\nIn the render worker process:\n{cause.trace}"
    raise PictureFailed(message) from (
        cause if isinstance(cause, BaseException) else None
    )


def _call(app: flask.Flask, environ: dict[str, t.Any]) -> tuple[str, bytes]:
    # The app as a WSGI server would call it (its middleware included), with
    # this very environ, where the route leaves why it failed (werkzeug's
    # run_wsgi_app would pass a copy).
    statuses: list[str] = []

    def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
        statuses.append(status)
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return statuses[-1], body


def _one_by_one(component_id: t.Any) -> t.Any:
    # A probe per image, also for pattern-matching ids: ALL becomes MATCH.
    if isinstance(component_id, dict):
        return {k: MATCH if v is ALL else v for k, v in component_id.items()}
    return component_id


def _dev_tools_shown(dash_app: dash.Dash) -> bool:
    # Dash keeps its dev tools' settings in this AttributeDict and has no
    # public reader; the page's "_dash-config" says the same ("ui").
    dev_tools = getattr(dash_app, "_dev_tools", None)
    return isinstance(dev_tools, dict) and dev_tools.get("ui") is True
