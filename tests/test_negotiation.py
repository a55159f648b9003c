"""format="auto": a type the client refuses with q=0 is never sent to it."""

from __future__ import annotations

import pytest
from PIL import Image

from flask_dash_images.core.render import available_formats

from .conftest import decode

needs_avif = pytest.mark.skipif(
    "avif" not in available_formats(), reason="this Pillow has no AVIF encoder"
)


@pytest.fixture
def auto(images):
    images.generator(name="pic", format="auto")(lambda: Image.new("RGB", (3, 2)))


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("image/webp;q=0, image/png", "image/png"),
        ("image/webp;q=0", "image/png"),
        ("image/webp;q=0.0, */*", "image/png"),
        ("image/webp; q=0.000, image/*;q=0.5", "image/png"),
        ("image/png, image/webp;q=0", "image/png"),
        ("image/avif;q=0, image/webp;q=0, */*", "image/png"),
        pytest.param("image/webp;q=0, image/avif", "image/avif", marks=needs_avif),
        pytest.param("image/avif;q=0, image/webp", "image/webp"),
        pytest.param("image/avif;q=0, */*", "image/png", marks=needs_avif),
        ("image/webp;q=0.001, image/png;q=0", "image/webp"),
    ],
)
def test_a_type_refused_with_q_0_is_not_sent(client, auto, accept, mimetype):
    response = client.get("/image_generator/pic.auto", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert decode(response.data).format == mimetype.split("/")[1].upper()
    assert "Accept" in response.headers["Vary"]
