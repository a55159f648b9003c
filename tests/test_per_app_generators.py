"""Each app draws with the function bound to it.

A factory may bind a different function (a closure over the tenant's data)
to each app under one name, with a module-level ``DynamicImages``:
``image_callback(dash_app, ...)``, ``images.callback`` and
``images.generator`` alike. Every app's pictures are drawn by its own
function, whatever the order in which apps are made, served and collected;
never by "the newest function with this guid".
"""

from __future__ import annotations

import dataclasses
import gc
import io
import typing as t
import weakref

import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from flask_dash_images import DynamicImages, RegistrationError, image_callback

COLOURS = ("red", "green", "blue", "yellow", "purple", "orange")
STYLES = ("one-liner", "one-liner-unnamed", "shared", "generator")


def layout() -> html.Div:
    return html.Div([dcc.Input(id="x", value=1), html.Img(id="pic")])


def colour_of(response: t.Any) -> tuple[int, ...]:
    assert response.status_code == 200, response.get_data(as_text=True)
    image = Image.open(io.BytesIO(response.data)).convert("RGB")
    return t.cast(tuple[int, ...], image.getpixel((0, 0)))


def rgb(name: str) -> tuple[int, ...]:
    return t.cast(tuple[int, ...], Image.new("RGB", (1, 1), name).getpixel((0, 0)))


@dataclasses.dataclass(eq=False)
class Tenant:
    """One app the factory made, and how its picture is reached."""

    colour: str
    style: str
    server: weakref.ref[Flask]
    url: str
    keep: list[t.Any]  # what keeps the app alive until it is collected


def create_app(images: DynamicImages, colour: str, style: str) -> Tenant:
    """The factory: one app per tenant, its picture drawn in its colour."""
    server = Flask(__name__)
    server.config["TESTING"] = True
    images.init_app(server)

    def tile(x: int = 1) -> Image.Image:
        return Image.new("RGB", (2, 2), colour)

    if style == "generator":

        @images.generator(name="tenant")
        def badge(x: int = 1) -> Image.Image:
            return tile(x)

        return Tenant(
            colour,
            style,
            weakref.ref(server),
            "/image_generator/tenant.png?x=1",
            [server],
        )
    dash_app = Dash(__name__, server=server, url_base_pathname="/t/")
    dash_app.layout = layout()
    dependencies = (Output("pic", "src"), Input("x", "value"))
    if style == "one-liner":
        image_callback(dash_app, *dependencies, name="tenant")(tile)
        url = "/t/image_generator/tenant.png?x=1"
    elif style == "one-liner-unnamed":

        def draw(x: int) -> Image.Image:
            return tile(x)

        image_callback(dash_app, *dependencies)(draw)
        (record,) = [r for r in images.dash_callbacks if r.target() is dash_app]
        url = f"/t/image_generator/{record.spec.guid}.png?x=1"
    else:
        images.callback(*dependencies, name="tenant")(tile)
        url = "/t/image_generator/tenant.png?x=1"
    return Tenant(colour, style, weakref.ref(server), url, [server, dash_app])


def serve(tenant: Tenant) -> tuple[int, ...]:
    server = tenant.server()
    assert server is not None
    return colour_of(server.test_client().get(tenant.url))


@pytest.mark.parametrize("style", STYLES)
def test_each_tenant_of_a_factory_draws_in_its_own_colour(style):
    images = DynamicImages()
    red = create_app(images, "red", style)
    blue = create_app(images, "blue", style)
    assert serve(red) == rgb("red")
    assert serve(blue) == rgb("blue")
    # A third one made after the first two served changes neither.
    green = create_app(images, "green", style)
    assert serve(green) == rgb("green")
    assert serve(red) == rgb("red")
    assert serve(blue) == rgb("blue")


@pytest.mark.parametrize("style", STYLES)
def test_a_tenant_made_after_another_served_draws_in_its_own_colour(style):
    images = DynamicImages()
    red = create_app(images, "red", style)
    assert serve(red) == rgb("red")
    blue = create_app(images, "blue", style)
    assert serve(blue) == rgb("blue")
    assert serve(red) == rgb("red")


@pytest.mark.parametrize("style", STYLES)
def test_tenants_keep_their_colours_after_another_is_collected(style):
    images = DynamicImages()
    red = create_app(images, "red", style)
    blue = create_app(images, "blue", style)
    red.keep.clear()
    gc.collect()
    assert red.server() is None
    green = create_app(images, "green", style)
    assert serve(blue) == rgb("blue")
    assert serve(green) == rgb("green")


def test_the_same_name_for_other_code_is_still_a_clash():
    images = DynamicImages()
    create_app(images, "red", "generator")

    with pytest.raises(RegistrationError, match="already has the id 'tenant'"):

        @images.generator(name="tenant")
        def other(x: int = 1) -> Image.Image:
            return Image.new("RGB", (2, 2), "black")


def test_url_for_by_function_finds_the_current_apps_own():
    images = DynamicImages()
    functions = {}
    servers = {}
    for colour in ("red", "blue"):
        server = Flask(__name__)
        server.config["SECRET_KEY"] = "k"
        images.init_app(server)

        def badge(text: str = "", _colour: str = colour) -> Image.Image:
            return Image.new("RGB", (2, 2), _colour)

        images.generator(name="badge")(badge)
        functions[colour] = badge
        servers[colour] = server
    for colour, server in servers.items():
        with server.test_request_context():
            url = images.url_for(functions[colour], text="hi")
        assert colour_of(server.test_client().get(url)) == rgb(colour)


# -- any order -------------------------------------------------------------


class World:
    def __init__(self, style: str) -> None:
        self.images = DynamicImages()
        self.style = style
        self.tenants: list[Tenant] = []
        self.colours = iter(COLOURS)

    def make(self, _: int) -> None:
        colour = next(self.colours, None)
        if colour is not None:
            self.tenants.append(create_app(self.images, colour, self.style))

    def serve(self, i: int) -> None:
        alive = [x for x in self.tenants if x.keep]
        if alive:
            tenant = alive[i % len(alive)]
            assert serve(tenant) == rgb(tenant.colour), tenant

    def collect(self, i: int) -> None:
        alive = [x for x in self.tenants if x.keep]
        if alive:
            alive[i % len(alive)].keep.clear()
            gc.collect()


@settings(deadline=None, max_examples=25)
@given(
    style=st.sampled_from(STYLES),
    plan=st.lists(
        st.tuples(
            st.sampled_from(["make", "make", "serve", "collect"]), st.integers(0, 5)
        ),
        max_size=10,
    ),
)
def test_every_app_draws_with_its_own_function_in_any_order(style, plan):
    world = World(style)
    for name, argument in plan:
        getattr(world, name)(argument)
    for tenant in world.tenants:
        if tenant.keep:
            assert serve(tenant) == rgb(tenant.colour), tenant
