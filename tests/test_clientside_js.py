"""clientside=True: the URL the browser's JavaScript builds is the server's, byte
for byte (run in V8 through mini-racer, no browser needed)."""

from __future__ import annotations

import json
import typing as t
from urllib.parse import unquote

import dash
import pytest
from dash import ALL, Input, Output, State, dcc, html
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from flask_dash_images import image_callback
from flask_dash_images.core import codec, urls

from .dash_browser import post_update
from .js_engine import DashPage

PATH = "/image_generator/corpus.png"
NAMES = ["a", "b"]


@pytest.fixture(scope="module")
def page() -> DashPage:
    """The page of a Dash app whose picture ``corpus`` takes an Input ``a``
    and a State ``b``, built once: each example only runs its JavaScript."""
    server = Flask("clientside_corpus")
    server.config["TESTING"] = True
    dash_app = dash.Dash("clientside_corpus", server=server)
    dash_app.layout = html.Div(
        [dcc.Input(id="a"), dcc.Input(id="b"), html.Img(id="img")]
    )
    image_callback(
        dash_app,
        Output("img", "src"),
        Input("a", "value"),
        State("b", "value"),
        name="corpus",
        version="v1",
        clientside=True,
    )(lambda a, b: Image.new("L", (1, 1)))
    return DashPage(dash_app)


def server_url(values, version="v1"):
    return f"{PATH}?{urls.encode_query(NAMES, values, version)}"


# Numbers a browser holds and writes exactly as the server does: integers a
# double holds exactly, and floats that are not integral (an integral float
# keeps its ".0" on the server, a browser cannot tell 2.0 from 2) unless
# JavaScript writes them with an exponent too.
exact_numbers = st.integers(-(2**53), 2**53) | st.floats(
    allow_nan=False, allow_infinity=False
).filter(lambda f: not (f.is_integer() and abs(f) < 1e21))
tricky_text = st.text(
    st.sampled_from(list("aZ0 é€😀𝄞\u2028\u00a0'\"&=+%#?/\\~!*()-_.,:;<>`\x00\x1f\x7f"))
    | st.characters(),
    max_size=12,
)
scalars = st.none() | st.booleans() | exact_numbers | tricky_text


def json_values(leaves):
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(tricky_text, children, max_size=5)
        ),
        max_leaves=12,
    )


# An Input whose value is None may mean "no picture": only values inside.
exact_inputs = json_values(scalars).filter(lambda v: v is not None)


@settings(deadline=None)
@given(exact_inputs, exact_inputs)
def test_the_browser_builds_the_servers_url_for_any_value(page, a, b):
    assert page.run("img.src", a, b) == server_url([a, b])


any_numbers = st.integers(-(10**30), 10**30) | st.floats(
    allow_nan=False, allow_infinity=False
)


def browser_view(value):
    """A value as a browser holds it: every number is a double (-0 is 0)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value) + 0.0
    if isinstance(value, list):
        return [browser_view(item) for item in value]
    return {key: browser_view(item) for key, item in value.items()}


@settings(deadline=None)
@given(
    json_values(st.none() | st.booleans() | any_numbers | tricky_text).filter(
        lambda v: v is not None
    )
)
def test_a_clientside_url_gives_the_generator_what_the_browser_held(page, value):
    url = page.run("img.src", value, 0)
    query = url.partition("?")[2].encode("ascii")
    decoded, version, _ = urls.decode_query(query, NAMES, NAMES)
    assert version == "v1"
    held = [json.dumps(browser_view(v), sort_keys=True) for v in (decoded["a"], value)]
    assert held[0] == held[1]
    assert server_url([decoded["a"], decoded["b"]]) == url


@pytest.mark.parametrize(
    ("value", "in_url"),
    [
        (1e21, "1e%2B21"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e%2B308"),
        (-1.7976931348623157e308, "-1.7976931348623157e%2B308"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123.456, "123.456"),
        (2**53, "9007199254740992"),
        (-(2**53), "-9007199254740992"),
        (1.5, "1.5"),
    ],
)
def test_edge_numbers_are_written_as_the_server_writes_them(page, value, in_url):
    url = page.run("img.src", value, 0)
    assert url == server_url([value, 0])
    assert url == f"{PATH}?a={in_url}&b=0&_v=v1"


@pytest.mark.parametrize(
    ("value", "in_url", "server_text"),
    [
        (-0.0, "0", "0.0"),
        (0.0, "0", "0.0"),
        (2.0, "2", "2.0"),
        (1.2345678901234568e20, "123456789012345680000", "123456789012345680000.0"),
        (2**53 + 1, "9007199254740992", "9007199254740993"),
        (2**60, "1152921504606847000", "1152921504606846976"),
        (10**21, "1e%2B21", "1000000000000000000000"),
        (2**70, "1.1805916207174113e%2B21", "1180591620717411303424"),
        (10**400, "null", None),
    ],
)
def test_numbers_a_browser_cannot_hold_reach_the_url_as_it_holds_them(
    page, value, in_url, server_text
):
    url = page.run("img.src", value, 0)
    assert url == f"{PATH}?a={in_url}&b=0&_v=v1"
    if server_text is not None:
        assert codec.dumps(value) == server_text
    # What the browser sends a server-side callback gets the same URL there.
    held = codec.loads(unquote(in_url))
    assert server_url([held, 0]) == url


@pytest.mark.parametrize(
    "value",
    [
        "\ud800",
        "a\udfffb",
        "\udc00\ud800",
        {"\ud800": 1, "\uffff": 2, "\U0001f600": 3, "a": 4},
        {"__proto__": 1, "constructor": 2, "10": 3, "9": 4, "": 5},
    ],
)
def test_strings_python_holds_are_written_as_the_server_writes_them(page, value):
    assert page.run("img.src", value, "x") == server_url([value, "x"])


def test_keys_are_sorted_as_the_server_sorts_them(page):
    value = {"b": {"y": 1, "x": [{"d": 0, "c": 0}]}, "a": None, "\uff5e": 1}
    url = page.run("img.src", value, 1)
    assert url == server_url([value, 1])
    assert "%22a%22:null,%22b%22:%7B%22x%22" in url


# -- the callbacks a Dash page ships, against the server-side callback --------

IDS = [{"t": "img", "i": i} for i in range(3)]
MOUNTS = {
    "root": {},
    "proxy": {"routes_pathname_prefix": "/", "requests_pathname_prefix": "/proxy/"},
    "dash_path": {"url_base_pathname": "/dash/"},
    "mounted": {"requests_pathname_prefix": "/sub/"},
}


def make_app(
    mount, clientside, spread=False, hidpi=False, versions=(None, None), seen=None
):
    """A Dash app with one image callback named ``pic``.

    :param versions: the app's DASH_IMAGES_VERSION and the callback's version.
    :returns: the app, the page's path, and a client as the browser reaches it.
    """
    app_version, version = versions
    server = Flask("clientside_js")
    server.config.update(TESTING=True, DASH_IMAGES_VERSION=app_version)
    dash_app = dash.Dash("clientside_js", server=server, **MOUNTS[mount])
    dash_app.layout = html.Div(
        [dcc.Input(id="n", value=1), dcc.Input(id="label", value="x")]
        + [dcc.Input(id={"t": "shade", "i": i}, value=i) for i in range(len(IDS))]
        + [html.Img(id="img")]
        + [html.Img(id=i) for i in IDS]
    )
    if spread:
        output = Output({"t": "img", "i": ALL}, "src")
        first = Input({"t": "shade", "i": ALL}, "value")
    else:
        output, first = Output("img", "src"), Input("n", "value")

    @image_callback(
        dash_app,
        output,
        first,
        State("label", "value"),
        name="pic",
        clientside=clientside,
        hidpi=hidpi,
        version=version,
    )
    def pic(shade, label, **scale):
        if seen is not None:
            seen.append((shade, label))
        return Image.new("L", (1, 1))

    if mount == "mounted":
        client = Client(DispatcherMiddleware(Flask("root"), {"/sub": server}))
        return dash_app, "/sub/", client
    base = "/" if mount == "proxy" else dash_app.config.requests_pathname_prefix
    return dash_app, base, server.test_client()


def output_key(spread, hidpi):
    one = '{"i":["ALL"],"t":"img"}' if spread else "img"
    return f"..{one}.src...{one}.srcSet.." if hidpi else f"{one}.src"


def outputs_list(spread, hidpi):
    """``callback_context.outputs_list`` (and the request's ``outputs``)."""
    props = ["src", "srcSet"] if hidpi else ["src"]
    if spread:
        lists = [[{"id": i, "property": p} for i in IDS] for p in props]
    else:
        lists = [{"id": "img", "property": p} for p in props]
    return lists if hidpi else lists[0]


def server_side(base, client, shade, label, spread, hidpi):
    """The server-side callback's answer, shaped as the clientside one is."""
    first = (
        [
            {"id": {"t": "shade", "i": i["i"]}, "property": "value", "value": v}
            for i, v in zip(IDS, shade, strict=True)
        ]
        if spread
        else {"id": "n", "property": "value", "value": shade}
    )
    body = {
        "output": output_key(spread, hidpi),
        "outputs": outputs_list(spread, hidpi),
        "inputs": [first],
        "state": [{"id": "label", "property": "value", "value": label}],
        "changedPropIds": [],
    }
    response = post_update(client, base + "_dash-update-component", body)
    assert response.status_code == 200, response.get_data(as_text=True)
    props = response.get_json()["response"]
    keys = [json.dumps(i, sort_keys=True, separators=(",", ":")) for i in IDS]
    columns = [
        [props[k][p] for k in keys] if spread else props["img"][p]
        for p in (["src", "srcSet"] if hidpi else ["src"])
    ]
    return columns if hidpi else columns[0]


def image_urls(result):
    """The image URLs in a callback's result (no_update is none)."""
    if isinstance(result, str):
        return [result] if "/image_generator/" in result else []
    if isinstance(result, (list, tuple)):
        return [url for item in result for url in image_urls(item)]
    return []


VALUES = [
    (3, "plain"),
    (2.5, "a&b=c#d?e%f/g+h ünï 🖼 '\"<>"),
    ({"z": 1, "a": [1.5, None, True, 1e21, 1e-7]}, {"é": "😀", "A": 0}),
]


@pytest.mark.parametrize("mount", list(MOUNTS))
@pytest.mark.parametrize("hidpi", [False, True], ids=["1x", "hidpi"])
@pytest.mark.parametrize("spread", [False, True], ids=["one", "all"])
@pytest.mark.parametrize(
    "versions", [(None, None), (None, "v-2"), ("app-3", "v-2")], ids=str
)
def test_the_page_builds_the_urls_the_server_callback_builds(
    mount, hidpi, spread, versions
):
    page = DashPage(*make_app(mount, True, spread, hidpi, versions))
    server = make_app(mount, False, spread, hidpi, versions)[1:]
    for shade, label in VALUES:
        shades = [shade, [shade], {"k": shade}] if spread else shade
        clientside = page.run(
            output_key(spread, hidpi),
            shades,
            label,
            outputs_list=outputs_list(spread, hidpi),
        )
        assert clientside == server_side(*server, shades, label, spread, hidpi)
        found = image_urls(clientside)
        assert len(found) == (len(IDS) if spread else 1) * (2 if hidpi else 1)
        assert all("/image_generator/pic.png?" in url for url in found)
        version = ".".join(filter(None, versions))
        assert all((f"&_v={version}" in url) == bool(version) for url in found)


def test_the_generator_gets_the_values_the_page_put_in_its_url():
    seen = []
    page = DashPage(*make_app("proxy", True, seen=seen))
    value = {"x": [1.5, "😀", None], "n": 2**53}
    url = page.run("img.src", value, "a+b c")
    assert url.startswith("/proxy/image_generator/pic.png?shade=")
    response = page.client.get(url.removeprefix("/proxy"))
    assert response.status_code == 200
    assert seen == [(value, "a+b c")]


@pytest.mark.parametrize("count", [2, 4], ids=["fewer", "more"])
def test_all_inputs_that_do_not_match_the_images_make_no_url(count):
    page = DashPage(*make_app("root", True, spread=True))
    # As the server's URL builder: the pictures are left as they are.
    with pytest.raises(dash.exceptions.PreventUpdate):
        page.run(
            output_key(True, False),
            list(range(count)),
            "x",
            outputs_list=outputs_list(True, False),
        )


# -- an emptied number input: NaN in the browser --------------------------------


def run_with(
    page: DashPage, output: str, args: str, outputs_list: t.Any = None
) -> t.Any:
    """What the page's clientside callback for ``output`` returns for the
    arguments ``args``, written in JavaScript (JSON has no NaN, which an
    emptied ``dcc.Input(type="number")`` gives the browser)."""
    where = page.callback_for(output)["clientside_function"]
    function = (
        f"window.dash_clientside[{json.dumps(where['namespace'])}]"
        f"[{json.dumps(where['function_name'])}]"
    )
    text = page._context.v8.eval(
        f"""(function () {{
          __elements = {json.dumps(page.elements)};
          dash_clientside.callback_context =
            {{outputs_list: {json.dumps(outputs_list)}}};
          try {{
            var result = {function}.apply(null, [{args}]);
            return JSON.stringify({{result: result}}, function (key, value) {{
              return value === dash_clientside.no_update ? "no_update" : value;
            }});
          }} catch (error) {{
            return JSON.stringify({{thrown: error === dash_clientside.PreventUpdate
              ? "PreventUpdate" : String(error)}});
          }}
        }})()"""
    )
    return json.loads(text)


def test_an_emptied_number_input_leaves_the_picture_as_it_is(page):
    # NaN in the Input: no URL (the server's builder gets None, the same).
    assert run_with(page, "img.src", "NaN, 1") == {"thrown": "PreventUpdate"}
    # In the State, as None there: the value travels (null), as on the server.
    assert run_with(page, "img.src", "1, NaN") == {"result": server_url([1, None])}
    assert run_with(page, "img.src", "0, 1") == {"result": server_url([0, 1])}


def nan_app(allow_none):
    server = Flask("nan_rule")
    server.config["TESTING"] = True
    dash_app = dash.Dash("nan_rule", server=server)
    dash_app.layout = html.Div(
        [dcc.Input(id={"i": i}, type="number") for i in range(3)]
        + [html.Img(id={"t": "img", "i": i}) for i in range(3)]
        + [dcc.Input(id="n", type="number"), html.Img(id="one")]
    )
    image_callback(
        dash_app,
        Output({"t": "img", "i": ALL}, "src"),
        Input({"i": ALL}, "value"),
        name="many",
        clientside=True,
        allow_none=allow_none,
    )(lambda n: Image.new("L", (1, 1)))
    image_callback(
        dash_app,
        Output("one", "src"),
        Input("n", "value"),
        name="one",
        clientside=True,
        allow_none=allow_none,
    )(lambda n: Image.new("L", (1, 1)))
    return DashPage(dash_app)


def test_an_emptied_number_input_leaves_only_its_own_picture_as_it_is():
    page = nan_app(allow_none=False)
    ids = [{"t": "img", "i": i} for i in range(3)]
    outputs = [{"id": i, "property": "src"} for i in ids]
    output = '{"i":["ALL"],"t":"img"}.src'
    assert run_with(page, output, "[1, NaN, 3]", outputs) == {
        "result": [
            "/image_generator/many.png?n=1",
            "no_update",
            "/image_generator/many.png?n=3",
        ]
    }


def test_with_allow_none_an_emptied_number_input_draws_with_none():
    page = nan_app(allow_none=True)
    assert run_with(page, "one.src", "NaN") == {
        "result": "/image_generator/one.png?n=null"
    }
