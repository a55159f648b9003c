"""One picture in every format, and ``format="auto"``, which lets the browser's
Accept header choose.

Dash never sees the image responses: the callback only sets ``src``. What the
browser received is in its Resource Timing entry for the URL (the response's
type, where the browser reports it, and its size), which a small clientside
callback reads and writes under each picture.
"""

from __future__ import annotations

import functools

import dash
import numpy as np
from dash import Input, Output, dcc, html
from PIL import Image

from flask_dash_images import image_callback

from .. import ui
from ..params import choice
from . import fractal


def _pillow_writes(name: str) -> bool:
    # Not every Pillow writes AVIF; the page leaves out what this one cannot.
    Image.init()
    return name.upper() in Image.SAVE


AUTO = "auto"
_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP", "avif": "AVIF"}
#: The fixed formats this Pillow writes.
FIXED = tuple(name for name in _NAMES if _pillow_writes(name))
#: Every picture on the page, in order.
FORMATS = (AUTO, *FIXED)

PATH = "/formats"
TITLE = "Formats"
_LISTED = [_NAMES[name] for name in FIXED]
SUMMARY = (
    f"One fractal view as {', '.join(_LISTED[:-1])} and {_LISTED[-1]}, and with"
    ' format="auto": WebP or AVIF for a browser whose Accept header names them,'
    " PNG otherwise."
)

WIDTH, HEIGHT = fractal.WIDTH, fractal.HEIGHT
MAX_AGE = 3600

# Runs in the browser once per change of the pictures' URLs: for each, wait
# for the browser's Resource Timing entry and report the response's type
# (contentType: Chromium reports it, other browsers may not) and size.
REPORT = """
async function (...sources) {
    performance.setResourceTimingBufferSize(2000);
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    async function report(src) {
        if (!src) {
            return "";
        }
        const url = new URL(src, document.baseURI).href;
        for (let waited = 0; waited < 15000; waited += 50) {
            const entries = performance.getEntriesByName(url, "resource");
            const entry = entries[entries.length - 1];
            if (entry !== undefined && entry.responseEnd > 0) {
                const type = entry.contentType
                    || "type not reported by this browser";
                const size = entry.encodedBodySize
                    ? ` · ${(entry.encodedBodySize / 1000).toFixed(1)} kB`
                    : "";
                return `received ${type}${size}`;
            }
            await sleep(50);
        }
        return "not received yet";
    }
    return Promise.all(sources.map(report));
}
"""


@functools.lru_cache(maxsize=len(fractal.PRESETS))
def _view(preset: str) -> np.ndarray:
    # Every format of one view starts from the same pixels: compute them once.
    view = fractal.mandelbrot(*fractal.PRESETS[preset])
    view.flags.writeable = False
    return view


def fractal_view(preset: object) -> np.ndarray:
    """One of the Fractal page's presets, as an RGB array."""
    return _view(choice(preset, fractal.PRESETS, "Seahorse valley"))


def figure(name: str) -> html.Figure:
    return html.Figure(
        [
            ui.picture(f"formats-{name}", WIDTH, HEIGHT, f"the view as {name}"),
            html.Figcaption(
                [
                    html.Code(f'format="{name}"'),
                    html.Br(),
                    html.Output(id=f"formats-{name}-received"),
                ]
            ),
        ],
        className="format",
    )


def layout() -> html.Div:
    return html.Div(
        [
            ui.demo(
                ui.controls(
                    ui.field(
                        "View",
                        dcc.Dropdown(
                            id="formats-preset",
                            options=list(fractal.PRESETS),
                            value="Seahorse valley",
                            clearable=False,
                        ),
                    ),
                    ui.note(
                        'The picture with format="auto" has one URL, ending in ',
                        html.Code(".auto"),
                        ", for every browser:",
                        html.Br(),
                        html.Code(id="formats-auto-url", className="url"),
                        html.Br(),
                        "The server picks the format per request from the Accept"
                        " header (WebP first, then AVIF, else PNG) and answers"
                        " with Vary: Accept, so caches keep one copy per format."
                        " Under each picture: what your browser reports it"
                        " received.",
                    ),
                ),
                figure(AUTO),
            ),
            html.H3("The same view in each format"),
            html.Div([figure(name) for name in FIXED], className="formats"),
        ]
    )


def register(dash_app: dash.Dash) -> None:
    for name in FORMATS:
        image_callback(
            dash_app,
            Output(f"formats-{name}", "src"),
            Input("formats-preset", "value"),
            format=name,
            deterministic=True,
            max_age=MAX_AGE,
        )(fractal_view)
    dash_app.clientside_callback(
        REPORT,
        *(Output(f"formats-{name}-received", "children") for name in FORMATS),
        *(Input(f"formats-{name}", "src") for name in FORMATS),
    )
    dash_app.clientside_callback(
        "(src) => src || ''",
        Output("formats-auto-url", "children"),
        Input(f"formats-{AUTO}", "src"),
    )
