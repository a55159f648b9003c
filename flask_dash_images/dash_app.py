"""``image_callback(dash_app, ...)``: the one-liner of dash-dynamic-images."""

from __future__ import annotations

import typing as t

from .dash_callbacks import register_dash_callback
from .dash_hooks import check_backend
from .extension import DynamicImages
from .state import EXTENSION_KEY

if t.TYPE_CHECKING:
    import dash
    from dash.dependencies import Input, Output, State

__all__ = ["image_callback"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def image_callback(
    dash_app: dash.Dash,
    output: Output,
    *inputs_and_states: Input | State,
    **options: t.Any,
) -> t.Callable[[F], F]:
    """Register an image callback on one Dash app (the dash-dynamic-images way).

    Sets up :class:`DynamicImages` on ``dash_app.server`` the first time, and
    reuses it after. Takes the options of :meth:`DynamicImages.callback`.

    :raises ConfigurationError: the Dash app does not run on Flask.
    """
    check_backend(dash_app)
    server = dash_app.server
    state = server.extensions.get(EXTENSION_KEY)
    images = state.extension if state is not None else DynamicImages(server)
    return register_dash_callback(
        images, dash_app, output, inputs_and_states, **options
    )
