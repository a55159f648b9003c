"""What a generator function tells of itself: its id in URLs (the guid rule),
how messages name it, its parameters, and whether it can take its call."""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import sys
import typing as t

from ..exceptions import RegistrationError

__all__ = [
    "NAME",
    "check_callable",
    "keyword_params",
    "label_of",
    "make_guid",
    "positional_params",
]

#: A name a user gives (a generator's ``name=``, a ``version=``): what a URL
#: carries as it is.
NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def make_guid(function: t.Callable[..., t.Any], key: str, name: str | None) -> str:
    """The generator's id in URLs: the same code gives the same id everywhere.

    An explicit ``name`` is the id itself. Otherwise the id is a digest of the
    function's module and qualified name and ``key`` (for a Dash callback, its
    output), so it survives restarts and is the same in every worker and host.
    A script's module is named as an import would name it, so that
    ``python app.py`` and ``gunicorn app:server`` agree.
    """
    if name is not None:
        if not NAME.fullmatch(name):
            raise RegistrationError(
                f"name={name!r}: use 1 to 64 letters, digits, '_' or '-'"
            )
        return name
    qualname = getattr(function, "__qualname__", None)
    if qualname is None:
        raise RegistrationError(
            f"{label_of(function)} has no qualified name to derive its id from;"
            " give it name='...'"
        )
    module = function.__module__
    if module == "__main__":
        module = _main_module_name()
    qualified = f"{module}.{qualname}\0{key}"
    return hashlib.blake2b(qualified.encode("utf-8"), digest_size=10).hexdigest()


def label_of(function: t.Callable[..., t.Any]) -> str:
    """How messages name a generator: ``module.qualified_name``, or, for a
    callable object that is no function (a :func:`functools.partial`), its
    type's, with the function it wraps."""
    qualname = getattr(function, "__qualname__", None)
    if qualname is not None:
        return f"{function.__module__}.{qualname}"
    kind = type(function)
    wrapped = getattr(function, "func", None)
    inner = f"({label_of(wrapped)})" if callable(wrapped) else ""
    return f"{kind.__module__}.{kind.__qualname__}{inner}"


def _main_module_name() -> str:
    """The name ``__main__`` has when imported: ``python -m pkg.app`` runs
    ``pkg.app``, ``python app.py`` runs ``app``."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name:
        return str(spec.name)
    path = getattr(main, "__file__", None)
    return os.path.splitext(os.path.basename(path))[0] if path else "__main__"


def positional_params(function: t.Callable[..., t.Any], count: int) -> list[str]:
    """Query names for ``count`` positional values: the function's own
    parameter names where it has them, else ``arg0``, ``arg1``, ..."""
    names = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(names) >= count:
        return names[:count]
    return [f"arg{i}" for i in range(count)]


def check_callable(
    function: t.Callable[..., t.Any],
    label: str,
    positional: int,
    keywords: t.Sequence[str],
    why: str,
) -> None:
    """Refuse, at decoration, a generator that cannot take what it will be
    called with: ``positional`` values, then ``keywords`` by name.

    :param why: what passes the keywords (``"hidpi=True"``), for the message.
    :raises RegistrationError: naming the function and what does not fit.
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return  # a builtin or C function without a signature: nothing to check
    try:
        signature.bind(*range(positional), **dict.fromkeys(keywords))
    except TypeError as error:
        passed = f"{positional} value(s), one per Input and State"
        if keywords:
            passed += f", and {', '.join(f'{k}=' for k in keywords)} ({why})"
        raise RegistrationError(
            f"{label}{signature} cannot take what its image callback passes it"
            f" ({passed}): {error}"
        ) from None


def keyword_params(function: t.Callable[..., t.Any]) -> tuple[list[str], list[str]]:
    """A plain generator's parameter names, and which of them are required."""
    params, required = [], []
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind is param.POSITIONAL_ONLY:
            raise RegistrationError(
                f"{label_of(function)}: positional-only parameters cannot be"
                " passed by name"
            )
        params.append(param.name)
        if param.default is param.empty:
            required.append(param.name)
    return params, required
