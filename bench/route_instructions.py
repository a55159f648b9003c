"""1b. Route overhead in instructions: the variants of
:mod:`bench.route_overhead` on the 1x1 picture, counted by valgrind's
callgrind instead of timed, so the figures do not move with the machine's
load. Each variant runs in a process of its own under callgrind, once with
``COUNT`` requests and once with none; the difference over ``COUNT`` is its
instructions per request.

``rule shape`` (the bare view at the route's ``<guid>.<ext>`` rule in a
blueprint) and ``same work`` (that plus the route's headers) split what a
bare view pays for the contract's URL and HTTP answers from what the library
adds. Instructions leave out what time also holds (cache misses, branch
prediction), so the time ratios of ``route_overhead`` are the goal's figures;
these say where the difference goes.

Needs Debian's ``valgrind``; without it the report says so and counts
nothing.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

from . import common, pictures, route_overhead

COUNT = 1000
QUICK_COUNT = 50
WARM_UP = 50
VARIANTS = ("bare", "rule shape", "same work", "route", "route deterministic")


def count(variant: str, requests: int) -> int:
    """Instructions of a process that serves ``variant`` ``requests`` times."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        __name__,
        variant,
        str(requests),
    ]
    # The same hash seed in every process, so dicts and sets do the same work.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    finished = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=True
    )
    collected = re.search(r"Collected : (\d+)", finished.stderr)
    if collected is None:
        raise RuntimeError(f"callgrind counted nothing:\n{finished.stderr}")
    return int(collected.group(1))


def per_request(variant: str, requests: int) -> float:
    return (count(variant, requests) - count(variant, 0)) / requests


def run(quick: bool) -> common.Report:
    """Instructions per request of each variant, against bare and same work."""
    title = "Route overhead in instructions (callgrind, 1x1 picture)"
    if shutil.which("valgrind") is None:
        return common.Report(
            "route_instructions",
            title,
            "valgrind is not installed (apt-get install valgrind): nothing counted.",
        )
    requests = QUICK_COUNT if quick else COUNT
    workers = len(os.sched_getaffinity(0))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        counted = dict(
            zip(
                VARIANTS,
                pool.map(lambda name: per_request(name, requests), VARIANTS),
                strict=True,
            )
        )
    rows = [
        [
            name,
            f"{instructions / 1000:.1f}",
            f"{instructions / counted['bare']:.3f}",
            f"{instructions / counted['same work']:.3f}",
        ]
        for name, instructions in counted.items()
    ]
    table = common.table(["variant", "k instructions", "/ bare", "/ same work"], rows)
    ratio = counted["route"] / counted["same work"]
    return common.Report(
        "route_instructions",
        title,
        f"{requests} requests per variant, after {WARM_UP} to warm up\n\n{table}",
        notes=[
            (
                "instructions: route / bare view doing the same work, 1x1",
                f"{ratio:.3f}x",
            ),
            (
                "instructions: rule shape and headers / bare view, 1x1",
                f"{counted['same work'] / counted['bare']:.3f}x",
            ),
        ],
    )


def _serve(variant: str, requests: int) -> None:
    call = route_overhead.make_variants(pictures.dot, shape=True)[variant]
    for _ in range(WARM_UP + requests):
        call()


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
