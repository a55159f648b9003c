"""matplotlib figures, drawn without pyplot: telling one apart from other
results, checking its size before it is drawn, and leaving pyplot nothing.

Each drawing makes a canvas of its own for the figure (no pyplot state, no
GUI backend, safe in threads); a generator that made the figure with
``pyplot.figure()`` would leave it in pyplot's list for good, so pyplot
(where it is imported) forgets it once it is drawn.
"""

from __future__ import annotations

import contextlib
import sys
import typing as t

__all__ = ["drawn", "is_figure", "size"]


def is_figure(result: t.Any) -> bool:
    """Whether ``result`` is a matplotlib figure (without importing it)."""
    return type(result).__module__.startswith("matplotlib") and hasattr(
        result, "savefig"
    )


def size(figure: t.Any) -> tuple[int, int]:
    """The figure's size in pixels at its dpi: what drawing it allocates."""
    width, height = figure.get_size_inches() * figure.dpi
    return round(width), round(height)


@contextlib.contextmanager
def drawn(figure: t.Any) -> t.Iterator[None]:
    """Draw ``figure`` inside: pyplot forgets it after, however that ends."""
    try:
        yield
    finally:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close(figure)
