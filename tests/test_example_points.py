"""The Zoom page's points: the grid index counts what a scan of every point
counts, and the points are made once and kept in a cache file that a new
process maps back in."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from example_project.points import index, mixture, store

BOUNDS = store.BOUNDS
COUNT = 50_000


def scanned(x: np.ndarray, y: np.ndarray, view: index.Box, width: int, height: int):
    """Every point tested against the view, as the page did before its index."""
    x0, x1, y0, y1 = view
    across = np.float32(width / (x1 - x0))
    down = np.float32(height / (y1 - y0))
    column = (x - np.float32(x0)) * across
    row = (np.float32(y1) - y) * down
    inside = (column >= 0) & (column < width) & (row >= 0) & (row < height)
    pixel = row[inside].astype(np.intp) * width + column[inside].astype(np.intp)
    return np.bincount(pixel, minlength=width * height).reshape(height, width)


@pytest.fixture(scope="module")
def scattered() -> tuple[np.ndarray, np.ndarray, index.Points]:
    """Points everywhere in the bounds and a little outside, some exactly on
    cell edges, and the index of them."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-6.5, 6.5, COUNT).astype(np.float32)
    y = rng.uniform(-4.5, 4.5, COUNT).astype(np.float32)
    # On the edges of cells, where rounding decides the cell.
    edges = rng.integers(0, index.GRID + 1, 2000)
    x[:2000] = (-6 + edges * 12 / index.GRID).astype(np.float32)
    y[2000:4000] = (-4 + edges * 8 / index.GRID).astype(np.float32)
    return x, y, index.build(x, y, BOUNDS)


def random_views(count: int) -> list[tuple[float, float, float, float]]:
    rng = np.random.default_rng(2)
    views = []
    for _ in range(count):
        width = 12 / 10 ** rng.uniform(0, 4)
        height = 8 / 10 ** rng.uniform(0, 4)
        x0, y0 = rng.uniform(-7, 7 - width), rng.uniform(-5, 5 - height)
        views.append((float(x0), float(x0 + width), float(y0), float(y0 + height)))
    # A cell's edges exactly, and views past the bounds.
    cell_x, cell_y = 12 / index.GRID, 8 / index.GRID
    views += [
        (-6 + 100 * cell_x, -6 + 103 * cell_x, -4 + 7 * cell_y, -4 + 9 * cell_y),
        (-7.0, 7.0, -5.0, 5.0),
        (5.9, 8.0, 3.9, 5.0),
        BOUNDS,
    ]
    return views


@pytest.mark.parametrize("view", random_views(40))
def test_the_index_counts_what_a_scan_of_every_point_counts(scattered, view):
    x, y, points = scattered
    for width, height in ((600, 400), (37, 5)):
        counts = index.count(points, view, width, height)
        assert counts.dtype == np.int32 and counts.shape == (height, width)
        assert (counts == scanned(x, y, view, width, height)).all()


def test_the_index_holds_every_point_once_cell_by_cell(scattered):
    x, y, points = scattered
    assert points.starts[0] == 0 and points.starts[-1] == COUNT
    assert (np.diff(points.starts) >= 0).all()
    assert sorted(zip(points.x, points.y, strict=True)) == sorted(
        zip(x, y, strict=True)
    )
    assert not points.x.flags.writeable
    # Cell 0 (the bottom left one) holds the points below and left of it.
    first = slice(points.starts[0], points.starts[1])
    assert (points.x[first] < -6 + 12 / index.GRID).all()
    assert (points.y[first] < -4 + 8 / index.GRID).all()


def test_the_mixture_is_the_same_for_the_same_seed():
    a, b = mixture.make(1000, 7), mixture.make(1000, 7)
    assert all((u == v).all() for u, v in zip(a, b, strict=True))
    assert not (mixture.make(1000, 8)[0] == a[0]).all()


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process has made no points yet."""
    monkeypatch.setattr(store, "_made", {})


def test_the_points_are_kept_in_a_cache_file_that_a_new_process_maps(tmp_path, fresh):
    settings = store.Settings(count=COUNT, seed=5, directory=str(tmp_path))
    made = store.points(settings)
    folder = tmp_path / settings.name
    assert sorted(p.name for p in folder.iterdir()) == ["starts.npy", "x.npy", "y.npy"]
    assert not list(tmp_path.glob("*.tmp-*"))
    # A new process (this one, forgetting what it made) maps the file.
    store._made.clear()
    mapped = store.points(settings)
    assert isinstance(mapped.x.base, np.memmap) and not mapped.x.flags.writeable
    for a, b in zip(made[:3], mapped[:3], strict=True):
        assert (a == b).all()
    # The same points as made in memory.
    in_memory = store.points(store.Settings(count=COUNT, seed=5))
    assert (in_memory.x == mapped.x).all() and (in_memory.starts == mapped.starts).all()


def test_a_cache_file_cut_short_is_made_again(tmp_path, fresh):
    settings = store.Settings(count=COUNT, directory=str(tmp_path))
    made = store.points(settings)
    store._made.clear()
    # A new file (the one mapped stays as it was): one point short.
    cut = tmp_path / settings.name / "x.npy"
    cut.unlink()
    np.save(cut, made.x[:-1])
    again = store.points(settings)
    assert isinstance(again.x.base, np.memmap) and (again.x == made.x).all()
    store._made.clear()
    assert (store.points(settings).x == made.x).all()


def test_threads_asking_at_once_make_the_points_once(monkeypatch, tmp_path, fresh):
    calls = []
    make = mixture.make

    def counted(count: int, seed: int):
        calls.append(count)
        return make(count, seed)

    monkeypatch.setattr(mixture, "make", counted)
    settings = store.Settings(count=COUNT, seed=9, directory=str(tmp_path))
    found = []
    threads = [
        threading.Thread(target=lambda: found.append(store.points(settings)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [COUNT] and len({id(p) for p in found}) == 1


def test_warm_makes_them_in_a_thread_of_its_own(tmp_path, fresh):
    settings = store.Settings(count=COUNT, seed=11, directory=str(tmp_path))
    assert not store.ready(settings)
    store.warm(settings)
    (thread,) = [t for t in threading.enumerate() if t.name == "zoom-points"]
    thread.join(60)
    assert store.ready(settings) and (tmp_path / settings.name).is_dir()


def test_a_cache_directory_that_cannot_be_written_makes_them_in_memory(
    tmp_path, fresh, caplog
):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    settings = store.Settings(count=COUNT, directory=str(blocked / "cache"))
    points = store.points(settings)
    assert len(points) == COUNT
    assert "making them in memory" in caplog.text
