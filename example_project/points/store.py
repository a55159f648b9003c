"""The Zoom page's points: made once per process, kept in a cache file that
every later process (a restart, each gunicorn worker, a render worker
process) maps back in.

Making a hundred million points and sorting them into the grid's cells
takes about 8 s and 2 GB for a moment; the cache file holds them sorted
(800 MB) and is mapped read-only with ``numpy.load(mmap_mode="r")``, which
takes milliseconds. Every process that maps it shares the same pages of
the operating system's page cache: N workers cost 800 MB, not N times 800
MB. Several processes starting together make the file once: the first
takes a file lock, the others wait for it and map what it wrote. A file is
written under a temporary name and renamed, so a reader never sees half
of one.

:func:`warm` starts making (or mapping) them in a thread, so that a server
answers its first pages meanwhile; :func:`points` waits for them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import sys
import threading
import typing as t
from pathlib import Path

import numpy as np

from . import index, mixture

__all__ = ["Settings", "cached", "points", "ready", "user_cache_dir", "warm"]

logger = logging.getLogger(__name__)

#: Where the points fall: the Zoom page's whole view, x from -6 to 6 and y
#: from -4 to 4 (a few thousandths of them fall outside).
BOUNDS = (-6.0, 6.0, -4.0, 4.0)
DEFAULT_COUNT = 100_000_000
SEED = 123


@dataclasses.dataclass(frozen=True)
class Settings:
    """Which points, and where their cache file lives (``None``: nowhere,
    made in memory by each process)."""

    count: int = DEFAULT_COUNT
    seed: int = SEED
    directory: str | None = None

    @property
    def name(self) -> str:
        """The cache file's name: everything the points depend on."""
        return f"zoom-points-{mixture.DIGEST}-grid{index.GRID}-{self.count}-{self.seed}"


def user_cache_dir() -> Path:
    """The platform's cache directory for this user, and ours inside it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "flask-dash-images"


# Points made or mapped by this process, per settings; _building holds one
# lock per settings, so that two threads asking at once make them once.
_made: dict[Settings, index.Points] = {}
_lock = threading.Lock()
_building: dict[Settings, threading.Lock] = {}


def _after_fork() -> None:
    # A thread that was making points in the parent does not exist in the
    # child, and would never release its locks: the child starts afresh
    # (and keeps what the parent had finished: mapped or copy-on-write).
    global _lock, _building
    _lock = threading.Lock()
    _building = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def points(settings: Settings) -> index.Points:
    """The points for ``settings``, made or mapped on first use."""
    with _lock:
        if settings in _made:
            return _made[settings]
        building = _building.setdefault(settings, threading.Lock())
    with building:
        with _lock:
            if settings in _made:  # made while this thread waited
                return _made[settings]
        made = _load_or_make(settings)
        with _lock:
            _made[settings] = made
    return made


def ready(settings: Settings) -> bool:
    """Whether :func:`points` would answer at once."""
    with _lock:
        return settings in _made


def cached(settings: Settings) -> bool:
    """Whether a cache file holds the points (then :func:`points` maps it)."""
    if settings.directory is None:
        return False
    try:
        _open(Path(settings.directory) / settings.name, settings)
    except (OSError, ValueError):
        return False
    return True


def warm(settings: Settings) -> None:
    """Make or map the points in a thread of their own, unless they are
    ready; a failure is logged (and :func:`points` tries again)."""
    if not ready(settings):
        threading.Thread(
            target=_warm, args=(settings,), name="zoom-points", daemon=True
        ).start()


def _warm(settings: Settings) -> None:
    try:
        found = points(settings)
        # And compile the counting loop, a second or two the first time.
        index.count(found, found.bounds, 1, 1)
    except Exception:
        logger.exception("could not make the Zoom page's points")


def _load_or_make(settings: Settings) -> index.Points:
    if settings.directory is None:
        return _in_memory(settings)
    directory = Path(settings.directory)
    final = directory / settings.name
    with contextlib.suppress(OSError, ValueError):
        return _open(final, settings)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _file_lock(directory / f"{settings.name}.lock"):
            with contextlib.suppress(OSError, ValueError):
                return _open(final, settings)  # made while this process waited
            _write(final, settings)
        return _open(final, settings)
    except OSError:
        logger.warning(
            "cannot keep the Zoom page's points in %s; making them in memory",
            directory,
            exc_info=True,
        )
        return _in_memory(settings)


def _in_memory(settings: Settings) -> index.Points:
    return index.build(*mixture.make(settings.count, settings.seed), BOUNDS)


def _write(final: Path, settings: Settings) -> None:
    """Make the points into ``final``, a directory of three ``.npy`` files,
    by way of a temporary one (under the file lock, where any other is
    stale, and so is ``final`` if it is there)."""
    for stale in [final, *final.parent.glob(f"{final.name}.tmp-*")]:
        # A file that could not be opened, or one a killed process left.
        shutil.rmtree(stale, ignore_errors=True)
    temporary = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    temporary.mkdir()
    try:
        x, y = mixture.make(settings.count, settings.seed)
        # Sorted straight into the files' pages: no second copy in memory.
        files = [
            np.lib.format.open_memmap(
                temporary / name, mode="w+", dtype=np.float32, shape=x.shape
            )
            for name in ("x.npy", "y.npy")
        ]
        starts = index.sort(x, y, BOUNDS, *files)
        del x, y
        for file in files:
            file.flush()
        del files
        np.save(temporary / "starts.npy", starts)
        temporary.rename(final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    logger.info("made the Zoom page's points in %s", final)


def _open(final: Path, settings: Settings) -> index.Points:
    """The points in ``final``, mapped read-only; ValueError if they are
    not what ``settings`` asks for (a file cut short, say)."""
    x, y, starts = (
        np.load(final / name, mmap_mode="r")
        for name in ("x.npy", "y.npy", "starts.npy")
    )
    shape = (settings.count,)
    if not (
        x.shape == y.shape == shape
        and x.dtype == y.dtype == np.float32
        and starts.shape == (index.GRID * index.GRID + 1,)
        and starts.dtype == np.int64
        and starts[0] == 0
        and starts[-1] == settings.count
    ):
        raise ValueError(f"{final} does not hold the points of {settings}")
    return index.read_only(x, y, starts, BOUNDS)


@contextlib.contextmanager
def _file_lock(path: Path) -> t.Iterator[None]:
    """Held by one process at a time (where the platform has ``flock``)."""
    try:
        import fcntl
    except ImportError:  # Windows: the rename alone keeps files whole
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
