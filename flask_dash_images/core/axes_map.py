"""A matplotlib figure's axes as its pointer events see them.

matplotlib decides a pointer event in two steps
(``FigureCanvasBase.inaxes`` and ``LocationEvent._set_inaxes``): the axes
is the topmost visible one whose patch contains the point (highest zorder,
the last of equals), and the data is that axes' ``transData`` inverted at
the point. :func:`axes_entries` describes both steps for each visible axes,
topmost first, in terms the page script follows to the bit:

- ``hit``: the patch's outline as ``Path.contains_point`` tests it: the
  path in display units, curves flattened as Agg flattens them, as a flat
  list of commands (``1 x y`` move to, ``2 x y`` line to, ``79`` close),
  for the crossing test of matplotlib's ``point_in_path``. A patch with an
  edge is tested stroked: ``band``, how near the outline the page cannot
  tell (and reports nothing). A patch of a class with a test of its own:
  ``near`` instead of ``hit``, a box it lies in, where the page reports
  nothing;
- ``inv``: ``transData`` inverted, as steps: ``["a", sx, shx, tx, shy, sy,
  ty]`` an affine map, ``["p", rorigin, rsign, rule]`` polar to (theta,
  r), ``rule`` 1 where this matplotlib wraps the angle as ``(atan2 + 2 pi)
  % 2 pi`` (3.10), 0 as ``atan2 % 2 pi``,
  ``["s", x, y]`` the scales' inverses (``null`` linear, ``["log", base]``,
  ``["symlog", base, linthresh, linscale]``, ``["logit"]``, ``["asinh",
  linear_width]``). Absent where the browser cannot follow matplotlib
  (3D, geographic and other projections, function scales): no event there,
  though such an axes still hides the ones below it. Each axes' steps are
  checked against matplotlib at a few points as the map is made; any
  disagreement drops them;
- ``row``, ``col``: the cell of the figure's (or subfigure's) grid the axes
  sits in, through nested grids (a colorbar matplotlib carves out of a
  subplot's cell, and that subplot, report that cell); absent for axes
  placed otherwise (``add_axes``, a colorbar for several axes).

``i`` is the axes' index in ``figure.axes``.
"""

from __future__ import annotations

import math
import numbers
import typing as t

__all__ = ["axes_entries", "data_at"]

MOVE_TO, LINE_TO, CLOSE = 1, 2, 79
_END_POLY = 0x0F
# Where each axes' steps are checked against matplotlib: fractions of its box.
_CHECKS = ((0.25, 0.25), (0.75, 0.5), (0.5, 0.75), (0.1, 0.9), (0.9, 0.1))


def axes_entries(figure: t.Any) -> list[dict[str, t.Any]]:
    """The map entries of ``figure``'s visible axes, topmost first; read
    after the figure is drawn (so after any layout)."""
    visible = [(i, a) for i, a in enumerate(figure.get_axes()) if a.get_visible()]
    # cbook._topmost_artist: the highest zorder, of equals the last.
    visible.sort(key=lambda item: (item[1].zorder, item[0]), reverse=True)
    return [_entry(i, axes) for i, axes in visible]


def _entry(index: int, axes: t.Any) -> dict[str, t.Any]:
    entry: dict[str, t.Any] = {"i": index}
    outline = _outline(axes.patch)
    if outline is None:
        entry["near"] = _near(axes.patch)
    else:
        entry["hit"] = outline
        radius = _radius(axes.patch)
        if radius:
            # matplotlib then tests the outline stroked that wide (Agg's
            # contour, its miters up to 4 widths out): only points farther
            # from the outline than that are told.
            entry["band"] = _compact(4 * abs(radius) + 1)
    steps = _inverse(axes)
    if steps is not None:
        entry["inv"] = steps
    spec = axes.get_subplotspec() if hasattr(axes, "get_subplotspec") else None
    if spec is not None:
        cell = spec.get_topmost_subplotspec()
        entry["row"], entry["col"] = cell.rowspan.start, cell.colspan.start
    return entry


# -- which axes: the patch's outline ------------------------------------------


def _radius(patch: t.Any) -> float:
    # Patch._process_radius(None), through public getters.
    picker = patch.get_picker()
    if isinstance(picker, numbers.Number) and not isinstance(picker, bool):
        return float(picker)  # type: ignore[arg-type]
    return 0.0 if patch.get_edgecolor()[3] == 0 else float(patch.get_linewidth())


def _outline(patch: t.Any) -> list[float] | None:
    """The commands of ``patch``'s outline as ``contains_point`` tests it,
    or ``None`` if its test is not that crossing test."""
    from matplotlib.patches import Patch

    if type(patch).contains_point is not Patch.contains_point:
        return None
    path = patch.get_path()
    if len(path.vertices) < 3:
        return []  # point_in_path: never inside
    transform = patch.get_transform().frozen()
    if not transform.is_affine:
        path, transform = transform.transform_path(path), None
    # What point_in_path iterates: transformed, NaNs removed, curves
    # flattened by Agg (cleanup_path adds only stages that pass through).
    cleaned = path.cleaned(transform=transform, remove_nans=True)
    commands: list[float] = []
    for (x, y), code in zip(cleaned.vertices, cleaned.codes, strict=True):
        if code == 0:  # stop
            break
        if code & _END_POLY == _END_POLY:
            commands.append(CLOSE)
        elif code in (MOVE_TO, LINE_TO) and math.isfinite(x) and math.isfinite(y):
            commands.extend((int(code), _compact(x), _compact(y)))
        else:
            return None
    return commands


def _near(patch: t.Any) -> list[float]:
    extents = patch.get_path().get_extents(patch.get_transform())
    pad = 4 * abs(_radius(patch)) + 1
    return [
        _compact(v)
        for v in (
            extents.x0 - pad,
            extents.y0 - pad,
            extents.x1 + pad,
            extents.y1 + pad,
        )
    ]


# -- which data: transData inverted -------------------------------------------


def _inverse(axes: t.Any) -> list[list[t.Any]] | None:
    try:
        scales = ["s", _scale(axes.xaxis.get_transform())]
        scales.append(_scale(axes.yaxis.get_transform()))
        if axes.name == "polar":
            affine = axes.transProjectionAffine + axes.transWedge + axes.transAxes
            steps = [
                _affine(affine.inverted()),
                [
                    "p",
                    float(axes.get_rorigin()),
                    float(axes.get_rsign()),
                    _theta_rule(axes),
                ],
                _affine(axes.transShift.inverted()),
            ]
        elif axes.name == "rectilinear":
            steps = [_affine((axes.transLimits + axes.transAxes).inverted())]
        else:
            return None
        if scales[1:] != [None, None]:
            steps.append(scales)
        if not _agrees(axes, steps):
            return None
    except Exception:  # whatever fails, the browser gets no steps
        return None
    return steps


def _theta_rule(axes: t.Any) -> int:
    # How this matplotlib brings atan2's angle into [0, 2 pi): 3.11 takes
    # "atan2 % 2 pi" (just under 0 becomes 2 pi), 3.10 "(atan2 + 2 pi) %
    # 2 pi" (just under 0 becomes 0). The page follows the one installed.
    projection = axes.transProjection.inverted()
    theta = float(projection.transform([[1.0, -1e-300]])[0][0])
    return 1 if theta == 0.0 else 0


def _affine(transform: t.Any) -> list[t.Any]:
    m = transform.get_matrix()
    numbers_ = [
        float(v) for v in (m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2])
    ]
    if not all(map(math.isfinite, numbers_)):
        raise ValueError("a singular axes")
    return ["a", *map(_compact, numbers_)]


def _scale(transform: t.Any) -> list[t.Any] | None:
    from matplotlib import scale, transforms

    kind = type(transform)
    if kind is transforms.IdentityTransform:
        return None
    if kind is scale.LogTransform:
        return ["log", float(transform.base)]
    if kind is scale.SymmetricalLogTransform:
        return [
            "symlog",
            float(transform.base),
            float(transform.linthresh),
            float(transform.linscale),
        ]
    if kind is scale.LogitTransform:
        return ["logit"]
    if kind is scale.AsinhTransform:
        return ["asinh", float(transform.linear_width)]
    raise LookupError(f"no inverse in the browser for {kind.__name__}")


def _agrees(axes: t.Any, steps: list[list[t.Any]]) -> bool:
    box = axes.bbox
    points = [(box.x0 + u * box.width, box.y0 + v * box.height) for u, v in _CHECKS]
    expected = axes.transData.inverted().transform(points)
    for (x, y), want in zip(points, expected, strict=True):
        for got, wanted in zip(data_at(steps, x, y), want, strict=True):
            wanted = float(wanted)
            if not math.isfinite(wanted) or not math.isfinite(got):
                if repr(got) != repr(wanted):
                    return False
            elif not math.isclose(got, wanted, rel_tol=1e-9, abs_tol=1e-12):
                return False
    return True


def data_at(
    steps: t.Sequence[t.Sequence[t.Any]], x: float, y: float
) -> tuple[float, float]:
    """What ``steps`` make of the display point ``(x, y)``: the page
    script's arithmetic, in Python (for the check against matplotlib)."""
    for step in steps:
        kind = step[0]
        if kind == "a":
            m = step[1:]
            x, y = m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]
        elif kind == "p":
            theta = math.atan2(y, x)
            if len(step) > 3 and step[3]:
                theta = (theta + 2 * math.pi) % (2 * math.pi)
            else:
                theta %= 2 * math.pi
            x, y = theta, (math.hypot(x, y) + step[1]) * step[2]
        else:
            x, y = _unscale(step[1], x), _unscale(step[2], y)
    return x, y


def _unscale(scale: t.Sequence[t.Any] | None, value: float) -> float:
    # Each scale's inverse transform, as matplotlib.scale writes it (where
    # numpy would overflow to infinity, so does this).
    if scale is None:
        return value
    kind = scale[0]
    if kind == "log":
        base = scale[1]
        if base == math.e:
            return _exp(value)
        if base == 2:
            return _exp(value * math.log(2)) if value > 1023 else 2.0**value
        return _exp(value * math.log(base))
    if kind == "symlog":
        base, linthresh, linscale = scale[1:]
        linscale_adj = linscale / (1.0 - 1.0 / base)
        if abs(value) <= linthresh * linscale_adj:
            return float(value / linscale_adj)
        return float(math.copysign(linthresh, value)) * _exp(
            (abs(value) / linthresh - linscale_adj) * math.log(base)
        )
    if kind == "logit":
        power = _exp(-value * math.log(10)) if -value > 308 else 10 ** (-value)
        return 1.0 / (1 + power)
    width = scale[1]
    try:
        return float(width * math.sinh(value / width))
    except OverflowError:
        return math.copysign(math.inf, value)


def _exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _compact(value: float) -> float:
    # 50.0 travels as 50: the same double, fewer bytes.
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
