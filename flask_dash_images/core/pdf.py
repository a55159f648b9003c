"""A raster picture as a one-page PDF, losslessly, the same bytes every time.

Pillow's PDF writer stores RGB pictures as JPEG (and dates each file): a
chart would come back blurred, and its ETag would never repeat. This writes
the few objects a page with one image needs, the pixels deflated (with a
soft mask for transparency), the page the picture's size at 96 pixels per
inch (a CSS pixel), or at the image's own dpi when it says one.
"""

from __future__ import annotations

import typing as t
import zlib

from PIL import Image

__all__ = ["CSS_DPI", "raster_pdf"]

#: Pixels per inch of a picture that does not say: the CSS pixel's.
CSS_DPI = 96.0

_SPACES = {"L": b"/DeviceGray", "RGB": b"/DeviceRGB", "RGBA": b"/DeviceRGB"}


def raster_pdf(image: Image.Image) -> bytes:
    """``image``, in mode L, RGB or RGBA (see :func:`.render.convert`), on a
    page of its own size."""
    if image.mode not in _SPACES:
        raise ValueError(f"a {image.mode} image: convert it to L, RGB or RGBA")
    dpi = _dpi(image)
    width, height = image.size
    # PDF user space: points, 72 to the inch.
    page_width, page_height = width * 72 / dpi, height * 72 / dpi
    colour, alpha = image, None
    if image.mode == "RGBA":
        colour, alpha = image.convert("RGB"), image.getchannel("A")
    space = _SPACES[image.mode]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s]"
        b" /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        % (_number(page_width), _number(page_height)),
        _image_object(colour, space, b" /SMask 6 0 R" if alpha is not None else b""),
        _stream(
            b"q %s 0 0 %s 0 0 cm /Im0 Do Q"
            % (_number(page_width), _number(page_height)),
            b"",
        ),
    ]
    if alpha is not None:
        objects.append(_image_object(alpha, b"/DeviceGray", b""))
    return _document(objects)


def _dpi(image: Image.Image) -> float:
    said: t.Any = image.info.get("dpi")
    try:
        dpi = float(said[0])
    except (TypeError, ValueError, IndexError):
        return CSS_DPI
    return dpi if 1 <= dpi <= 10000 else CSS_DPI


def _image_object(image: Image.Image, space: bytes, extra: bytes) -> bytes:
    width, height = image.size
    return _stream(
        zlib.compress(image.tobytes(), 6),
        b" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s"
        b" /BitsPerComponent 8 /Filter /FlateDecode%s" % (width, height, space, extra),
    )


def _stream(data: bytes, dictionary: bytes) -> bytes:
    return b"<<%s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def _document(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _number(value: float) -> bytes:
    # PDF reals: no exponent, a few decimals are plenty for a page.
    return (b"%.4f" % value).rstrip(b"0").rstrip(b".")
