"""Axes around a picture of data: a frame, ticks and their values, drawn
with Pillow around the data's pixels, which stay exactly as they are.

The result is an :class:`~flask_dash_images.Extent` of the whole picture,
margins included: its edges are the values where the data's pixels, carried
on outwards at the same scale, meet the picture's edges, so that pointer
events anywhere on it arrive in the data's units.

The picture is a palette image (PNG encodes it in a few milliseconds, to a
third of the bytes of RGB): the data's :data:`COLOURS` colours, then
:data:`GREYS` greys from black to white for the axes' anti-aliased lines
and text.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib import font_manager
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageDraw, ImageFont

from flask_dash_images import Extent

__all__ = ["COLOURS", "GREYS", "MARGINS", "framed", "label", "palette", "ticks"]

#: Colours left for the data; the rest of the 256 are greys.
COLOURS = 240
GREYS = 256 - COLOURS
#: Margins around the data: left, top, right, bottom, in pixels. The left
#: one holds a value such as -3.99912, the bottom one a line of values.
MARGINS = (66, 10, 12, 28)
FONT_SIZE = 11
TICK = 5
INK = 0x33  # dark grey


def palette(colours: np.ndarray) -> bytes:
    """A picture's palette: ``colours`` (COLOURS x 3, uint8 RGB), then the greys."""
    greys = np.linspace(0, 255, GREYS).round().astype(np.uint8)
    return bytes(colours.astype(np.uint8).tobytes() + np.repeat(greys, 3).tobytes())


def ticks(low: float, high: float, pixels: int) -> list[float]:
    """Round values between ``low`` and ``high`` along ``pixels``, as
    matplotlib's axes choose them: one every 60 pixels or more, and at
    least three."""
    # A value on an edge counts, whatever the locator's arithmetic rounded.
    near = (high - low) * 1e-9
    for count in range(max(pixels // 60, 1), pixels // 20):
        locator = MaxNLocator(nbins=count, steps=[1, 2, 2.5, 5, 10])
        values = [
            min(max(float(v), low), high)
            for v in locator.tick_values(low, high)
            if low - near <= v <= high + near
        ]
        if len(values) >= 3:
            break
    return values


def label(value: float, step: float) -> str:
    """``value`` with the decimals its ticks' ``step`` needs: 0.5, 1.0002."""
    decimals = 0
    while decimals < 15 and abs(step * 10**decimals - round(step * 10**decimals)) > (
        1e-6 * step * 10**decimals
    ):
        decimals += 1
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\N{MINUS SIGN}")


@functools.cache
def _font_path() -> str:
    return str(font_manager.findfont("DejaVu Sans"))


def framed(index: np.ndarray, colours: bytes, view: tuple[float, ...]) -> Extent:
    """The data's pixels (``index``: uint8 indices into the palette
    ``colours``, row 0 at the top) drawn for ``view`` = (x0, x1, y0, y1),
    with axes around them."""
    height, width = index.shape
    left, top, right, bottom = MARGINS
    x0, x1, y0, y1 = view
    size = (left + width + right, top + height + bottom)
    # The axes in grey levels (white background), then made palette indices.
    canvas = Image.new("L", size, 255)
    draw = ImageDraw.Draw(canvas)
    # A font per call: no FreeType face shared by a threaded server's threads.
    font = ImageFont.truetype(_font_path(), FONT_SIZE)
    draw.rectangle(
        (left - 1, top - 1, left + width, top + height), outline=INK, width=1
    )
    across = ticks(x0, x1, width)
    step = across[1] - across[0] if len(across) > 1 else x1 - x0
    for value in across:
        at = left + math.floor((value - x0) / (x1 - x0) * width)
        draw.line((at, top + height, at, top + height + TICK), fill=INK)
        text = label(value, step)
        half = draw.textlength(text, font=font) / 2
        centre = min(max(at, half), size[0] - half)
        draw.text((centre, top + height + TICK + 2), text, INK, font, anchor="mt")
    up = ticks(y0, y1, height)
    step = up[1] - up[0] if len(up) > 1 else y1 - y0
    for value in up:
        at = top + height - 1 - math.floor((value - y0) / (y1 - y0) * height)
        draw.line((left - 1 - TICK, at, left - 1, at), fill=INK)
        at = min(max(at, FONT_SIZE // 2), size[1] - FONT_SIZE // 2)
        draw.text((left - TICK - 4, at), label(value, step), INK, font, anchor="rm")
    grey = np.asarray(canvas)
    pixels = (COLOURS + (grey.astype(np.uint16) * (GREYS - 1) + 127) // 255).astype(
        np.uint8
    )
    pixels[top : top + height, left : left + width] = index
    picture = Image.fromarray(pixels, "P")
    picture.putpalette(colours)
    # Each pixel spans the same data either side of the data's edges.
    dx, dy = (x1 - x0) / width, (y1 - y0) / height
    return Extent(
        picture,
        x=(x0 - left * dx, x1 + right * dx),
        y=(y0 - bottom * dy, y1 + top * dy),
    )
