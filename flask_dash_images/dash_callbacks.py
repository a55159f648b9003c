"""The Dash side: validate the dependencies, register the URL-building callback.

The image's ``src`` is set by a small Dash callback that only builds a URL;
the decorated function runs later, when the browser fetches that URL.
"""

from __future__ import annotations

import json
import typing as t

import dash
import flask
from dash import _get_app as dash_get_app
from dash import exceptions as dash_exceptions
from dash.dependencies import ALL, Input, Output, State

from . import urls
from .clientside import BOX, CONFIG_ID, MEASURE_FUNCTION, url_function
from .dash_setup import serialize_dash_setup
from .exceptions import ConfigurationError, RegistrationError, UrlBuildError
from .logs import escape
from .registry import HEIGHT, SCALE, WIDTH, positional_params
from .state import EXTENSION_KEY, AppState, get_state

if t.TYPE_CHECKING:
    from .extension import DynamicImages
    from .registry import ImageSpec

__all__ = ["attach", "attach_current_dash_app", "register_dash_callback"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def register_dash_callback(
    images: DynamicImages,
    dash_app: dash.Dash | None,
    output: t.Any,
    inputs_and_states: t.Sequence[t.Any],
    *,
    name: str | None = None,
    clientside: bool | None = None,
    hidpi: bool = False,
    responsive: bool = False,
    allow_none: bool = False,
    prevent_initial_call: bool | None = None,
    **options: t.Any,
) -> t.Callable[[F], F]:
    """Validate the dependencies now; register generator and callback on use.

    :param options: :class:`~.registry.ImageSpec` options (format, ...).
    """
    _check_dependencies(output, inputs_and_states)
    dash_options: dict[str, t.Any] = {}
    if prevent_initial_call is not None:
        dash_options["prevent_initial_call"] = prevent_initial_call
    # With responsive, the image's own box (set by the page script) is the
    # first value; until it is known there is no URL.
    box = [Input(output.component_id, BOX)] if responsive else []
    dependencies = [*box, *inputs_and_states]
    spread = [_is_all(d) for d in dependencies] if _is_all(output) else None
    # Which values, when None, leave the picture as it is: an emptied input
    # or a cleared dropdown is no reason for a broken image.
    blocks = [True] * len(box) + [
        isinstance(d, Input) and not allow_none for d in inputs_and_states
    ]
    # With hidpi, the image's srcSet offers the 2x picture beside src.
    outputs = [output, Output(output.component_id, "srcSet")] if hidpi else output

    def decorator(function: F) -> F:
        target = dash_app if dash_app is not None else _current_dash_app()
        if target is not None:
            check_backend(target)
        attach(images, target)
        params = positional_params(function, len(inputs_and_states))
        spec = images.register(
            function,
            key=str(output),
            name=name,
            params=[*params, *(WIDTH, HEIGHT) * responsive, *(SCALE,) * hidpi],
            keywords=False,
            clientside=clientside,
            hidpi=hidpi,
            responsive=responsive,
            allow_none=allow_none,
            **options,
        )
        register_clientside = (
            dash.clientside_callback
            if dash_app is None
            else dash_app.clientside_callback
        )
        if responsive:
            component = output.component_id
            register_clientside(
                MEASURE_FUNCTION, Output(component, BOX), Input(component, "id")
            )
        if spec.clientside:
            script = url_function(
                f"{urls.ROUTE[1:]}{spec.guid}.{spec.extension}",
                params,
                spec.version,
                spread,
                blocks,
                hidpi,
                responsive,
            )
            register_clientside(script, outputs, *dependencies, **dash_options)
        else:
            register = dash.callback if dash_app is None else dash_app.callback
            builder = _url_builder(images, spec, spread, blocks)
            register(outputs, *dependencies, **dash_options)(builder)
        return function

    return decorator


def _check_dependencies(output: t.Any, inputs_and_states: t.Sequence[t.Any]) -> None:
    if not isinstance(output, Output):
        what = (
            "a list of Outputs" if isinstance(output, (list, tuple)) else repr(output)
        )
        raise RegistrationError(
            f"an image callback takes exactly one Output(..., 'src') first, not {what}"
        )
    if output.component_property != "src":
        raise RegistrationError(
            f"an image callback sets an image's 'src', not {str(output)!r}"
        )
    for dependency in inputs_and_states:
        if isinstance(dependency, Output):
            raise RegistrationError(
                f"an image callback has exactly one Output; {dependency!r} is another"
            )
        if not isinstance(dependency, (Input, State)):
            raise RegistrationError(
                f"{dependency!r} is not an Input or a State; pass them one by one,"
                " after the Output"
            )


def _is_all(dependency: t.Any) -> bool:
    component_id = dependency.component_id
    return isinstance(component_id, dict) and ALL in component_id.values()


def _url_builder(
    images: DynamicImages,
    spec: ImageSpec,
    spread: list[bool] | None,
    blocks: list[bool],
) -> t.Callable[..., t.Any]:
    def blocked(values: t.Sequence[t.Any]) -> bool:
        return any(b and v is None for b, v in zip(blocks, values, strict=True))

    def urls_for(values: t.Sequence[t.Any], root: str | None, blueprint: str) -> t.Any:
        if spec.responsive:
            box, *own = values
            if not isinstance(box, dict):
                raise UrlBuildError(f"{spec.label}: the image's box is {box!r}")
            values = [*own, box.get(WIDTH), box.get(HEIGHT)]
        if not spec.hidpi:
            return images.build_url(spec, values, root=root, blueprint=blueprint)
        one, two = (
            images.build_url(spec, [*values, s], root=root, blueprint=blueprint)
            for s in (1, 2)
        )
        return one, f"{two} 2x"

    def build(*values: t.Any) -> t.Any:
        try:
            return build_urls(values)
        except UrlBuildError as error:
            # A client may post any JSON: a value no URL can hold leaves the
            # picture as it is, never a 500 from the callback.
            flask.current_app.logger.warning(
                "Image callback %s: %s; the picture is left as it is",
                spec.label,
                escape(str(error)),
            )
            raise dash_exceptions.PreventUpdate from None

    def build_urls(values: t.Sequence[t.Any]) -> t.Any:
        blueprint, root = _route_of_this_request()
        if spread is None:
            if blocked(values):
                raise dash_exceptions.PreventUpdate
            return urls_for(values, root, blueprint)
        # Output with ALL: one picture per matched image; inputs with ALL give
        # picture i their item i, the other inputs are shared.
        count = len(dash.ctx.outputs_list[0] if spec.hidpi else dash.ctx.outputs_list)
        for value, spreads in zip(values, spread, strict=True):
            if spreads and (not isinstance(value, list) or len(value) != count):
                got = f"{len(value)} values" if isinstance(value, list) else "no list"
                raise UrlBuildError(
                    f"{spec.label}: {count} images but {got} for an ALL input;"
                    " match the components one to one"
                )
        unchanged = (dash.no_update, dash.no_update) if spec.hidpi else dash.no_update
        per_image = []
        for i in range(count):
            own = [v[i] if s else v for v, s in zip(values, spread, strict=True)]
            per_image.append(
                unchanged if blocked(own) else urls_for(own, root, blueprint)
            )
        # Dash wants one list per output: [srcs] or ([srcs], [srcSets]).
        return list(zip(*per_image, strict=True)) if spec.hidpi else per_image

    build.__name__ = build.__qualname__ = f"image_url_{spec.guid}"
    return build


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
    """Serve ``dash_app``'s pictures under its prefix, and make its first
    requests wait for its set-up, if ``images`` is set up on its server
    (else :meth:`DynamicImages.init_app` does it later)."""
    if dash_app is None:
        return
    state = _state_of(dash_app)
    if state is not None and state.extension is images:
        serialize_dash_setup(dash_app)
        config = dash_app.config
        state.serve_dash_prefix(
            dash_app.server,
            config.routes_pathname_prefix,
            config.requests_pathname_prefix,
        )


def attach_current_dash_app(server: flask.Flask) -> None:
    """Attach the Dash app made last, if it runs on ``server``."""
    dash_app = _current_dash_app()
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


def _current_dash_app() -> dash.Dash | None:
    # The Dash app made last. Not dash.get_app(): it prefers a context
    # variable that a Dash method may have left set to an older app.
    return t.cast("dash.Dash | None", getattr(dash_get_app, "APP", None))


def _route_of_this_request() -> tuple[str, str | None]:
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
