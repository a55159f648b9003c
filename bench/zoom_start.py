"""The gallery with the Zoom page's hundred million points: how soon it
answers, and what memory its processes take:
``python -m bench.zoom_start [--quick]``.

Start-up: ``python -m example_project`` (what ``make run`` runs once its
environment is installed), timed from the process' start to its first
page (``/``, 200) and to the Zoom page's first picture (the whole view,
200), first with an empty cache directory (the points are made, in a
thread, while the server answers), then again with the cache file there
(mapped). Goals: the first page within 15 s, the first picture within 30 s.

Memory: the README's gunicorn command (two gthread workers) once the
cache file is there; each worker draws a few near-whole views (every point
read), then each worker's resident memory (RSS) and proportional share
(PSS: a page shared by two processes counts half in each) from
``/proc/<pid>/smaps_rollup``, and the share of the points' file mapped in
it. The file's pages are the operating system's page cache, shared by
every process that maps them.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request
from pathlib import Path

from . import common

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"first page": 15.0, "first Zoom picture": 30.0}


def run(quick: bool) -> common.Report:
    """The gallery's start-up with 100 M points, and its memory per worker."""
    from example_project.pages import zoom

    count = 10_000_000 if quick else int(os.environ.get(zoom.COUNT_VARIABLE, 10**8))
    rows, seconds = [], {}
    with tempfile.TemporaryDirectory(prefix="zoom-start-") as cache:
        env = {
            **os.environ,
            zoom.COUNT_VARIABLE: str(count),
            zoom.CACHE_VARIABLE: cache,
        }
        for start in ("empty cache directory", "cache file there"):
            page, picture = _start_up(env)
            seconds[start] = (page, picture)
            rows.append([start, f"{page:.1f}", f"{picture:.1f}"])
        memory = _memory(env)
    start_table = common.table(
        ["start", "first page, s", "first Zoom picture, s"], rows
    )
    text = (
        f"{count:,} points. Seconds from the process' start"
        f" (python -m example_project, werkzeug's threaded server).\n\n"
        f"{start_table}\n\n"
        "Memory of gunicorn's two gthread workers (the README's command), each"
        " having drawn near-whole views, the cache file there: MB\n\n"
        f"{memory}"
    )
    goals = [
        common.Goal(
            f"Gallery, {count / 1e6:.0f} M points, {start}: {what} / {limit:.0f} s",
            seconds[start][i] / limit,
            1.0,
        )
        for start in seconds
        for i, (what, limit) in enumerate(GOALS.items())
    ]
    return common.Report(
        "zoom_start",
        "Zoom page: start-up and memory with 100 million points",
        text,
        goals=goals,
    )


def whole_view_url() -> str:
    """The Zoom page's first picture, as its page builds it."""
    from example_project.pages import zoom
    from flask_dash_images.core.callables import make_guid
    from flask_dash_images.core.urls import encode_query

    guid = make_guid(zoom.density, "zoom-picture.src", None)
    return f"/image_generator/{guid}.png?" + encode_query(["view"], [[-6, 6, -4, 4]])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, timeout: float = 60) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except OSError:
        return 0


def _start_up(env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the first page and to the first Zoom picture."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    with _process([sys.executable, "-m", "example_project", "--port", str(port)], env):
        while _get(base + "/", timeout=5) != 200:
            time.sleep(0.05)
        page = time.perf_counter() - began
        # Blocks until the points are there.
        if _get(base + whole_view_url(), timeout=120) != 200:
            raise RuntimeError("the Zoom page's first picture did not load")
        picture = time.perf_counter() - began
    return page, picture


def _memory(env: dict[str, str]) -> str:
    """A table of each gunicorn worker's memory, after drawing."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "gunicorn", "--chdir", str(ROOT),
        "--worker-class", "gthread", "--workers", "2", "--threads", "8",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "example_project:create_app()",
    ]  # fmt: skip
    with _process(command, env) as process:
        while _get(base + "/", timeout=5) != 200:
            time.sleep(0.1)
        # Near-whole views, each its own URL: both workers draw some.
        urls = [
            whole_view_url().replace("%5B-6,", f"%5B{-6 + i / 1000:g},")
            for i in range(1, 13)
        ]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda u: _get(base + u, timeout=120), urls))
        if set(statuses) != {200}:
            raise RuntimeError(f"pictures answered {statuses}")
        rows = []
        for pid in _children(process.pid):
            total = _rollup(pid)
            points = _mapped(pid, "zoom-points-")
            rows.append(
                [
                    f"worker {pid}",
                    _mb(total["Rss"]),
                    _mb(total["Pss"]),
                    _mb(points["Rss"]),
                    _mb(points["Pss"]),
                    _mb(total["Pss"] - points["Pss"]),
                ]
            )
    return common.table(
        [
            "process",
            "RSS",
            "PSS",
            "points' file, RSS",
            "points' file, PSS",
            "PSS besides the points",
        ],
        rows,
    )


@contextlib.contextmanager
def _process(command: list[str], env: dict[str, str]) -> t.Iterator[t.Any]:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()


def _mb(kib: int) -> str:
    """Megabytes (10**6 bytes) of kibibytes, as /proc counts them."""
    return f"{kib * 1024 / 1e6:,.0f}"


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(p) for p in found]


def _rollup(pid: int) -> dict[str, int]:
    """kB by field of ``/proc/<pid>/smaps_rollup``."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", text, re.M)}


def _mapped(pid: int, fragment: str) -> dict[str, int]:
    """kB by field, summed over the mappings of files whose path has ``fragment``."""
    totals = {"Rss": 0, "Pss": 0}
    inside = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            inside = fragment in line
        elif inside:
            field, _, rest = line.partition(":")
            if field in totals:
                totals[field] += int(rest.split()[0])
    return totals


if __name__ == "__main__":
    common.main(run)
