"""The Zoom page's points: a fixed-seed mixture (:mod:`.mixture`), sorted
once into the cells of a grid (:mod:`.index`), made once per process or
mapped from a cache file (:mod:`.store`)."""

from __future__ import annotations

from .index import Points, count
from .store import Settings, points, ready, warm

__all__ = ["Points", "Settings", "count", "points", "ready", "warm"]
