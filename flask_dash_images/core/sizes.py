"""The sizes a picture URL may ask for, checked before any wait or drawing.

A responsive picture's URL carries its box in device pixels (``width``,
``height``) and the pixel ratio (``scale``), as the page script measures
them: the CSS width rounded up to :data:`STEP` pixels, times the ratio
rounded to a quarter. A URL off that grid is no browser's, so it is refused:
a client can then ask for at most a bounded number of distinct pictures per
set of values, and none larger than ``DASH_IMAGES_MAX_PIXELS``. A hidpi
picture's ``scale`` is 1 or 2.
"""

from __future__ import annotations

import math
import typing as t

from ..exceptions import BadParameter

__all__ = [
    "MAX_RATIO",
    "MAX_SIDE",
    "MIN_RATIO",
    "RATIO_STEPS",
    "STEP",
    "check_hidpi_scale",
    "check_box",
    "check_pixels",
]

#: CSS pixels a responsive width (and height) is rounded up to; the page
#: script (``dash/assets/dash_images.js``) uses the same.
STEP = 50
#: The pixel ratio is rounded to 1 / RATIO_STEPS by the page script.
RATIO_STEPS = 4
#: The pixel ratios a URL may carry: a browser zoomed to 25% on an ordinary
#: screen up to one zoomed to 500% on a 2x screen.
MIN_RATIO, MAX_RATIO = 0.25, 10
#: The widest or tallest box a URL may ask for, in device pixels.
MAX_SIDE = 16384


def check_hidpi_scale(scale: object) -> None:
    """:raises BadParameter: ``scale`` is not 1 or 2."""
    if type(scale) is not int or scale not in (1, 2):
        raise BadParameter("parameter 'scale' must be 1 or 2")


def check_box(width: object, height: object, scale: object, max_pixels: int) -> None:
    """Refuse a responsive box no browser asks for, or too many pixels.

    :param width: device pixels.
    :param height: device pixels, or ``None`` (the generator picks it; the
        box then counts as a square for the pixel limit).
    :param scale: the device pixel ratio.
    :raises BadParameter: saying which parameter and why.
    """
    if (
        type(scale) not in (int, float)
        or not MIN_RATIO <= t.cast(float, scale) <= MAX_RATIO
        or t.cast(float, scale) * RATIO_STEPS
        != round(t.cast(float, scale) * RATIO_STEPS)
    ):
        raise BadParameter(
            f"parameter 'scale' must be a pixel ratio from {MIN_RATIO:g} to"
            f" {MAX_RATIO:g} in steps of {1 / RATIO_STEPS:g}"
        )
    ratio = t.cast(float, scale)
    _check_side("width", width, ratio)
    if height is not None:
        _check_side("height", height, ratio)
    check_pixels(t.cast(int, width), t.cast("int | None", height), max_pixels)


def check_pixels(
    width: int, height: int | None, max_pixels: int, what: str = "picture"
) -> None:
    """Refuse a box of more than ``max_pixels`` (without a height: a square).

    :raises BadParameter: naming ``what`` would be that large.
    """
    pixels = width * (width if height is None else height)
    if pixels > max_pixels:
        raise BadParameter(
            f"the {what} would be {width} x {height or width} = {pixels} pixels,"
            f" more than DASH_IMAGES_MAX_PIXELS ({max_pixels})"
        )


def _check_side(name: str, side: object, ratio: float) -> None:
    if type(side) is not int or not 1 <= side <= MAX_SIDE:
        raise BadParameter(f"parameter {name!r} must be 1 to {MAX_SIDE}")
    # What the page script sends: round(k * STEP * ratio) for a whole k >= 1
    # (JavaScript's Math.round: halves go up).
    steps = max(1, round(side / (STEP * ratio)))
    if math.floor(steps * STEP * ratio + 0.5) != side:
        raise BadParameter(
            f"parameter {name!r} must be a multiple of {STEP} CSS pixels times"
            f" the scale ({ratio:g}), as browsers measure it"
        )
