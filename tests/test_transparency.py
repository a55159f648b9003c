"""Transparent pictures stay transparent in every format that has alpha
(PNG, WebP, AVIF), whatever mode the generator returns them in."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from flask_dash_images.core.render import available_formats

from .conftest import decode

ALPHA_FORMATS = [
    "png",
    "webp",
    pytest.param(
        "avif",
        marks=pytest.mark.skipif(
            "avif" not in available_formats(), reason="this Pillow has no AVIF encoder"
        ),
    ),
]
PALETTE = [255, 0, 0, 0, 0, 255] + [0] * 762


def half_clear(mode):
    """16x8: the left half opaque, the right half fully transparent, and
    (where the mode can say so) one half-transparent pixel at (12, 4)."""
    if mode == "RGBA":
        image = Image.new("RGBA", (16, 8), (200, 30, 30, 0))
        image.paste((10, 200, 30, 255), (0, 0, 8, 8))
        image.putpixel((12, 4), (200, 30, 30, 128))
        return image
    if mode == "LA":
        image = Image.new("LA", (16, 8), (90, 0))
        image.paste((200, 255), (0, 0, 8, 8))
        image.putpixel((12, 4), (90, 128))
        return image
    if mode == "P":
        image = Image.new("P", (16, 8), 0)
        image.putpalette(PALETTE)
        image.paste(1, (0, 0, 8, 8))
        image.info["transparency"] = 0
        return image
    if mode == "PA":
        image = Image.new("PA", (16, 8), (0, 0))
        image.putpalette(PALETTE)
        image.paste((1, 255), (0, 0, 8, 8))
        return image
    array = np.zeros((8, 16, 4), dtype=np.uint8)
    array[:, :8] = (10, 200, 30, 255)
    array[4, 12] = (200, 30, 30, 128)
    return array


def alpha_at(image, xy):
    return image.convert("RGBA").getpixel(xy)[3]


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "PA", "numpy"])
@pytest.mark.parametrize("fmt", ALPHA_FORMATS)
def test_a_transparent_picture_keeps_its_alpha(images, app, client, fmt, mode):
    images.generator(name="pic", format=fmt)(lambda: half_clear(mode))
    response = client.get(f"/image_generator/pic.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == f"image/{fmt}"
    image = decode(response.data)
    assert image.format == fmt.upper()
    assert "A" in image.mode or "transparency" in image.info
    assert alpha_at(image, (2, 2)) >= 252
    assert alpha_at(image, (14, 2)) <= 3
    if mode in ("RGBA", "LA", "numpy"):
        assert abs(alpha_at(image, (12, 4)) - 128) <= 3


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("image/webp,*/*", "image/webp"),
        pytest.param(
            "image/avif,*/*",
            "image/avif",
            marks=pytest.mark.skipif(
                "avif" not in available_formats(), reason="no AVIF"
            ),
        ),
        ("*/*", "image/png"),
    ],
)
@pytest.mark.parametrize("mode", ["LA", "P"])
def test_auto_keeps_alpha_in_the_format_it_picks(
    images, app, client, accept, mimetype, mode
):
    images.generator(name="pic", format="auto")(lambda: half_clear(mode))
    response = client.get("/image_generator/pic.auto", headers={"Accept": accept})
    assert response.mimetype == mimetype
    image = decode(response.data)
    assert alpha_at(image, (2, 2)) >= 252
    assert alpha_at(image, (14, 2)) <= 3


def test_an_opaque_picture_gets_no_alpha_channel(images, client):
    images.generator(name="pic", format="webp")(
        lambda: Image.new("P", (4, 4), 1).convert("RGB")
    )
    image = decode(client.get("/image_generator/pic.webp").data)
    assert image.mode == "RGB"
