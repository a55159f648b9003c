"""Set-up that finishes before an app's first request goes on, by one thread.

Some set-up can only be done at an app's first request: the Dash side binds
image callbacks to each Dash app then, because only then is every Dash app on
the server made and configured, in whatever order the code made them. On a
threaded server (gunicorn ``gthread``, waitress, ``flask run``) several
requests arrive first at once; they must all wait until that set-up is done.
Dash's own first-request set-up has the same race (plotly/dash#3971): it sets
its "done" flag before the work, so a second thread can reach a callback that
is not there yet. Whatever runs under this lock (the Dash side runs Dash's
set-up there too) is finished before any request goes on.
"""

from __future__ import annotations

import threading
import typing as t

from flask import Flask

from .signals import app_setting_up

__all__ = ["FirstRequestSetUp", "install"]


class FirstRequestSetUp:
    """A ``before_request`` hook, first in the app's list: at the first
    request, calls ``prepare`` (if given) and sends
    :data:`~.signals.app_setting_up` under a lock, once.

    Once done it takes itself off the app's list, so later requests do not
    pay for it (Flask checks every hook for a coroutine on every request).
    It puts a new list in place rather than changing the one in use: a
    request already going through the old list finishes it unchanged, and
    finds the set-up done. If a receiver raises, the request fails and the
    next request tries again, so a set-up error is never skipped by later
    requests (receivers must be safe to run again).
    """

    __slots__ = ("_lock", "app", "done", "prepare")

    def __init__(
        self, app: Flask, prepare: t.Callable[[Flask], object] | None = None
    ) -> None:
        self.app = app
        self.prepare = prepare
        self.done = False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if self.done:
            return
        with self._lock:
            if not self.done:
                if self.prepare is not None:
                    self.prepare(self.app)
                app_setting_up.send(self.app)
                self.done = True
                hooks = self.app.before_request_funcs
                hooks[None] = [h for h in hooks.get(None, ()) if h is not self]

    def __repr__(self) -> str:
        return f"<first-request set-up of {self.app!r}>"


def install(
    app: Flask, prepare: t.Callable[[Flask], object] | None = None
) -> FirstRequestSetUp:
    """Put the hook first among ``app``'s ``before_request`` functions, so
    that it runs before Dash's own set-up hook, whenever that was added.

    :param prepare: called with the app first, under the lock (the
        extension reads its configuration again there).

    :raises AssertionError: the app has handled a request (Flask refuses
        set-up from then on).
    """
    hook = FirstRequestSetUp(app, prepare)
    app._check_setup_finished("before_request")
    app.before_request_funcs.setdefault(None, []).insert(0, hook)
    return hook
