"""How a picture's coordinate map reaches the page, whatever its size.

A small map travels in the picture's own response (``X-Dash-Images-Map``);
a larger one is only named there (its id), and the page asks for it at the
map URL: the picture's URL with ``.map`` for its extension, the same query
(signature included), guarded, signed and cached as the picture, and
``&_map=<id>`` after it: the map the page saw. It gets that very map, or a
404 and no event (in the URL, not a header: a caching nginx drops If-Match
on its way to the app, and keys its cache by URL). Every response's headers
stay small whatever the figure. The map's
id also travels in ``Server-Timing`` (the page reads it from the browser's
resource timing when it cannot read the response back: ``format="auto"``,
whose response varies on Accept), with the map itself when it is small.
"""

from __future__ import annotations

import itertools
import re

import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask
from flask_caching import Cache
from matplotlib.figure import Figure

from flask_dash_images import DynamicImages, image_failed
from flask_dash_images.core import coordinates, render

HEADER = "X-Dash-Images-Map"
PICTURE = "/image_generator/g.png?n=1"
MAP = "/image_generator/g.map?n=1"
WEBP = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def grid(n, rows=None, size=(4, 3)):
    """A figure of n axes (rows x n/rows), each with its own limits."""
    rows = rows or 1
    fig = Figure(figsize=size, dpi=60)
    for i, ax in enumerate(fig.subplots(rows, n // rows, squeeze=False).flat):
        ax.set_xlim(i, i + 1)
    return fig


class Served:
    """A Dash app whose picture ``g`` (an Input ``n``) reports clicks."""

    def __init__(self, draw, *, cache=False, sign=False, **options):
        self.calls = []
        images = DynamicImages(
            cache=Cache(config={"CACHE_TYPE": "SimpleCache"}) if cache else None
        )
        server = Flask(__name__)
        server.config["TESTING"] = True
        if sign:
            server.config.update(SECRET_KEY="secret", DASH_IMAGES_SIGN=True)
        images.init_app(server)
        Dash(__name__, server=server).layout = html.Div(
            [dcc.Input(id="n", value=1), html.Img(id="img")]
        )

        def drawn(n):
            self.calls.append(n)
            return draw(n)

        images.callback(
            Output("img", "src"),
            Input("n", "value"),
            events=("click",),
            name="g",
            **options,
        )(drawn)
        self.images = images
        self.client = server.test_client()
        self.client.get("/")  # the Dash app sets up

    def get(self, url, **headers):
        return self.client.get(url, headers=headers)


def header_bytes(response):
    return sum(len(k) + len(v) + 4 for k, v in response.headers.items())


def timing_map(response):
    """What the picture's Server-Timing says of its map."""
    match = re.search(
        r'map;desc="((?:[^"\\]|\\.)*)"', response.headers["Server-Timing"]
    )
    return re.sub(r"\\(.)", r"\1", match.group(1))


def map_of(fig, fmt="png"):
    return coordinates.encode_with_map(fig, render.FORMATS[fmt], {})[1]


# -- in the header, or named there ---------------------------------------------


def test_a_small_map_travels_in_the_pictures_own_response():
    served = Served(lambda n: grid(1))
    response = served.get(PICTURE)
    assert response.headers[HEADER] == map_of(grid(1))
    assert len(response.headers[HEADER]) <= coordinates.HEADER_LIMIT
    assert timing_map(response) == coordinates.map_id(response.headers[HEADER])


def test_a_larger_map_is_named_there_and_served_at_the_map_url():
    served = Served(lambda n: grid(8, rows=2))
    picture = served.get(PICTURE)
    expected = map_of(grid(8, rows=2))
    assert len(expected) > coordinates.HEADER_LIMIT
    named = picture.headers[HEADER]
    assert named == coordinates.map_id(expected) == timing_map(picture)
    found = served.get(f"{MAP}&_map={named}")
    assert found.status_code == 200
    assert found.mimetype == "application/json"
    assert found.get_data(as_text=True) == expected
    assert found.headers["ETag"] == f'"{named}"'
    assert found.headers["Cache-Control"] == picture.headers["Cache-Control"]


@pytest.mark.parametrize("axes", [1, 8, 40])
def test_a_pictures_headers_stay_small_whatever_the_figure(axes):
    served = Served(lambda n: grid(axes, rows=4 if axes > 4 else 1, size=(8, 6)))
    response = served.get(PICTURE)
    assert response.status_code == 200
    assert header_bytes(response) < 2048  # nginx's default buffer: 4 KB


# -- a map request -------------------------------------------------------------


def test_a_deterministic_pictures_map_request_is_a_server_cache_hit():
    served = Served(lambda n: grid(8, rows=2), cache=True, deterministic=True)
    served.get(PICTURE)
    found = served.get(MAP)  # no map named: the URL decides
    assert found.status_code == 200
    assert 'hit;desc="server cache"' in found.headers["Server-Timing"]
    again = served.get(MAP, **{"If-None-Match": found.headers["ETag"]})
    assert again.status_code == 304
    assert served.calls == [1]


def test_without_a_server_cache_a_map_request_draws_but_never_encodes(monkeypatch):
    served = Served(lambda n: grid(8, rows=2), deterministic=True)
    served.get(PICTURE)
    expected = map_of(grid(8, rows=2))

    def refuse(*args, **kwargs):
        raise AssertionError("a map request encoded the picture")

    monkeypatch.setattr(render, "encode", refuse)
    found = served.get(MAP)
    assert found.get_data(as_text=True) == expected
    assert served.calls == [1, 1]


DRAWN = itertools.count()


def changing(n):
    """A figure whose limits change at every call: never the same twice."""
    fig = grid(8, rows=2)
    fig.axes[0].set_ylim(0, next(DRAWN) + 1)
    return fig


def test_a_non_deterministic_picture_gets_the_map_it_was_drawn_with():
    served = Served(changing, cache=True)
    named = served.get(PICTURE).headers[HEADER]
    found = served.get(f"{MAP}&_map={named}")
    assert found.status_code == 200
    assert coordinates.map_id(found.get_data(as_text=True)) == named
    assert len(served.calls) == 1  # from the server cache


def test_a_map_that_is_not_the_one_named_is_refused():
    # No server cache: the map is drawn again, and it is another.
    served = Served(changing)
    named = served.get(PICTURE).headers[HEADER]
    assert served.get(f"{MAP}&_map={named}").status_code == 404
    assert served.get(f"{MAP}&_map=0123456789abcdef0123").status_code == 404
    # Without a name, nobody can say which map a non-deterministic picture had.
    assert served.get(MAP).status_code == 400


def test_the_same_map_drawn_again_is_served():
    served = Served(lambda n: grid(8, rows=2))  # deterministic, though not said
    named = served.get(PICTURE).headers[HEADER]
    assert served.get(f"{MAP}&_map={named}").status_code == 200
    assert served.calls == [1, 1]


def test_a_named_map_the_page_has_is_revalidated_without_a_drawing():
    # A non-deterministic picture's map, kept by the browser: the id in the
    # URL is its ETag, so the page's revalidation needs no render.
    served = Served(changing)
    named = served.get(PICTURE).headers[HEADER]
    again = served.get(f"{MAP}&_map={named}", **{"If-None-Match": f'"{named}"'})
    assert again.status_code == 304
    assert again.headers["ETag"] == f'"{named}"'
    assert len(served.calls) == 1


def test_a_map_request_that_fails_is_signalled_as_a_picture_is():
    failures = []

    def failed(sender, **extra):
        failures.append(extra)

    def broken(n):
        if served.calls[1:]:
            raise ValueError("no map today")
        return grid(8, rows=2)

    served = Served(broken)
    named = served.get(PICTURE).headers[HEADER]
    image_failed.connect(failed)
    try:
        assert served.get(f"{MAP}&_map={named}").status_code == 500
    finally:
        image_failed.disconnect(failed)
    ((extra),) = failures
    assert extra["name"] == "g" and extra["format"] == "map"
    assert str(extra["exception"]) == "no map today"


def test_a_map_request_is_guarded_as_the_picture_is():
    served = Served(lambda n: grid(1), sign=True)
    with served.client.application.app_context():
        url = served.images.url_for("g", n=1)
    assert "_sig=" in url
    picture = served.get(url)
    assert picture.status_code == 200
    named = coordinates.map_id(picture.headers[HEADER])
    map_url = url.replace("/g.png?", "/g.map?")
    assert served.get(f"{map_url}&_map={named}").status_code == 200
    assert served.get(f"{map_url}&_map=0{named[1:]}").status_code == 404
    assert served.get(map_url.replace("n=1", "n=2")).status_code == 403
    assert served.get(MAP).status_code == 403  # unsigned
    assert served.get("/image_generator/nothing.map?n=1").status_code == 404


def test_a_picture_without_events_has_no_map_url():
    images = DynamicImages()
    server = Flask(__name__)
    images.init_app(server)
    Dash(__name__, server=server).layout = html.Div(
        [dcc.Input(id="n", value=1), html.Img(id="img")]
    )
    images.callback(Output("img", "src"), Input("n", "value"), name="g")(
        lambda n: grid(1)
    )
    client = server.test_client()
    client.get("/")
    assert client.get(PICTURE).status_code == 200
    assert client.get(MAP).status_code == 404


# -- format="auto": one render, the map of the picture shown --------------------


def test_an_auto_pictures_small_map_travels_in_its_server_timing():
    served = Served(lambda n: grid(1), format="auto")
    response = served.get("/image_generator/g.auto?n=1", Accept=WEBP)
    assert response.mimetype == "image/webp"
    assert timing_map(response) == map_of(grid(1))
    assert served.calls == [1]


def test_an_auto_pictures_map_request_is_a_cache_hit_in_any_format():
    served = Served(lambda n: grid(8, rows=2), format="auto", cache=True)
    response = served.get("/image_generator/g.auto?n=1", Accept=WEBP)
    named = timing_map(response)
    found = served.get(f"/image_generator/g.map?n=1&_map={named}")
    assert found.status_code == 200
    assert found.get_data(as_text=True) == map_of(grid(8, rows=2))
    assert served.calls == [1]


def eight_axes(n):
    return grid(8, rows=2)


def test_a_map_request_is_drawn_in_a_worker_process_too(dash_factory, images):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", value=1), html.Img(id="img")]),
        config={"DASH_IMAGES_RENDER_PROCESSES": 1},
    )
    images.callback(
        Output("img", "src"), Input("n", "value"), events=("click",), name="g"
    )(eight_axes)
    try:
        client = dash_app.server.test_client()
        named = client.get(PICTURE).headers[HEADER]
        found = client.get(f"{MAP}&_map={named}")
        assert found.status_code == 200
        assert coordinates.map_id(found.get_data(as_text=True)) == named
        assert "draw;dur=" in found.headers["Server-Timing"]
    finally:
        dash_app.server.extensions["dash_images"].service.runner.close()
