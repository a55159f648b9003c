"""The blueprint and its one view: URL -> picture.

The request flows one way: find the spec by guid -> check the signature ->
decode the values -> (304 or cache hit, without the generator) -> call the
generator -> encode -> conditional response.
"""

from __future__ import annotations

import hashlib
import re
import traceback
import typing as t

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import is_resource_modified

from . import render, urls
from .exceptions import BadSignature, QueryTooLong, UnknownImage

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .registry import ImageSpec
    from .state import AppState

__all__ = ["BLUEPRINT", "ENDPOINT", "create_blueprint"]

BLUEPRINT = "dash_images"
ENDPOINT = f"{BLUEPRINT}.image"
ROUTE = "/image_generator/"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def create_blueprint() -> Blueprint:
    """A complete blueprint; register it on as many apps as you like."""
    blueprint = Blueprint(BLUEPRINT, __name__)
    blueprint.add_url_rule(f"{ROUTE}<guid>.<ext>", "image", serve_image)
    # Everything else under the route is ours too: a 404, not Dash's page.
    blueprint.add_url_rule(f"{ROUTE}<path:rest>", "unknown", not_found)
    blueprint.add_url_rule(ROUTE, "unknown", not_found, defaults={"rest": ""})
    return blueprint


def not_found(rest: str) -> t.NoReturn:
    raise UnknownImage("no such image")


def serve_image(guid: str, ext: str) -> Response:
    state: AppState = current_app.extensions["dash_images"]
    spec = state.extension.registry.get(guid)
    if spec is None or spec.extension != ext:
        raise UnknownImage("no such image")
    environ = request.environ
    query_string = request.query_string
    if len(query_string) > state.max_url_length:
        raise QueryTooLong(f"the query is longer than {state.max_url_length} bytes")

    query, signature = urls.split_signature(query_string)
    if not state.signature_ok(f"{guid}.{ext}", query, signature):
        raise BadSignature("the URL's signature is missing or wrong")

    values, version = urls.decode_query(query, spec.params, spec.required)
    fmt = (
        render.negotiate(request.accept_mimetypes)
        if spec.format == "auto"
        else render.FORMATS[spec.format]
    )

    etag = None
    data = None
    if spec.deterministic:
        # All the picture depends on: the URL's canonical form and the format.
        canonical = urls.encode_query(list(values), list(values.values()), version)
        key = f"{guid}.{fmt.name}?{canonical}"
        etag = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
        if _not_modified(environ, etag):
            return Response(status=304, headers=spec.headers(etag))
        if spec.cached and state.cache is not None:
            data = _cache_get(state, key)
    if data is None:
        data = _render(spec, values, fmt, state.max_pixels)
        if spec.cached and state.cache is not None:
            _cache_set(state, key, data, spec.cache_timeout)
    if etag is None:
        etag = hashlib.blake2b(data, digest_size=16).hexdigest()
        if _not_modified(environ, etag):
            return Response(status=304, headers=spec.headers(etag))
    return Response(data, mimetype=fmt.mimetype, headers=spec.headers(etag))


def _not_modified(environ: WSGIEnvironment, etag: str) -> bool:
    # Only If-None-Match can match: the route sends no Last-Modified.
    return "HTTP_IF_NONE_MATCH" in environ and not is_resource_modified(
        environ, etag=etag
    )


def _render(
    spec: ImageSpec,
    values: t.Mapping[str, t.Any],
    fmt: render.Format,
    max_pixels: int,
) -> bytes:
    try:
        return render.encode(spec.call(values), fmt, spec.encoder_options, max_pixels)
    except HTTPException:
        raise
    except Exception as error:
        current_app.logger.error(
            "Image generator %s failed\n%s", spec.label, describe(error)
        )
        raise InternalServerError() from None


def describe(error: BaseException) -> str:
    """A traceback for the log in which the request's data cannot forge lines.

    The frames come from code; the exception's message may quote values from
    the URL, so its control characters (newlines included) are escaped.
    """
    trace = traceback.TracebackException.from_exception(error)
    frames = "".join(trace.stack.format())
    message = "".join(trace.format_exception_only()).rstrip("\n")
    escaped = _CONTROL.sub(lambda m: repr(m.group())[1:-1], message)
    return f"Traceback (most recent call last):\n{frames}{escaped}"


def _cache_get(state: AppState, key: str) -> bytes | None:
    try:
        return t.cast("bytes | None", state.cache.get(_cache_key(key)))  # type: ignore[union-attr]
    except Exception:
        # A cache that is down costs speed, never a request.
        current_app.logger.warning("Image cache get failed", exc_info=True)
        return None


def _cache_set(state: AppState, key: str, data: bytes, timeout: int | None) -> None:
    try:
        state.cache.set(_cache_key(key), data, timeout=timeout)  # type: ignore[union-attr]
    except Exception:
        current_app.logger.warning("Image cache set failed", exc_info=True)


def _cache_key(key: str) -> str:
    # Short, fixed-length keys whatever the values (memcached allows 250 bytes).
    return (
        "dash_images:"
        + hashlib.blake2b(key.encode("utf-8"), digest_size=20).hexdigest()
    )
