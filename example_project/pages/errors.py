"""A demo of error handling: a generator that fails on purpose, and one that works."""

from __future__ import annotations

import json
import math
from http import HTTPStatus

import dash
from dash import Input, Output, dcc, html
from flask import abort
from PIL import Image, ImageDraw

from flask_dash_images import image_callback

from .. import ui
from ..params import bounded_int

PATH = "/errors"
TITLE = "Errors"
SUMMARY = (
    "Error handling demo: pick a failure for the left picture and see the HTTP"
    " status it gets; the right picture keeps working."
)

SIZE = 200
BEHAVIOURS = {
    "draw": "Draw a picture (200)",
    "raise": "Raise an exception (500, traceback in the server log)",
    "abort": "Call abort(400) (the 400 reaches the browser)",
    "string": "Return a string, not a picture (500)",
}

# The reason phrases of the statuses the image route answers with.
REASONS = {
    status.value: status.phrase
    for status in map(HTTPStatus, (200, 304, 400, 403, 404, 414, 500, 503))
}

# Runs in the browser: show the status the picture's URL answered with, read
# from the browser's Resource Timing entry for the <img>'s own request
# (responseStatus; Chromium reports it). Asking again with fetch() would run
# the generator a second time for every picture, and log a failing one's
# traceback twice.
SHOW_STATUS = """
async function (src) {
    if (!src) {
        return ["", null];
    }
    const reasons = REASONS;
    performance.setResourceTimingBufferSize(2000);
    const url = new URL(src, document.baseURI).href;
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let waited = 0; waited < 15000; waited += 50) {
        const entries = performance.getEntriesByName(url, "resource");
        const entry = entries[entries.length - 1];
        if (entry !== undefined && entry.responseEnd > 0) {
            const status = entry.responseStatus;
            if (!status) {
                return ["not reported by this browser", src];
            }
            return [`HTTP ${status} ${reasons[status] || ""}`.trim(), src];
        }
        await sleep(50);
    }
    return ["no answer yet", src];
}
""".replace("REASONS", json.dumps(REASONS))


def fragile(behaviour: object) -> Image.Image:
    """Draws a picture, or fails in the way ``behaviour`` names."""
    if behaviour == "raise":
        raise RuntimeError("this generator fails on purpose (error handling demo)")
    if behaviour == "abort":
        abort(400, "this generator refuses the input on purpose")
    if behaviour == "string":
        return "not a picture"  # type: ignore[return-value]
    image = Image.new("RGB", (SIZE, SIZE), "#e8f5e9")
    ImageDraw.Draw(image).line(
        [(45, 105), (85, 145), (155, 60)], fill="#2e7d32", width=14, joint="curve"
    )
    return image


def polygon(sides: object) -> Image.Image:
    """A regular polygon with ``sides`` sides."""
    count = bounded_int(sides, 3, 12, 5)
    radius, centre = SIZE * 0.4, SIZE / 2
    points = [
        (
            centre + radius * math.sin(2 * math.pi * i / count),
            centre - radius * math.cos(2 * math.pi * i / count),
        )
        for i in range(count)
    ]
    image = Image.new("RGB", (SIZE, SIZE), "white")
    ImageDraw.Draw(image).polygon(points, fill="#1f6feb", outline="#0b3d91", width=3)
    return image


def layout() -> html.Div:
    return html.Div(
        [
            html.Section(
                [
                    html.H3("A generator that fails on purpose"),
                    ui.field(
                        "The generator should",
                        dcc.RadioItems(
                            id="errors-behaviour",
                            options=[
                                {"label": text, "value": value}
                                for value, text in BEHAVIOURS.items()
                            ],
                            value="draw",
                        ),
                    ),
                    ui.picture(
                        "errors-picture",
                        SIZE,
                        SIZE,
                        "The generator failed: this picture did not load.",
                    ),
                    html.P(
                        ["Status: ", html.Output(id="errors-status")],
                        className="status",
                    ),
                    html.A("Open the picture's URL", id="errors-link", target="_blank"),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H3("A generator that keeps working"),
                    ui.field(
                        "Sides",
                        ui.slider("errors-sides", 3, 12, 1, 5),
                    ),
                    ui.picture("errors-polygon", SIZE, SIZE, "a regular polygon"),
                ],
                className="card",
            ),
        ],
        className="cards",
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app, Output("errors-picture", "src"), Input("errors-behaviour", "value")
    )(fragile)
    image_callback(
        dash_app, Output("errors-polygon", "src"), Input("errors-sides", "value")
    )(polygon)
    dash_app.clientside_callback(
        SHOW_STATUS,
        Output("errors-status", "children"),
        Output("errors-link", "href"),
        Input("errors-picture", "src"),
    )
