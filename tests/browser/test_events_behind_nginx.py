"""A click on a 10 x 10 grid of subplots, through nginx with its default
proxy buffers, names the right row, column and data (the picture's map is
too large for a header: the page asks for it at the map URL)."""

from __future__ import annotations

import json

import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..apps.events_app import grid_figure
from ..servers import ServerGroup
from .helpers import wait_for_image

pytest_plugins = ["tests.servers", "tests.nginx"]
pytestmark = [pytest.mark.browser, pytest.mark.servers, pytest.mark.nginx]


@pytest.fixture(scope="module")
def upstream(tmp_path_factory, nginx_executable):
    with ServerGroup(tmp_path_factory.mktemp("events")) as group:
        yield group.gunicorn(
            "tests.apps.events_app:server", workers=1, worker_class="gthread", threads=4
        )


def test_clicks_behind_nginx_name_their_subplot_and_data(
    upstream, nginx_server, context
):
    nginx = nginx_server(upstream)
    page = context.new_page()
    page.goto(nginx.url + "/")
    wait_for_image(page, "#grid")
    fig = grid_figure(100)
    FigureCanvasAgg(fig).draw()
    box = page.locator("#grid").bounding_box()
    for row, col in [(3, 7), (9, 0), (0, 9)]:
        index = row * 10 + col
        x, y = index + 0.25, 10 * (index + 1) * 0.6
        px, py = fig.axes[index].transData.transform((x, y))
        click = round(px), round(fig.bbox.height - py)
        page.mouse.click(box["x"] + click[0], box["y"] + click[1])
        page.wait_for_function(
            "(i) => document.querySelector('#clicked').textContent"
            ".includes('\"axes\": ' + i + ',')",
            arg=index,
        )
        found = json.loads(page.inner_text("#clicked"))
        # matplotlib's own event at that pixel.
        event = MouseEvent("button_press_event", fig.canvas, click[0], 600 - click[1])
        assert (found["axes"], found["row"], found["col"]) == (index, row, col)
        assert fig.axes.index(event.inaxes) == index
        assert found["x"] == pytest.approx(event.xdata, rel=1e-9)
        assert found["y"] == pytest.approx(event.ydata, rel=1e-9)
