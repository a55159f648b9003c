"""Values <-> query string, and the signature that binds a URL to a key.

A query is ``name=<canonical JSON>`` pairs in the generator's parameter order,
percent-encoded so that browsers build the same bytes and send them
unchanged, then optional reserved pairs: ``_v`` (version) and ``_sig``
(signature, always last). Decoding is strict: every error names what is wrong.
"""

from __future__ import annotations

import hashlib
import re
import typing as t
from urllib.parse import quote, unquote_to_bytes

from itsdangerous import BadSignature, Signer, TimestampSigner

from ..exceptions import BadParameter
from . import codec

__all__ = [
    "BLUEPRINT",
    "MAP",
    "MAP_EXTENSION",
    "ROUTE",
    "DOWNLOAD",
    "SIGNATURE",
    "VERSION",
    "RESERVED",
    "encode_query",
    "decode_query",
    "Query",
    "split_map",
    "split_signature",
    "make_signer",
    "signature_for",
    "signature_problem",
]

#: The image route below an app's root (or a Dash app's prefix), and the
#: blueprint that serves it there.
ROUTE = "/image_generator/"
BLUEPRINT = "dash_images"
#: The extension of a map request: ``<guid>.map?<the picture's query>``
#: asks for the coordinate map of the picture ``<guid>.<format>?<query>``;
#: ``&_map=<id>`` after it names the map the page saw (see :func:`split_map`).
MAP_EXTENSION = "map"
MAP = "_map"

SIGNATURE = "_sig"
VERSION = "_v"
#: ``_download=1``: the URL is a download of the picture, in the format of
#: its extension (``export=``), not the picture.
DOWNLOAD = "_download"
RESERVED = frozenset({SIGNATURE, VERSION, DOWNLOAD, MAP})

# quote() keeps A-Z a-z 0-9 - _ . ~ and these; the clientside code writes the
# same with encodeURIComponent. "," and ":" stay readable. "'" is escaped
# although encodeURIComponent keeps it: browsers escape it in queries, which
# would change the bytes a signature covers.
_SAFE = "!*(),:"
# What quote() leaves as it is: most names and numbers, so skip its work.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~!*(),:-]*")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# A signature is URL-safe base64; a timed one is "<timestamp>.<signature>".
_MAP_TAIL = re.compile(rb"(?:^|&)_map=([0-9a-f]{1,64})$")
_SIGNATURE_TAIL = re.compile(rb"(?:^|&)_sig=([A-Za-z0-9_\-.]*)$")


def quote_component(text: str) -> str:
    if _UNQUOTED.fullmatch(text):
        return text
    return quote(text, safe=_SAFE)


def encode_query(
    names: t.Sequence[str],
    values: t.Sequence[t.Any],
    version: str | None = None,
    *,
    download: bool = False,
) -> str:
    """Return the canonical query string for values, without signature.

    :param download: the query of a download (``_download=1``, after the
        version).
    :raises TypeError, ValueError: a value is not JSON.
    """
    pairs = [
        f"{quote_component(name)}={quote_component(codec.dumps(value))}"
        for name, value in zip(names, values, strict=True)
    ]
    if version is not None:
        pairs.append(f"{VERSION}={quote_component(version)}")
    if download:
        pairs.append(f"{DOWNLOAD}=1")
    return "&".join(pairs)


class Query(t.NamedTuple):
    """What a picture URL's query holds."""

    #: The values, by parameter name.
    values: dict[str, t.Any]
    #: The version it carries (``_v``), if any.
    version: str | None
    #: It asks for a download (``_download=1``).
    download: bool = False


def decode_query(
    query: bytes, names: t.Sequence[str], required: t.Collection[str]
) -> Query:
    """Decode a query string (signature already split off).

    :raises BadParameter: a parameter is missing, unknown, repeated or malformed.
    """
    raw: dict[str, str] = {}
    for key, equals, value in _pairs(query):
        if not equals:
            raise BadParameter(f"parameter {key!r} has no value")
        if key in raw:
            raise BadParameter(f"parameter {key!r} is repeated")
        raw[key] = value

    version = raw.pop(VERSION, None)
    download = raw.pop(DOWNLOAD, None)
    if download not in (None, "1"):
        raise BadParameter(f"{DOWNLOAD!r} must be 1")
    if SIGNATURE in raw:
        raise BadParameter(f"{SIGNATURE!r} must be the last parameter")
    unknown = [key for key in raw if key not in names]
    if unknown:
        raise BadParameter(f"unexpected parameter {unknown[0]!r}")
    values = {}
    for name in names:
        if name not in raw:
            if name in required:
                raise BadParameter(f"missing parameter {name!r}")
            continue
        try:
            values[name] = codec.loads(raw[name])
        except codec.TooDeep as error:
            raise BadParameter(f"parameter {name!r}: {error}") from None
        except ValueError:
            raise BadParameter(f"parameter {name!r} is not valid JSON") from None
    return Query(values, version, download is not None)


def split_map(query: bytes) -> tuple[bytes, str | None]:
    """Split a map request's query into the picture's query (signature
    included) and the id of the map it names, if any."""
    match = _MAP_TAIL.search(query)
    if match is None:
        return query, None
    return query[: match.start()], match.group(1).decode("ascii")


def split_signature(query: bytes) -> tuple[bytes, bytes | None]:
    """Split ``query`` into the signed part and the signature, if any."""
    match = _SIGNATURE_TAIL.search(query)
    if match is None:
        return query, None
    return query[: match.start()], match.group(1)


def signed_payload(path: str, query: str | bytes) -> bytes:
    """What a signature covers: the route's file name and the query."""
    if isinstance(query, str):
        query = query.encode("ascii")
    return path.encode("utf-8") + b"?" + query


def make_signer(
    secret_key: t.Any, fallbacks: t.Sequence[t.Any] = (), *, timed: bool = False
) -> Signer:
    """A signer that signs with ``secret_key`` and also accepts ``fallbacks``.

    :param timed: a :class:`~itsdangerous.TimestampSigner`, whose signatures
        carry the time they were made, so that they can expire.
    """
    # itsdangerous signs with the last key and verifies with any.
    keys = [*reversed(list(fallbacks)), secret_key]
    cls = TimestampSigner if timed else Signer
    return cls(keys, salt="flask-dash-images.url", digest_method=hashlib.sha256)


def signature_for(signer: Signer, filename: str, query: str) -> str:
    """The ``_sig`` value for ``query`` of the picture ``filename``; a timed
    signer's is ``<timestamp>.<signature>``."""
    payload = signed_payload(filename, query)
    if isinstance(signer, TimestampSigner):
        # What sign() appends after the payload and its separator.
        return signer.sign(payload)[len(payload) + 1 :].decode("ascii")
    return signer.get_signature(payload).decode("ascii")


def signature_problem(
    signer: Signer,
    filename: str,
    query: bytes,
    signature: bytes | None,
    max_age: int | None = None,
    leeway: float = 0,
) -> str | None:
    """What is wrong with a request's signature, for the client; ``None``
    when it is good. Old keys (``SECRET_KEY_FALLBACKS``) are accepted too.

    :param max_age: seconds a timed signature is good for.
    :param leeway: seconds the clocks of the hosts that sign and check may
        differ by: a signature up to that much from the future is good, and
        one expires that much later.
    """
    if signature is None:
        return "the URL's signature is missing"
    payload = signed_payload(filename, query)
    if not isinstance(signer, TimestampSigner):
        ok = signer.verify_signature(payload, signature)
        return None if ok else "the URL's signature is wrong"
    try:
        _, signed_at = signer.unsign(payload + b"." + signature, return_timestamp=True)
    except BadSignature:
        return "the URL's signature is wrong"
    if max_age is None:
        return None
    age = signer.get_timestamp() - signed_at.timestamp()
    if age > max_age + leeway:
        return "the URL has expired"
    if age < -leeway:
        return "the URL was signed in the future (a clock is wrong)"
    return None


def _pairs(query: bytes) -> list[tuple[str, str, str]]:
    """``(name, "=" or "", value)`` for each part of ``query``, unquoted."""
    if not query:
        return []
    if b"%" not in query and b"+" not in query and query.isascii():
        # Nothing to unquote (the common case): one decode for the whole.
        return [part.partition("=") for part in query.decode("ascii").split("&")]
    pairs = []
    for part in query.split(b"&"):
        key_bytes, equals, value_bytes = part.partition(b"=")
        key = _unquote(key_bytes, None)
        pairs.append((key, equals.decode(), _unquote(value_bytes, key)))
    return pairs


def _unquote(data: bytes, key: str | None) -> str:
    data = data.replace(b"+", b" ")
    if b"%" in data:
        if _BAD_ESCAPE.search(data):
            raise BadParameter(f"{_what(key)} has an invalid percent-escape")
        data = unquote_to_bytes(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadParameter(f"{_what(key)} is not valid UTF-8") from None


def _what(key: str | None) -> str:
    return "a parameter name" if key is None else f"parameter {key!r}"
