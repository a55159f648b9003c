"""Dash's dev tools: why a picture failed, in their error list.

A picture that fails in the browser is a broken ``<img>``; its error is in the
response, which nobody reads. With Dash's dev tools on
(``app.run(debug=True)``), the page script (``assets/dash_images.js``) sends
the failed picture's URL to a store that only pages with dev tools get. A
callback then reads that URL as the route does and runs its generator, so
that what made it fail (the generator's exception and traceback, a bad value,
a signature) is raised in a Dash callback: Dash shows it in the dev tools'
error list. The generator runs a second time for this, so only there: without
dev tools neither the store nor the callback exists.
"""

from __future__ import annotations

import typing as t
import weakref
from urllib.parse import urlsplit

import dash
from dash import dcc, html
from dash.dependencies import Input
from dash.exceptions import PreventUpdate

from . import render, urls
from .clientside import PROBE_ID
from .exceptions import DynamicImagesError

if t.TYPE_CHECKING:
    from .state import AppState

__all__ = ["PictureFailed", "add_probe"]

# The Dash apps with the probe callback: only their pages get the store.
_probed: weakref.WeakSet[dash.Dash] = weakref.WeakSet()


class PictureFailed(DynamicImagesError):
    """Raised in the dev tools' probe: this picture failed, for the reason
    chained to it."""


def add_probe(dash_app: dash.Dash, state: AppState, blueprint: str) -> None:
    """Give ``dash_app`` the dev tools' probe callback, if its dev tools are
    on (once). Call it when its settings are final: before Dash's own
    first-request set-up (see :func:`.dash_setup.serialize_dash_setup`).

    :param blueprint: the name the picture blueprint has under the Dash
        app's prefix (see :meth:`.AppState.serve_dash_prefix`).
    """
    if dash_app in _probed or not _dev_tools_shown(dash_app):
        return
    _probed.add(dash_app)

    def probe(url: object) -> None:
        if not isinstance(url, str):
            raise PreventUpdate
        explain(state, blueprint, url)
        raise PreventUpdate  # it renders now: nothing to show

    dash_app.callback(
        Input(PROBE_ID, "data", allow_optional=True),
        prevent_initial_call=True,
        hidden=True,
    )(probe)


def explain(state: AppState, blueprint: str, url: str) -> None:
    """Fetch the picture at ``url`` as the route would, without HTTP.

    :raises PictureFailed: it fails; the reason is its ``__cause__`` (the
        generator's own exception, or the route's 4xx error).
    """
    parts = urlsplit(url)
    filename = parts.path.rpartition(urls.ROUTE)[2]
    guid, _, ext = filename.rpartition(".")
    spec = state.extension.registry.get(guid)
    if spec is not None and spec.keywords:
        blueprint = urls.BLUEPRINT  # a plain generator's picture, at the root
    try:
        spec, values, _ = state.read_url(
            guid, ext, parts.query.encode("latin-1"), blueprint
        )
        fmt = render.FORMATS["png" if spec.format == "auto" else spec.format]
        result = spec.call(values)
        render.encode(result, fmt, spec.encoder_options, state.service.max_pixels)
    except Exception as error:
        raise PictureFailed(
            f"the picture {url} failed: {type(error).__name__}: {error}"
        ) from error


def _dev_tools_shown(dash_app: dash.Dash) -> bool:
    # Dash keeps its dev tools' settings in this AttributeDict and has no
    # public reader; the page's "_dash-config" says the same ("ui").
    dev_tools = getattr(dash_app, "_dev_tools", None)
    return isinstance(dev_tools, dict) and dev_tools.get("ui") is True


def _with_probe_store(layout: t.Any) -> t.Any:
    dash_app = dash.get_app()  # type: ignore[no-untyped-call]
    if dash_app not in _probed or not _dev_tools_shown(dash_app):
        return layout
    # Dash adds components of its own the same way (_layout_value).
    return html.Div([layout, dcc.Store(id=PROBE_ID)])


dash.hooks.layout()(_with_probe_store)
