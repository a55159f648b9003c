"""``python -m bench [--quick] [name ...]``: run the benchmarks (all, or the
named modules), write ``bench/results/<name>.txt`` for each and
``bench/results/summary.rst``, the table the README includes.

``--quick`` is a smoke run: short, and it writes nothing.
"""

from __future__ import annotations

import argparse
import importlib
import time

from . import common

MODULES = (
    "route_overhead",
    "route_instructions",
    "full_update",
    "conditional",
    "process_hot_path",
    "wire_bytes",
    "png_settings",
    "figure_rate",
    "gunicorn_rps",
    "browser_latency",
    "slider_sweep",
    "coalescing",
    "nginx_cache",
    "export_cost",
    "explore",
    "zoom_render",
    "zoom_start",
)


def summary(reports: list[common.Report], machine: str, seconds: float) -> str:
    """reST for the README: the machine, then every figure with its goal."""
    rows = [row for report in reports for row in report.summary_rows()]
    return (
        f"{machine} Whole run: {seconds:.0f} s. Work in the benchmark's own"
        " process is timed in CPU time, gunicorn and Chromium by the wall"
        " clock; raw tables in ``bench/results/*.txt``.\n\n"
        + common.table(["measurement", "figure", "goal", "result"], rows)
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip())
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("names", nargs="*", metavar="name", help=", ".join(MODULES))
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(MODULES))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)}")
    machine = common.machine()
    start = time.perf_counter()
    reports = []
    for name in args.names or MODULES:
        began = time.perf_counter()
        module = importlib.import_module(f"{__package__}.{name}")
        report = module.run(args.quick)
        reports.append(report)
        text = report.render()
        print(text, flush=True)
        print(f"({name}: {time.perf_counter() - began:.0f} s)\n", flush=True)
        if not args.quick:
            common.write(f"{name}.txt", text)
    text = summary(reports, machine, time.perf_counter() - start)
    print(text)
    if not args.quick and not args.names:
        common.write("summary.rst", text)


if __name__ == "__main__":
    main()
