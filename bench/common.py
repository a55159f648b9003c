"""The harness every benchmark shares: interleaved timing, medians and ratios,
tables, the machine's description, and each module's command line.

Figures are ratios between alternatives measured in the same run, in
alternating order (A B, then B A, ...), one batch of calls per alternative per
round, so that a busy neighbour slows every alternative alike. The per-round
ratio is the figure; its median and 90th percentile are reported.

Work done in this process is timed in CPU time of the calling thread
(:data:`CPU`): on a shared machine the time the scheduler gives to other
processes would otherwise swamp differences of microseconds. Work done by
other processes (gunicorn, Chromium) is timed by the wall clock.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import os
import platform
import re
import statistics
import sys
import time
import typing as t
from importlib import metadata
from pathlib import Path

from werkzeug.test import EnvironBuilder

__all__ = [
    "CPU",
    "RATIO_HEADERS",
    "RESULTS",
    "TIMING_HEADERS",
    "Goal",
    "Report",
    "WsgiRequest",
    "interleave",
    "machine",
    "main",
    "median",
    "ms",
    "p90",
    "ratios",
    "table",
    "timing_rows",
    "write",
]

RESULTS = Path(__file__).parent / "results"
PACKAGES = ("dash", "flask", "werkzeug", "pillow", "numpy", "matplotlib", "gunicorn")

#: This thread's CPU time: for work that runs in it (WSGI calls, encoders).
CPU = time.thread_time


# -- timing -------------------------------------------------------------------


def interleave(
    variants: t.Mapping[str, t.Callable[[], object]],
    *,
    rounds: int,
    batch_seconds: float = 0.02,
    budget: float = 60.0,
    clock: t.Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each variant by ``clock``, one sample per round.

    Each round runs one batch of every variant, in the given order on even
    rounds and reversed on odd ones. The batch size is calibrated per variant
    so that a batch takes about ``batch_seconds``. Stops after ``rounds``, or
    once ``budget`` seconds of wall-clock time have passed (after at least 3
    rounds).
    """
    sizes = {
        name: _calibrate(call, batch_seconds, clock) for name, call in variants.items()
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    deadline = time.perf_counter() + budget
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            call, size = variants[name], sizes[name]
            gc.collect()
            start = clock()
            for _ in range(size):
                call()
            samples[name].append((clock() - start) / size)
        if round_ >= 2 and time.perf_counter() > deadline:
            break
    return samples


def _calibrate(
    call: t.Callable[[], object], batch_seconds: float, clock: t.Callable[[], float]
) -> int:
    call()  # warm up: imports, first-request set-up, caches
    start = clock()
    call()
    once = max(clock() - start, 1e-7)
    return max(1, min(10_000, round(batch_seconds / once)))


def median(values: t.Sequence[float]) -> float:
    return statistics.median(values)


def p90(values: t.Sequence[float]) -> float:
    """The 90th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]


def ratios(samples: t.Mapping[str, t.Sequence[float]], a: str, b: str) -> list[float]:
    """Round by round, ``a``'s time over ``b``'s."""
    return [x / y for x, y in zip(samples[a], samples[b], strict=True)]


# -- calling a WSGI app without a client ---------------------------------------


class WsgiRequest:
    """One prepared request, replayed straight into a WSGI app.

    The environ is built once; each call copies it and gives it a fresh body,
    so what is timed is the app, not a test client.
    """

    def __init__(
        self,
        app: t.Any,
        url: str,
        *,
        method: str = "GET",
        json: t.Any = None,
        headers: t.Mapping[str, str] | None = None,
    ) -> None:
        builder = EnvironBuilder(url, method=method, json=json, headers=headers)
        try:
            self.environ = builder.get_environ()
            self.body = self.environ["wsgi.input"].read()
        finally:
            builder.close()
        self.app = app

    def __call__(self) -> tuple[str, bytes]:
        """``(status line, body)``."""
        environ = dict(self.environ)
        environ["wsgi.input"] = io.BytesIO(self.body)
        status: list[str] = []

        def start_response(line: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
            status.append(line)
            return None

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return status[0], body

    def expect(self, status: str) -> bytes:
        """Call once and check the status; the body, for checks of its own."""
        line, body = self()
        if not line.startswith(status):
            raise AssertionError(f"expected {status}, got {line}: {body[:200]!r}")
        return body


# -- reports ------------------------------------------------------------------


@dataclasses.dataclass
class Goal:
    """A figure (a ratio, smaller is better) and the most it may be."""

    what: str
    figure: float
    limit: float

    @property
    def met(self) -> bool:
        return self.figure <= self.limit

    def row(self) -> list[str]:
        return [
            self.what,
            f"{self.figure:.3f}x",
            f"<= {self.limit:.2f}x",
            "met" if self.met else "MISSED",
        ]


@dataclasses.dataclass
class Report:
    """What one benchmark found.

    :param text: its tables, for ``bench/results/<name>.txt``.
    :param goals: the figures that have a goal.
    :param notes: figures without a goal, as ``(what, figure)``, for the summary.
    """

    name: str
    title: str
    text: str
    goals: list[Goal] = dataclasses.field(default_factory=list)
    notes: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def summary_rows(self) -> list[list[str]]:
        return [goal.row() for goal in self.goals] + [
            [what, figure, "-", "-"] for what, figure in self.notes
        ]

    def render(self) -> str:
        goals = ""
        if self.goals:
            goals = "\n\n" + table(
                ["goal", "figure", "goal", "result"],
                [goal.row() for goal in self.goals],
            )
        rule = "=" * len(self.title)
        return f"{self.title}\n{rule}\n\n{machine()}\n\n{self.text}{goals}\n"


def table(headers: t.Sequence[str], rows: t.Sequence[t.Sequence[t.Any]]) -> str:
    """A reStructuredText simple table, which also reads well as plain text.

    Columns of plain numbers are right-aligned.
    """
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        i > 0 and all(_NUMBER.fullmatch(row[i]) for row in cells[1:])
        for i in range(len(headers))
    ]
    rule = "  ".join("=" * w for w in widths)

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([rule, line(cells[0]), rule, *map(line, cells[1:]), rule])


_NUMBER = re.compile(r"[+-]?[0-9][0-9.,]*x?")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def timing_rows(
    samples: t.Mapping[str, t.Sequence[float]], base: str | None = None
) -> list[list[str]]:
    """Rows of ``variant, median ms, p90 ms[, ratio median, ratio p90]``."""
    rows = []
    for name, values in samples.items():
        row = [name, ms(median(values)), ms(p90(values))]
        if base is not None:
            r = ratios(samples, name, base)
            row += [f"{median(r):.3f}", f"{p90(r):.3f}"]
        rows.append(row)
    return rows


TIMING_HEADERS = ["variant", "median ms", "p90 ms"]
RATIO_HEADERS = ["ratio median", "ratio p90"]


# -- the machine --------------------------------------------------------------


def machine() -> str:
    """One paragraph: where and with what the figures were measured."""
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Machine: {_cpu_model()}, nproc {len(os.sched_getaffinity(0))},"
        f" load average {load} at the start; {platform.system()}"
        f" {platform.release()}; Python {platform.python_version()}; {versions}."
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for text in cpuinfo:
                if text.startswith("model name"):
                    return text.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


# -- the command line ---------------------------------------------------------


def main(run: t.Callable[[bool], Report], argv: t.Sequence[str] | None = None) -> None:
    """Run one benchmark module: ``python -m bench.<name> [--quick]``.

    A full run writes ``bench/results/<name>.txt``; ``--quick`` is a smoke
    run that only prints.
    """
    parser = argparse.ArgumentParser(description=(run.__doc__ or "").strip())
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args(argv)
    report = run(args.quick)
    text = report.render()
    print(text)
    if not args.quick:
        write(report.name + ".txt", text)


def write(filename: str, text: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / filename
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return path


# -- a benchmark app in a gunicorn worker, and the benchmark that drives it ----


class WorkerStats(t.Protocol):
    """What a benchmark's app counts in its gunicorn worker."""

    base: int

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, t.Any]: ...


def add_stats_routes(server: t.Any, stats: WorkerStats) -> None:
    """``GET /bench/stats``: what the worker saw; ``POST
    /bench/reset?base=<n>``: forget it, for a round whose views start at
    ``n`` (new URLs, which no cache has)."""
    import flask

    def snapshot() -> t.Any:
        return flask.jsonify(stats.snapshot())

    def reset() -> t.Any:
        stats.reset()
        stats.base = int(flask.request.args["base"])
        return "", 204

    server.add_url_rule("/bench/stats", view_func=snapshot)
    server.add_url_rule("/bench/reset", view_func=reset, methods=["POST"])


def server_get(server: t.Any, path: str) -> t.Any:
    """The JSON a benchmark's server answers at ``path``."""
    with server.client(timeout=10) as client:
        return client.get(path).get_json()


def server_post(server: t.Any, path: str) -> None:
    """POST to a benchmark's server; it answers 204."""
    with server.client(timeout=10) as client:
        response = client.post(path)
        assert response.status_code == 204, response.status_code
