"""Whatever a client sends, the extension gives the one right answer: 414 for a
query over the limit, 403 for a signing app's unsigned URL, 400 for a bad
value, 404 for a path that names no generator, and the picture otherwise.

The expected answer comes from a small reference decoder written from the
rules (``&``-separated ``name=value``, ``+`` a space, ``%XX`` escapes,
UTF-8, one JSON value each), not from the extension's own code.

A picture's other doors, its coordinate map (``<guid>.map``) and its
downloads (``_download=1``), answer any query with one of those statuses,
never a 500, and draw nothing unless they serve.

``make fuzz`` runs these with many more examples (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_etags

from flask_dash_images import DynamicImages
from flask_dash_images.core import coordinates

MAX_URL = 600
PATH = "/image_generator/any.auto"
NAMES = ("a", "b")
REQUIRED = ("a",)


@pytest.fixture(scope="module")
def target():
    """A plain and a signing app with one generator ``any(a, b=None)``, and
    the values it was called with."""
    from flask import Flask

    images = DynamicImages()
    heard = []

    @images.generator(name="any", deterministic=True, format="auto")
    def any_value(a, b=None):
        heard.append((a, b))
        return Image.new("L", (1, 1))

    plain = Flask("plain")
    plain.config["DASH_IMAGES_MAX_URL_LENGTH"] = MAX_URL
    images.init_app(plain)
    signed = Flask("signed")
    signed.config.update(SECRET_KEY="k", DASH_IMAGES_MAX_URL_LENGTH=MAX_URL)
    images.init_app(signed)
    return plain.test_client(), signed.test_client(), heard


# -- the reference decoder -----------------------------------------------------

BAD = object()
_HEX = b"0123456789abcdefABCDEF"
# A signature is URL-safe base64, always last; an app that does not sign
# leaves it unread.
_TRAILING_SIGNATURE = re.compile(rb"(?:^|&)_sig=[A-Za-z0-9_\-]*\Z")


def text_of(raw: bytes):
    """A query component as text: ``+`` is a space, ``%XX`` a byte, UTF-8."""
    out = bytearray()
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == ord("%"):
            pair = raw[i + 1 : i + 3]
            if len(pair) < 2 or not all(c in _HEX for c in pair):
                return BAD
            out.append(int(pair, 16))
            i += 3
            continue
        out.append(ord(" ") if byte == ord("+") else byte)
        i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return BAD


def _no_constant(name):
    raise ValueError(name)


def _finite(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def json_of(text: str):
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError):
        return BAD


def values_of(query: bytes):
    """The generator's arguments for an unsigned app's query, or BAD."""
    query = query[: m.start()] if (m := _TRAILING_SIGNATURE.search(query)) else query
    fields = {}
    for part in query.split(b"&") if query else []:
        raw_name, equals, raw_value = part.partition(b"=")
        name, value = text_of(raw_name), text_of(raw_value)
        if BAD in (name, value) or not equals or name in fields:
            return BAD
        fields[name] = value
    fields.pop("_v", None)
    if set(fields) - set(NAMES) or not set(REQUIRED) <= set(fields):
        return BAD
    values = {name: json_of(text) for name, text in fields.items()}
    if any(value is BAD for value in values.values()):
        return BAD
    return values


def expected_status(query: bytes, signed: bool) -> int:
    if len(query) > MAX_URL:
        return 414
    if signed:
        return 403
    return 400 if values_of(query) is BAD else 200


# -- requests --------------------------------------------------------------------


def get(client, path, query, **kwargs):
    if isinstance(query, str):
        query = query.encode()
    # As a server hands it over: the raw bytes, as a latin-1 WSGI string.
    environ = {"QUERY_STRING": query.decode("latin-1")}
    return client.get(path, environ_overrides=environ, **kwargs)


def assert_answers(target, path, query, found=True):
    plain, signed, heard = target
    for client, signs in ((plain, False), (signed, True)):
        del heard[:]
        response = get(client, path, query)
        expected = expected_status(query, signs) if found else 404
        assert response.status_code == expected, (
            signs,
            response.status_code,
            response.data[:200],
        )
        if expected == 200:
            values = values_of(query)
            assert same(heard, [(values["a"], values.get("b"))])
            assert response.mimetype == "image/png"
        else:
            assert heard == []


def same(a, b) -> bool:
    """Equal, with the same JSON types (1, 1.0 and True differ)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


fuzz = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)

raw_bytes = st.binary(max_size=300)
pieces = st.sampled_from(
    [
        b"a",
        b"b",
        b"_v",
        b"_sig",
        b"=",
        b"&",
        b"%",
        b"%2",
        b"%ff",
        b"%00",
        b"\x00",
        b"+",
        b"1",
        b'"',
        b"%22",
        b"[",
        b"{",
        b"\xc3",
        b"\xe2\x82",
        b"NaN",
        b"1e999",
        b"9" * 50,
        b"[" * 40,
    ]
)
queries = st.one_of(raw_bytes, st.lists(pieces, max_size=40).map(b"".join))
# Slashes: see test_paths_with_slashes_that_name_no_generator_are_404.
guids = st.one_of(
    st.sampled_from(["any", "nope", "", "any.auto", "%61ny", ".", ".."]),
    # What an HTTP client can send: any character but lone surrogates, which
    # no encoding of a URL can carry.
    st.text(
        st.characters(exclude_characters="/", exclude_categories=("Cs",)),
        max_size=30,
    ),
)
# What a server can hand over in a header: latin-1, no line breaks.
header_values = st.text(
    st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80
)
extensions = st.sampled_from(["auto", "png", "", "auto.png", "AUTO"])


@fuzz
@given(query=queries)
def test_arbitrary_query_bytes(target, query):
    assert_answers(target, PATH, query)


@fuzz
@given(guid=guids, ext=extensions, query=queries)
def test_arbitrary_paths(target, guid, ext, query):
    path = "/image_generator/" + quote(guid, safe="") + "." + ext
    assert_answers(target, path, query, found=(guid, ext) == ("any", "auto"))


@pytest.mark.parametrize(
    "path",
    [
        "/image_generator/",
        "/image_generator/any",
        "/image_generator/any.",
        "/image_generator/.auto",
        "/image_generator/any.png",
        "/image_generator/any.auto/",
        "/image_generator/any.auto/x",
        "/image_generator/x/any.auto",
        "/image_generator//any.auto",
        "/image_generator/x//any.auto",
        "/image_generator/%2Fany.auto",
        "/image_generator/any%2Eauto%2F",
        "/image_generator/%0A/any.auto",
    ],
)
def test_paths_with_slashes_that_name_no_generator_are_404(target, path):
    plain, signed, heard = target
    del heard[:]
    for client in (plain, signed):
        assert client.get(path + "?a=1").status_code == 404
    assert heard == []


def test_a_path_with_a_line_break_and_two_slashes_is_404(target):
    assert target[0].get("/image_generator//x%0A.auto?a=1").status_code == 404


@fuzz
@given(
    name=st.sampled_from(["a", "b", "c", "_v"]),
    count=st.integers(1, 50),
    size=st.integers(0, 2 * MAX_URL),
)
def test_huge_and_repeated_parameters(target, name, count, size):
    query = "&".join([f"{name}={'1' * size}"] * count).encode()
    assert_answers(target, PATH, query)


# -- queries made to be good, then broken in one place -------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
# Bytes a query component must escape; the others a client may escape or not.
_MUST = set(b"&=%+#")


@st.composite
def components(draw, text):
    """``text`` percent-encoded as some client might: escapes where it must,
    maybe elsewhere, spaces as ``+`` or ``%20``, hex in either case."""
    out = []
    for byte in text.encode("utf-8"):
        if byte == ord(" ") and draw(st.booleans()):
            out.append("+")
        elif byte in _MUST or byte > 0x7E or byte < 0x21 or draw(st.booleans()):
            escape = f"%{byte:02X}"
            out.append(escape.lower() if draw(st.booleans()) else escape)
        else:
            out.append(chr(byte))
    return "".join(out)


@st.composite
def json_texts(draw, value):
    """One of the many JSON texts of ``value``."""
    return json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])),
    )


@st.composite
def good_queries(draw):
    """A query for valid values, encoded as some client might, and the values."""
    values = {"a": draw(json_values)}
    if draw(st.booleans()):
        values["b"] = draw(json_values)
    pairs = [
        f"{draw(components(name))}={draw(components(draw(json_texts(value))))}"
        for name, value in values.items()
    ]
    if draw(st.booleans()):
        pairs.insert(
            draw(st.integers(0, len(pairs))),
            f"_v={draw(components(draw(st.text(max_size=5))))}",
        )
    if draw(st.booleans()):
        pairs.reverse()
    return "&".join(pairs).encode("latin-1"), values


@fuzz
@given(good=good_queries())
def test_any_encoding_of_valid_values_is_served(target, good):
    query, values = good
    plain, signed, heard = target
    del heard[:]
    response = get(plain, PATH, query)
    if len(query) > MAX_URL:
        assert response.status_code == 414
        return
    assert response.status_code == 200, response.data
    assert same(heard, [(values["a"], values.get("b"))])
    assert get(signed, PATH, query).status_code == 403


# Each takes a valid value's JSON text, percent-encoded, and makes a query
# that is wrong in exactly one way.
BREAKS = [
    # The value of a is not one JSON value.
    lambda v: b"a=NaN",
    lambda v: b"a=-Infinity",
    lambda v: b"a=1e999",
    lambda v: b"a=-1e400",
    lambda v: b"a=undefined",
    lambda v: b"a=%27x%27",
    lambda v: b"a=[1,]",
    lambda v: b"a=",
    lambda v: b"a=%7B" + v,
    lambda v: b"a=%22" + v,
    lambda v: b"a=" + v + b"%2C1",
    # Percent-escapes that are not escapes, or bytes that are not UTF-8.
    lambda v: b"a=" + v + b"%",
    lambda v: b"a=" + v + b"%2",
    lambda v: b"a=%zz" + v,
    lambda v: b"a=%G1" + v,
    lambda v: b"a=" + v + b"%FF",
    lambda v: b"a=" + v + b"%C3",
    lambda v: b"a=%ED%A0%80" + v,
    lambda v: b"a=\xff" + v,
    # Names that are not the generator's, missing, repeated, or valueless.
    lambda v: b"a=" + v + b"&c=1",
    lambda v: b"a=" + v + b"&A=1",
    lambda v: b"a=" + v + b"&a%00=1",
    lambda v: b"a=" + v + b"&a=1",
    lambda v: b"a=" + v + b"&_v=1&_v=2",
    lambda v: b"b=" + v,
    lambda v: b"a" + v,
    lambda v: b"a=" + v + b"&b",
    lambda v: b"a=" + v + b"&",
    lambda v: b"&a=" + v,
    # A signature that is not last.
    lambda v: b"a=" + v + b"&_sig=abc&_v=1",
]


@fuzz
@given(value=json_values, broken=st.sampled_from(BREAKS))
def test_one_bad_part_makes_a_400_or_a_403(target, value, broken):
    query = broken(quote(json.dumps(value), safe="").encode())
    plain, signed, heard = target
    del heard[:]
    if len(query) > MAX_URL:
        assert get(plain, PATH, query).status_code == 414
        return
    assert get(plain, PATH, query).status_code == 400
    assert get(signed, PATH, query).status_code == 403
    assert heard == []


@fuzz
@given(accept=header_values, inm=header_values)
def test_arbitrary_accept_and_if_none_match(target, accept, inm):
    client = target[0]
    first = client.get(PATH + "?a=1", headers={"Accept": accept})
    assert first.status_code == 200
    offered = {
        value
        for value, quality in parse_accept_header(accept, MIMEAccept)
        if quality > 0
    }
    assert first.mimetype in {"image/png"} | offered & {"image/webp", "image/avif"}
    if not offered & {"image/webp", "image/avif"}:
        assert first.mimetype == "image/png"
    assert "Accept" in first.headers["Vary"]
    etag = first.get_etag()[0]
    response = client.get(
        PATH + "?a=1", headers={"Accept": accept, "If-None-Match": inm}
    )
    matches = parse_etags(inm).contains_weak(etag)
    assert response.status_code == (304 if matches else 200)


def test_nothing_a_client_sends_reaches_the_log(target, caplog):
    plain, signed, _ = target
    with caplog.at_level(logging.DEBUG):
        assert get(plain, PATH, b"a=%ff%0aFORGED").status_code == 400
        assert get(signed, PATH, b"a=%ff%0aFORGED").status_code == 403
        assert get(plain, PATH, b"a=%22FORGED%22").status_code == 200
        assert get(plain, PATH, b"a=1&FORGED=1").status_code == 400
    assert "FORGED" not in caplog.text


# -- the picture's other doors: its map and its downloads ------------------------


@pytest.fixture(scope="module")
def doors():
    """A Dash app, and one that signs, whose picture ``g(a, b=None)``
    reports clicks (so it has a map URL) and may be downloaded as PDF and
    PNG at 2x; and the values it was called with."""
    from dash import Dash, Input, Output, dcc, html
    from flask import Flask

    heard = []

    def g(a, b=None):
        heard.append((a, b))
        return Image.new("L", (4, 3))

    clients = []
    for key in (None, "k"):
        images = DynamicImages()
        server = Flask(f"doors-{key}")
        server.config.update(DASH_IMAGES_MAX_URL_LENGTH=MAX_URL)
        if key:
            server.config.update(SECRET_KEY=key, DASH_IMAGES_SIGN=True)
        images.init_app(server)
        Dash(__name__, server=server).layout = html.Div(
            [dcc.Input(id="a"), dcc.Input(id="b"), html.Img(id="img")]
        )
        images.callback(
            Output("img", "src"),
            Input("a", "value"),
            Input("b", "value"),
            name="g",
            events=("click",),
            export=("pdf", "png"),
            export_scale=2,
        )(g)
        client = server.test_client()
        client.get("/")  # the Dash app sets up
        clients.append(client)
    return clients[0], clients[1], heard


door_pieces = st.sampled_from(
    [
        b"a",
        b"b",
        b"=",
        b"&",
        b"1",
        b"%22x%22",
        b"%ff",
        b"[",
        b"_download",
        b"_map",
        b"_v",
        b"_sig",
        b"0123456789abcdef0123",
        b"%00",
        b"+",
    ]
)
door_queries = st.one_of(raw_bytes, st.lists(door_pieces, max_size=30).map(b"".join))


@fuzz
@given(ext=st.sampled_from(["map", "pdf", "png"]), query=door_queries)
def test_a_maps_and_a_downloads_url_answer_whatever_the_query(doors, ext, query):
    plain, signed, heard = doors
    path = f"/image_generator/g.{ext}"
    del heard[:]
    response = get(signed, path, query)
    assert response.status_code == (414 if len(query) > MAX_URL else 403)
    assert heard == []
    response = get(plain, path, query)
    status = response.status_code
    if len(query) > MAX_URL:
        assert status == 414
    assert status in (200, 400, 404, 414), (status, response.data[:200])
    if status != 200:
        assert heard == [] and b"Traceback" not in response.data
    elif ext == "map":
        assert json.loads(response.data)["w"] == 4
    elif ext == "pdf":
        assert response.data.startswith(b"%PDF-")
        assert response.headers["Content-Disposition"].startswith("attachment;")
    else:
        assert response.mimetype == "image/png"


def test_the_other_doors_serve_what_they_are_for(doors):
    plain = doors[0]
    pdf, png, picture, a_map = (
        f"/image_generator/g.{ext}" for ext in ("pdf", "png", "png", "map")
    )
    assert get(plain, pdf, b"a=1&b=2&_download=1").status_code == 200
    assert get(plain, pdf, b"a=1&b=2").status_code == 404  # not the picture's own
    assert get(plain, pdf, b"a=1&_download=1").status_code == 400  # b is missing
    download = get(plain, png, b"a=1&b=2&_download=1")
    assert Image.open(io.BytesIO(download.data)).size == (4, 3)  # its own size
    assert "Content-Disposition" not in get(plain, picture, b"a=1&b=2").headers
    shown = get(plain, picture, b"a=1&b=2").headers["X-Dash-Images-Map"]
    named = f"a=1&b=2&_map={coordinates.map_id(shown)}".encode()
    assert json.loads(get(plain, a_map, named).data) == json.loads(shown)
    # Not deterministic: a map must be named, for a new drawing may differ.
    assert get(plain, a_map, b"a=1&b=2").status_code == 400
    assert get(plain, a_map, b"a=1&b=2&_download=1").status_code == 404
    assert get(plain, a_map, b"a=%ff&b=2").status_code == 400
