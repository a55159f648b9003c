"""Dash's one-time set-up, run by one thread before any request goes on.

Dash sets itself up on its server's first request, in the ``before_request``
hook ``Dash._setup_server``. Up to Dash 4.4.1 at least, that hook sets its
"done" flag *before* the work: on a threaded server (gunicorn ``gthread``,
waitress, ``flask run``), a second request sees the flag, skips the set-up,
and reaches ``/_dash-update-component`` before the callbacks registered with
:func:`dash.callback` (so with :meth:`DynamicImages.callback`) have been
copied into the app: HTTP 500, "Callback function not found". Component
bundles fail the same way ("not a registered library"). Upstream:
plotly/dash#3971, fix proposed in plotly/dash#3980.
"""

from __future__ import annotations

import threading
import typing as t

import flask

if t.TYPE_CHECKING:
    import dash

__all__ = ["serialize_dash_setup"]


def serialize_dash_setup(
    dash_app: dash.Dash, before: t.Callable[[], object] | None = None
) -> None:
    """Make Dash's first-request set-up finish before any request goes on.

    Puts a hook at the front of the Flask server's ``before_request``
    functions: until the set-up is done, each request takes a lock and calls
    ``dash_app._setup_server()`` (Dash's own method, which returns at once
    once it has run), so one thread sets up while the others wait. After
    that, the hook costs one attribute read per request, no lock.

    Call it while the app is being built: from a ``dash.hooks.setup`` hook
    (Dash runs those in ``Dash.__init__``, before it registers its own
    hook), or once the Dash app exists. Safe to call any number of times:
    one hook per Dash app and server. Does nothing, and never fails, when:

    - the Dash app's server is not a :class:`flask.Flask` (another Dash
      backend, ``backend="fastapi"`` or ``"quart"``);
    - this Dash has no ``_setup_server``; or, when the first request comes,
      no ``_got_first_request["setup_server"]`` flag to make that method run
      once, so that the hook could run the set-up twice (then the hook only
      steps aside);
    - Dash's set-up has begun already, or the server has handled a request:
      the race is then over or under way, and Flask's hook list may be in a
      request thread's hands (inserting while one iterates it can skip or
      repeat a hook; Flask refuses setup methods from then on for the same
      reason).

    With ``Dash(server=False)``, call it (again) after
    ``dash_app.init_app(server)``: before that, ``dash_app.server`` is a
    stand-in that Dash replaces.

    Dash 4.4.1 takes no lock around its set-up (its one lock guards hot
    reload), so there is nothing to detect. If a later Dash serializes the
    set-up itself (as plotly/dash#3980 proposes), this hook stays harmless:
    its lock is always taken before Dash's and Dash never calls back into
    it, so the two cannot deadlock; and once the set-up has run, Dash's
    method returns at once.

    If the set-up raises, the request that ran it fails as it would without
    this hook; Dash has set its flag by then, so later requests find the
    set-up done, as they would without this hook too.

    :param dash_app: a Dash app whose server has not handled a request yet.
    :param before: set-up of our own, run once, under the lock, just before
        Dash's (when the app's settings, dev tools included, are final); at
        once if Dash has set up already.
    """
    server = getattr(dash_app, "server", None)
    setup = getattr(dash_app, "_setup_server", None)
    if not isinstance(server, flask.Flask) or not callable(setup):
        return
    # No flags at all: Dash.__init__ has not set them yet (a dash.hooks.setup
    # hook), or Dash dropped them; the hook decides at the first request.
    begun = (
        hasattr(dash_app, "_got_first_request") and _setup_flag(dash_app) is not False
    )
    if begun or getattr(server, "_got_first_request", False):
        if before is not None:
            before()
        return
    hooks = server.before_request_funcs.setdefault(None, [])
    hook = next(
        (h for h in hooks if isinstance(h, _SetUpOnce) and h.dash_app is dash_app),
        None,
    )
    if hook is None:
        # First: it must run before Dash's own hook, which would otherwise set
        # the flag outside the lock and let the waiting threads through early.
        hook = _SetUpOnce(dash_app, setup)
        hooks.insert(0, hook)
    if before is not None:
        hook.before.append(before)


def _setup_flag(dash_app: dash.Dash) -> bool | None:
    """Dash's "set-up has begun" flag; ``None`` when this Dash has none."""
    flags = getattr(dash_app, "_got_first_request", None)
    flag = flags.get("setup_server") if isinstance(flags, dict) else None
    return flag if isinstance(flag, bool) else None


class _SetUpOnce:
    """The ``before_request`` hook: Dash's set-up by one thread at a time."""

    __slots__ = ("_done", "_lock", "_setup", "before", "dash_app")

    def __init__(self, dash_app: dash.Dash, setup: t.Callable[[], object]) -> None:
        self.dash_app = dash_app
        self._setup = setup
        self.before: list[t.Callable[[], object]] = []
        self._lock = threading.Lock()
        self._done = False

    def __call__(self) -> None:
        if self._done:
            return
        with self._lock:
            if not self._done:
                for before in self.before:
                    before()
                if _setup_flag(self.dash_app) is not None:
                    self._setup()
                self._done = True

    def __repr__(self) -> str:
        return f"<serialized Dash set-up of {self.dash_app!r}>"
