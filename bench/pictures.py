"""The benchmark pictures, as Pillow images, so every path encodes the same thing.

``line`` is the old dash-dynamic-images README's demo (a navy line from the
corner on white, 200x200 there); ``dot`` a 1x1 picture, where only the
overhead around the encoder shows; ``fractal`` a noisy numpy picture that
compresses badly; ``chart`` a matplotlib figure, flat colours and text.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from flask_dash_images.core.render import FORMATS

__all__ = ["PNG_OPTIONS", "chart", "dot", "fractal", "line", "png"]

#: The library's PNG defaults: every path in the benchmarks saves with these.
PNG_OPTIONS = dict(FORMATS["png"].defaults)


def line(x: int, y: int, width: int = 200, height: int = 200) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).line((0, 0, x, y), fill="navy", width=3)
    return image


def dot(x: int, y: int) -> Image.Image:
    return Image.new("RGB", (1, 1), (x % 256, y % 256, 0))


@functools.cache
def fractal(width: int = 400, height: int = 300, iterations: int = 64) -> Image.Image:
    """The Mandelbrot set with smooth colours: detail everywhere, like a photo."""
    import numpy as np

    xs = np.linspace(-2.2, 0.8, width)
    ys = np.linspace(-1.125, 1.125, height)
    c = xs[np.newaxis, :] + 1j * ys[:, np.newaxis]
    z = np.zeros_like(c)
    times = np.zeros(c.shape)
    alive = np.ones(c.shape, dtype=bool)
    for step in range(iterations):
        z[alive] = z[alive] ** 2 + c[alive]
        escaped = alive & (np.abs(z) > 4)
        times[escaped] = step + 1 - np.log2(np.log(np.abs(z[escaped])))
        alive &= ~escaped
    phase = np.log1p(times)[..., np.newaxis] * 2.0 + np.array([0.0, 0.6, 1.2])
    rgb = (0.5 + 0.5 * np.cos(phase)) * 255 * (~alive)[..., np.newaxis]
    return Image.fromarray(rgb.astype(np.uint8))


@functools.cache
def chart(width: int = 640, height: int = 480) -> Image.Image:
    """Seeded random walks on a bare matplotlib Figure, drawn with Agg."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    walks = np.random.default_rng(2024).choice([-1, 1], size=(5, 500)).cumsum(axis=1)
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    axes = figure.add_subplot()
    for walk in walks:
        axes.plot(walk, linewidth=1.2)
    axes.set(xlabel="step", ylabel="position", title="5 random walks of 500 steps")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return Image.frombuffer(
        "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    ).copy()


def png(image: Image.Image, options: dict[str, object] | None = None) -> bytes:
    """``image`` saved as PNG with exactly ``options`` (the library's default
    options when none are given)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **(PNG_OPTIONS if options is None else options))
    return buffer.getvalue()
