"""A generator's result -> SVG bytes (``format="svg"``).

Accepted results: a matplotlib ``Figure`` (drawn by matplotlib's SVG
backend, which escapes every text it writes) and SVG text or bytes. SVG
opened as a page can run scripts: the route sends it with a locked-down
Content-Security-Policy (see :data:`SECURITY_HEADERS`).
"""

from __future__ import annotations

import io
import re
import threading
import typing as t

from ..exceptions import RenderError
from . import figures

__all__ = ["SECURITY_HEADERS", "encode_svg", "is_svg"]

#: Sent with every SVG: nothing loads or runs, inline styles and embedded
#: (data:) rasters render, and the document is sandboxed when opened alone.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
    ),
)


# The ids matplotlib gives clip paths, markers, hatches, path collections and
# images: a hash salted with a new uuid4 for each unless rcParams
# ["svg.hashsalt"] is set (a process-wide setting, not the extension's to
# change). The same figure would be other bytes every time, so its ETag (from
# the bytes) would never match.
_RANDOM_ID = re.compile(
    rb'id="((?:C[0-9a-f]+_[0-9a-f]+_|Im_image|image|[hmp])[0-9a-f]{10})"'
)


def is_svg(data: bytes) -> bool:
    """Whether ``data`` looks like an SVG document."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<svg"):
        return True
    return head.startswith((b"<?xml", b"<!DOCTYPE", b"<!--")) and b"<svg" in head


def encode_svg(
    result: t.Any,
    check_size: t.Callable[[tuple[int, int]], None] | None = None,
    text_as_text: bool = False,
) -> bytes:
    """SVG bytes for a figure, or checked SVG text or bytes.

    :param check_size: called with a figure's size x dpi before it is drawn;
        raises :class:`RenderError` when that is too large.
    :param text_as_text: a figure's text is written as text (editable,
        searchable: a download), not as matplotlib's setting says.
    :raises RenderError: the result is neither.
    """
    if isinstance(result, str):
        result = result.encode("utf-8")
    if isinstance(result, (bytes, bytearray, memoryview)):
        data = bytes(result)
        if not is_svg(data):
            raise RenderError(
                f"the generator returned {len(data)} bytes that are not svg"
            )
        return data
    if figures.is_figure(result):
        return _from_figure(result, check_size, text_as_text)
    raise RenderError(
        f"the generator returned {type(result).__module__}.{type(result).__qualname__};"
        ' format="svg" takes a matplotlib Figure, or SVG text or bytes'
    )


# matplotlib reads how to write text from rcParams only (process-wide): the
# drawings that set it for themselves and those that read it take turns.
# (matplotlib draws one figure at a time anyway: Figure._render_lock.)
_TEXT_LOCK = threading.Lock()
_TEXT_AS_TEXT: t.Any = {"svg.fonttype": "none"}


def _from_figure(
    figure: t.Any,
    check_size: t.Callable[[tuple[int, int]], None] | None,
    text_as_text: bool,
) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    with figures.drawn(figure):
        canvas = FigureCanvasSVG(figure)
        if check_size is not None:
            check_size(figures.size(figure))
        buffer = io.BytesIO()
        with _TEXT_LOCK, matplotlib.rc_context(_TEXT_AS_TEXT if text_as_text else None):
            # No date either: the same figure is the same bytes.
            canvas.print_svg(buffer, metadata={"Date": None})  # type: ignore[no-untyped-call]
    return _stable_ids(buffer.getvalue())


def _stable_ids(svg: bytes) -> bytes:
    """``svg`` with matplotlib's random ids renamed in order of appearance."""
    names: dict[bytes, bytes] = {}
    for match in _RANDOM_ID.finditer(svg):
        names.setdefault(match.group(1), b"dash-images-%d" % len(names))
    if not names:
        return svg
    every = re.compile(b"|".join(map(re.escape, names)))
    return every.sub(lambda match: names[match.group()], svg)
