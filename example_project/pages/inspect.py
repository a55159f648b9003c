"""Click to inspect: a matplotlib scatter of thirty cities that reports where
it is clicked and hovered, in longitude and latitude.

``events=("click", "hover")`` makes the browser report the pointer as the
image's ``data-click`` and ``data-hover`` properties, in the data coordinates
of the axes under it: the picture's own response carries its axes' boxes and
limits, so the browser needs no help from the server to map a pixel. An
ordinary Dash callback picks the city nearest a click and shows its name and
values; a clientside callback shows where the pointer rests, with no request
at all. The chosen city is an input of the picture, which rings it: every
choice is a URL, kept by the browser and the server's cache.
"""

from __future__ import annotations

import math
import typing as t

import dash
from dash import Input, Output, dcc, html
from dash.exceptions import PreventUpdate
from matplotlib.figure import Figure

from flask_dash_images import image_callback

from .. import ui

PATH = "/inspect"
TITLE = "Inspect"
SUMMARY = (
    "Thirty cities on a matplotlib scatter: click a dot to read its label and"
    " values, hover to read the pointer's longitude and latitude (pointer"
    " events in data coordinates, events=)."
)

WIDTH, HEIGHT = 640, 320
DPI = 100
LONGITUDES = (-180.0, 180.0)
LATITUDES = (-60.0, 80.0)
#: A click picks the nearest city if it is this near, measured in shares of
#: the axes' ranges (so a degree of latitude counts as much as the 2.6
#: degrees of longitude drawn the same length): about 15 pixels.
REACH = 0.03
MAX_AGE = 3600
ACCENT = "#d1242f"


class City(t.NamedTuple):
    name: str
    country: str
    latitude: float  # degrees north
    longitude: float  # degrees east


# Approximate coordinates of each city's centre, to a hundredth of a degree.
CITIES = (
    City("London", "United Kingdom", 51.51, -0.13),
    City("Paris", "France", 48.86, 2.35),
    City("Berlin", "Germany", 52.52, 13.40),
    City("Moscow", "Russia", 55.76, 37.62),
    City("Istanbul", "Türkiye", 41.01, 28.98),
    City("Reykjavík", "Iceland", 64.15, -21.94),
    City("Cairo", "Egypt", 30.04, 31.24),
    City("Lagos", "Nigeria", 6.52, 3.38),
    City("Nairobi", "Kenya", -1.29, 36.82),
    City("Cape Town", "South Africa", -33.92, 18.42),
    City("Dubai", "United Arab Emirates", 25.20, 55.27),
    City("Mumbai", "India", 19.08, 72.88),
    City("Delhi", "India", 28.61, 77.21),
    City("Bangkok", "Thailand", 13.76, 100.50),
    City("Singapore", "Singapore", 1.35, 103.82),
    City("Jakarta", "Indonesia", -6.21, 106.85),
    City("Beijing", "China", 39.90, 116.41),
    City("Seoul", "South Korea", 37.57, 126.98),
    City("Tokyo", "Japan", 35.68, 139.69),
    City("Sydney", "Australia", -33.87, 151.21),
    City("Auckland", "New Zealand", -36.85, 174.76),
    City("Honolulu", "United States", 21.31, -157.86),
    City("Anchorage", "United States", 61.22, -149.90),
    City("Los Angeles", "United States", 34.05, -118.24),
    City("Mexico City", "Mexico", 19.43, -99.13),
    City("New York", "United States", 40.71, -74.01),
    City("Bogotá", "Colombia", 4.71, -74.07),
    City("Lima", "Peru", -12.05, -77.04),
    City("São Paulo", "Brazil", -23.55, -46.63),
    City("Buenos Aires", "Argentina", -34.60, -58.38),
)
BY_NAME = {city.name: city for city in CITIES}

POINTER_PROMPT = "Point at the chart."
CITY_PROMPT = "Click a dot on the chart."

# Runs in the browser at every hover report (at most ten a second): the
# pointer's place, as place() writes it, without a request to the server.
SHOW_POINTER = """
function (hover) {
    if (!hover || typeof hover.x !== "number" || typeof hover.y !== "number") {
        return window.dash_clientside.no_update;
    }
    const part = (value, positive, negative) =>
        Math.abs(value).toFixed(1) + "\u00b0 " + (value < 0 ? negative : positive);
    return part(hover.y, "N", "S") + ", " + part(hover.x, "E", "W");
}
"""


def place(latitude: float, longitude: float, decimals: int = 1) -> str:
    """``latitude, longitude`` as ``"48.9° N, 2.4° E"``."""

    def part(value: float, positive: str, negative: str) -> str:
        return f"{abs(value):.{decimals}f}° {negative if value < 0 else positive}"

    return f"{part(latitude, 'N', 'S')}, {part(longitude, 'E', 'W')}"


def scatter(selected: object) -> Figure:
    """The cities by longitude and latitude; ``selected``, a city's name (or
    ``""`` for none), is ringed and labelled."""
    city = BY_NAME.get(selected) if isinstance(selected, str) else None
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    # Fixed margins rather than a layout engine: the axes stay where they
    # are whichever city is labelled. (The browser would cope either way:
    # each picture's response carries its own axes' box.)
    figure.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.9)
    axes = figure.add_subplot()
    axes.grid(color="#e3e7ee", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.axhline(0, color="#9aa3b2", linewidth=0.8)  # the equator
    axes.scatter(
        [c.longitude for c in CITIES],
        [c.latitude for c in CITIES],
        s=30,
        color="#1f6feb",
        edgecolor="white",
        linewidth=0.7,
        zorder=3,
    )
    axes.set(
        xlim=LONGITUDES,
        ylim=LATITUDES,
        xticks=range(-180, 181, 60),
        yticks=range(-60, 81, 20),
        xlabel="longitude (°E)",
        ylabel="latitude (°N)",
        title=f"{len(CITIES)} cities by longitude and latitude",
    )
    if city is not None:
        axes.scatter(
            [city.longitude],
            [city.latitude],
            s=220,
            facecolor="none",
            edgecolor=ACCENT,
            linewidth=2,
            zorder=4,
            clip_on=False,  # whole, also at the axes' edge
        )
        dx, dy = label_corner(axes, city)
        axes.annotate(
            city.name,
            (city.longitude, city.latitude),
            xytext=(dx, dy),
            textcoords="offset pixels",
            ha="left" if dx > 0 else "right",
            va="bottom" if dy > 0 else "top",
            color=ACCENT,
            fontweight="bold",
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": "white",
                "edgecolor": ACCENT,
                "alpha": 0.9,
            },
            zorder=5,
        )
    return figure


def label_corner(axes: t.Any, city: City) -> tuple[int, int]:
    """Where ``city``'s label goes, as an offset in pixels from its dot: the
    corner (above or below, right or left) where it covers the fewest other
    dots and stays inside the axes."""
    # Display pixels of every dot, from the axes' limits and box (no drawing
    # needed); roughly the label's size, in bold 10-point letters.
    to_pixels = axes.transData.transform
    x, y = to_pixels((city.longitude, city.latitude))
    dots = to_pixels([(c.longitude, c.latitude) for c in CITIES if c != city])
    box = axes.bbox
    width, height = 9 * len(city.name) + 8, 20

    def cost(corner: tuple[int, int]) -> tuple[int, int]:
        dx, dy = corner
        left = x + dx if dx > 0 else x + dx - width
        bottom = y + dy if dy > 0 else y + dy - height
        covered = sum(
            left - 5 <= u <= left + width + 5 and bottom - 5 <= v <= bottom + height + 5
            for u, v in dots
        )
        outside = not (
            box.x0 <= left
            and left + width <= box.x1
            and box.y0 <= bottom
            and bottom + height <= box.y1
        )
        return outside, covered

    return min([(10, 8), (-10, 8), (10, -8), (-10, -8)], key=cost)


def nearest(longitude: float, latitude: float) -> tuple[City, float]:
    """The city nearest a point, and how near, in shares of the axes' ranges."""
    width = LONGITUDES[1] - LONGITUDES[0]
    height = LATITUDES[1] - LATITUDES[0]

    def distance(city: City) -> float:
        return math.hypot(
            (city.longitude - longitude) / width, (city.latitude - latitude) / height
        )

    city = min(CITIES, key=distance)
    return city, distance(city)


def pick(click: t.Any) -> tuple[str, t.Any]:
    """For a ``data-click`` report: the city chosen (``""`` for none), and
    what the page says about it."""
    if not isinstance(click, dict):
        raise PreventUpdate
    x, y = click.get("x"), click.get("y")
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (x, y)):
        raise PreventUpdate
    city, distance = nearest(x, y)
    if distance > REACH:
        return "", f"No city near {place(y, x)}: click on a dot."
    return city.name, [
        html.Strong(city.name, id="inspect-name"),
        f", {city.country}",
        html.Br(),
        place(city.latitude, city.longitude, decimals=2),
    ]


def layout() -> html.Div:
    return ui.demo(
        ui.controls(
            ui.field("City", html.Output(CITY_PROMPT, id="inspect-city")),
            ui.field("Pointer", html.Output(POINTER_PROMPT, id="inspect-pointer")),
            ui.note(
                "The browser maps a click to longitude and latitude with the"
                " axes' box and limits that came with the picture; the server"
                " only looks up the nearest city."
            ),
        ),
        ui.picture("inspect-picture", WIDTH, HEIGHT, "thirty cities on a scatter"),
        # The chosen city's name; "" for none.
        dcc.Store(id="inspect-selected", data=""),
    )


def register(dash_app: dash.Dash) -> None:
    image_callback(
        dash_app,
        Output("inspect-picture", "src"),
        Input("inspect-selected", "data"),
        # The browser reports clicks and (every 100 ms at most) the pointer's
        # position as the image's data-click and data-hover properties.
        events=("click", "hover"),
        deterministic=True,
        max_age=MAX_AGE,
        cache_timeout=MAX_AGE,
    )(scatter)

    @dash_app.callback(
        Output("inspect-selected", "data"),
        Output("inspect-city", "children"),
        Input("inspect-picture", "data-click"),
        prevent_initial_call=True,
    )
    def choose(click: t.Any) -> tuple[str, t.Any]:
        return pick(click)

    dash_app.clientside_callback(
        SHOW_POINTER,
        Output("inspect-pointer", "children"),
        Input("inspect-picture", "data-hover"),
        prevent_initial_call=True,
    )
