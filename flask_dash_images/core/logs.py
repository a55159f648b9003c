"""Tracebacks that a request's data cannot forge log lines with."""

from __future__ import annotations

import re
import traceback

__all__ = ["describe"]

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def describe(error: BaseException) -> str:
    """A traceback for the log in which the request's data cannot forge lines.

    The frames come from code; the exception's message may quote values from
    the URL, so its control characters (newlines included) are escaped. An
    error from a worker process brings its traceback there (``trace``).
    """
    remote = getattr(error, "trace", None)
    if isinstance(remote, str):
        return remote
    trace = traceback.TracebackException.from_exception(error)
    frames = "".join(trace.stack.format())
    message = "".join(trace.format_exception_only()).rstrip("\n")
    return f"Traceback (most recent call last):\n{frames}{escape(message)}"


def escape(text: str) -> str:
    """``text`` with control characters (newlines included) escaped."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
