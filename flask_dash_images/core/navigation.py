"""Exploring a picture: the view after a pointer event (:func:`next_view`).

A view is ``(x0, x1, y0, y1)``: the data at the picture's left, right,
bottom and top edges. Each axis is worked on in its own scale (a log axis
in decades), where the picture shows it evenly.
"""

from __future__ import annotations

import math
import typing as t

__all__ = ["View", "next_view"]

#: ``(x0, x1, y0, y1)``: the data at the left, right, bottom and top edges.
View = tuple[float, float, float, float]

_KINDS = ("click", "dblclick", "hover", "wheel", "pan", "brush")
_SCALES = ("linear", "log")
#: The narrowest view, as a share of the value it is at: float64 still
#: holds thousands of values across it.
_NARROWEST = 1e-12
#: On a linear axis: the smallest width near 0, and the largest value.
_TINY = 1e-300
_HUGE = 1e300
#: On a log axis, in decades: the smallest and largest value, and the
#: narrowest view (1e-12 of the value, as on a linear one).
_LOG_LIMIT = 300.0
_LOG_NARROWEST = _NARROWEST / math.log(10)


class _Axis(t.NamedTuple):
    """One axis of the view, in its own scale."""

    name: str
    log: bool

    def scaled(self, value: float, what: str) -> float:
        if not self.log:
            return value
        if value <= 0:
            raise ValueError(
                f"next_view: a log {self.name} axis needs positive values;"
                f" {what} is {value!r}"
            )
        return math.log10(value)

    def unscaled(self, value: float) -> float:
        return 10.0**value if self.log else value

    def narrowest(self, at: float) -> float:
        """The narrowest view around ``at`` (in the axis' scale)."""
        return _LOG_NARROWEST if self.log else max(_NARROWEST * abs(at), _TINY)

    def fit(self, low: float, high: float, ascending: bool) -> tuple[float, float]:
        """``low``, ``high`` as a view can have them: the same way round as
        before, finite, inside the axis' range and not too narrow; as they
        are when they are so already."""
        limit = _LOG_LIMIT if self.log else _HUGE
        width = abs(high - low)
        centre = low / 2 + high / 2
        fine = (
            math.isfinite(width)
            and max(abs(low), abs(high)) <= limit
            and (high > low) == ascending
            and width >= self.narrowest(max(abs(low), abs(high))) / 2
        )
        if fine:
            return low, high
        width = min(width if math.isfinite(width) else math.inf, 2 * limit)
        centre = min(max(centre if math.isfinite(centre) else 0.0, -limit), limit)
        width = max(width, self.narrowest(abs(centre) + width / 2))
        centre = min(max(centre, -limit + width / 2), limit - width / 2)
        low, high = centre - width / 2, centre + width / 2
        return (low, high) if ascending else (high, low)


def next_view(
    view: t.Sequence[float] | None,
    event: t.Mapping[str, t.Any] | None,
    *,
    kind: str | None = None,
    xscale: str | None = None,
    yscale: str | None = None,
) -> View | None:
    """The view after ``event``, for a picture showing ``view``.

    A zoomable picture is a :class:`dash.dcc.Store` holding the view, the
    image callback drawing it, and one callback turning events into the
    next view::

        HOME = (-4.0, 4.0, -3.0, 3.0)  # the whole view
        app.layout = html.Div([dcc.Store(id="view"), html.Img(id="map")])

        @images.callback(Output("map", "src"), Input("view", "data"),
                         events=("wheel", "pan", "dblclick"), allow_none=True)
        def draw(view):
            x0, x1, y0, y1 = view or HOME
            canvas = ds.Canvas(600, 400, x_range=(x0, x1), y_range=(y0, y1))
            return tf.shade(canvas.points(points, "x", "y"))

        @app.callback(Output("view", "data"), Input("map", "data-wheel"),
                      Input("map", "data-pan"), Input("map", "data-dblclick"),
                      State("view", "data"), prevent_initial_call=True)
        def navigate(wheel, pan, dblclick, view):
            trigger = ctx.triggered[0]
            return next_view(view or HOME, trigger["value"], kind=trigger["prop_id"])

    What each event does (as the page reports them):

    - wheel ``{"x", "y", "factor", ...}``: zooms by ``factor`` (more than 1
      zooms in) around the point ``(x, y)``, which stays where it is on the
      picture; both axes alike, so the aspect is kept. Zooming in stops when
      the view is 1e-12 of the value under the pointer wide (float64 still
      holds thousands of values across it), on the axis that gets there
      first;
    - pan ``{"dx", "dy", ...}``: the data under the pointer where the drag
      ended minus the data where it began (in decades on a log axis); the
      view moves the other way, so the data follows the pointer;
    - brush ``{"x": [low, high], "y": [low, high], ...}``: the brushed
      region, widened on one axis around its centre to the view's aspect
      ratio (on each axis' own scale), so nothing is stretched. A brush of
      one axis (the other ``None``) takes its range and keeps the other
      axis as it is; a brush of no width keeps the view;
    - click and hover: the view as it is;
    - double-click, and ``None`` (a brush cleared by a double-click, an
      event not yet there): ``None``, meaning "the whole view".

    Every view it gives runs the same way round as ``view`` (an inverted
    axis stays inverted), is finite, and is never of zero width. ``axes``,
    ``row``, ``col`` and ``n`` are not read: on a figure of several axes,
    look at ``event["axes"]`` first.

    :param view: ``(x0, x1, y0, y1)``, the data at the picture's left,
        right, bottom and top edges (a list, as a ``dcc.Store`` gives it
        back, will do).
    :param event: the event's value, as the image reports it.
    :param kind: which event it is: ``"click"``, ``"dblclick"``,
        ``"hover"``, ``"wheel"``, ``"pan"`` or ``"brush"``, the image's
        property (``"data-dblclick"``), or Dash's ``prop_id``
        (``"map.data-dblclick"``). Without it, the event's keys tell, and a
        double-click is taken for a click.
    :param xscale: ``"linear"`` or ``"log"``: how the picture shows x. By
        default the event's own ``xscale`` (the page reports a figure's
        axes' scales with its events), else ``"linear"``.
    :param yscale: the same for y.
    :return: the next view, ``(x0, x1, y0, y1)``, or ``None``.
    :raises ValueError: the view or the event is not one, saying why.
    """
    if event is None:
        return None
    if not isinstance(event, t.Mapping):
        raise ValueError(f"next_view: the event must be a dict, not {event!r}")
    axes = (
        _Axis("x", _scale("xscale", xscale, event)),
        _Axis("y", _scale("yscale", yscale, event)),
    )
    found = _kind(event) if kind is None else _named(kind)
    if found == "dblclick":
        return None
    if found in ("click", "hover"):
        return None if view is None else _view(view, axes)
    if view is None:
        raise ValueError(
            "next_view: view is None (the whole view): pass the view it stands"
            " for, as in next_view(view or HOME, event)"
        )
    x0, x1, y0, y1 = _view(view, axes)
    ends = [
        (axes[0].scaled(x0, "x0"), axes[0].scaled(x1, "x1")),
        (axes[1].scaled(y0, "y0"), axes[1].scaled(y1, "y1")),
    ]
    if found == "wheel":
        moved = _wheel(ends, event, axes)
    elif found == "pan":
        moved = _pan(ends, event)
    else:
        moved = _brush(ends, event, axes)
    limits: list[float] = []
    for axis, (low, high), (start, stop) in zip(axes, moved, ends, strict=True):
        low, high = axis.fit(low, high, ascending=stop > start)
        limits += [axis.unscaled(low), axis.unscaled(high)]
    x0, x1, y0, y1 = limits
    return x0, x1, y0, y1


def _scale(name: str, scale: str | None, event: t.Mapping[str, t.Any]) -> bool:
    reported = event.get(name)
    if scale is None:
        scale = "linear" if reported is None else reported
    elif reported is not None and reported != scale:
        raise ValueError(
            f"next_view: {name}={scale!r}, but the event says {reported!r}"
        )
    if scale not in _SCALES:
        raise ValueError(f"next_view: {name}={scale!r}; use 'linear' or 'log'")
    return scale == "log"


def _kind(event: t.Mapping[str, t.Any]) -> str:
    if "factor" in event:
        return "wheel"
    if "dx" in event or "dy" in event:
        return "pan"
    if isinstance(event.get("x"), (list, tuple)) or isinstance(
        event.get("y"), (list, tuple)
    ):
        return "brush"
    if "x" in event and "y" in event:
        return "click"
    raise ValueError(
        f"next_view: {dict(event)!r} is not an event next_view knows (a click,"
        " wheel, pan or brush as the page reports it)"
    )


def _named(kind: str) -> str:
    # "map.data-wheel" (Dash's prop_id), "data-wheel" or "wheel".
    name = kind.rpartition(".")[2].removeprefix("data-")
    if name not in _KINDS:
        raise ValueError(
            f"next_view: kind={kind!r}; use one of {', '.join(_KINDS)} (or the"
            " image's property, or Dash's prop_id)"
        )
    return name


def _number(value: t.Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"next_view: {what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"next_view: {what} must be finite, not {value!r}")
    return number


def _view(view: t.Sequence[float], axes: tuple[_Axis, _Axis]) -> View:
    if isinstance(view, (str, bytes)) or len(view) != 4:
        raise ValueError(f"next_view: view must be (x0, x1, y0, y1), not {view!r}")
    x0, x1, y0, y1 = (
        _number(v, name) for v, name in zip(view, ("x0", "x1", "y0", "y1"), strict=True)
    )
    for axis, (low, high) in zip(axes, ((x0, x1), (y0, y1)), strict=True):
        if low == high:
            raise ValueError(f"next_view: the view's {axis.name} axis has zero width")
        if axis.log and min(low, high) <= 0:
            raise ValueError(
                f"next_view: a log {axis.name} axis needs positive limits, not"
                f" {low!r} and {high!r}"
            )
    return x0, x1, y0, y1


Ends = list[tuple[float, float]]


def _wheel(ends: Ends, event: t.Mapping[str, t.Any], axes: tuple[_Axis, ...]) -> Ends:
    factor = event.get("factor")
    if (
        isinstance(factor, bool)
        or not isinstance(factor, (int, float))
        or not 0 < factor < math.inf
    ):
        raise ValueError(f"next_view: factor must be a positive number, not {factor!r}")
    points = [
        axis.scaled(_number(event.get(axis.name), axis.name), axis.name)
        for axis in axes
    ]
    zoom = float(factor)
    if zoom > 1:
        # One factor for both axes (the aspect stays), small enough that
        # neither gets narrower than it may be around its point. Within
        # rounding of the narrowest (float64 has few values across it), an
        # axis is there: zooming on would only move the other one.
        room = min(
            abs(high - low) / axis.narrowest(point)
            for axis, (low, high), point in zip(axes, ends, points, strict=True)
        )
        zoom = 1.0 if room < 1.001 else min(zoom, room)
    return [
        (point + (low - point) / zoom, point + (high - point) / zoom)
        for (low, high), point in zip(ends, points, strict=True)
    ]


def _pan(ends: Ends, event: t.Mapping[str, t.Any]) -> Ends:
    if "dx" not in event and "dy" not in event:
        raise ValueError(f"next_view: a pan event needs dx or dy, not {dict(event)!r}")
    moved = []
    for (low, high), name in zip(ends, ("dx", "dy"), strict=True):
        step = event.get(name)
        shift = 0.0 if step is None else _number(step, name)
        moved.append((low - shift, high - shift))
    return moved


def _brush(ends: Ends, event: t.Mapping[str, t.Any], axes: tuple[_Axis, ...]) -> Ends:
    if "x" not in event and "y" not in event:
        raise ValueError(f"next_view: a brush event needs x or y, not {dict(event)!r}")
    x_range, y_range = (_picked(event.get(axis.name), axis) for axis in axes)
    if x_range is None or y_range is None:
        # One axis brushed: its range, and the other axis as it was.
        picked = x_range or y_range
        if picked is None or picked[0] == picked[1]:
            return ends
        boxes = [
            given or (min(end), max(end))
            for given, end in zip((x_range, y_range), ends, strict=True)
        ]
    else:
        (x_low, x_high), (y_low, y_high) = x_range, y_range
        wide, tall = x_high - x_low, y_high - y_low
        if wide == 0 and tall == 0:
            return ends
        (x0, x1), (y0, y1) = ends
        aspect = abs(x1 - x0) / abs(y1 - y0)
        # Widen whichever side is short of the view's aspect, around its centre.
        if wide < tall * aspect:
            wide = tall * aspect
        else:
            tall = wide / aspect
        x_centre, y_centre = x_low / 2 + x_high / 2, y_low / 2 + y_high / 2
        boxes = [
            (x_centre - wide / 2, x_centre + wide / 2),
            (y_centre - tall / 2, y_centre + tall / 2),
        ]
    # The view's way round: an inverted axis stays inverted.
    return [
        (low, high) if end[1] > end[0] else (high, low)
        for (low, high), end in zip(boxes, ends, strict=True)
    ]


def _picked(picked: t.Any, axis: _Axis) -> tuple[float, float] | None:
    """A brush's range on ``axis`` (in its scale), low first, or None."""
    if picked is None:
        return None
    if not isinstance(picked, (list, tuple)) or len(picked) != 2:
        raise ValueError(
            f"next_view: a brush's {axis.name} must be [low, high] or None,"
            f" not {picked!r}"
        )
    low, high = sorted(axis.scaled(_number(v, axis.name), axis.name) for v in picked)
    return low, high
