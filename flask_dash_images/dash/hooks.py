"""Dash's hooks, registered once per process when this package is imported.

Through them every Dash app made afterwards, on any server, gets:

- the picture route under its own prefix (``<routes prefix>image_generator/
  <guid>.<ext>``), added by Dash itself whenever it adds its own routes, on
  the server it ends up on (``Dash(server=False)`` then ``init_app`` too).
  It serves only where the server has the extension set up and only the
  pictures of callbacks bound to that Dash app; elsewhere it is a 404;
- its page's config (the app's version, which the browser's URL builder
  puts into URLs as the server's does);
- the page script and stylesheet (loading state, responsive boxes, the
  debug probe's reports).

Binding happens at each server's first request (:mod:`.binding`), through the
extension's :data:`~flask_dash_images.signals.app_setting_up`.
"""

from __future__ import annotations

import json
import typing as t

import dash
import flask

from .. import views
from ..signals import app_setting_up
from ..state import EXTENSION_KEY
from .binding import IMAGE_ROUTE, bind_dash_apps
from .clientside import CONFIG_ID

if t.TYPE_CHECKING:
    from ..core.spec import ImageSpec
    from ..state import AppState

__all__: list[str] = []


# Typed t.Any: FastAPI reads a route's annotations (its Dash apps get the
# route too, and never use it).
def _serve(guid: str, ext: str) -> t.Any:
    if not flask.has_app_context():
        # A Dash app on another backend (Quart): not ours to serve.
        return "no such image", 404
    return views.serve_image(guid, ext)


def _not_found(rest: str) -> t.Any:
    if not flask.has_app_context():
        return "no such image", 404
    return views.not_found(rest)


def _add_page_config(index: str) -> str:
    # Every Dash page of a server set up with images says its version, which
    # the browser's URL builder adds as the server's does, which of its
    # pictures report pointer events (by guid), for the events script, which
    # of them preview the next view, and, with responsive pictures, the
    # server's pixel limit.
    if not flask.has_app_context():
        return index
    state = flask.current_app.extensions.get(EXTENSION_KEY)
    if state is None:
        return index
    config: dict[str, t.Any] = {}
    if state.version is not None:
        config["version"] = state.version
    pictures = _pictures_of_this_page(state)
    events = {guid: list(spec.events) for guid, spec in pictures.items() if spec.events}
    if events:
        config["events"] = events
    preview = sorted(guid for guid, spec in pictures.items() if spec.previews)
    if preview:
        config["preview"] = preview
    if any(spec.responsive for spec in pictures.values()):
        # The page script asks for no more pixels than the server draws.
        config["maxPixels"] = state.service.max_pixels
    if not config:
        return index
    # "</" cannot end the script early: JSON of guids and event names only.
    tag = (
        f'<script id="{CONFIG_ID}" type="application/json">'
        f"{json.dumps(config, sort_keys=True)}</script>"
    )
    anchor = index.find("</script>", index.find('id="_dash-config"')) + len("</script>")
    return index[:anchor] + tag + index[anchor:]


def _pictures_of_this_page(state: AppState) -> dict[str, ImageSpec]:
    # The Dash app whose page this is: the one whose prefix is the longest
    # that the page's rule starts with ("/admin/<path:path>": "/admin/", not
    # "/"). Another Dash app's pictures are not this page's to name.
    rule = flask.request.url_rule
    if rule is None:
        return {}
    found: dict[str, ImageSpec] = {}
    longest = -1
    for picture_rule, pictures in state.pictures.items():
        prefix = picture_rule[: -len(IMAGE_ROUTE)]
        if rule.rule.startswith(prefix) and len(prefix) > longest:
            found, longest = pictures, len(prefix)
    return found


dash.hooks.route(name=IMAGE_ROUTE)(_serve)
# Everything else under the route is ours too: a 404, not the app's page.
dash.hooks.route(name=f"{IMAGE_ROUTE.partition('<')[0]}<path:rest>")(_not_found)
dash.hooks.index()(_add_page_config)
dash.hooks.script(
    [
        {"relative_package_path": "assets/dash_images.js", "namespace": __package__},
        {
            "relative_package_path": "assets/dash_images_events.js",
            "namespace": __package__,
        },
        {
            "relative_package_path": "assets/dash_images_download.js",
            "namespace": __package__,
        },
    ]
)
dash.hooks.stylesheet(
    [{"relative_package_path": "assets/dash_images.css", "namespace": __package__}]
)
app_setting_up.connect(bind_dash_apps)
