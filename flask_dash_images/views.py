"""The HTTP adapter: request -> render service -> response.

The request flows one way: find the spec by guid -> check the signature ->
decode the values -> 304 when the URL alone tells (deterministic) -> the
render service (cache, single-flight, slots, generator, encode) ->
conditional response. Only this module knows Flask's request.
"""

from __future__ import annotations

import hashlib
import typing as t

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import is_resource_modified
from werkzeug.routing import PathConverter

from . import render, urls
from .exceptions import GeneratorFailed, UnknownImage
from .logs import describe

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .service import Picture
    from .state import AppState

__all__ = ["BLUEPRINT", "ROUTE", "create_blueprint"]

BLUEPRINT = urls.BLUEPRINT
ROUTE = urls.ROUTE
_ANYTHING = "dash_images_anything"


class _Anything(PathConverter):
    # werkzeug's path converter needs a first character that is not "/", so
    # "/image_generator//x" would fall through to a catch-all (Dash's page).
    regex = r"[\s\S]*"  # line breaks too: "." would miss them
    part_isolating = False


def create_blueprint() -> Blueprint:
    """A complete blueprint; register it on as many apps as you like."""
    blueprint = Blueprint(BLUEPRINT, __name__)
    blueprint.record_once(_add_converter)
    blueprint.add_url_rule(f"{ROUTE}<guid>.<ext>", "image", serve_image)
    # Everything else under the route is ours too: a 404, not Dash's page.
    blueprint.add_url_rule(
        f"{ROUTE}<{_ANYTHING}:rest>", "unknown", not_found, merge_slashes=False
    )
    # Ours, not the app's: Dash's debug handler would make every one a 500.
    blueprint.register_error_handler(HTTPException, _keep_status)
    blueprint.register_error_handler(GeneratorFailed, _generator_failed)
    return blueprint


def _add_converter(setup: t.Any) -> None:
    app: Flask = setup.app
    app.url_map.converters.setdefault(_ANYTHING, _Anything)


def not_found(rest: str) -> t.NoReturn:
    raise UnknownImage("no such image")


def _keep_status(error: HTTPException) -> HTTPException:
    return error


def _generator_failed(error: GeneratorFailed) -> Response | HTTPException:
    if not current_app.debug:
        return InternalServerError()
    # Debug mode: what a developer needs, in the response they are looking at.
    cause = error.__cause__ if error.__cause__ is not None else error
    body = f"500 Internal Server Error: {error}\n\n{describe(cause)}\n"
    return Response(
        body,
        status=500,
        mimetype="text/plain",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def serve_image(guid: str, ext: str) -> Response:
    state: AppState = current_app.extensions["dash_images"]
    environ = request.environ
    # What request.query_string is, without its cached property's cost.
    query_string = environ.get("QUERY_STRING", "").encode("latin-1")
    spec, values, version = state.read_url(guid, ext, query_string, request.blueprint)
    fmt = (
        render.negotiate(request.accept_mimetypes)
        if spec.format == "auto"
        else render.FORMATS[spec.format]
    )
    # Another version's URL (a rolling deploy, or made up) gets this server's
    # drawing: never stored, never under that version's ETag.
    current = version == state.version_for(spec)

    etag = key = None
    if spec.deterministic:
        # All the picture depends on: the URL's canonical form and the format.
        canonical = urls.encode_query(list(values), list(values.values()), version)
        key = f"{guid}.{fmt.name}?{canonical}"
        if current:
            etag = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
            if _not_modified(environ, etag):
                return Response(status=304, headers=spec.headers(etag))
    picture = state.service.picture(
        spec, values, fmt, key, store=current and spec.cached
    )
    if etag is None:
        etag = hashlib.blake2b(picture.data, digest_size=16).hexdigest()
        if _not_modified(environ, etag):
            return Response(status=304, headers=spec.headers(etag, current))
    headers = spec.headers(etag, current)
    headers.append(("Server-Timing", _server_timing(picture)))
    return Response(picture.data, mimetype=fmt.mimetype, headers=headers)


def _not_modified(environ: WSGIEnvironment, etag: str) -> bool:
    # Only If-None-Match can match: the route sends no Last-Modified.
    return "HTTP_IF_NONE_MATCH" in environ and not is_resource_modified(
        environ, etag=etag
    )


def _server_timing(picture: Picture) -> str:
    metrics = [f"{name};dur={seconds * 1000:.3f}" for name, seconds in picture.timings]
    if picture.hit:
        metrics.append('hit;desc="server cache"')
    elif picture.shared:
        metrics.append('shared;desc="rendered for a concurrent request"')
    return ", ".join(metrics)
