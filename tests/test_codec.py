"""The canonical value encoding: every JSON value round-trips, type included."""

from __future__ import annotations

import json
import math
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_dash_images.core import codec, urls
from flask_dash_images.exceptions import BadParameter

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def same(a, b) -> bool:
    """Equal, and of the same JSON type all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a == 0:
        return b == 0
    return a == b


@given(json_values)
def test_every_json_value_round_trips_with_its_type(value):
    assert same(codec.loads(codec.dumps(value)), value)


@given(json_values)
def test_the_text_is_canonical(value):
    text = codec.dumps(value)
    assert codec.dumps(codec.loads(text)) == text


@given(st.lists(json_values, min_size=1, max_size=4))
def test_query_strings_round_trip(values):
    names = [f"p{i}" for i in range(len(values))]
    query = urls.encode_query(names, values)
    decoded, version, _ = urls.decode_query(query.encode("ascii"), names, names)
    assert version is None
    assert all(same(decoded[n], v) for n, v in zip(names, values, strict=True))


@given(st.text())
def test_strings_full_of_url_syntax_round_trip(text):
    query = urls.encode_query(["s"], [text + "&=#?%/+ "])
    assert query.isascii() and "#" not in query and " " not in query
    assert urls.decode_query(query.encode(), ["s"], ["s"])[0]["s"] == text + "&=#?%/+ "


@given(st.text())
def test_queries_hold_nothing_a_browser_would_re_encode(text):
    # Browsers percent-encode ' " < > # space and controls in a query; a
    # signed URL must reach the server byte for byte as it was signed.
    query = urls.encode_query(["s"], [text + "' \"<>#`"])
    assert not set(query) & set("'\"<># `")
    assert all(0x21 <= ord(c) <= 0x7E for c in query)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_quoting_skips_no_character_quote_would_escape(text):
    # The fast path for text that needs no escapes must agree with quote().
    assert urls.quote_component(text) == quote(text, safe="!*(),:")


@pytest.mark.parametrize(
    ("value", "javascript"),
    [
        (1, "1"),
        (-7, "-7"),
        (0.1, "0.1"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (2.5e-6, "0.0000025"),
        (1e21, "1e+21"),
        (1.2345678901234568e20, "123456789012345680000"),
        (123.456, "123.456"),
    ],
)
def test_numbers_are_written_as_javascript_writes_them(value, javascript):
    # A browser's JSON.stringify gives the same text, so clientside URLs match.
    text = codec.dumps(value)
    assert text in (javascript, javascript + ".0")
    assert json.loads(text) == value


def test_integral_floats_stay_floats():
    assert codec.dumps(1.0) == "1.0"
    assert type(codec.loads("1.0")) is float
    assert type(codec.loads("1")) is int


def test_object_keys_are_sorted_as_javascript_sorts_them():
    # UTF-16 code units: an astral character sorts before U+FF5E.
    assert codec.dumps({"\uff5e": 1, "\U0001f600": 2, "a": 0}) == (
        '{"a":0,"\U0001f600":2,"\uff5e":1}'
    )


def test_lone_surrogates_are_escaped_like_json_stringify():
    assert codec.dumps("\ud800") == '"\\ud800"'
    assert codec.loads(codec.dumps("\ud800")) == "\ud800"


@pytest.mark.parametrize("value", [math.nan, math.inf, object(), {1: 2}, b"x"])
def test_values_that_are_not_json_are_refused(value):
    with pytest.raises((TypeError, ValueError)):
        codec.dumps(value)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (b"", "missing parameter 'a'"),
        (b"a=1", "missing parameter 'b'"),
        (b"a=1&b=2&c=3", "unexpected parameter 'c'"),
        (b"a=1&a=1&b=2", "'a' is repeated"),
        (b"a&b=2", "'a' has no value"),
        (b"a=%zz&b=2", "invalid percent-escape"),
        (b"a=%ff&b=2", "not valid UTF-8"),
        (b"a=NaN&b=2", "'a' is not valid JSON"),
        (b"a=1e310&b=2", "'a' is not valid JSON"),  # overflows to infinity
        (b"a=[-1e999]&b=2", "'a' is not valid JSON"),
        (b"a={&b=2", "'a' is not valid JSON"),
        (b"a=1&_sig=x&b=2", "last parameter"),
    ],
)
def test_malformed_queries_name_what_is_wrong(query, message):
    with pytest.raises(BadParameter, match=message):
        urls.decode_query(query, ["a", "b"], ["a", "b"])
