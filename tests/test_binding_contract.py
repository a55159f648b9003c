"""Which Dash apps get which image callbacks, whatever the order of set-up.

The property test generates sequences of set-up steps (Flask servers, signing
or not; ``init_app``; Dash apps at prefixes, made on a server or with
``server=False`` and attached later; ``images.callback`` and
``image_callback``; the app factory; unrelated Dash apps; a FastAPI Dash app),
keeps a model of which Dash app should have which picture, then checks what a
browser sees on every server: each Dash app's ``_dash-dependencies``, and
every picture under every prefix (200, 403 unsigned, or 404).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import typing as t

import pytest
from dash import Dash, Input, Output, dcc, html
from flask import Flask, request
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from flask_dash_images import DynamicImages, RegistrationError, image_callback
from flask_dash_images.dash.clientside import NEXT

from .dash_browser import post_update

HAS_FASTAPI = (
    importlib.util.find_spec("dash.backends") is not None
    and importlib.util.find_spec("fastapi") is not None
)
PREFIXES = ("/", "/a/", "/b/")
#: A server's configuration: signing Dash URLs, a key only, nothing.
CONFIGS: tuple[dict[str, t.Any], ...] = (
    {"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True},
    {"SECRET_KEY": "k"},
    {},
)
MAX_CALLBACKS = 6


def draw(n: int) -> Image.Image:
    return Image.new("L", (n, n), 90)


def layout() -> html.Div:
    images = [html.Img(id=f"img{k}") for k in range(MAX_CALLBACKS + 1)]
    return html.Div([dcc.Input(id="n", value=3), *images])


def dash_app_at(prefix: str, **options: t.Any) -> Dash:
    dash_app = Dash(__name__, url_base_pathname=prefix, **options)
    dash_app.layout = layout()
    return dash_app


def picture_url(prefix: str, k: int) -> str:
    return f"{prefix}image_generator/g{k}.png?n=3"


def update_body(k: int) -> dict[str, t.Any]:
    """What dash-renderer posts to run the callback of ``img<k>.src``."""
    return {
        "output": f"img{k}.src",
        "outputs": {"id": f"img{k}", "property": "src"},
        "inputs": [{"id": "n", "property": "value", "value": 3}],
        "changedPropIds": ["n.value"],
        "state": [],
    }


def assert_picture(response: t.Any) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (3, 3)


# -- the model -------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class Server:
    flask: Flask
    signs: bool
    #: The DynamicImages set up on it (``images``, or one image_callback made).
    instance: DynamicImages | None = None


@dataclasses.dataclass(eq=False)
class DashApp:
    app: Dash
    prefix: str
    #: None: made with ``server=False`` and not attached yet.
    server: Server | None
    #: The callbacks registered for it alone (image_callback).
    own: list[int] = dataclasses.field(default_factory=list)


class World:
    """What the steps made, and what each Dash app should have."""

    def __init__(self) -> None:
        self.images = DynamicImages()
        self.servers: list[Server] = []
        self.dash_apps: list[DashApp] = []
        self.shared: list[int] = []  # images.callback's
        self.callbacks = 0
        self.fastapi_apps: list[Dash] = []

    # -- steps ---------------------------------------------------------------

    def new_server(self, config: int) -> Server:
        flask_app = Flask(__name__)
        flask_app.config.update(TESTING=True, **CONFIGS[config])
        server = Server(flask_app, signs=config == 0)
        self.servers.append(server)
        return server

    def init_app(self, i: int) -> None:
        server = self.pick(self.servers, i)
        if server is None or server.instance is not None:
            return
        self.images.init_app(server.flask)
        server.instance = self.images

    def new_dash(self, i: int, p: int) -> None:
        server = self.pick(self.servers, i)
        prefix = PREFIXES[p]
        if server is None or not self.free(server, prefix):
            return
        dash_app = dash_app_at(prefix, server=server.flask)
        self.dash_apps.append(DashApp(dash_app, prefix, server))

    def detached_dash(self, p: int) -> None:
        prefix = PREFIXES[p]
        self.dash_apps.append(DashApp(dash_app_at(prefix, server=False), prefix, None))

    def attach(self, i: int, j: int) -> None:
        detached = self.pick([d for d in self.dash_apps if d.server is None], i)
        server = self.pick(self.servers, j)
        if detached is None or server is None or not self.free(server, detached.prefix):
            return
        detached.app.init_app(server.flask)
        detached.server = server

    def decorate_shared(self) -> None:
        k = self.next_callback()
        if k is None:
            return
        self.images.callback(
            Output(f"img{k}", "src"), Input("n", "value"), name=f"g{k}"
        )(draw)
        self.shared.append(k)

    def decorate_own(self, i: int) -> None:
        # Only Dash apps on a Flask server (image_callback uses dash_app.server).
        dash_app = self.pick([d for d in self.dash_apps if d.server is not None], i)
        if dash_app is None or (k := self.next_callback()) is None:
            return
        server = t.cast(Server, dash_app.server)
        image_callback(
            dash_app.app, Output(f"img{k}", "src"), Input("n", "value"), name=f"g{k}"
        )(draw)
        dash_app.own.append(k)
        if server.instance is None:
            # A server without one gets its own, not images.
            server.instance = DynamicImages.of(dash_app.app)
            assert server.instance is not self.images
        assert DynamicImages.of(dash_app.app) is server.instance

    def factory(self, p: int, config: int) -> None:
        """The app factory, called once more: a server set up with images
        and one Dash app on it."""
        server = self.new_server(config)
        self.images.init_app(server.flask)
        server.instance = self.images
        dash_app = dash_app_at(PREFIXES[p], server=server.flask)
        self.dash_apps.append(DashApp(dash_app, PREFIXES[p], server))

    def unrelated(self, p: int) -> None:
        """A Dash app on its own server (Dash makes it), never set up."""
        dash_app = dash_app_at(PREFIXES[p])
        server = Server(dash_app.server, signs=False)
        self.servers.append(server)
        self.dash_apps.append(DashApp(dash_app, PREFIXES[p], server))

    def fastapi(self) -> None:
        if HAS_FASTAPI:
            self.fastapi_apps.append(dash_app_at("/", backend="fastapi"))

    # -- helpers ---------------------------------------------------------------

    @staticmethod
    def pick(items: list[t.Any], i: int) -> t.Any:
        return items[i % len(items)] if items else None

    def free(self, server: Server, prefix: str) -> bool:
        return all(d.prefix != prefix for d in self.on(server))

    def on(self, server: Server) -> list[DashApp]:
        return [d for d in self.dash_apps if d.server is server]

    def next_callback(self) -> int | None:
        if self.callbacks == MAX_CALLBACKS:
            return None
        self.callbacks += 1
        return self.callbacks - 1

    def expected(self, dash_app: DashApp) -> set[int]:
        server = t.cast(Server, dash_app.server)
        shared = self.shared if server.instance is self.images else []
        return {*shared, *dash_app.own}

    # -- checks ----------------------------------------------------------------

    def check(self, warm_up: bool) -> None:
        for server in self.servers:
            self.check_server(server, warm_up)
        for fastapi_app in self.fastapi_apps:
            assert fastapi_app.callback_map == {}

    def check_server(self, server: Server, warm_up: bool) -> None:
        client = server.flask.test_client()
        if warm_up:
            # Any first request binds (here one that serves nothing).
            client.get("/no/such/page/")
        dash_apps = self.on(server)
        has = {d.prefix: self.expected(d) for d in dash_apps}
        for dash_app in dash_apps:
            response = client.get(f"{dash_app.prefix}_dash-dependencies")
            assert response.status_code == 200
            dependencies = response.get_json()
            # Every image's src is set in the browser: by the URL function,
            # or, where the server signs its URLs, by the relay of what the
            # server wrote on the image's NEXT.
            mine = sorted(has[dash_app.prefix])
            sets = {d["output"]: d["clientside_function"] for d in dependencies}
            expected = [f"img{k}.src" for k in mine]
            if server.signs:
                expected += [f"img{k}.{NEXT}" for k in mine]
            assert sorted(sets) == sorted(expected), dash_app.prefix
            for output, function in sets.items():
                assert (function is None) == output.endswith(NEXT), output
        for prefix in sorted({"/", *has}):
            for k in range(self.callbacks):
                response = client.get(picture_url(prefix, k))
                if k not in has.get(prefix, ()):
                    assert response.status_code == 404, (prefix, k)
                elif server.signs:
                    assert response.status_code == 403, (prefix, k)
                else:
                    assert_picture(response)
        if server.signs:
            for dash_app in dash_apps:
                for k in has[dash_app.prefix]:
                    self.check_signed(client, dash_app, k)

    @staticmethod
    def check_signed(client: t.Any, dash_app: DashApp, k: int) -> None:
        response = post_update(
            client, f"{dash_app.prefix}_dash-update-component", update_body(k)
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        url = response.get_json()["response"][f"img{k}"]["src"]
        root = dash_app.app.config.requests_pathname_prefix
        assert url.startswith(f"{root}image_generator/g{k}.png?")
        assert_picture(client.get(url))

    def check_late_decoration(self) -> None:
        """After the servers served, image callbacks come too late for the
        Dash apps that set up without them."""
        late = any(s.instance is self.images and self.on(s) for s in self.servers)
        k = MAX_CALLBACKS
        decorate = self.images.callback(
            Output(f"img{k}", "src"), Input("n", "value"), name=f"g{k}"
        )
        if late:
            with pytest.raises(RegistrationError, match="served requests already"):
                decorate(draw)
        else:
            decorate(draw)
        for dash_app in self.dash_apps:
            server = dash_app.server
            if server is not None and server.instance is not None:
                with pytest.raises(RegistrationError):
                    image_callback(
                        dash_app.app, Output("img0", "src"), Input("n", "value")
                    )(draw)


def steps() -> st.SearchStrategy[tuple[t.Any, ...]]:
    index = st.integers(0, 5)
    prefix = st.integers(0, len(PREFIXES) - 1)
    config = st.integers(0, len(CONFIGS) - 1)
    binding = [
        st.tuples(st.just("decorate_shared")),
        st.tuples(st.just("decorate_own"), index),
        st.tuples(st.just("factory"), prefix, config),
    ]
    return st.one_of(
        # Listed twice, so twice as likely: the steps that bind callbacks.
        *binding,
        st.tuples(st.just("new_server"), config),
        st.tuples(st.just("init_app"), index),
        st.tuples(st.just("new_dash"), index, prefix),
        st.tuples(st.just("detached_dash"), prefix),
        st.tuples(st.just("attach"), index, index),
        st.tuples(st.just("decorate_shared")),
        st.tuples(st.just("decorate_own"), index),
        st.tuples(st.just("factory"), prefix, config),
        st.tuples(st.just("unrelated"), prefix),
        st.tuples(st.just("fastapi")),
    )


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plan=st.lists(steps(), max_size=14), warm_up=st.booleans())
def test_each_dash_app_gets_exactly_its_image_callbacks(plan, warm_up):
    world = World()
    for name, *args in plan:
        getattr(world, name)(*args)
    world.check(warm_up)
    world.check_late_decoration()
    # What was covered (pytest --hypothesis-show-statistics).
    for server in world.servers:
        bound = sum(len(world.expected(d)) for d in world.on(server))
        kind = "signing" if server.signs else "unsigned"
        event(f"{kind} server with {'no' if not bound else 'some'} image callbacks")
    count = len(world.dash_apps)
    event(f"Dash apps: {count if count < 3 else '3 or more'}")


# -- named cases -----------------------------------------------------------


def test_a_picture_of_the_guarded_dash_app_is_not_served_by_the_public_one():
    images = DynamicImages()
    server = Flask(__name__)
    images.init_app(server)
    public = dash_app_at("/pub/", server=server)
    guarded = dash_app_at("/dash/", server=server)
    image_callback(guarded, Output("img0", "src"), Input("n", "value"), name="g0")(draw)
    signed_in = {"yes": True}

    @server.before_request
    def guard() -> t.Any:
        if request.path.startswith("/dash/") and not signed_in["yes"]:
            return "sign in first", 401
        return None

    client = server.test_client()
    assert client.get("/pub/_dash-dependencies").get_json() == []
    (dependency,) = client.get("/dash/_dash-dependencies").get_json()
    assert dependency["output"] == "img0.src"
    assert client.get(picture_url("/pub/", 0)).status_code == 404
    assert client.get(picture_url("/", 0)).status_code == 404
    assert_picture(client.get(picture_url("/dash/", 0)))
    signed_in["yes"] = False
    assert client.get(picture_url("/dash/", 0)).status_code == 401
    assert client.get(picture_url("/pub/", 0)).status_code == 404
    assert public.config.routes_pathname_prefix == "/pub/"


def test_the_app_factory_gives_working_apps_each_time():
    images = DynamicImages()

    def create_app(prefix: str) -> Dash:
        server = Flask(__name__)
        images.init_app(server)
        return dash_app_at(prefix, server=server)

    first = create_app("/")
    images.callback(Output("img0", "src"), Input("n", "value"), name="g0")(draw)
    apps = [first, create_app("/"), create_app("/app/")]
    for dash_app in apps:
        prefix = dash_app.config.routes_pathname_prefix
        client = dash_app.server.test_client()
        (dependency,) = client.get(f"{prefix}_dash-dependencies").get_json()
        assert dependency["output"] == "img0.src"
        assert_picture(client.get(picture_url(prefix, 0)))


def test_decorating_after_a_dash_app_served_is_an_error():
    images = DynamicImages()
    server = Flask(__name__)
    images.init_app(server)
    dash_app_at("/", server=server)
    images.callback(Output("img0", "src"), Input("n", "value"), name="g0")(draw)
    assert server.test_client().get("/_dash-dependencies").status_code == 200
    with pytest.raises(RegistrationError, match="served requests already"):
        images.callback(Output("img1", "src"), Input("n", "value"), name="g1")(draw)
    # The late one is nowhere: not in the app, not served.
    client = server.test_client()
    (dependency,) = client.get("/_dash-dependencies").get_json()
    assert dependency["output"] == "img0.src"
    assert client.get(picture_url("/", 1)).status_code == 404
