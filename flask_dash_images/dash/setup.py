"""The Dash apps on a Flask server, and Dash's own first-request set-up.

Both run under the server's first-request lock (:mod:`..first_request`), which
the extension puts first among the server's ``before_request`` functions.

Dash sets itself up on its server's first request, in the ``before_request``
hook ``Dash._setup_server``. Up to Dash 4.4.1 at least, that hook sets its
"done" flag *before* the work: on a threaded server (gunicorn ``gthread``,
waitress, ``flask run``), a second request sees the flag, skips the set-up,
and reaches ``/_dash-update-component`` before the callbacks registered with
:func:`dash.callback` have been copied into the app: HTTP 500, "Callback
function not found". Component bundles fail the same way ("not a registered
library"). Upstream: plotly/dash#3971, fix proposed in plotly/dash#3980. Run
under the lock, the set-up is finished before any request goes on.
"""

from __future__ import annotations

import typing as t

import dash

if t.TYPE_CHECKING:
    import flask

__all__ = ["dash_apps_on", "run_dash_setup"]


def dash_apps_on(server: flask.Flask) -> list[dash.Dash]:
    """The Dash apps running on ``server``, in the order they were put on it.

    Each Dash app on a Flask server has added its own ``_setup_server`` to
    the server's ``before_request`` functions (``Dash(server=...)``, or
    ``dash_app.init_app(server)``): that is the exact list, whatever the order
    in which the apps, the server and the extension were made.
    """
    found = []
    for hook in server.before_request_funcs.get(None, ()):
        owner = getattr(hook, "__self__", None)
        if isinstance(owner, dash.Dash) and owner not in found:
            found.append(owner)
    return found


def run_dash_setup(dash_app: dash.Dash) -> None:
    """Run Dash's first-request set-up of ``dash_app`` now (it returns at once
    once it has run, so Dash's own hook then does nothing).

    Left to Dash's own hook when this Dash has no ``_setup_server`` or no
    ``_got_first_request["setup_server"]`` flag to make it run once: calling
    it here could then run it twice. If a later Dash serializes the set-up
    itself (as plotly/dash#3980 proposes), this stays harmless: the lock is
    always taken before Dash's, and Dash never calls back into it. If the
    set-up raises, the request fails as it would without this; Dash has set
    its flag by then.
    """
    flags = getattr(dash_app, "_got_first_request", None)
    flag = flags.get("setup_server") if isinstance(flags, dict) else None
    setup = getattr(dash_app, "_setup_server", None)
    if isinstance(flag, bool) and callable(setup):
        setup()
