"""How a worker process finds a generator: by name, not by pickling it.

A :class:`Reference` names a generator by its module, its qualified name and
its source file, as ``import`` would find it. The server side makes one
(:func:`reference_for`) once it serves, when the module has long since bound
the name (a decorator runs before its module binds the name it decorates,
so nothing can be looked up then). The worker side finds the function
again (:func:`resolve`): it imports the module by name or, where that name
cannot be imported (Dash loads a ``use_pages`` page module from its file as
``pages.plot``), loads the file under that name. A script run as
``__main__`` is found too: ``multiprocessing`` runs it again in each worker
as ``__mp_main__``.

Only lambdas and functions defined inside another function have no such
name (:func:`check_sendable`); a callable object that is no function (a
``functools.partial``, an instance) is pickled.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import os
import pickle
import sys
import types
import typing as t

__all__ = ["Reference", "by_name", "check_sendable", "reference_for", "resolve"]

#: How a worker process imports a generator's module: a context manager
#: entered around the import (the Flask adapter keeps Dash's page modules
#: from registering pages in a process that serves no Dash app).
Loading = t.Callable[[], t.ContextManager[object]]

_MAIN = "__main__"
#: The name ``multiprocessing`` runs the main script under in its children.
_MP_MAIN = "__mp_main__"
#: Decorators over decorators: a chain of ``__wrapped__`` longer than this
#: is not followed.
_MAX_WRAPPED = 32


class Reference(t.NamedTuple):
    """A generator by name: ``module.qualname``, ``unwrap`` times
    ``__wrapped__`` (a decorator applied over the registered function),
    with the module's source ``path`` for a module no import finds."""

    module: str
    qualname: str
    path: str | None
    unwrap: int = 0


def by_name(function: object) -> bool:
    """Whether a worker process gets ``function`` by its name (a function),
    rather than pickled (any other callable object)."""
    return inspect.isfunction(function)


def check_sendable(function: t.Callable[..., t.Any]) -> str | None:
    """Why a worker process cannot get ``function``, or ``None``.

    Decided from the function alone, so it holds at decoration, before the
    module has bound the name: a lambda or a function defined inside another
    (a decorator's wrapper too) has no name an import finds.
    """
    qualname = getattr(function, "__qualname__", None)
    if inspect.isfunction(function):
        # Where its code was defined, whatever functools.wraps says.
        defined: str = getattr(function.__code__, "co_qualname", function.__qualname__)
        if "<locals>" in defined and defined != qualname:
            return (
                f"it is {defined}, a wrapper that a decorator made inside a"
                " function, which has no name to import it by; apply that"
                " decorator above the image decorator, or define the generator"
                " at a module's top level"
            )
        qualname = defined
    if isinstance(qualname, str):
        if "<lambda>" in qualname:
            return (
                "a lambda has no name to import it by; define it with def at"
                " a module's top level"
            )
        if "<locals>" in qualname:
            return (
                "a function defined inside another function has no name to"
                " import it by; define it at a module's top level"
            )
        # Its module binds the name once it has run; sent when it serves.
        return None
    try:
        pickle.dumps(function)
    except Exception as error:
        return (
            f"it is no function, and pickle cannot send it ({type(error).__name__}:"
            f" {error}); register a function defined at a module's top level"
        )
    return None


def reference_for(function: t.Callable[..., t.Any]) -> Reference:
    """How a worker process finds ``function``: checked here against what the
    name means in this process, so that a worker never draws with another
    function of the same name.

    :raises LookupError: the name leads to another function (defined twice,
        or replaced after it was registered).
    """
    module_name: str = function.__module__
    qualname: str = function.__qualname__
    module = sys.modules.get(module_name)
    path = _source_path(function, module)
    if module is None:
        return Reference(module_name, qualname, path)
    found: object = module
    try:
        for part in qualname.split("."):
            found = getattr(found, part)
    except AttributeError:
        raise LookupError(
            f"{module_name}.{qualname} is not a name in its module, so a worker"
            " process cannot import it"
        ) from None
    for depth in range(_MAX_WRAPPED):
        if _same_definition(found, function):
            return Reference(module_name, qualname, path, depth)
        found = getattr(found, "__wrapped__", None)
        if found is None:
            break
    raise LookupError(
        f"{module_name}.{qualname} names another function in this process"
        " (defined twice, or replaced after it was registered), so a worker"
        " process would draw with the wrong one; give each generator a name"
        " of its own"
    )


def _source_path(function: object, module: types.ModuleType | None) -> str | None:
    code = getattr(function, "__code__", None)
    path = code.co_filename if code is not None else getattr(module, "__file__", None)
    # Code typed at a prompt or run by ``python -c`` has a name, not a file.
    return path if isinstance(path, str) and os.path.isfile(path) else None


def _same_definition(found: object, function: object) -> bool:
    """``found`` is ``function``, or the same ``def`` run again (Dash runs a
    page module once for each Dash app made, so an app may hold the function
    of an earlier run)."""
    if found is function:
        return True
    ours, theirs = getattr(function, "__code__", None), getattr(found, "__code__", None)
    name = getattr(function, "__qualname__", None)
    return (
        ours is not None
        and theirs is not None
        and getattr(found, "__qualname__", None) == name
        and (theirs.co_filename, theirs.co_firstlineno)
        == (ours.co_filename, ours.co_firstlineno)
    )


def resolve(reference: Reference, loading: Loading | None = None) -> t.Any:
    """The function ``reference`` names, importing (or loading) its module.

    :param loading: entered around an import.
    :raises ImportError: its module cannot be had.
    :raises AttributeError: its module has no such name.
    """
    found: t.Any = _module(reference, loading or contextlib.nullcontext)
    for part in reference.qualname.split("."):
        found = getattr(found, part)
    for _ in range(reference.unwrap):
        found = found.__wrapped__
    return found


def _module(reference: Reference, loading: Loading) -> types.ModuleType:
    name = reference.module
    if name == _MAIN:
        first = reference.qualname.split(".")[0]
        for main in (sys.modules.get(_MAIN), sys.modules.get(_MP_MAIN)):
            if main is not None and hasattr(main, first):
                return main
        # The script is not this process's main module: run it as
        # multiprocessing would, without its ``if __name__ == "__main__":``.
        name = _MP_MAIN
    else:
        module = sys.modules.get(name)
        if module is not None:
            return module
    with loading():
        if name != _MP_MAIN:
            try:
                return importlib.import_module(name)
            except ModuleNotFoundError as error:
                if reference.path is None or not _is_missing(error, name):
                    raise
        if reference.path is None:
            raise ImportError(
                f"cannot import {reference.module}.{reference.qualname} in a worker"
                " process: its module has no file (code typed at a prompt, or"
                " run by python -c)"
            )
        return _load(name, reference.path)


def _is_missing(error: ModuleNotFoundError, name: str) -> bool:
    """Whether ``error`` says that ``name`` itself (or its package) is not
    importable, rather than something that it imports."""
    missing = error.name
    return missing is not None and (name == missing or name.startswith(missing + "."))


def _load(name: str, path: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the module {name!r} from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
