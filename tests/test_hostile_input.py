"""Whatever a client sends, the extension answers with a 2xx, 3xx or 4xx.

``make fuzz`` runs these with many more examples (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from flask_dash_images import DynamicImages

MAX_URL = 600


@pytest.fixture(scope="module")
def target():
    """One app with a plain and a signed generator, shared by the examples."""
    from flask import Flask

    images = DynamicImages()

    @images.generator(name="any", deterministic=True, format="auto")
    def any_value(a, b=None):
        return Image.new("L", (1, 1))

    plain = Flask("plain")
    plain.config["DASH_IMAGES_MAX_URL_LENGTH"] = MAX_URL
    images.init_app(plain)
    signed = Flask("signed")
    signed.config.update(SECRET_KEY="k", DASH_IMAGES_MAX_URL_LENGTH=MAX_URL)
    images.init_app(signed)
    return plain.test_client(), signed.test_client()


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
guids = st.one_of(st.sampled_from(["any", "nope", ""]), st.text(max_size=30))
# What a server can hand over in a header: latin-1, no line breaks.
header_values = st.text(
    st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80
)
extensions = st.sampled_from(["auto", "png", "", "auto.png", "AUTO"])


def get(client, path, query, **kwargs):
    if isinstance(query, str):
        query = query.encode()
    # As a server hands it over: the raw bytes, as a latin-1 WSGI string.
    environ = {"QUERY_STRING": query.decode("latin-1")}
    return client.get(path, environ_overrides=environ, **kwargs)


def assert_not_5xx(response):
    assert response.status_code < 500, (response.status_code, response.data[:200])


fuzz = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


@fuzz
@given(query=queries)
def test_arbitrary_query_bytes(target, query):
    for client in target:
        assert_not_5xx(get(client, "/image_generator/any.auto", query))


@fuzz
@given(guid=guids, ext=extensions, query=queries)
def test_arbitrary_paths(target, guid, ext, query):
    path = "/image_generator/" + quote(guid, safe="") + "." + ext
    for client in target:
        assert_not_5xx(get(client, path, query))


@fuzz
@given(
    name=st.sampled_from(["a", "b", "c", "_v"]),
    count=st.integers(1, 50),
    size=st.integers(0, 2 * MAX_URL),
)
def test_huge_and_repeated_parameters(target, name, count, size):
    query = "&".join([f"{name}={'1' * size}"] * count)
    for client in target:
        assert_not_5xx(get(client, "/image_generator/any.auto", query))


@fuzz
@given(accept=header_values, inm=header_values)
def test_arbitrary_accept_and_if_none_match(target, accept, inm):
    headers = {"Accept": accept, "If-None-Match": inm}
    client = target[0]
    assert_not_5xx(client.get("/image_generator/any.auto?a=1", headers=headers))


def test_nothing_is_logged_for_bad_requests(target, caplog):
    with caplog.at_level(logging.DEBUG, logger="flask"):
        for client in target:
            get(client, "/image_generator/any.auto", b"a=%ff%0aFORGED")
    assert "FORGED" not in caplog.text
