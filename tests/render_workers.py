"""Helpers for tests whose renders run in worker processes."""

from __future__ import annotations

import multiprocessing
import time
import typing as t

from flask_dash_images.core.worker_process import NAME
from flask_dash_images.core.workers import Job, ProcessPool

from .apps import render_jobs

__all__ = ["NO_LEASE", "render_workers", "wait_until", "warm_up"]

#: Long enough that a test stuck on it fails instead of hanging.
DEADLINE = 10


class _NoLease:
    """A lease for renders that hold no render slot."""

    def release(self) -> None:
        pass

    def abandon(self) -> None:
        pass


NO_LEASE = _NoLease()


def warm_up() -> None:
    """Start this process's forkserver, if it has not started: its first
    start (it imports matplotlib) may take longer than a test's timeout of
    a second, and a render's deadline counts it."""
    pool = ProcessPool(1, None, 1)
    pool.run(Job(render_jobs.square, (1,), {}, "png", {}, 100), NO_LEASE)
    pool.close()


def render_workers() -> list[multiprocessing.process.BaseProcess]:
    """This process's render worker processes."""
    return [p for p in multiprocessing.active_children() if p.name == NAME]


def wait_until(condition: t.Callable[[], bool], seconds: float = DEADLINE) -> bool:
    """Whether ``condition()`` came true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
