"""The Dash side: image callbacks bound to each Dash app at its set-up.

Importing it registers Dash's hooks (:mod:`.hooks`), once per process; the
package's ``__init__`` does, so every Dash app made after ``import
flask_dash_images`` gets the picture route.
"""

from __future__ import annotations

import typing as t

from .. import __version__
from ..exceptions import ConfigurationError
from ..extension import DynamicImages
from ..state import EXTENSION_KEY
from . import hooks as _hooks  # noqa: F401  (registers Dash's hooks)
from .backends import check_backend
from .setup import dash_apps_on

if t.TYPE_CHECKING:
    import dash
    from dash.dependencies import Input, Output, State

__all__ = ["__version__", "image_callback"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def image_callback(
    dash_app: dash.Dash,
    output: Output,
    *inputs_and_states: Input | State,
    **options: t.Any,
) -> t.Callable[[F], F]:
    """Register an image callback on one Dash app (the dash-dynamic-images way).

    Sets up :class:`DynamicImages` on ``dash_app.server`` the first time, and
    reuses it after (reach it with :meth:`DynamicImages.of`). Takes the
    options of :meth:`DynamicImages.callback`. The callback is bound to this
    Dash app only, when it sets up.

    :param dash_app: the :class:`~dash.Dash` app whose image it is.
    :param output: ``Output(component_id, "src")``.
    :param inputs_and_states: ``Input`` and ``State`` dependencies, whose
        values reach the generator in order.
    :param options: the options of :meth:`DynamicImages.callback`
        (``name``, ``format``, ``deterministic``, ...).
    :returns: a decorator that records the generator and returns it
        unchanged.
    :raises ConfigurationError: the Dash app does not run on Flask, or has
        no server yet.
    """
    server = getattr(dash_app, "server", None)
    if server is not None:
        check_backend(dash_app)
    if server is None or dash_app not in dash_apps_on(server):
        raise ConfigurationError(
            "this Dash app has no server yet (Dash(server=False)): call"
            " image_callback after dash_app.init_app(server), or register with"
            " images.callback, which every Dash app on a server with images"
            " set up gets"
        )
    state = server.extensions.get(EXTENSION_KEY)
    images = state.extension if state is not None else DynamicImages(server)
    return images.record_dash_callback(dash_app, output, inputs_and_states, **options)
