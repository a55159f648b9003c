"""Generator arguments come from URLs anyone can type: bound them before use."""

from __future__ import annotations

import typing as t


def bounded(value: t.Any, low: float, high: float, default: float) -> float:
    """``value`` clipped to ``[low, high]``; ``default`` if it is not a number.

    An empty ``dcc.Input`` sends ``None``, and a hand-made URL may send
    anything, so a generator never trusts the type or the size of a value.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return min(max(value, low), high)


def bounded_int(value: t.Any, low: int, high: int, default: int) -> int:
    """Like :func:`bounded`, rounded to an ``int``."""
    return round(bounded(value, low, high, default))


def choice(value: t.Any, options: t.Collection[str], default: str) -> str:
    """``value`` if it is one of ``options``, else ``default``."""
    return value if isinstance(value, str) and value in options else default
