"""Text made from a picture's values: ``alt`` and ``filename`` templates.

A template is text with plain ``{name}`` fields, each a parameter of the
generator; each value is written as the URL writes it (a string as it is,
any other value as its JSON), the same in the browser and on the server.
"""

from __future__ import annotations

import string
import typing as t

from ..exceptions import RegistrationError
from . import codec

__all__ = ["Parts", "check", "fill", "parts"]

#: A template as ``(literal, parameter name or None)`` pairs.
Parts = list[tuple[str, "str | None"]]


def check(template: object, params: t.Sequence[str], label: str, option: str) -> None:
    """``template`` is text whose ``{names}`` are ``params``.

    :param option: the option's name, for the message (``"alt"``).
    :raises RegistrationError: saying which field is wrong.
    """
    if not isinstance(template, str):
        raise RegistrationError(f"{label}: {option} must be text, not {template!r}")
    shown = f"{option}={template!r}"
    try:
        fields = [f for f in string.Formatter().parse(template) if f[1] is not None]
    except ValueError as error:
        raise RegistrationError(f"{label}: {shown}: {error}") from None
    for _, name, spec, conversion in fields:
        if not name or spec or conversion:
            raise RegistrationError(
                f"{label}: {shown}: use plain {{name}} fields (no {{}},"
                " conversions or format specs)"
            )
    unknown = [name for _, name, _, _ in fields if name not in params]
    if unknown:
        raise RegistrationError(
            f"{label}: {shown} names {', '.join(map(repr, unknown))}, not"
            f" a parameter of the generator ({', '.join(params)})"
        )


def parts(template: str) -> Parts:
    """A checked template as ``(literal, name or None)`` parts."""
    return [
        (literal, name) for literal, name, _, _ in string.Formatter().parse(template)
    ]


def fill(
    template: t.Sequence[tuple[str, str | None]], values: t.Mapping[str, t.Any]
) -> str:
    """The text of ``template`` for ``values`` (by parameter name)."""
    return "".join(
        literal + ("" if name is None else written(values[name]))
        for literal, name in template
    )


def written(value: t.Any) -> str:
    """A value as the URL writes it (the URL holds it, so JSON has it); a
    string as it is."""
    return value if isinstance(value, str) else codec.dumps(value)
