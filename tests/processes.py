"""Processes as ``/proc`` shows them: children, descendants, liveness.

The server and render worker tests ask which processes a server or a render
started, and whether they are gone; these read it the same way everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["child_pids", "descendants", "running"]


def _fields(pid: int | str) -> list[str]:
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def child_pids(pid: int) -> list[int]:
    """The pids of ``pid``'s child processes."""
    children = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = _fields(entry.name)
        except OSError:  # it ended meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def descendants(pid: int) -> set[int]:
    """Every process under ``pid``."""
    found = set()
    for child in child_pids(pid):
        found |= {child, *descendants(child)}
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        return _fields(pid)[0] != "Z"
    except OSError:
        return False
