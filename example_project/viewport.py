"""The views of a picture that zooms and pans, and their links.

A view is ``(x0, x1, y0, y1)``: the data at the left, right, bottom and
top edges. A :class:`Viewport` keeps views at the picture's aspect ratio
(nothing is stretched), centred inside the data's bounds, no deeper than
its ``max_zoom`` and no wider than its ``min_zoom``, and writes each as a
short link (``?view=x0,x1,y0,y1``, rounded to a hundredth of a pixel)
that the page reads back exactly.

A view may reach past the bounds, as a map pans past its edge: so the
page's preview of a pan or a zoom (the picture moved at once, before the
server's picture arrives) shows the very view that arrives, but where a
limit stops it (the centre at the bounds' edge, the deepest or the widest
zoom).
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing as t

__all__ = ["View", "Viewport"]

View = tuple[float, float, float, float]


@dataclasses.dataclass(frozen=True)
class Viewport:
    """Views of ``bounds`` on a picture of ``width`` x ``height`` pixels
    (whose aspect ratio the bounds have), from ``max_zoom`` times narrower
    than the bounds to ``1 / min_zoom`` times wider."""

    bounds: View
    width: int
    height: int
    max_zoom: float
    min_zoom: float = 0.25
    #: How far a view may be from the aspect ratio and the narrowest width
    #: and still be drawn as it is: a hundredth of a pixel's rounding, well
    #: under a pixel.
    leeway: float = 2e-4

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def whole(self) -> float:
        """The bounds' width: zoom 1."""
        return self.bounds[1] - self.bounds[0]

    @property
    def widest(self) -> float:
        return self.whole / self.min_zoom

    @property
    def narrowest(self) -> float:
        return self.whole / self.max_zoom

    def bounded(self, view: object) -> View:
        """``view`` as a view: the bounds if it is not four numbers.

        A view that is one already (every view the page makes) comes back
        exactly as it is; any other is :meth:`fitted` and :meth:`rounded`.
        """
        if not _numbers(view):
            return self.bounds
        x0, x1, y0, y1 = (float(v) for v in t.cast(t.Sequence[float], view))
        left, right, bottom, top = self.bounds
        width, height = x1 - x0, y1 - y0
        near = self.leeway * width
        if (
            x0 < x1
            and y0 < y1
            and left - near <= (x0 + x1) / 2 <= right + near
            and bottom - near <= (y0 + y1) / 2 <= top + near
            and self.narrowest * (1 - self.leeway)
            <= width
            <= self.widest * (1 + self.leeway)
            and abs(width / height / self.aspect - 1) <= self.leeway
        ):
            return x0, x1, y0, y1
        return self.rounded(self.fitted(x0, x1, y0, y1))

    def fitted(self, x0: float, x1: float, y0: float, y1: float) -> View:
        """Any region as a view: at the aspect ratio around its centre (the
        narrower side widened), from the narrowest to the widest, its
        centre moved inside the bounds."""
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        left, right, bottom, top = self.bounds
        width = min(max(x1 - x0, (y1 - y0) * self.aspect, self.narrowest), self.widest)
        height = width / self.aspect
        middle = min(max(x0 / 2 + x1 / 2, left), right)
        centre = min(max(y0 / 2 + y1 / 2, bottom), top)
        return (
            middle - width / 2,
            middle + width / 2,
            centre - height / 2,
            centre + height / 2,
        )

    def _decimals(self, view: View) -> int:
        """Decimals enough for a hundredth of a pixel of ``view``."""
        pixel = (view[1] - view[0]) / self.width
        return max(0, math.ceil(-math.log10(pixel / 100)))

    def rounded(self, view: View) -> View:
        """``view`` rounded to a hundredth of a pixel: the same picture."""
        decimals = self._decimals(view)
        return t.cast(View, tuple(round(v, decimals) + 0.0 for v in view))

    def link(self, view: View) -> str:
        """The page URL's query for ``view`` (rounded): empty for the bounds."""
        if view == self.bounds:
            return ""
        decimals = self._decimals(view)
        numbers = (f"{v:.{decimals}f}".rstrip("0").rstrip(".") for v in view)
        return "?view=" + ",".join(n if n != "-0" else "0" for n in numbers)

    def read_link(self) -> str:
        """A clientside callback: the page URL's query (``search``) -> the
        view in it, four numbers, or the bounds. The page reads its link in
        the browser: no round trip to the server on Back or Forward."""
        return _READ_LINK.replace("BOUNDS", json.dumps(self.bounds))


_READ_LINK = """
function (search) {
    const found = /[?&]view=([^&]*)/.exec(search || "");
    const view = found ? decodeURIComponent(found[1]).split(",").map(Number) : [];
    return view.length === 4 && view.every(Number.isFinite) ? view : BOUNDS;
}
"""


def _numbers(view: object) -> bool:
    return (
        isinstance(view, (list, tuple))
        and len(view) == 4
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in view
        )
    )
