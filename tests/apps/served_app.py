"""An app for real servers (gunicorn, werkzeug), configured from the environment.

Serve it with ``gunicorn 'tests.apps.served_app:create_app()'``; tests build
the same app in their own process to make URLs as another host would.

Environment (all optional):

``SERVED_APP_SECRET_KEY``
    the app's ``SECRET_KEY``: plain image URLs are signed when it is set,
    the Dash swatch's too with ``DASH_IMAGES_SIGN = True``.
``SERVED_APP_SIGN_DASH``
    ``true`` sets ``DASH_IMAGES_SIGN = True`` (needs the key).
``SERVED_APP_SECRET_KEY_FALLBACKS``
    older keys, comma-separated (``SECRET_KEY_FALLBACKS``), still accepted.
``SERVED_APP_CACHE``
    ``simple`` for a SimpleCache, or a ``redis://`` URL for a RedisCache
    shared by every worker; no server cache without it.
``SERVED_APP_CACHE_PREFIX``
    the cache's key prefix, so tests sharing one Redis stay apart.
``SERVED_APP_CACHE_TIMEOUT``
    seconds the Redis client waits to connect and for each answer
    (``socket_timeout`` and ``socket_connect_timeout`` in ``CACHE_OPTIONS``),
    0.5 by default; ``none`` leaves both out of ``CACHE_OPTIONS``, which
    ``init_app`` refuses (a stalled Redis could hang every request).
``SERVED_APP_CACHE_RETRY``
    ``DASH_IMAGES_CACHE_RETRY``: seconds a failing cache is skipped.
``SERVED_APP_MAX_RENDERS``, ``SERVED_APP_RENDER_WAIT``
    ``DASH_IMAGES_MAX_RENDERS`` (generator calls at once per process) and
    ``DASH_IMAGES_RENDER_WAIT`` (seconds a request waits for a render slot,
    or for another request's render of the same picture).
``SERVED_APP_RENDER_TIMEOUT``
    ``DASH_IMAGES_RENDER_TIMEOUT``: seconds a render may take before its
    request gets a 503.
``SERVED_APP_RENDER_PROCESSES``, ``SERVED_APP_RENDER_MAX_TASKS``
    ``DASH_IMAGES_RENDER_PROCESSES`` (worker processes that draw; the
    generators are then called there, and the pids that ``SERVED_APP_CALLS``
    and ``SERVED_APP_SPANS`` record are theirs) and
    ``DASH_IMAGES_RENDER_MAX_TASKS`` (renders a worker process does before it
    is replaced).
``SERVED_APP_CALLS``
    a file each generator call appends ``<generator> <pid>`` to when it
    starts: a count of calls that every worker can add to and a test can read.
``SERVED_APP_SPANS``
    a file each generator call appends ``<generator> <pid> <start> <end>`` to
    when it returns (``time.monotonic()``, which every process on the machine
    shares): how many calls ran at once, see :func:`read_spans`.

The generators: ``swatch`` (the Dash callback's) and ``tile`` (plain Flask),
deterministic, one colour; ``plot``, a matplotlib figure, not deterministic;
``slow`` (not deterministic: every request calls it) and
``slow_deterministic`` (identical requests may share a call), a ``tile`` drawn
after ``seconds`` (at most 30) of sleep, or with ``spin=true`` of CPU time
burnt in Python (holding the GIL, as a pure-Python drawing would);
``stuck``, which never returns (it sleeps, a second at a time, for ever: give
the app a ``SERVED_APP_RENDER_TIMEOUT``, or the request and its thread stay
taken), and ``dies``, which kills its own process with SIGKILL, registered
only with ``SERVED_APP_RENDER_PROCESSES``, where that process is a render
worker (in the request's thread it would be the server's worker). Every
generator is a module-level function, which a render worker process gets by
its module and name; the wrapper that records calls, :class:`Recorded`, is a
module-level class for the same reason.

Besides the pictures, ``/pid`` answers the worker's pid, ``/health`` answers
``ok`` (neither draws), every response says which worker made it
(``X-Served-By``), and a request header
``X-Test-Delay: <seconds>`` (at most 2) holds a worker busy, so that
concurrent requests spread over the workers.

The helpers at the end say what the app draws and check answers against it:
:func:`params_for`, :func:`urls_for`, :func:`mismatch`, :func:`swatch_update`,
:func:`src_mismatch`; :func:`read_spans` and :func:`most_at_once` read
``SERVED_APP_SPANS``.
"""

from __future__ import annotations

import functools
import os
import signal
import time
import typing as t

from dash import Dash, Input, Output, State, dcc, html
from flask import Flask, Response, request
from PIL import Image

from flask_dash_images import DynamicImages
from flask_dash_images.dash.clientside import NEXT

if t.TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The longest ``X-Test-Delay`` honoured, in seconds.
MAX_DELAY = 2.0
#: The longest ``seconds`` the slow generators take.
MAX_SLOW = 30.0


def create_app(environ: t.Mapping[str, str] | None = None) -> Flask:
    """The Flask server of a Dash app with image generators, set up from
    ``environ`` (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    server = Flask(__name__)
    if environ.get("SERVED_APP_SECRET_KEY"):
        server.config["SECRET_KEY"] = environ["SERVED_APP_SECRET_KEY"]
    if environ.get("SERVED_APP_SECRET_KEY_FALLBACKS"):
        fallbacks = environ["SERVED_APP_SECRET_KEY_FALLBACKS"].split(",")
        server.config["SECRET_KEY_FALLBACKS"] = fallbacks
    if environ.get("SERVED_APP_SIGN_DASH") == "true":
        server.config["DASH_IMAGES_SIGN"] = True
    for name, key, kind in (
        ("SERVED_APP_CACHE_RETRY", "DASH_IMAGES_CACHE_RETRY", float),
        ("SERVED_APP_MAX_RENDERS", "DASH_IMAGES_MAX_RENDERS", int),
        ("SERVED_APP_RENDER_WAIT", "DASH_IMAGES_RENDER_WAIT", float),
        ("SERVED_APP_RENDER_TIMEOUT", "DASH_IMAGES_RENDER_TIMEOUT", float),
        ("SERVED_APP_RENDER_PROCESSES", "DASH_IMAGES_RENDER_PROCESSES", int),
        ("SERVED_APP_RENDER_MAX_TASKS", "DASH_IMAGES_RENDER_MAX_TASKS", int),
    ):
        if environ.get(name):
            server.config[key] = kind(environ[name])
    calls_file = environ.get("SERVED_APP_CALLS") or None
    spans_file = environ.get("SERVED_APP_SPANS") or None

    def recorded(function: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        if calls_file is None and spans_file is None:
            return function
        return Recorded(function, calls_file, spans_file)

    images = DynamicImages(server, cache=_cache(environ))
    # Registered here, not at import: each app gets its own extension, and
    # the guids still come from the code, the same in every process.
    images.callback(
        Output("swatch", "src"),
        Input("colour", "value"),
        Input("width", "value"),
        State("height", "value"),
        deterministic=True,
        # Built by a server callback: the load and scale-out tests post to
        # /_dash-update-component, as dash-renderer does for such callbacks.
        clientside=False,
    )(recorded(swatch))
    images.generator(name="tile", deterministic=True)(recorded(tile))
    images.generator(name="plot")(recorded(plot))
    images.generator(name="slow")(recorded(slow))
    images.generator(name="slow_deterministic", deterministic=True)(
        recorded(slow_deterministic)
    )
    images.generator(name="stuck")(recorded(stuck))
    if server.config.get("DASH_IMAGES_RENDER_PROCESSES"):
        images.generator(name="dies")(recorded(dies))

    dash_app = Dash(__name__, server=server)
    dash_app.layout = html.Div(
        [
            dcc.Input(id="colour", value="#336699"),
            dcc.Input(id="width", type="number", value=32),
            dcc.Input(id="height", type="number", value=24),
            html.Img(id="swatch"),
        ]
    )

    @server.before_request
    def hold() -> None:
        delay = request.headers.get("X-Test-Delay")
        if delay:
            time.sleep(min(float(delay), MAX_DELAY))

    @server.after_request
    def served_by(response: Response) -> Response:
        response.headers["X-Served-By"] = str(os.getpid())
        return response

    @server.route("/pid")
    def pid() -> str:
        return str(os.getpid())

    @server.route("/health")
    def health() -> str:
        return "ok"

    return server


def swatch(colour: str, width: int, height: int) -> Image.Image:
    """The Dash callback's picture: ``width`` x ``height`` of one colour."""
    return Image.new("RGB", (width, height), colour)


def tile(colour: str, width: int, height: int) -> Image.Image:
    """The plain Flask generator's picture: as :func:`swatch`."""
    return Image.new("RGB", (width, height), colour)


def plot(colour: str, width: int, height: int, seed: int = 0) -> Figure:
    """A matplotlib figure, ``width`` x ``height`` pixels on a ``colour``
    background, with a line drawn from ``seed``."""
    import numpy as np
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor=colour)
    axes = figure.add_axes((0.2, 0.2, 0.7, 0.6))
    axes.plot(np.random.default_rng(seed).random(50), linewidth=1)
    axes.set_xticks([0, 49])
    axes.set_yticks([0, 1])
    axes.tick_params(labelsize=5)
    axes.set_title(f"seed {seed}", fontsize=5)
    return figure


def slow(
    colour: str, width: int, height: int, seconds: float, spin: bool = False
) -> Image.Image:
    """A :func:`tile` that takes ``seconds`` (at most :data:`MAX_SLOW`):
    asleep, or with ``spin`` burning that much CPU time of its thread in
    Python, which holds the GIL as a pure-Python drawing would."""
    seconds = min(float(seconds), MAX_SLOW)
    if spin:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass
    else:
        time.sleep(seconds)
    return tile(colour, width, height)


def slow_deterministic(
    colour: str, width: int, height: int, seconds: float, spin: bool = False
) -> Image.Image:
    """:func:`slow`, registered as deterministic."""
    return slow(colour, width, height, seconds, spin)


def stuck(colour: str, width: int, height: int) -> Image.Image:
    """Never returns: sleeps a second at a time, for ever (a generator stuck
    on a call without a timeout)."""
    while True:
        time.sleep(1)


def dies(colour: str, width: int, height: int) -> Image.Image:
    """Kills its own process with SIGKILL (a crash in C, the OOM killer).
    Only for a render worker process: see ``SERVED_APP_RENDER_PROCESSES``."""
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


class Recorded:
    """``function``, appending a line to ``calls_file`` when a call starts
    and one to ``spans_file`` when it returns.

    The wrapper keeps the function's name and signature (so its guid and its
    parameters), and is a new object for each app. A class at the module's
    top level, not a closure, so that a render worker process gets it by
    pickle (its class by name, the function by name, the paths by value).
    """

    def __init__(
        self,
        function: t.Callable[..., t.Any],
        calls_file: str | None,
        spans_file: str | None,
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.calls_file = calls_file
        self.spans_file = spans_file

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        name = self.function.__name__
        # O_APPEND: one short write per line, whole, whatever the worker.
        if self.calls_file is not None:
            with open(self.calls_file, "a", encoding="utf-8") as log:
                log.write(f"{name} {os.getpid()}\n")
        start = time.monotonic()
        try:
            return self.function(*args, **kwargs)
        finally:
            if self.spans_file is not None:
                line = f"{name} {os.getpid()} {start} {time.monotonic()}"
                with open(self.spans_file, "a", encoding="utf-8") as log:
                    log.write(line + "\n")


def _cache(environ: t.Mapping[str, str]) -> t.Any:
    kind = environ.get("SERVED_APP_CACHE")
    if not kind:
        return None
    from flask_caching import Cache

    prefix = environ.get("SERVED_APP_CACHE_PREFIX", "served_app:")
    if kind == "simple":
        return Cache(config={"CACHE_TYPE": "SimpleCache"})
    if kind.startswith("redis://"):
        config = {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": kind,
            "CACHE_KEY_PREFIX": prefix,
            "CACHE_DEFAULT_TIMEOUT": 300,
        }
        timeout = environ.get("SERVED_APP_CACHE_TIMEOUT", "0.5")
        if timeout != "none":
            seconds = float(timeout)
            config["CACHE_OPTIONS"] = {
                "socket_timeout": seconds,
                "socket_connect_timeout": seconds,
            }
        return Cache(config=config)
    raise ValueError(f"SERVED_APP_CACHE must be 'simple' or a redis:// URL: {kind!r}")


# -- for the tests and benchmarks that use this app ----------------------------


def params_for(index: int, *, plot: bool = False) -> dict[str, t.Any]:
    """Parameters of a picture of its own for each ``index`` below 65536:
    a colour (which alone tells them apart) and a size."""
    red, green, blue = index % 256, (index // 256) % 256, (index * 37 + 11) % 256
    colour = f"#{red:02x}{green:02x}{blue:02x}"
    if plot:
        return {
            "colour": colour,
            "width": 60 + index % 41,
            "height": 40 + (index // 41) % 31,
            "seed": index,
        }
    return {"colour": colour, "width": 4 + index % 29, "height": 4 + (index // 29) % 23}


def urls_for(
    server: Flask, name: str, params: t.Iterable[t.Mapping[str, t.Any]]
) -> list[str]:
    """The URLs of a plain generator's pictures, as ``server`` builds them."""
    images = server.extensions["dash_images"].extension
    with server.test_request_context():
        return [images.url_for(name, **p) for p in params]


def swatch_update(
    callback: t.Mapping[str, t.Any], params: t.Mapping[str, t.Any]
) -> dict[str, t.Any]:
    """The body dash-renderer posts to ``/_dash-update-component`` for the
    swatch's URL, given the callback's entry in ``/_dash-dependencies``."""
    from tests.dash_browser import dep_spec, outputs_spec

    inputs = [params["colour"], params["width"]]
    return {
        "output": callback["output"],
        "outputs": outputs_spec(callback["output"], None),
        "inputs": [
            dep_spec(d, v) for d, v in zip(callback["inputs"], inputs, strict=True)
        ],
        "state": [dep_spec(callback["state"][0], params["height"])],
        "changedPropIds": ["colour.value"],
    }


def src_mismatch(answer: t.Any, params: t.Mapping[str, t.Any]) -> str | None:
    """What is wrong with the answer to :func:`swatch_update`, or ``None``."""
    # Built on the server: written on the image's NEXT for the page's relay.
    src = answer["response"]["swatch"][NEXT]["src"]
    path, _, query = src.partition("?")
    colour = params["colour"].replace("#", "%23")
    expected = (
        f"colour=%22{colour}%22&width={params['width']}&height={params['height']}"
    )
    if not path.startswith("/image_generator/") or (
        query.partition("&_sig=")[0] != expected
    ):
        return f"the URL {src!r} is not for {params}"
    return None


def mismatch(data: bytes, params: t.Mapping[str, t.Any]) -> str | None:
    """What is wrong with a PNG that should be the picture for ``params``
    (from any generator here), or ``None``."""
    import io

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:
        return f"not a picture ({error}): {data[:40]!r}"
    expected = Image.new("RGB", (1, 1), params["colour"]).getpixel((0, 0))
    size = (params["width"], params["height"])
    if image.format != "PNG" or image.size != size:
        return f"{image.format} {image.size}, expected PNG {size}"
    rgb = image.convert("RGB")
    if "seed" in params:
        # A figure: its background shows in the top corners.
        found = {rgb.getpixel((x, y)) for x in (0, size[0] - 1) for y in (0, 1)}
    else:
        found = {colour for _, colour in rgb.getcolors(size[0] * size[1]) or []}
    if found != {expected}:
        return f"colours {sorted(found)}, expected {expected}"
    return None


#: A request and what it asks for: ("POST", a Dash callback body, params) or
#: ("GET", an image URL, params).
Job = tuple[str, t.Any, t.Mapping[str, t.Any]]


def send(client: t.Any, job: Job) -> tuple[t.Any, str | None]:
    """Send ``job`` with ``client`` (an ``HttpClient``); the reply, and what
    is wrong with it or ``None``."""
    method, what, params = job
    if method == "POST":
        reply = client.post("/_dash-update-component", json=what)
    else:
        reply = client.get(what)
    if reply.status_code != 200:
        return reply, f"{what}: {reply.status_code} {reply.data[:200]!r}"
    if method == "POST":
        problem = src_mismatch(reply.get_json(), params)
    else:
        problem = mismatch(reply.data, params)
    return reply, None if problem is None else f"{what}: {problem}"


class Span(t.NamedTuple):
    """One generator call, from ``SERVED_APP_SPANS``."""

    generator: str
    pid: int
    start: float
    end: float


def read_spans(path: str | os.PathLike[str]) -> list[Span]:
    """The generator calls that have returned, in the order they returned."""
    with open(path, encoding="utf-8") as lines:
        return [
            Span(name, int(pid), float(start), float(end))
            for name, pid, start, end in map(str.split, lines)
        ]


def most_at_once(spans: t.Iterable[Span]) -> int:
    """The most calls among ``spans`` that were running at the same moment."""
    spans = list(spans)
    # Ends sort before starts at the same moment: they did not overlap.
    events = sorted(
        [(span.start, 1) for span in spans] + [(span.end, -1) for span in spans]
    )
    running = most = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most
