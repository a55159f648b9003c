"""The canonical text form of one JSON value.

One value has exactly one text, so the same inputs always make the same URL,
the same ETag and the same cache key. The text is what a browser's
``JSON.stringify`` writes for the same value (numbers in ECMAScript notation,
object keys in UTF-16 order), so a clientside callback builds byte-identical
URLs. The one addition: a float with an integral value keeps a ``.0`` so it
decodes as a float again.
"""

from __future__ import annotations

import json
import math
import re
import typing as t
from decimal import Decimal

__all__ = ["MAX_DEPTH", "TooDeep", "dumps", "loads"]

#: How deeply lists and objects may nest in one value. Real inputs nest a few
#: levels; a bound keeps a hostile value from costing recursion (a 500) or
#: time, on the way in (decoding a query) and out (building a URL).
MAX_DEPTH = 32


class TooDeep(ValueError):
    """A value nests lists and objects deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"lists and objects nest deeper than {MAX_DEPTH} levels")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_json_string = json.JSONEncoder(ensure_ascii=False).encode


def dumps(value: t.Any) -> str:
    """Return the canonical text of a JSON value.

    :raises TypeError: the value is not made of JSON types.
    :raises ValueError: a float is NaN or infinite (JSON has no such number),
        or lists and objects nest deeper than :data:`MAX_DEPTH`.
    """
    return _dumps(value, MAX_DEPTH)


def _dumps(value: t.Any, depth: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple, dict)) and depth == 0:
        raise TooDeep()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join([_dumps(item, depth - 1) for item in value]) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {key!r}")
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        items = [f"{_string(k)}:{_dumps(value[k], depth - 1)}" for k in keys]
        return "{" + ",".join(items) + "}"
    raise TypeError(f"{type(value).__name__} is not a JSON value: {value!r}")


def loads(text: str) -> t.Any:
    """Parse the text of one JSON value; inverse of :func:`dumps`.

    :raises ValueError: the text is not JSON (NaN and Infinity are refused,
        and so are numbers too large for a float), or nests deeper than
        :data:`MAX_DEPTH`.
    """
    # Small whole numbers, the commonest value, without the JSON decoder
    # (JSON forbids leading zeros, so "0" is the only one starting with 0).
    if (
        text.isdigit()
        and text.isascii()
        and len(text) < 16
        and (text[0] != "0" or text == "0")
    ):
        return int(text)
    # Count brackets first (cheap, in C): only a text with more of them than
    # the limit can nest too deeply, and only then is the value walked.
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(text):
        raise TooDeep()
    return _decoder.decode(text)


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than :data:`MAX_DEPTH`."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a float")
    return value


def _refuse_constant(name: str) -> t.NoReturn:
    raise ValueError(f"{name} is not a JSON number")


# One decoder for every call: json.loads with hooks builds a new one each time.
_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _string(value: str) -> str:
    text = _json_string(value)
    # JSON.stringify escapes lone surrogates; they cannot be written as UTF-8.
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a JSON number")
    text = _ecmascript_number(value)
    if "." in text or "e" in text:
        return text
    return text + ".0"


def _ecmascript_number(value: float) -> str:
    """Number::toString from ECMA-262, from Python's shortest repr digits."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = k + int(exponent)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        body = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + body
