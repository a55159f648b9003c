"""Downloads: a picture taken away as PNG at print resolution, SVG or PDF,
from the same generator as the picture on screen.

A download is the generator's result encoded in one of the formats its
``export=`` option names:

- PNG, JPEG, WebP, AVIF: ``export_scale`` times larger where the picture
  can be drawn larger (a matplotlib figure at its dpi times the scale; a
  generator that takes ``scale`` gets it multiplied, see
  :func:`scaled_values`); any other picture at its own size;
- SVG: a matplotlib figure drawn as vectors (:mod:`.vector`), or SVG the
  generator wrote; a raster picture has none;
- PDF: a matplotlib figure drawn as vectors, fonts embedded as matplotlib
  does, on a page of the figure's size; a raster picture on a page of its
  own size (:mod:`.pdf`).

The name of the file comes from the ``filename=`` template (see
:func:`file_name`).
"""

from __future__ import annotations

import functools
import io
import math
import re
import typing as t
import unicodedata

from PIL import Image

from ..exceptions import RegistrationError, RenderError
from . import figures, pdf, render, sizes, templates, vector

__all__ = [
    "EXPORTS",
    "MAX_SCALE",
    "MIMETYPES",
    "ascii_name",
    "check_options",
    "encode_export",
    "file_name",
    "scaled_values",
]

#: The formats a picture may be downloaded as (AVIF where Pillow has it).
EXPORTS = ("png", "jpeg", "webp", "avif", "svg", "pdf")
#: The media type of each.
MIMETYPES = {
    **{name: render.FORMATS[name].mimetype for name in EXPORTS if name != "pdf"},
    "pdf": "application/pdf",
}
#: The largest ``export_scale``.
MAX_SCALE = 10
#: The longest file name (without its extension), in characters.
MAX_NAME = 120

_RASTER = ("png", "jpeg", "webp", "avif")
# Characters no file name should hold (Windows' reserved ones, path
# separators), and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def check_options(
    export: t.Sequence[str],
    scale: object,
    filename: object,
    params: t.Sequence[str],
    label: str,
    returns: object = None,
) -> None:
    """Refuse, at decoration, what no download could give.

    :param returns: the generator's return annotation, if any: a Pillow
        image, a numpy array or an xarray DataArray (by name) has no SVG.
    :raises RegistrationError: saying what is wrong.
    """
    if isinstance(export, str):
        raise RegistrationError(
            f"{label}: export={export!r}: give a tuple of formats, such as"
            f" export=({export!r},)"
        )
    known = [f for f in EXPORTS if f != "avif" or "avif" in render.available_formats()]
    for name in export:
        if name not in known:
            why = (
                "Pillow here cannot write it"
                if name in EXPORTS
                else "not a format a picture can be downloaded as"
            )
            raise RegistrationError(
                f"{label}: export format {name!r}: {why}; use {', '.join(known)}"
            )
    if len(set(export)) != len(export):
        raise RegistrationError(f"{label}: export={tuple(export)!r} repeats a format")
    if "svg" in export and _is_raster(returns):
        raise RegistrationError(
            f"{label}: export 'svg' needs a vector picture (a matplotlib Figure"
            f" or SVG text), but the generator returns {returns!r}"
        )
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not 1 <= scale <= MAX_SCALE
    ):
        raise RegistrationError(
            f"{label}: export_scale must be a number from 1 to {MAX_SCALE},"
            f" not {scale!r}"
        )
    if filename is not None:
        templates.check(filename, params, label, "filename")


def _is_raster(returns: object) -> bool:
    # A class, or its name as text (with "from __future__ import annotations").
    if isinstance(returns, type):
        returns = f"{returns.__module__}.{returns.__qualname__}"
    # PIL's Image, numpy's ndarray, xarray's DataArray, Datashader's Image.
    return isinstance(returns, str) and (
        returns.endswith(("Image.Image", "tf.Image", "transfer_functions.Image"))
        or returns.rpartition(".")[2] in ("ndarray", "DataArray")
    )


def scaled_values(
    values: t.Mapping[str, t.Any],
    scale: float,
    *,
    hidpi: bool,
    responsive: bool,
    max_pixels: int,
) -> dict[str, t.Any]:
    """The values a download's generator is called with: a responsive box
    (``width``, ``height``, ``scale``) or a hidpi ``scale`` ``scale`` times
    larger; the others as they are.

    :raises BadParameter: the download would be more than ``max_pixels``
        (before anything is drawn).
    """
    values = dict(values)
    if responsive:
        width = math.ceil(values["width"] * scale)
        height = values["height"]
        height = None if height is None else math.ceil(height * scale)
        values.update(width=width, height=height, scale=values["scale"] * scale)
        sizes.check_pixels(width, height, max_pixels, what="download")
    elif hidpi:
        values["scale"] = values["scale"] * scale
    return values


def encode_export(
    result: t.Any,
    name: str,
    options: t.Mapping[str, t.Any],
    max_pixels: int | None,
    scale: float = 1,
) -> bytes:
    """A generator's result as the download ``name`` (see the module).

    :param options: Pillow encoder options for a raster format.
    :raises RenderError: the result cannot be had in that format (a raster
        picture as SVG, SVG text as PDF or as a raster), is no picture, or
        would be larger than ``max_pixels``.
    """
    if isinstance(result, render.Extent):
        result = result.picture
    if name == "svg":
        return _svg(result, max_pixels)
    if figures.is_figure(result):
        if name == "pdf":
            return _figure_pdf(result, max_pixels)
        # Said in the file too, so that a document places it at its size.
        dpi = result.dpi * scale
        options = {"dpi": (dpi, dpi), **options}
        image = render.to_image(result, max_pixels, scale)
    else:
        if isinstance(result, str) or (
            isinstance(result, (bytes, bytearray, memoryview))
            and vector.is_svg(bytes(result))
        ):
            raise RenderError(
                f"the generator returned SVG, which has no {name.upper()} here;"
                " return a matplotlib Figure for vector downloads"
            )
        image = _as_image(result, max_pixels)
    if name == "pdf":
        render.check_size(image.size, max_pixels, "download")
        return pdf.raster_pdf(render.convert(image, {"L", "RGB", "RGBA"}))
    return render.encode(image, render.FORMATS[name], options, max_pixels)


def _as_image(result: t.Any, max_pixels: int | None) -> Image.Image:
    if isinstance(result, (bytes, bytearray, memoryview)):
        try:
            with Image.open(io.BytesIO(bytes(result))) as opened:
                opened.load()
                copy: Image.Image = opened.copy()
                return copy
        except Exception:
            raise RenderError(
                f"the generator returned {len(result)} bytes that are no picture"
            ) from None
    return render.to_image(result, max_pixels)


def _svg(result: t.Any, max_pixels: int | None) -> bytes:
    # A figure's text stays text: editable, searchable.
    check = functools.partial(render.check_size, max_pixels=max_pixels, what="download")
    return vector.encode_svg(result, check, text_as_text=True)


def _figure_pdf(figure: t.Any, max_pixels: int | None) -> bytes:
    from matplotlib.backends.backend_pdf import FigureCanvasPdf

    with figures.drawn(figure):
        canvas = FigureCanvasPdf(figure)
        render.check_size(figures.size(figure), max_pixels, "download")
        buffer = io.BytesIO()
        # No dates: the same figure is the same bytes (and ETag).
        canvas.print_pdf(  # type: ignore[no-untyped-call]
            buffer, metadata={"CreationDate": None, "ModDate": None}
        )
    return buffer.getvalue()


def file_name(
    template: templates.Parts | None, default: str, values: t.Mapping[str, t.Any]
) -> str:
    """The download's file name, without its extension: the template filled
    with the values (or ``default``), characters unsafe in file names
    replaced, at most :data:`MAX_NAME` characters."""
    text = default if template is None else templates.fill(template, values)
    text = unicodedata.normalize("NFC", _UNSAFE.sub("_", text)).strip(" .")
    return text[:MAX_NAME].strip(" .") or default


def ascii_name(name: str) -> str:
    """An ASCII stand-in for ``name``, for clients that do not read
    RFC 6266's ``filename*`` (accents dropped, other characters as ``_``)."""
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    simple = re.sub(r"[^A-Za-z0-9._ ()+,=@-]+", "_", simple).strip(" ._")
    return simple or "download"
