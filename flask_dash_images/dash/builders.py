"""The server-side URL builder: a Dash callback that writes the image's URL.

Used where a Dash app's URLs are built on the server (``clientside=False``,
or an app that signs Dash URLs); the browser's builder is
:mod:`.clientside`. Both write the same URLs and alt texts. It writes them on
the image's :data:`~.clientside.NEXT` (never on ``src`` itself), for the
browser's relay to set under the same coalescing rule as the browser's
builder.
"""

from __future__ import annotations

import typing as t

import dash
import flask
from dash import exceptions as dash_exceptions

from ..core import templates, urls
from ..core.logs import escape
from ..core.spec import HEIGHT, SCALE, WIDTH
from ..exceptions import UrlBuildError
from .clientside import image_props

if t.TYPE_CHECKING:
    from ..core.spec import ImageSpec
    from ..state import AppState

__all__ = ["url_builder"]


def url_builder(
    state: AppState,
    spec: ImageSpec,
    root: str,
    spread: list[bool] | None,
    blocks: list[bool],
    alt: t.Sequence[tuple[str, str | None]] | None = None,
) -> t.Callable[..., t.Any]:
    """A Dash callback function from the dependencies' values to what the
    image shows: ``{"src": ..., "srcSet": ... (hidpi), "alt": ... (alt)}``;
    with ``ALL``, a list of them, one per image (``no_update`` for an image
    left as it is).

    :param state: the state of the Dash app's server.
    :param root: the Dash app's ``requests_pathname_prefix``: where the
        browser finds its pictures.
    :param spread: for an ``ALL`` output, which values are ``ALL`` too.
    :param blocks: which values leave the picture as it is when ``None``.
    :param alt: the alt text as ``(literal, parameter name or None)``
        parts; each value is written as in the URL (a string as it is), the
        browser's builder writes the same text.
    """
    props = image_props(spec.hidpi, alt is not None, bool(spec.export))
    base = f"{root}{urls.ROUTE[1:]}{spec.guid}."

    def url(values: t.Sequence[t.Any], download: str | None = None) -> str:
        path = base + (download or spec.extension)
        query = state.query(spec, values, spec.params, download)
        return f"{path}?{query}" if query else path

    def blocked(values: t.Sequence[t.Any]) -> bool:
        return any(b and v is None for b, v in zip(blocks, values, strict=True))

    def urls_for(values: t.Sequence[t.Any]) -> dict[str, t.Any]:
        """One image's properties."""
        if spec.responsive:
            box, *own = values
            if not isinstance(box, dict):
                raise UrlBuildError(f"{spec.label}: the image's box is {box!r}")
            values = [*own, box.get(WIDTH), box.get(HEIGHT), box.get(SCALE)]
        carried = [*values, 1] if spec.hidpi else list(values)
        out: list[t.Any] = [url(carried)]
        if spec.hidpi:
            out.append(f"{url([*values, 2])} 2x")
        if alt is not None:
            out.append(
                templates.fill(alt, dict(zip(spec.params, carried, strict=True)))
            )
        if spec.export:
            out.append({name: url(carried, name) for name in spec.export})
        return dict(zip(props, out, strict=True))

    def build(*values: t.Any) -> t.Any:
        if spread is not None:
            values = values[:-1]  # the relay's ask (see binding)
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
        if spread is None:
            if blocked(values):
                raise dash_exceptions.PreventUpdate
            return urls_for(values)
        # Output with ALL: one picture per matched image; inputs with ALL give
        # picture i their item i, the other inputs are shared.
        count = len(dash.ctx.outputs_list)
        for value, spreads in zip(values, spread, strict=True):
            if spreads and (not isinstance(value, list) or len(value) != count):
                got = f"{len(value)} values" if isinstance(value, list) else "no list"
                raise UrlBuildError(
                    f"{spec.label}: {count} images but {got} for an ALL input;"
                    " match the components one to one"
                )
        per_image: list[t.Any] = []
        for i in range(count):
            own = [v[i] if s else v for v, s in zip(values, spread, strict=True)]
            per_image.append(
                dash.no_update if blocked(own) else {**urls_for(own), "for": values}
            )
        return per_image

    build.__name__ = build.__qualname__ = f"image_url_{spec.guid}"
    return build
