"""The blueprint and its one view: URL -> picture.

The request flows one way: find the spec by guid -> check the signature ->
decode the values -> call the generator -> encode -> conditional response.
"""

from __future__ import annotations

import hashlib
import typing as t

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from . import render, urls
from .exceptions import BadSignature, UnknownImage

if t.TYPE_CHECKING:
    from .registry import ImageSpec
    from .state import AppState

__all__ = ["BLUEPRINT", "ENDPOINT", "create_blueprint"]

BLUEPRINT = "dash_images"
ENDPOINT = f"{BLUEPRINT}.image"
ROUTE = "/image_generator/"


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

    query, signature = urls.split_signature(request.query_string)
    if state.signer is not None:
        payload = urls.signed_payload(f"{guid}.{ext}", query)
        if signature is None or not state.signer.verify_signature(payload, signature):
            raise BadSignature("the URL's signature is missing or wrong")

    values, _version = urls.decode_query(query, spec.params, spec.required)
    data = _render(spec, values)

    response = Response(data, mimetype=render.FORMATS[spec.format].mimetype)
    response.set_etag(hashlib.blake2b(data, digest_size=16).hexdigest())
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def _render(spec: ImageSpec, values: t.Mapping[str, t.Any]) -> bytes:
    try:
        return render.encode(spec.call(values), render.FORMATS[spec.format], {})
    except HTTPException:
        raise
    except Exception:
        current_app.logger.exception("Image generator %s failed", spec.label)
        raise InternalServerError() from None
