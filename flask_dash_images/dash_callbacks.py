"""The Dash side: validate the dependencies, register the URL-building callback.

The image's ``src`` is set by a small Dash callback that only builds a URL;
the decorated function runs later, when the browser fetches that URL.
"""

from __future__ import annotations

import typing as t

import dash
import flask
from dash import exceptions as dash_exceptions
from dash.dependencies import ALL, Input, Output, State

from .clientside import url_function
from .exceptions import RegistrationError, UrlBuildError
from .registry import SCALE, positional_params
from .views import ROUTE

if t.TYPE_CHECKING:
    from .extension import DynamicImages
    from .registry import ImageSpec

__all__ = ["image_callback", "register_dash_callback"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

# What dash.get_app() raises before any Dash app exists (older Dash 4
# releases raise a plain Exception).
_NO_APP: type[Exception] = getattr(dash_exceptions, "AppNotFoundError", Exception)


def image_callback(
    dash_app: dash.Dash,
    output: Output,
    *inputs_and_states: Input | State,
    **options: t.Any,
) -> t.Callable[[F], F]:
    """Register an image callback on one Dash app (the dash-dynamic-images way).

    Sets up :class:`DynamicImages` on ``dash_app.server`` the first time, and
    reuses it after. Takes the options of :meth:`DynamicImages.callback`.
    """
    from .extension import DynamicImages

    server = dash_app.server
    state = server.extensions.get("dash_images")
    images = state.extension if state is not None else DynamicImages(server)
    return register_dash_callback(
        images, dash_app, output, inputs_and_states, **options
    )


def register_dash_callback(
    images: DynamicImages,
    dash_app: dash.Dash | None,
    output: t.Any,
    inputs_and_states: t.Sequence[t.Any],
    *,
    name: str | None = None,
    clientside: bool = False,
    hidpi: bool = False,
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
    spread = [_is_all(d) for d in inputs_and_states] if _is_all(output) else None
    # With hidpi, the image's srcSet offers the 2x picture beside src.
    outputs = [output, Output(output.component_id, "srcSet")] if hidpi else output

    def decorator(function: F) -> F:
        params = positional_params(function, len(inputs_and_states))
        spec = images.register(
            function,
            key=str(output),
            name=name,
            params=[*params, SCALE] if hidpi else params,
            keywords=False,
            clientside=clientside,
            hidpi=hidpi,
            **options,
        )
        if clientside:
            script = url_function(
                f"{ROUTE}{spec.guid}.{spec.extension}",
                params,
                spec.version,
                spread,
                None if dash_app is None else dash_app.config.routes_pathname_prefix,
                hidpi,
            )
            register_clientside = (
                dash.clientside_callback
                if dash_app is None
                else dash_app.clientside_callback
            )
            register_clientside(script, outputs, *inputs_and_states, **dash_options)
        else:
            register = dash.callback if dash_app is None else dash_app.callback
            builder = _url_builder(images, spec, dash_app, spread)
            register(outputs, *inputs_and_states, **dash_options)(builder)
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
    dash_app: dash.Dash | None,
    spread: list[bool] | None,
) -> t.Callable[..., t.Any]:
    def urls_for(values: t.Sequence[t.Any], root: str | None) -> t.Any:
        if not spec.hidpi:
            return images.build_url(spec, values, root=root)
        one, two = (images.build_url(spec, [*values, s], root=root) for s in (1, 2))
        return one, f"{two} 2x"

    def build(*values: t.Any) -> t.Any:
        root = browser_root(dash_app)
        if spread is None:
            return urls_for(values, root)
        # Output with ALL: one picture per matched image; inputs with ALL give
        # picture i their item i, the other inputs are shared.
        count = len(dash.ctx.outputs_list[0] if spec.hidpi else dash.ctx.outputs_list)
        for value, spreads in zip(values, spread, strict=True):
            if spreads and len(value) != count:
                raise UrlBuildError(
                    f"{spec.label}: {count} images but {len(value)} values for an"
                    " ALL input; match the components one to one"
                )
        per_image = [
            urls_for(
                [v[i] if s else v for v, s in zip(values, spread, strict=True)], root
            )
            for i in range(count)
        ]
        # Dash wants one list per output: [srcs] or ([srcs], [srcSets]).
        return list(zip(*per_image, strict=True)) if spec.hidpi else per_image

    build.__name__ = build.__qualname__ = f"image_url_{spec.guid}"
    return build


def browser_root(dash_app: dash.Dash | None) -> str | None:
    """Where the browser sees the Flask app's root, from Dash's path config.

    Dash's ``requests_pathname_prefix`` is its ``routes_pathname_prefix`` as
    the browser sees it; what it adds in front is the app's root (a reverse
    proxy's prefix, or a WSGI mount). ``None``: use the request's own root.
    """
    if dash_app is None:
        try:
            dash_app = dash.get_app()  # type: ignore[no-untyped-call]
        except _NO_APP:
            return None
        if dash_app.server is not flask.current_app._get_current_object():  # type: ignore[attr-defined]
            return None
    requests: str = dash_app.config.requests_pathname_prefix
    routes: str = dash_app.config.routes_pathname_prefix
    if requests == routes or not requests.endswith(routes):
        return None
    return requests[: len(requests) - len(routes)]
