"""next_view: the view after an event, as the page reports events. The
wheel zooms around the point under the pointer (which stays where it is),
a pan moves the view with the drag, a brush takes the brushed region at the
view's aspect ratio, a double-click resets; on linear and log axes, inverted
or not, and no view is ever inverted or of zero width."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import flask_dash_images
from flask_dash_images import next_view

VIEW = (0.0, 10.0, -5.0, 5.0)
INVERTED = (10.0, 0.0, 5.0, -5.0)


def wheel(x, y, factor):
    return {"x": x, "y": y, "factor": factor, "axes": None, "n": 3}


def pan(dx, dy):
    return {"dx": dx, "dy": dy, "axes": None, "n": 4}


def brush(x, y):
    return {"x": x, "y": y, "axes": None, "n": 5}


def approx(view):
    return pytest.approx(view, rel=1e-12, abs=1e-12)


def test_it_is_public():
    assert "next_view" in flask_dash_images.__all__
    assert next_view.__doc__ and "dcc.Store" in next_view.__doc__


# -- click, hover, double-click ------------------------------------------------


def test_a_click_or_a_hover_keeps_the_view():
    click = {"x": 3.0, "y": 1.0, "axes": None, "n": 1}
    assert next_view(VIEW, click) == VIEW
    assert next_view([0, 10, -5, 5], click) == VIEW  # as a dcc.Store gives it back
    assert next_view(VIEW, click, kind="hover") == VIEW
    assert next_view(VIEW, {"x": 3, "y": 1, "axes": 0, "row": 0, "col": 0}) == VIEW


@pytest.mark.parametrize(
    "kind", ["dblclick", "data-dblclick", "map.data-dblclick", '{"i":1}.data-dblclick']
)
def test_a_double_click_resets(kind):
    assert (
        next_view(VIEW, {"x": 3.0, "y": 1.0, "axes": None, "n": 2}, kind=kind) is None
    )


def test_no_event_resets():
    # A brush cleared by a double-click is None, as is an Input not yet set.
    assert next_view(VIEW, None) is None
    assert next_view(VIEW, None, kind="map.data-brush") is None
    assert next_view(None, None) is None


def test_the_kind_says_what_the_event_is_when_given():
    event = wheel(5.0, 0.0, 2.0)
    assert next_view(VIEW, event, kind="map.data-wheel") == approx(
        (2.5, 7.5, -2.5, 2.5)
    )
    assert next_view(VIEW, event, kind="click") == VIEW
    with pytest.raises(ValueError, match="a pan event needs dx or dy"):
        next_view(VIEW, event, kind="pan")


# -- wheel -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "event", "expected"),
    [
        (VIEW, wheel(5, 0, 2), (2.5, 7.5, -2.5, 2.5)),
        (VIEW, wheel(0, -5, 2), (0, 5, -5, 0)),  # the corner stays the corner
        (VIEW, wheel(10, 5, 0.5), (-10, 10, -15, 5)),  # out
        (VIEW, wheel(2, 1, 1), VIEW),
        (INVERTED, wheel(10, 5, 2), (10, 5, 5, 0)),  # stays inverted
        (INVERTED, wheel(5, 0, 4), (6.25, 3.75, 1.25, -1.25)),
    ],
)
def test_the_wheel_zooms_around_the_pointer(view, event, expected):
    assert next_view(view, event) == approx(expected)


def test_the_wheel_on_log_axes_zooms_in_decades():
    # x 1..1000 (three decades), the pointer at 10 (a third of the way).
    view = next_view((1, 1000, 0, 3), wheel(10, 1, 3), xscale="log")
    assert view == approx((10 ** (2 / 3), 10 ** (5 / 3), 2 / 3, 5 / 3))
    both = next_view((1, 1000, 100, 1), wheel(10, 10, 3), xscale="log", yscale="log")
    assert both == approx((10 ** (2 / 3), 10 ** (5 / 3), 10 ** (4 / 3), 10 ** (2 / 3)))


def test_the_scales_come_from_the_event_where_it_has_them():
    # On a figure the page reports its axes' scales with the event.
    event = {**wheel(10, 1, 3), "xscale": "log", "yscale": "linear"}
    assert next_view((1, 1000, 0, 3), event) == approx(
        (10 ** (2 / 3), 10 ** (5 / 3), 2 / 3, 5 / 3)
    )
    moved = next_view((1, 100, 1, 10), {**pan(1, 1), "yscale": "log"})
    assert moved == approx((0, 99, 0.1, 1))
    picked = {**brush([10, 100], [0, 2]), "xscale": "log", "yscale": "linear"}
    assert next_view((1, 1e4, 0, 4), picked) == approx((10**0.5, 10**2.5, 0, 2))
    assert next_view((1, 1000, 0, 3), event, xscale="log") == approx(
        (10 ** (2 / 3), 10 ** (5 / 3), 2 / 3, 5 / 3)
    )
    with pytest.raises(ValueError, match="xscale='linear', but the event says 'log'"):
        next_view((1, 1000, 0, 3), event, xscale="linear")


def scaled(value, scale):
    return math.log10(value) if scale == "log" else value


def where(view, point, scale):
    """The pointer's place across the view, 0 at x0 and 1 at x1 (on the
    axis' own scale, as the picture shows it)."""
    low, high = (scaled(v, scale) for v in view)
    return (scaled(point, scale) - low) / (high - low)


@st.composite
def axes(draw):
    """A view's two limits on one axis, its scale, and a point in the view."""
    scale = draw(st.sampled_from(["linear", "log"]))
    if scale == "log":
        low = draw(st.floats(-30, 30))
        width = draw(st.floats(1e-2, 20))
        limits = 10.0**low, 10.0 ** (low + width)
    else:
        low = draw(st.floats(-1e4, 1e4))
        width = draw(st.floats(1e-2, 1e6))
        limits = low, low + width
    if draw(st.booleans()):
        limits = limits[::-1]
    spot = draw(st.floats(0, 1))
    ends = [scaled(v, scale) for v in limits]
    point = ends[0] + spot * (ends[1] - ends[0])
    point = 10.0**point if scale == "log" else point
    return scale, limits, point


@given(axes(), axes(), st.floats(1e-3, 1e3))
def test_the_point_under_the_pointer_stays_where_it_is(x_axis, y_axis, factor):
    (xscale, xs, px), (yscale, ys, py) = x_axis, y_axis
    view = (*xs, *ys)
    for (low, high), point, scale in [(xs, px, xscale), (ys, py, yscale)]:
        # Zoomed out past what float64 holds, a view is held inside.
        ends = [scaled(v, scale) for v in (low, high, point)]
        assume(max(abs(e - ends[2]) for e in ends[:2]) / factor < 250)
    after = next_view(view, wheel(px, py, factor), xscale=xscale, yscale=yscale)
    for before, now, point, scale in [
        (xs, after[:2], px, xscale),
        (ys, after[2:], py, yscale),
    ]:
        assert where(now, point, scale) == pytest.approx(
            where(before, point, scale), abs=1e-7
        )
        assert (now[0] < now[1]) == (before[0] < before[1])  # the same way round
        old = abs(scaled(before[1], scale) - scaled(before[0], scale))
        new = abs(scaled(now[1], scale) - scaled(now[0], scale))
        assert new == pytest.approx(old / factor, rel=1e-6)


# -- pan -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "event", "expected"),
    [
        # Dragged 1 to the right and 2 down: the data follows the pointer,
        # so the view moves 1 to the left and 2 up.
        (VIEW, pan(1, -2), (-1, 9, -3, 7)),
        (VIEW, pan(0, 0), VIEW),
        (VIEW, {"dx": 2.5, "axes": None, "n": 1}, (-2.5, 7.5, -5, 5)),
        # On an inverted axis a drag to the right goes to smaller data.
        (INVERTED, pan(-1, 2), (11, 1, 3, -7)),
    ],
)
def test_a_pan_moves_the_view_with_the_drag(view, event, expected):
    assert next_view(view, event) == approx(expected)


def test_a_pan_on_a_log_axis_is_in_decades():
    # One decade to the right: 1..100 becomes 0.1..10.
    view = next_view((1, 100, 0, 1), pan(1, 0.5), xscale="log")
    assert view == approx((0.1, 10, -0.5, 0.5))
    assert next_view((100, 1, 1, 10), pan(-1, 1), xscale="log", yscale="log") == approx(
        (1000, 10, 0.1, 1)
    )


# -- brush -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "event", "expected"),
    [
        # The view is square (10 x 10): a wide brush is made as tall...
        (VIEW, brush([2, 4], [0, 1]), (2, 4, -0.5, 1.5)),
        # ... and a tall one as wide, around its centre.
        (VIEW, brush([2, 3], [0, 4]), (0.5, 4.5, 0, 4)),
        # Twice as wide as tall: so is the brushed view.
        ((0, 20, 0, 10), brush([0, 2], [0, 2]), (-1, 3, 0, 2)),
        (INVERTED, brush([2, 4], [0, 1]), (4, 2, 1.5, -0.5)),
        # One axis brushed: the other kept as it is.
        (VIEW, brush([2, 4], None), (2, 4, -5, 5)),
        (INVERTED, brush(None, [1, 2]), (10, 0, 2, 1)),
        # Nothing brushed: nothing to zoom to.
        (VIEW, brush([2, 2], [1, 1]), VIEW),
        (VIEW, brush([3, 3], None), VIEW),
    ],
)
def test_a_brush_zooms_to_the_region_at_the_views_aspect(view, event, expected):
    assert next_view(view, event) == approx(expected)


def test_a_brush_on_a_log_axis_keeps_the_aspect_in_decades():
    # 4 decades by 4: a brush of 1 decade by 2 is widened to 2 decades.
    view = next_view((1, 1e4, 0, 4), brush([10, 100], [0, 2]), xscale="log")
    assert view == approx((10**0.5, 10**2.5, 0, 2))


# -- limits ----------------------------------------------------------------------


def valid(view, like):
    x0, x1, y0, y1 = view
    assert all(math.isfinite(v) for v in view)
    assert x0 != x1 and y0 != y1
    assert (x0 < x1, y0 < y1) == (like[0] < like[1], like[2] < like[3])


@pytest.mark.parametrize(
    ("view", "point", "narrowest"),
    [
        (VIEW, (5.0, 0.0), 5e-12),
        (INVERTED, (10.0, 5.0), 1e-11),
        ((1e9, 1e9 + 1, -1e-9, 0.0), (1e9, 0.0), 1e-3),
    ],
)
def test_zooming_in_stops_before_float64_runs_out(view, point, narrowest):
    # 1e-12 of the value under the pointer: thousands of float64 values
    # across the view still. The axis that gets there first stops both, so
    # the aspect stays as it was.
    now = view
    for _ in range(200):
        now = next_view(now, wheel(*point, 10.0))
        valid(now, view)
    # (float64 has few values across the narrowest view: 1e-3 of it.)
    assert abs(now[1] - now[0]) == pytest.approx(narrowest, rel=1e-3)
    assert abs(now[1] - now[0]) / abs(now[3] - now[2]) == pytest.approx(
        abs(view[1] - view[0]) / abs(view[3] - view[2]), rel=1e-3
    )
    assert where(now[:2], point[0], "linear") == pytest.approx(
        where(view[:2], point[0], "linear"), abs=1e-6
    )
    at_once = next_view(view, wheel(*point, 1e300))
    assert at_once == pytest.approx(now, rel=1e-3, abs=1e-3 * narrowest)


def test_zooming_in_on_log_axes_stops_at_1e_12_of_the_value():
    now = next_view((1, 1000, 1, 1000), wheel(10, 10, 1e300), xscale="log")
    assert (now[1] - now[0]) / now[1] == pytest.approx(1e-12, rel=1e-6)
    assert now[0] < 10 < now[1]


def test_zooming_out_stops_before_float64_runs_out():
    now = VIEW
    for _ in range(100):
        now = next_view(now, wheel(3.0, 1.0, 1e-10))
        valid(now, VIEW)
    assert max(abs(v) for v in now) <= 1e300
    logs = next_view((1, 10, 1, 10), wheel(2, 2, 1e-300), xscale="log", yscale="log")
    valid(logs, VIEW)
    assert min(logs) > 0


def test_panning_far_stays_finite_and_wide_enough():
    now = (0.0, 1e-10, 0.0, 1e-10)
    now = next_view(now, pan(-1e6, 1e307))
    valid(now, VIEW)
    assert abs(now[1] - now[0]) >= 1e-12 * 1e6
    far = next_view(VIEW, pan(1e308, -1e308))
    valid(far, VIEW)
    logs = next_view((1, 10, 1, 10), pan(1e6, -1e6), xscale="log", yscale="log")
    valid(logs, VIEW)
    assert min(logs) > 0


def test_a_brush_on_a_point_far_out_stays_finite():
    now = next_view((0, 1e300, 0, 1), brush([0, 1e300], [0, 1e-300]))
    valid(now, VIEW)


# -- what it refuses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "event", "options", "message"),
    [
        ((0, 1, 2), wheel(0, 0, 2), {}, "x0, x1, y0, y1"),
        ((0, 1, 2, math.nan), wheel(0, 0, 2), {}, "finite"),
        ((1, 1, 0, 1), wheel(0, 0, 2), {}, "zero width"),
        (None, wheel(0, 0, 2), {}, "view or HOME"),
        (VIEW, wheel(0, 0, 0), {}, "factor must be a positive number"),
        (VIEW, wheel(0, 0, math.inf), {}, "factor must be a positive number"),
        (VIEW, wheel(0, None, 2), {}, "y must be a number"),
        (VIEW, pan("1", 0), {}, "dx must be a number"),
        (VIEW, brush([1], None), {}, r"x must be \[low, high\]"),
        (VIEW, {"z": 1}, {}, "not an event next_view knows"),
        (VIEW, wheel(1, 1, 2), {"kind": "scroll"}, "kind='scroll'"),
        (VIEW, wheel(1, 1, 2), {"xscale": "symlog"}, "xscale='symlog'"),
        ((0, 10, 1, 2), wheel(1, 1, 2), {"xscale": "log"}, "log x axis"),
        ((1, 10, 1, 2), wheel(-1, 1, 2), {"xscale": "log"}, "log x axis"),
    ],
)
def test_what_is_no_view_or_no_event_is_refused(view, event, options, message):
    with pytest.raises(ValueError, match=message):
        next_view(view, event, **options)


@given(
    st.lists(st.floats(-1e12, 1e12), min_size=4, max_size=4),
    st.one_of(
        st.builds(
            wheel,
            st.floats(-1e15, 1e15),
            st.floats(-1e15, 1e15),
            st.floats(1e-30, 1e30),
        ),
        st.builds(pan, st.floats(-1e300, 1e300), st.floats(-1e300, 1e300)),
        st.builds(
            brush,
            st.lists(st.floats(-1e15, 1e15), min_size=2, max_size=2).map(sorted),
            st.lists(st.floats(-1e15, 1e15), min_size=2, max_size=2).map(sorted),
        ),
    ),
)
def test_no_event_ever_inverts_a_view_or_makes_it_zero_wide(view, event):
    assume(view[0] != view[1] and view[2] != view[3])
    valid(next_view(tuple(view), event), view)


# -- the wiring its docstring shows ----------------------------------------------


def test_the_docstrings_callback_gives_the_views_in_dash():
    from dash import Dash, Input, Output, State, ctx, dcc, html

    home = (-4.0, 4.0, -3.0, 3.0)
    app = Dash(__name__)
    app.layout = html.Div([dcc.Store(id="view"), html.Img(id="map")])

    @app.callback(
        Output("view", "data"),
        Input("map", "data-wheel"),
        Input("map", "data-pan"),
        Input("map", "data-dblclick"),
        State("view", "data"),
        prevent_initial_call=True,
    )
    def navigate(wheel, pan, dblclick, view):
        trigger = ctx.triggered[0]
        return next_view(view or home, trigger["value"], kind=trigger["prop_id"])

    client = app.server.test_client()
    client.get("/")

    def send(prop, value, view):
        props = ("data-wheel", "data-pan", "data-dblclick")
        body = {
            "output": "view.data",
            "outputs": {"id": "view", "property": "data"},
            "inputs": [
                {"id": "map", "property": p, "value": value if p == prop else None}
                for p in props
            ],
            "state": [{"id": "view", "property": "data", "value": view}],
            "changedPropIds": [f"map.{prop}"],
        }
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["response"]["view"]["data"]

    view = send("data-wheel", wheel(0.0, 0.0, 2.0), None)
    assert view == approx([-2, 2, -1.5, 1.5])
    view = send("data-pan", pan(1.0, 0.5), view)
    assert view == approx([-3, 1, -2, 1])
    double_click = {"x": 0.0, "y": 0.0, "axes": None, "n": 1}
    assert send("data-dblclick", double_click, view) is None
