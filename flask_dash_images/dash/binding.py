"""Binding: each Dash app gets its image callbacks when it sets up.

Decorators only record (:mod:`..records`). At a server's first request, under
its first-request lock, every Dash app on that server gets the recorded image
callbacks meant for it, registered on that app's own callback list (never
Dash's process-wide one), with that server's configuration deciding how URLs
are built: in the browser, or signed on the server where the app signs Dash
URLs. Then Dash's own set-up runs, under the same lock. Nothing is taken from
"the Dash app made last": the Dash apps of a server are those on its
``before_request`` list.
"""

from __future__ import annotations

import typing as t

import flask
from dash.dependencies import ALL, Input, Output, State

from ..core import templates, urls
from ..exceptions import ConfigurationError
from ..records import check_signable
from ..state import EXTENSION_KEY
from . import probe
from .builders import url_builder
from .clientside import (
    ASK,
    BOX,
    MEASURE_FUNCTION,
    NEXT,
    image_props,
    relay_function,
    url_function,
)
from .setup import dash_apps_on, run_dash_setup

if t.TYPE_CHECKING:
    import dash

    from ..core.spec import ImageSpec
    from ..records import DashCallback
    from ..state import AppState

__all__ = ["IMAGE_ROUTE", "bind_dash_apps"]

#: The picture route below a Dash app's prefix (added by Dash's route hook).
IMAGE_ROUTE = f"{urls.ROUTE[1:]}<guid>.<ext>"


def bind_dash_apps(server: flask.Flask) -> None:
    """Bind and set up every Dash app on ``server`` (a receiver of
    :data:`~flask_dash_images.signals.app_setting_up`). Safe to run again
    after an error: an app is bound once."""
    state: AppState | None = server.extensions.get(EXTENSION_KEY)
    if state is None:
        return
    for dash_app in dash_apps_on(server):
        if not any(bound is dash_app for bound in state.dash_apps):
            bind(dash_app, state)
            state.dash_apps.append(dash_app)
        run_dash_setup(dash_app)


def bind(dash_app: dash.Dash, state: AppState) -> None:
    """Register on ``dash_app`` the image callbacks meant for it, and serve
    their pictures under its prefix.

    :raises ConfigurationError: a callback cannot work on this app (nothing
        is registered then).
    :raises RegistrationError: a worker process could not get a generator
        (with the configuration as the first request found it).
    """
    records = [r for r in state.extension.dash_callbacks if r.is_for(dash_app)]
    if not records:
        return
    prefix = dash_app.config.routes_pathname_prefix
    if prefix + IMAGE_ROUTE not in dash_app.routes:
        raise ConfigurationError(
            f"the Dash app at {prefix!r} was made before flask_dash_images was"
            " imported, so Dash did not give it the picture route; import"
            " flask_dash_images before making Dash apps"
        )
    for record in records:
        state.check_sendable(record.spec)
        if state.signs_dash_urls:
            check_signable(record, state.app_name)
    for record in records:
        # Its own function for image_callback(dash_app, ...); for
        # images.callback, the one this server took.
        spec = record.spec
        if record.dash_app is None:
            state.take(spec)
            spec = state.generators[spec.guid]
        _register(dash_app, state, record, spec)
        state.serve_dash_picture(spec, prefix, dash_app.config.requests_pathname_prefix)
    probe.add_probes(dash_app, state, records)


def _register(
    dash_app: dash.Dash, state: AppState, record: DashCallback, spec: ImageSpec
) -> None:
    output = record.output
    component = output.component_id
    dash_options: dict[str, t.Any] = {}
    if record.prevent_initial_call is not None:
        dash_options["prevent_initial_call"] = record.prevent_initial_call
    # With responsive, the image's own box (set by the page script) is the
    # first value; until it is known there is no URL.
    box = [Input(component, BOX)] if spec.responsive else []
    dependencies = [*box, *record.inputs_and_states]
    spread = [is_all(d) for d in dependencies] if is_all(output) else None
    # Which values, when None, leave the picture as it is: an emptied input
    # or a cleared dropdown is no reason for a broken image.
    blocks = [True] * len(box) + [
        isinstance(d, Input) and not record.allow_none for d in record.inputs_and_states
    ]
    # With hidpi, the image's srcSet offers the 2x picture beside src; with
    # alt, its alt text says what the picture shows.
    alt = alt_parts(record)
    props = image_props(spec.hidpi, alt is not None, bool(spec.export))
    listed = [Output(component, prop) for prop in props]
    outputs = listed if len(listed) > 1 else output
    if spec.responsive:
        dash_app.clientside_callback(  # type: ignore[no-untyped-call]
            MEASURE_FUNCTION, Output(component, BOX), Input(component, "id")
        )
    clientside = (
        not state.signs_dash_urls if record.clientside is None else record.clientside
    )
    if clientside:
        script = url_function(
            f"{urls.ROUTE[1:]}{spec.guid}.{spec.extension}",
            spec.value_params,
            spec.version,
            spread,
            blocks,
            spec.hidpi,
            spec.responsive,
            alt,
            spec.export,
            record.export_button,
        )
        dash_app.clientside_callback(  # type: ignore[no-untyped-call]
            script, outputs, *dependencies, **dash_options
        )
    else:
        # The server writes the image's next values on NEXT; the relay sets
        # them in the browser, where it knows whether a picture is loading.
        builder = url_builder(
            state, spec, dash_app.config.requests_pathname_prefix, spread, blocks, alt
        )
        # With ALL, the relay checks that an answer is for the current
        # values (Dash keeps the last to come back), and asks again if not.
        asked = [Input(component, ASK)] if spread is not None else []
        dash_app.callback(
            Output(component, NEXT), *dependencies, *asked, **dash_options
        )(builder)
        current = [State(d.component_id, d.component_property) for d in dependencies]
        dash_app.clientside_callback(  # type: ignore[no-untyped-call]
            relay_function(props, spread is not None, record.export_button),
            outputs,
            Input(component, NEXT),
            *(current if spread is not None else []),
        )


def alt_parts(record: DashCallback) -> templates.Parts | None:
    """The callback's alt text as ``(literal, parameter name or None)``
    parts, for the URL builders to fill in; ``None`` without ``alt``. Its
    fields are plain ``{name}``s of the generator's parameters (checked at
    decoration: :func:`..records.check_alt`)."""
    return None if record.alt is None else templates.parts(record.alt)


def is_all(dependency: t.Any) -> bool:
    """Whether a dependency's id is a pattern with ``ALL``."""
    component_id = dependency.component_id
    return isinstance(component_id, dict) and ALL in component_id.values()
