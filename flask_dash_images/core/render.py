"""A generator's result -> encoded picture bytes.

Accepted results: a Pillow image; a numpy array; an xarray ``DataArray``
(Datashader's images too, see :mod:`.data_arrays`); a matplotlib ``Figure``;
bytes already encoded in the declared format (SVG is :mod:`.vector`'s).
numpy, xarray and matplotlib are only touched when a result is one of theirs,
so none is needed otherwise.
"""

from __future__ import annotations

import functools
import io
import typing as t

from PIL import Image

from ..exceptions import RenderError
from . import data_arrays, figures, vector

__all__ = [
    "FORMATS",
    "Extent",
    "Format",
    "available_formats",
    "check_size",
    "encode",
    "negotiate",
    "to_image",
]


class Extent(t.NamedTuple):
    """A picture whose edges stand for data values, so that pointer events on
    it (``events=``) arrive in those units rather than in pixels::

        return Extent(heat_map, x=(0, 10), y=(0, 1))

    :param picture: what a generator may return (an image, an array, ...).
    :param x: the values at the left and the right edge.
    :param y: the values at the bottom and the top edge.
    """

    picture: t.Any
    x: tuple[float, float]
    y: tuple[float, float]


class Format(t.NamedTuple):
    name: str
    mimetype: str
    pillow: str
    modes: frozenset[str]
    magic: t.Callable[[bytes], bool]
    defaults: t.Mapping[str, t.Any]
    #: The keyword arguments Pillow's ``save`` reads for this format (from
    #: Pillow's plugins); any other name would be silently ignored by Pillow.
    options: frozenset[str]


def _options(names: str) -> frozenset[str]:
    return frozenset(names.split())


# What every Pillow plugin below reads as well.
_COMMON = "dpi exif icc_profile xmp"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format(
            "png",
            "image/png",
            "PNG",
            frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}),
            lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
            # Chosen by bench/png_settings.py: level 1 with zlib's run-length
            # strategy (3, Z_RLE; Pillow passes compress_type to zlib) encodes
            # as fast as level 1 alone, with 0.32-0.64x the bytes on flat
            # pictures and the same bytes on busy ones; level 6 (Pillow's
            # default) costs 1.5-3.2x the time.
            {"compress_level": 1, "compress_type": 3},
            _options(
                f"{_COMMON} bits chromaticity compress_level compress_type"
                " dictionary gamma optimize pnginfo transparency"
            ),
        ),
        Format(
            "jpeg",
            "image/jpeg",
            "JPEG",
            frozenset({"L", "RGB", "CMYK"}),
            lambda b: b.startswith(b"\xff\xd8\xff"),
            {"quality": 85},
            _options(
                f"{_COMMON} comment keep_rgb optimize progression progressive"
                " qtables quality restart_marker_blocks restart_marker_rows smooth"
                " streamtype subsampling"
            ),
        ),
        Format(
            "webp",
            "image/webp",
            "WEBP",
            frozenset({"RGB", "RGBA"}),
            lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
            {"quality": 80, "method": 0},
            _options(f"{_COMMON} alpha_quality exact lossless method quality"),
        ),
        Format(
            "gif",
            "image/gif",
            "GIF",
            frozenset({"L", "P"}),
            lambda b: b[:6] in (b"GIF87a", b"GIF89a"),
            {},
            _options("comment interlace optimize palette transparency"),
        ),
        Format(
            "avif",
            "image/avif",
            "AVIF",
            frozenset({"RGB", "RGBA"}),
            lambda b: b[4:12] in (b"ftypavif", b"ftypavis"),
            {"quality": 60, "speed": 8},
            _options(
                f"{_COMMON} advanced alpha_premultiplied autotiling codec"
                " max_threads quality range speed subsampling tile_cols tile_rows"
            ),
        ),
        # Vector: drawn by matplotlib or written by the generator, not Pillow.
        Format(
            "svg",
            "image/svg+xml",
            "",
            frozenset(),
            vector.is_svg,
            {},
            frozenset(),
        ),
    ]
}


@functools.cache
def available_formats() -> tuple[str, ...]:
    """The formats this installation of Pillow can write."""
    # A format is available when Pillow registered an encoder for it (older
    # Pillows warn about features.check("avif"): they do not know the name).
    Image.init()
    return tuple(
        name
        for name, fmt in FORMATS.items()
        if not fmt.pillow or fmt.pillow in Image.SAVE
    )


#: What ``format="auto"`` may choose when the client names it, best first
#: among equal q-values; PNG is the fallback every client decodes.
AUTO_PREFERENCE = ("webp", "avif")


def negotiate(accept: t.Iterable[tuple[str, float]]) -> Format:
    """The format for ``format="auto"``, by the Accept header's q-values.

    WebP and AVIF count only when named explicitly (a client that sends
    ``*/*`` may not decode them); PNG counts with its own q-value or that of
    ``image/*`` or ``*/*``, and is the answer when nothing else is acceptable.
    Equal q-values go to the first of :data:`AUTO_PREFERENCE`, then PNG.
    """
    named: dict[str, float] = {}
    for value, quality in accept:
        named.setdefault(value, quality)
    png = named.get("image/png", named.get("image/*", named.get("*/*", 1.0)))
    candidates = [
        (FORMATS[name], named.get(FORMATS[name].mimetype, 0.0))
        for name in AUTO_PREFERENCE
        if name in available_formats()
    ]
    candidates.append((FORMATS["png"], png))
    # max() keeps the first of equals: the preference order breaks ties.
    best, quality = max(candidates, key=lambda candidate: candidate[1])
    return best if quality > 0 else FORMATS["png"]


def encode(
    result: t.Any,
    fmt: Format,
    options: t.Mapping[str, t.Any],
    max_pixels: int | None = None,
) -> bytes:
    """Encode a generator's result in ``fmt``.

    :raises RenderError: the result is not a picture, not in this format, or
        larger than ``max_pixels``.
    """
    if isinstance(result, Extent):
        result = result.picture
    if not fmt.pillow:
        return vector.encode_svg(result, lambda size: check_size(size, max_pixels))
    if isinstance(result, (bytes, bytearray, memoryview)):
        data = bytes(result)
        if not fmt.magic(data):
            raise RenderError(
                f"the generator returned {len(data)} bytes that are not {fmt.name}"
            )
        return data
    image = to_image(result, max_pixels)
    check_size(image.size, max_pixels)
    buffer = io.BytesIO()
    convert(image, fmt.modes).save(buffer, fmt.pillow, **{**fmt.defaults, **options})
    return buffer.getvalue()


def to_image(
    result: t.Any, max_pixels: int | None = None, scale: float = 1
) -> Image.Image:
    """A Pillow image for a result: an image, an array (numpy's, or an
    xarray ``DataArray`` oriented by its coordinates) or a figure.

    :param scale: draw a figure that many times larger (at its dpi times
        ``scale``); images and arrays are as they are.
    :raises RenderError: a figure would be larger than ``max_pixels``: its
        size is known before it is drawn, so it is refused without the work.
    """
    if isinstance(result, Image.Image):
        return result
    module = type(result).__module__.partition(".")[0]
    if module == "numpy":
        return _from_array(result)
    if figures.is_figure(result):
        return _from_figure(result, max_pixels, scale)
    if data_arrays.is_data_array(result):
        return _from_array(data_arrays.pixels(result))
    raise RenderError(
        f"the generator returned {type(result).__module__}.{type(result).__qualname__},"
        " not a picture (a PIL image, a numpy array, an xarray DataArray, a"
        " matplotlib Figure or bytes)"
    )


def check_size(
    size: tuple[int, int], max_pixels: int | None, what: str = "picture"
) -> None:
    """Refuse a picture (or another ``what``) larger than ``max_pixels``.

    :raises RenderError: saying its size and the limit.
    """
    width, height = size
    if max_pixels is not None and width * height > max_pixels:
        raise RenderError(
            f"the {what} is {width}x{height}, more than the {max_pixels} pixels"
            " DASH_IMAGES_MAX_PIXELS allows"
        )


def convert(image: Image.Image, modes: t.AbstractSet[str]) -> Image.Image:
    """Bring an image into one of ``modes`` (those a format can store), by
    the documented rules."""
    mode = image.mode
    if mode in modes:
        return image
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit grey (values clamped to 0..65535): PNG keeps all 16 bits,
        # every other format gets the top 8.
        wide = image.convert("I")
        if "I;16" in modes:
            return wide.convert("I;16")
        return convert(wide.point(lambda v: v / 256).convert("L"), modes)
    if mode == "F":
        # Float grey: 0.0 is black, 1.0 is white, values outside are clamped.
        return convert(image.point(lambda v: v * 255 + 0.5).convert("L"), modes)
    has_alpha = "A" in mode or "transparency" in image.info
    if "RGBA" in modes or "LA" in modes:
        return image.convert("RGBA" if has_alpha else "RGB")
    if has_alpha:
        # No alpha in this format: flatten onto white.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if "RGB" in modes:
        return image.convert("RGB")
    return image.convert("RGB").quantize() if "P" in modes else image.convert("L")


def _from_array(array: t.Any) -> Image.Image:
    import numpy as np

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise RenderError(
            f"the generator returned an array of shape {array.shape};"
            " expected HxW, HxWx1, HxWx3 or HxWx4"
        )
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif array.dtype.kind == "f":
        array = (np.clip(np.nan_to_num(array), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise RenderError(
            f"the generator returned an array of dtype {array.dtype};"
            " use uint8 (0..255), bool, or floats in 0..1"
        )
    return Image.fromarray(np.ascontiguousarray(array))


def _from_figure(figure: t.Any, max_pixels: int | None, scale: float) -> Image.Image:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with figures.drawn(figure):
        canvas = FigureCanvasAgg(figure)
        if scale != 1:
            figure.set_dpi(figure.dpi * scale)
        # Size x dpi is what drawing allocates: refuse before drawing.
        check_size(canvas.get_width_height(physical=True), max_pixels)
        canvas.draw()  # type: ignore[no-untyped-call]
        size = canvas.get_width_height(physical=True)
        rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
        image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)
        return image.copy()
