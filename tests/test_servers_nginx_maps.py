"""Pictures with any number of axes pass nginx with its default proxy
buffers, and their maps reach the page: the picture's response headers stay
small whatever the figure (nginx answers 502 "upstream sent too big header"
past its 4 KB proxy_buffer_size), and a larger map comes at the map URL.

(gunicorn gthread behind Debian's nginx, the README's proxy settings, no
buffer settings: nginx's defaults. A click behind nginx in Chromium:
tests/browser/test_events_behind_nginx.py.)
"""

from __future__ import annotations

import json

import pytest

from flask_dash_images.core import coordinates, render

from .apps.events_app import grid_figure
from .http_load import HttpClient
from .servers import ServerGroup

pytest_plugins = ["tests.servers", "tests.nginx"]
pytestmark = [pytest.mark.servers, pytest.mark.nginx]

APP = "tests.apps.events_app:server"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory, nginx_executable):
    with ServerGroup(tmp_path_factory.mktemp("events")) as group:
        yield group.gunicorn(APP, workers=1, worker_class="gthread", threads=4)


def get(server, url, headers=None):
    with HttpClient(server.url, timeout=60) as client:
        return client.get(url, headers=headers)


@pytest.mark.parametrize("axes", [1, 100, 400])
def test_a_picture_with_any_number_of_axes_passes_nginx(upstream, nginx_server, axes):
    nginx = nginx_server(upstream)
    picture = get(nginx, f"/image_generator/grid.png?axes={axes}")
    assert picture.status_code == 200, nginx.log()
    assert sum(len(k) + len(v) + 4 for k, v in picture.headers.items()) < 2048
    said = picture.headers["X-Dash-Images-Map"]
    if axes == 1:  # small: the map itself
        expected = coordinates.encode_with_map(
            grid_figure(axes), render.FORMATS["png"], {}
        )[1]
        assert said == expected
        return
    found = get(nginx, f"/image_generator/grid.map?axes={axes}&_map={said}")
    assert found.status_code == 200, nginx.log()
    assert coordinates.map_id(found.data.decode()) == said
    assert len(json.loads(found.data)["axes"]) == axes
    assert 'hit;desc="server cache"' in found.headers["Server-Timing"]
