"""The plain Flask page: a Jinja template whose ``<img>`` tags use
``dynamic_image_url``, and the named generators behind them."""

from __future__ import annotations

import functools

import numpy as np
from flask import Blueprint, Flask, render_template, request
from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

from flask_dash_images import DynamicImages

from .nav import FLASK_PAGE, LINKS

# The Fractal and Chart pages' code, reused here by plain Flask.
from .pages import fractal
from .pages.chart import random_walks
from .params import bounded_int

MAX_TEXT = 40
SPARK_WIDTH, SPARK_HEIGHT = 220, 60
BADGE_FONT_SIZE = 28

blueprint = Blueprint("flask_page", __name__, template_folder="templates")


@blueprint.get(FLASK_PAGE.path)
def page() -> str:
    text = request.args.get("text", "Hello from Flask")[:MAX_TEXT]
    return render_template(
        "flask_page.html",
        links=LINKS,
        current=FLASK_PAGE,
        text=text,
        seeds=range(1, 5),
        spark_size=(SPARK_WIDTH, SPARK_HEIGHT),
        presets=fractal.PRESETS,
    )


@functools.cache
def badge_font_path() -> str:
    """DejaVu Sans, which matplotlib ships: Latin, Greek and Cyrillic with
    their accents, and signs such as €. Pillow's default font has ASCII and a
    few signs, no accented letter: it drew the ü and ß of "Grüße" as boxes."""
    return str(font_manager.findfont("DejaVu Sans"))


def badge_font() -> ImageFont.FreeTypeFont:
    # Loaded for each call (tens of microseconds) rather than one FreeType
    # face shared by a threaded server's threads.
    return ImageFont.truetype(badge_font_path(), BADGE_FONT_SIZE)


def badge(text: object, colour: object = "#1f6feb") -> Image.Image:
    """``text`` in white on a rounded label of ``colour``."""
    label = str(text)[:MAX_TEXT] or " "
    font = badge_font()
    left, top, right, bottom = font.getbbox(label)
    width, height = right - left + 40, bottom - top + 28
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    box = (0, 0, width - 1, height - 1)
    try:
        draw.rounded_rectangle(box, radius=14, fill=str(colour))
    except ValueError:  # not a colour Pillow knows
        draw.rounded_rectangle(box, radius=14, fill="#1f6feb")
    draw.text((20 - left, 14 - top), label, font=font, fill="white")
    return image


def sparkline(seed: object, steps: object = 60) -> Image.Image:
    """A small line of a seeded random walk: the same seed, the same line."""
    walk = random_walks(
        1, bounded_int(steps, 10, 500, 60), bounded_int(seed, 0, 2**31, 0)
    )[0]
    x = np.linspace(4, SPARK_WIDTH - 4, walk.size)
    span = max(np.ptp(walk), 1)
    y = SPARK_HEIGHT - 6 - (walk - walk.min()) / span * (SPARK_HEIGHT - 12)
    image = Image.new("RGB", (SPARK_WIDTH, SPARK_HEIGHT), "white")
    ImageDraw.Draw(image).line(
        list(zip(x.tolist(), y.tolist(), strict=True)),
        fill="#0b3d91",
        width=2,
        joint="curve",
    )
    return image


def init_app(server: Flask, images: DynamicImages) -> None:
    """Serve the page on ``server``, its generators through ``images``."""
    # Each picture depends only on its URL: cached by the browser for an
    # hour and kept in the server's cache.
    options = {"deterministic": True, "max_age": fractal.MAX_AGE}
    images.generator(name="badge", **options)(badge)
    images.generator(name="sparkline", **options)(sparkline)
    # The Fractal page's function, now called by name with keyword arguments.
    images.generator(name="mandelbrot", **options)(fractal.mandelbrot)
    server.register_blueprint(blueprint)
