"""14. Downloads: what a download through the route costs against a bare
``savefig`` of the same figure, in the same process, interleaved.

A 6 x 4 inch matplotlib figure (100 dpi: a line of 2,000 points, a scatter
of 500, a title, labels and a legend), downloaded as a PDF and as a PNG at
``export_scale=3`` (300 dpi) from a plain generator through the route
(Werkzeug's WSGI call, the extension's download path: values, signature,
render slot, ``encode_export``, headers), against ``figure.savefig`` to a
buffer of the same format and resolution, by matplotlib alone. Both make
the same figure each call (the generator's work is the same in both), and
both are timed in this thread's CPU time.
"""

from __future__ import annotations

import io

import numpy as np
from flask import Flask
from matplotlib.figure import Figure

from flask_dash_images import DynamicImages

from . import common

WIDTH, HEIGHT, DPI = 6, 4, 100
SCALE = 3
GOAL = 1.1


def figure() -> Figure:
    """The same figure every call: what both sides draw."""
    rng = np.random.default_rng(7)
    x = np.linspace(0, 10, 2000)
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    axes = fig.add_subplot()
    axes.plot(x, np.sin(x) + 0.1 * rng.standard_normal(x.size), label="signal")
    axes.scatter(rng.uniform(0, 10, 500), rng.standard_normal(500), s=4, label="noise")
    axes.set(title="A chart for a paper", xlabel="time (s)", ylabel="value")
    axes.legend()
    return fig


def bare(fmt: str, dpi: float) -> bytes:
    buffer = io.BytesIO()
    figure().savefig(buffer, format=fmt, dpi=dpi)
    return buffer.getvalue()


def app() -> Flask:
    server = Flask(__name__)
    images = DynamicImages(server)

    @images.generator(name="chart", export=("pdf", "png"), export_scale=SCALE)
    def chart() -> Figure:
        return figure()

    return server


def run(quick: bool) -> common.Report:
    """Downloads through the route against a bare savefig."""
    server = app()
    route = {
        "pdf": common.WsgiRequest(server, "/image_generator/chart.pdf?_download=1"),
        "png": common.WsgiRequest(server, "/image_generator/chart.png?_download=1"),
    }
    for request in route.values():
        request.expect("200")
    variants = {
        "route PDF": route["pdf"],
        "bare savefig PDF": lambda: bare("pdf", DPI),
        "route PNG 3x": route["png"],
        "bare savefig PNG 300 dpi": lambda: bare("png", DPI * SCALE),
    }
    samples = common.interleave(
        variants,
        rounds=3 if quick else 25,
        batch_seconds=0.05,
        budget=10 if quick else 60,
        clock=common.CPU,
    )
    rows = common.timing_rows(samples)
    pdf = common.median(common.ratios(samples, "route PDF", "bare savefig PDF"))
    png = common.median(
        common.ratios(samples, "route PNG 3x", "bare savefig PNG 300 dpi")
    )
    sizes = [
        ["PDF", len(route["pdf"]()[1]), len(bare("pdf", DPI))],
        ["PNG 3x", len(route["png"]()[1]), len(bare("png", DPI * SCALE))],
    ]
    text = (
        common.table(common.TIMING_HEADERS, rows)
        + "\n\n"
        + common.table(["download", "route bytes", "savefig bytes"], sizes)
    )
    return common.Report(
        "export_cost",
        "Downloads against a bare savefig (6 x 4 in figure)",
        text,
        goals=[
            common.Goal("download PDF / bare savefig PDF", pdf, GOAL),
            common.Goal("download PNG 3x / bare savefig PNG 300 dpi", png, GOAL),
        ],
    )


if __name__ == "__main__":
    common.main(run)
