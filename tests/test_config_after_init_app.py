"""Configuration set after ``init_app`` (an app factory that sets the
extension up first, then loads its settings) takes effect: it is read again
at the app's first request, before anything is served."""

from __future__ import annotations

import io
import logging
import os

import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask
from PIL import Image

from flask_dash_images import (
    ConfigurationError,
    DynamicImages,
    RegistrationError,
    image_callback,
)
from flask_dash_images.dash.clientside import NEXT

from .apps import render_jobs


def layout():
    return html.Div([dcc.Input(id="n", value=2), html.Img(id="img")])


def square(n):
    return Image.new("L", (n, n), 100)


@pytest.fixture
def server():
    server = Flask(__name__)
    server.config["TESTING"] = True
    return server


def test_render_processes_set_after_init_app_draw_in_worker_processes(server, caplog):
    images = DynamicImages(server)
    images.generator(name="pid_picture")(render_jobs.pid_picture)
    server.config["DASH_IMAGES_RENDER_PROCESSES"] = 1
    client = server.test_client()
    with caplog.at_level(logging.INFO, logger=server.logger.name):
        response = client.get("/image_generator/pid_picture.png?n=1")
    state = server.extensions["dash_images"]
    try:
        assert response.status_code == 200
        # The picture's width is the pid of the process that drew it.
        width = Image.open(io.BytesIO(response.data)).width
        assert width != os.getpid() % 4000 + 1
        assert state.processes == 1
    finally:
        state.service.runner.close()
    assert "DASH_IMAGES_RENDER_PROCESSES changed after init_app" in caplog.text


def test_a_pixel_limit_set_after_init_app_holds(server):
    images = DynamicImages(server)
    images.generator(name="square")(square)
    server.config["DASH_IMAGES_MAX_PIXELS"] = 10 * 10
    client = server.test_client()
    assert client.get("/image_generator/square.png?n=10").status_code == 200
    assert client.get("/image_generator/square.png?n=11").status_code == 500


def test_signing_set_after_init_app_builds_dash_urls_on_the_server(server):
    images = DynamicImages(server)
    dash_app = Dash(__name__, server=server)
    dash_app.layout = layout()
    images.callback(Output("img", "src"), Input("n", "value"), name="sq")(square)
    server.config.update(SECRET_KEY="k", DASH_IMAGES_SIGN=True)
    client = server.test_client()
    outputs = {d["output"] for d in client.get("/_dash-dependencies").get_json()}
    assert outputs == {"img.src", f"img.{NEXT}"}
    assert client.get("/image_generator/sq.png?n=2").status_code == 403


def test_a_clientside_callback_is_refused_where_signing_was_set_after_init_app(
    server,
):
    images = DynamicImages(server)
    dash_app = Dash(__name__, server=server)
    dash_app.layout = layout()
    images.callback(Output("img", "src"), Input("n", "value"), clientside=True)(square)
    server.config.update(SECRET_KEY="k", DASH_IMAGES_SIGN=True)
    with pytest.raises(ConfigurationError, match="clientside=True builds its URLs"):
        server.test_client().get("/_dash-dependencies")


def drawn_by_a_closure():
    def drawn(n):
        return square(n)

    return drawn


@pytest.mark.parametrize(
    "own", [True, False], ids=["image_callback", "images.callback"]
)
def test_a_closure_is_refused_where_render_processes_were_set_after_init_app(
    server, own
):
    # Worker processes cannot get a closure: said at the first request,
    # as it would have been at decoration, not as a 500 for each picture.
    images = DynamicImages(server)
    dash_app = Dash(__name__, server=server)
    dash_app.layout = layout()
    dependencies = (Output("img", "src"), Input("n", "value"))
    if own:
        image_callback(dash_app, *dependencies, name="sq")(drawn_by_a_closure())
    else:
        images.callback(*dependencies, name="sq")(drawn_by_a_closure())
    server.config["DASH_IMAGES_RENDER_PROCESSES"] = 1
    try:
        with pytest.raises(RegistrationError, match="cannot get this generator"):
            server.test_client().get("/_dash-dependencies")
    finally:
        server.extensions["dash_images"].service.runner.close()


def test_a_wrong_value_set_after_init_app_fails_the_first_request(server):
    DynamicImages(server)
    server.config["DASH_IMAGES_RENDER_WAIT"] = "soon"
    with pytest.raises(ConfigurationError, match="DASH_IMAGES_RENDER_WAIT"):
        server.test_client().get("/image_generator/x.png")


def test_config_from_environment_variables(server, monkeypatch):
    # Flask's own reader: FLASK_<KEY>, values parsed as JSON.
    monkeypatch.setenv("FLASK_DASH_IMAGES_MAX_RENDERS", "3")
    monkeypatch.setenv("FLASK_DASH_IMAGES_VERSION", '"v7"')
    images = DynamicImages(server)
    server.config.from_prefixed_env()
    images.generator(name="square")(square)
    server.test_client().get("/")
    state = server.extensions["dash_images"]
    assert state.service.slots.size == 3
    with server.test_request_context():
        assert images.url_for("square", n=2).endswith("n=2&_v=v7")


def test_unchanged_config_is_read_once(server, caplog):
    DynamicImages(server)
    state = server.extensions["dash_images"]
    service = state.service
    with caplog.at_level(logging.INFO, logger=server.logger.name):
        server.test_client().get("/")
    assert state.service is service
    assert "changed after init_app" not in caplog.text
