"""An app to put behind a caching proxy, configured from the environment.

Serve it with ``gunicorn 'tests.apps.cdn_app:create_app()'``; tests build
the same app in their own process to make (signed) URLs as another host would.

Its plain Flask generators all draw :func:`tile` and are deterministic; they
differ only in what they let a shared cache do:

``public_tile``
    ``public=True, max_age=60``: a proxy may keep it for everyone.
``private_tile``
    ``max_age=60``, ``private`` (the default): only the browser may keep it.
``secret_tile``
    as ``private_tile``, behind the sign-in below.
``secret_public_tile``
    behind the sign-in *and* ``public=True``: the mistake, for the tests that
    show what it would cost.
``auto_tile``
    ``format="auto"`` (WebP or PNG by the Accept header), public.
``brief_tile``
    public, ``max_age=1``: soon stale, so a proxy revalidates it.
``slow_tile``
    public, a :func:`tile` drawn after ``seconds`` (at most 2) of sleep.

All but ``slow_tile`` may be downloaded as PNG or PDF (:data:`DOWNLOADS`).

The sign-in guards every path under ``/image_generator/secret`` (a
``before_request`` guard, as the README's recipe): HTTP Basic credentials
(``alice`` / ``alice-password``, as dash-auth's ``BasicAuth`` sends them), or
a session cookie from ``/login?user=alice&password=alice-password``; anything
else is 401.

Environment (all optional):

``CDN_APP_SECRET_KEY``
    the app's ``SECRET_KEY`` (the session cookie; image URLs are signed),
    ``"cdn-app"`` by default.
``CDN_APP_VERSION``
    ``DASH_IMAGES_VERSION``: the version URLs carry (``_v``); a server
    serves another version's URL ``no-store``.
``CDN_APP_CACHE``, ``CDN_APP_CACHE_PREFIX``
    a ``redis://`` URL: a RedisCache shared by every worker and instance
    (with socket timeouts of 0.5 s), and its key prefix.
``CDN_APP_CALLS``
    a file each generator call appends ``<generator> <pid> <colour>`` to.
``CDN_APP_REQUESTS``
    a file each request the app answers appends ``<pid> <status> <path?query>``
    to: what reached the app, whatever a proxy in front says.
"""

from __future__ import annotations

import functools
import os
import time
import typing as t

from flask import Flask, Response, request, session
from PIL import Image

from flask_dash_images import DynamicImages

#: Who may see the secret pictures, and their passwords.
USERS = {"alice": "alice-password"}
#: The longest ``seconds`` :func:`slow_tile` sleeps.
MAX_SLOW = 2.0
#: Where the guarded pictures live.
GUARDED = "/image_generator/secret"
#: Every tile but the slow one may be downloaded, named by its size.
DOWNLOADS: dict[str, t.Any] = {
    "export": ("png", "pdf"),
    "filename": "tile-{width}x{height}",
}


def create_app(environ: t.Mapping[str, str] | None = None) -> Flask:
    """A Flask app with the generators above, set up from ``environ``
    (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    app = Flask(__name__)
    app.config["SECRET_KEY"] = environ.get("CDN_APP_SECRET_KEY") or "cdn-app"
    if environ.get("CDN_APP_VERSION"):
        app.config["DASH_IMAGES_VERSION"] = environ["CDN_APP_VERSION"]
    calls_file = environ.get("CDN_APP_CALLS") or None
    requests_file = environ.get("CDN_APP_REQUESTS") or None

    images = DynamicImages(app, cache=_cache(environ))
    pictures: dict[str, dict[str, t.Any]] = {
        "public_tile": {"public": True, "max_age": 60},
        "private_tile": {"max_age": 60},
        "secret_tile": {"max_age": 60},
        "secret_public_tile": {"public": True, "max_age": 60},
        "auto_tile": {"public": True, "max_age": 60, "format": "auto"},
        "brief_tile": {"public": True, "max_age": 1},
    }
    for name, options in pictures.items():
        images.generator(name=name, deterministic=True, **options, **DOWNLOADS)(
            _recorded(name, tile, calls_file)
        )
    images.generator(name="slow_tile", deterministic=True, public=True, max_age=60)(
        _recorded("slow_tile", slow_tile, calls_file)
    )

    @app.before_request
    def sign_in_required() -> Response | None:
        if request.path.startswith(GUARDED) and signed_in_user() is None:
            return Response(
                "sign in first\n",
                401,
                {"WWW-Authenticate": 'Basic realm="pictures"'},
                mimetype="text/plain",
            )
        return None

    @app.after_request
    def record_request(response: Response) -> Response:
        response.headers["X-Served-By"] = str(os.getpid())
        if requests_file is not None:
            line = f"{os.getpid()} {response.status_code} {request.full_path}\n"
            with open(requests_file, "a", encoding="utf-8") as log:
                log.write(line)
        return response

    @app.route("/")
    def index() -> str:
        return "ok\n"

    @app.route("/login")
    def login() -> tuple[str, int]:
        user = request.args.get("user", "")
        if USERS.get(user) != request.args.get("password"):
            return "wrong user or password\n", 401
        session["user"] = user
        return f"signed in as {user}\n", 200

    return app


def signed_in_user() -> str | None:
    """The user the request is signed in as: Basic credentials first (which
    leave the session untouched), then the session cookie."""
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        if auth.username in USERS and USERS[auth.username] == auth.password:
            return auth.username
        return None
    user = session.get("user")
    return user if user in USERS else None


def tile(colour: str, width: int, height: int) -> Image.Image:
    """``width`` x ``height`` pixels of one colour."""
    return Image.new("RGB", (width, height), colour)


def slow_tile(colour: str, width: int, height: int, seconds: float) -> Image.Image:
    """A :func:`tile` drawn after ``seconds`` (at most :data:`MAX_SLOW`) of sleep."""
    time.sleep(min(float(seconds), MAX_SLOW))
    return tile(colour, width, height)


def _recorded(
    name: str, function: t.Callable[..., t.Any], calls_file: str | None
) -> t.Callable[..., t.Any]:
    """``function``, appending ``<name> <pid> <colour>`` to ``calls_file``
    at each call; a new object (same signature) for each registration."""

    @functools.wraps(function)
    def record(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if calls_file is not None:
            # O_APPEND: one short write per line, whole, whatever the worker.
            with open(calls_file, "a", encoding="utf-8") as log:
                log.write(f"{name} {os.getpid()} {kwargs.get('colour')}\n")
        return function(*args, **kwargs)

    return record


def _cache(environ: t.Mapping[str, str]) -> t.Any:
    url = environ.get("CDN_APP_CACHE")
    if not url:
        return None
    if not url.startswith("redis://"):
        raise ValueError(f"CDN_APP_CACHE must be a redis:// URL: {url!r}")
    from flask_caching import Cache

    return Cache(
        config={
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_KEY_PREFIX": environ.get("CDN_APP_CACHE_PREFIX", "cdn_app:"),
            "CACHE_DEFAULT_TIMEOUT": 300,
            "CACHE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    )


# -- for the tests and benchmarks that use this app ----------------------------


def url_for(app: Flask, name: str, **params: t.Any) -> str:
    """A picture's URL (signed), as ``app`` builds it."""
    images = app.extensions["dash_images"].extension
    with app.test_request_context():
        return t.cast(str, images.url_for(name, **params))


def read_lines(path: str | os.PathLike[str]) -> list[list[str]]:
    """The lines of ``CDN_APP_CALLS`` or ``CDN_APP_REQUESTS``, split."""
    with open(path, encoding="utf-8") as lines:
        return [line.split() for line in lines]
