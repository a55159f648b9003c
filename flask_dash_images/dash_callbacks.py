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

from . import urls
from .clientside import BOX, MEASURE_FUNCTION, url_function
from .dash_hooks import attach, check_backend, current_dash_app, route_of_this_request
from .exceptions import RegistrationError, UrlBuildError
from .logs import escape
from .registry import HEIGHT, SCALE, WIDTH, positional_params

if t.TYPE_CHECKING:
    from .extension import DynamicImages
    from .registry import ImageSpec

__all__ = ["register_dash_callback"]

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
        target = dash_app if dash_app is not None else current_dash_app()
        if target is not None:
            check_backend(target)
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
        images.dash_apps_of.setdefault(spec.guid, []).append(target)
        attach(images, target)
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
        blueprint, root = route_of_this_request()
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
