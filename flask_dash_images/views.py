"""The HTTP adapter: request -> render service -> response.

The request flows one way: find the spec by guid -> check the signature ->
decode the values -> 304 when the URL alone tells (deterministic) -> the
render service (cache, single-flight, slots, generator, encode) ->
conditional response. Only this module knows Flask's request.

:func:`serve_image` serves the route wherever it is: at the app's root (this
module's blueprint) and under each Dash app's prefix (the Dash side adds it
there through Dash's own route hook). Which pictures a prefix serves is the
app's state's to say, from the rule that matched. It answers its errors
itself, so no app-wide error handler (Dash's debug one turns every exception
into a 500) changes their status.
"""

from __future__ import annotations

import hashlib
import typing as t
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import dump_options_header, is_resource_modified
from werkzeug.routing import PathConverter
from werkzeug.wrappers import Response as BaseResponse

from .core import coordinates, export, render, urls, vector
from .core.logs import describe
from .core.service import map_key
from .exceptions import BadParameter, GeneratorFailed, UnknownImage
from .state import EXTENSION_KEY

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .core.service import Picture
    from .core.spec import ImageSpec
    from .state import AppState

__all__ = [
    "BLUEPRINT",
    "FAILURE",
    "MAP_HEADER",
    "ROUTE",
    "create_blueprint",
    "serve_image",
]

BLUEPRINT = urls.BLUEPRINT
ROUTE = urls.ROUTE
#: The request environ's key under which a failed picture's error is left
#: (the generator's exception, or the 4xx): the debug probe reads it.
FAILURE = "flask_dash_images.failure"
#: The response header with a picture's coordinate map (``events=``), or
#: the map's id when it is larger than a header should be.
MAP_HEADER = "X-Dash-Images-Map"
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
    return blueprint


def _add_converter(setup: t.Any) -> None:
    app: Flask = setup.app
    app.url_map.converters.setdefault(_ANYTHING, _Anything)


def not_found(rest: str) -> BaseResponse:
    return UnknownImage("no such image").get_response()


def _generator_failed(error: GeneratorFailed) -> BaseResponse:
    if not current_app.debug:
        return InternalServerError().get_response()
    # Debug mode: what a developer needs, in the response they are looking at.
    cause = error.__cause__ if error.__cause__ is not None else error
    body = f"500 Internal Server Error: {error}\n\n{describe(cause)}\n"
    return Response(
        body,
        status=500,
        mimetype="text/plain",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def serve_image(guid: str, ext: str) -> BaseResponse:
    """The picture ``<guid>.<ext>`` for the request's query, or the error."""
    try:
        return _serve(guid, ext)
    except HTTPException as error:
        request.environ[FAILURE] = error
        return error.get_response(request.environ)
    except GeneratorFailed as error:
        request.environ[FAILURE] = error.__cause__ or error
        return _generator_failed(error)


def _serve(guid: str, ext: str) -> Response:
    state: AppState | None = current_app.extensions.get(EXTENSION_KEY)
    # The request itself, once, rather than through its proxy each time.
    asked = request._get_current_object()  # type: ignore[attr-defined]
    rule = asked.url_rule
    if state is None or rule is None:
        raise UnknownImage("no such image")
    environ = asked.environ
    # What request.query_string is, without its cached property's cost.
    query_string = environ.get("QUERY_STRING", "").encode("latin-1")
    found_id = None
    if ext == urls.MAP_EXTENSION:  # the picture's query, and the map named
        query_string, found_id = urls.split_map(query_string)
    # The rule is "<prefix>image_generator/<guid>.<ext>": this prefix's
    # pictures only, whichever of two rules for one path matched.
    spec, values, version, download = state.read_url(guid, ext, query_string, rule.rule)
    if download is not None:
        return _serve_download(state, spec, values, version, download)
    if ext == urls.MAP_EXTENSION:
        return _serve_map(state, spec, values, version, found_id)
    fmt = (
        render.negotiate(request.accept_mimetypes)
        if spec.format == "auto"
        else render.FORMATS[spec.format]
    )
    # Another version's URL (a rolling deploy, or made up) gets this server's
    # drawing: never stored, never under that version's ETag.
    current = version == state.version_for(spec)

    etag = key = canonical = None
    if spec.deterministic:
        # All the picture depends on: the URL's canonical form and the format.
        canonical = _canonical(values, version)
        key = _key(guid, fmt.name, canonical)
        if current:
            etag = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
            if _not_modified(environ, etag):
                return Response(status=304, headers=spec.headers(etag))
    picture = state.service.picture(
        spec, values, fmt.name, key, store=current and spec.cached
    )
    if picture.map is not None and current and not (picture.hit or picture.shared):
        _keep_map(state, spec, picture.map, canonical)
    if etag is None:
        etag = hashlib.blake2b(picture.data, digest_size=16).hexdigest()
        if _not_modified(environ, etag):
            return Response(status=304, headers=spec.headers(etag, current))
    headers = spec.headers(etag, current)
    timing = _server_timing(picture)
    if picture.map is not None:
        # How its pixels stand for data, for the page script when someone
        # points at it: from this very response in the browser's cache (a
        # small map), or at the map URL, naming the map by its id (which the
        # page also finds in the browser's resource timing; so does a small
        # map when the response varies on Accept and cannot be read back).
        found_id = coordinates.map_id(picture.map)
        said = picture.map if coordinates.in_header(picture.map) else found_id
        headers.append((MAP_HEADER, found_id if spec.format == "auto" else said))
        timing += f', map;desc="{_quoted(said if spec.format == "auto" else found_id)}"'
    headers.append(("Server-Timing", timing))
    return Response(picture.data, mimetype=fmt.mimetype, headers=headers)


def _canonical(
    values: dict[str, t.Any], version: str | None, download: bool = False
) -> str:
    """The query's canonical form: what a deterministic picture depends on."""
    return urls.encode_query(
        list(values), list(values.values()), version, download=download
    )


def _key(guid: str, ext: str, canonical: str) -> str:
    """A deterministic picture's key (single-flight, server cache, ETag):
    its canonical query in one format, a download's format or its map."""
    return f"{guid}.{ext}?{canonical}"


def _keep_map(
    state: AppState, spec: ImageSpec, found: str, canonical: str | None
) -> None:
    """Keep a picture's map for map requests: a deterministic one's always
    (under its map's key: the map of every raster encoding of one figure is
    the same), another's where the page may ask for it (a map too large for
    the header, or a response it cannot read back)."""
    if canonical is not None:
        key = _key(spec.guid, urls.MAP_EXTENSION, canonical)
        state.service.keep_map(spec, found, key)
    elif spec.format == "auto" or not coordinates.in_header(found):
        state.service.keep_map(spec, found)


def _serve_map(
    state: AppState,
    spec: ImageSpec,
    values: dict[str, t.Any],
    version: str | None,
    found_id: str | None,
) -> Response:
    """A map request: the coordinate map of the picture for these values,
    drawn but never encoded. The page names the map it saw (``_map=<id>``,
    in the URL, so that caches keep each map apart): any other is no map of
    this URL (404), and a non-deterministic picture's must be named (400),
    for a new drawing of it may be another picture. The id is the map's
    ETag: the page's copy is revalidated without a drawing."""
    current = version == state.version_for(spec)
    if found_id is not None and _not_modified(request.environ, found_id):
        return Response(status=304, headers=_variant_headers(spec, found_id, current))
    # The map of a raster picture is the same in any raster format.
    fmt = render.FORMATS["png" if spec.format == "auto" else spec.format]
    if spec.deterministic:
        key = _key(spec.guid, urls.MAP_EXTENSION, _canonical(values, version))
        store = current and spec.cached
    elif found_id is None:
        raise BadParameter(
            f"name the map of the picture shown ({urls.MAP}=<its id>): a new"
            " drawing of a non-deterministic picture may be another"
        )
    else:
        key = map_key(spec.guid, found_id)
        store = current and spec.cache_timeout is not False
    answer = state.service.coordinate_map(spec, values, fmt, key, store)
    assert answer.map is not None  # a picture with events has a map
    etag = coordinates.map_id(answer.map)
    if found_id is not None and found_id != etag:
        raise UnknownImage("the picture drawn now has another map")
    headers = _variant_headers(spec, etag, current)
    if _not_modified(request.environ, etag):
        return Response(status=304, headers=headers)
    headers.append(("Server-Timing", _server_timing(answer)))
    return Response(answer.map, mimetype="application/json", headers=headers)


def _quoted(text: str) -> str:
    # The inside of an HTTP quoted-string.
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _not_modified(environ: WSGIEnvironment, etag: str) -> bool:
    # Only If-None-Match can match: the route sends no Last-Modified.
    return "HTTP_IF_NONE_MATCH" in environ and not is_resource_modified(
        environ, etag=etag
    )


def _server_timing(picture: Picture) -> str:
    timings = picture.timings
    if len(timings) == 2 and not picture.shared:
        # A render, the common case: one format call.
        (first, a), (second, b) = timings
        return f"{first};dur={a * 1000:.3f}, {second};dur={b * 1000:.3f}"
    metrics = [f"{name};dur={seconds * 1000:.3f}" for name, seconds in timings]
    if picture.hit:
        metrics.append('hit;desc="server cache"')
    elif picture.shared:
        metrics.append('shared;desc="rendered for a concurrent request"')
    return ", ".join(metrics)


def _serve_download(
    state: AppState,
    spec: ImageSpec,
    values: dict[str, t.Any],
    version: str | None,
    name: str,
) -> Response:
    """A download: the picture as the format ``name`` of its ``export=``,
    as a file to save, cached and answered 304 as the picture is."""
    environ = request.environ
    current = version == state.version_for(spec)
    etag = key = None
    if spec.deterministic:
        key = _key(spec.guid, name, _canonical(values, version, download=True))
        if current:
            etag = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
            if _not_modified(environ, etag):
                return Response(
                    status=304, headers=_variant_headers(spec, etag, svg=name == "svg")
                )
    picture = state.service.download(
        spec, values, name, key, store=current and spec.cached
    )
    if etag is None:
        etag = hashlib.blake2b(picture.data, digest_size=16).hexdigest()
        if _not_modified(environ, etag):
            return Response(
                status=304,
                headers=_variant_headers(spec, etag, current, svg=name == "svg"),
            )
    headers = _variant_headers(spec, etag, current, svg=name == "svg")
    headers.append(("Server-Timing", _server_timing(picture)))
    headers.append(
        ("Content-Disposition", content_disposition(spec.download_name(values), name))
    )
    return Response(picture.data, mimetype=export.MIMETYPES[name], headers=headers)


def _variant_headers(
    spec: ImageSpec, etag: str, store: bool = True, svg: bool = False
) -> list[tuple[str, str]]:
    # A map's or a download's headers: the picture's caching ones, but its
    # format is the URL's, not the Accept header's, and only an SVG is sent
    # locked down.
    headers = [
        header
        for header in spec.headers(etag, store)
        if header[0] not in ("Vary", "Content-Security-Policy")
    ]
    if svg:
        headers.extend(vector.SECURITY_HEADERS)
    return headers


def content_disposition(stem: str, ext: str) -> str:
    """``attachment`` with the file name ``<stem>.<ext>``, for every client:
    an ASCII ``filename`` and the exact ``filename*`` (RFC 6266)."""
    name = f"{stem}.{ext}"
    return dump_options_header(
        "attachment",
        {
            "filename": f"{export.ascii_name(stem)}.{ext}",
            "filename*": f"UTF-8''{quote(name, safe=_ATTR_CHARS)}",
        },
    )


#: What RFC 5987 lets an ext-value keep as it is (attr-char).
_ATTR_CHARS = "!#$&+-.^_`|~"
