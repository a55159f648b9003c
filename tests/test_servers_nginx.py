"""A proven CDN path: nginx (Debian's) caching in front of two gunicorn
instances that share a Redis cache.

nginx runs the README's settings (:data:`tests.nginx.PROXY_LOCATION`):
``proxy_cache`` with no ``proxy_cache_valid``, so it keeps only what the
app's headers let a shared cache keep; no ``proxy_cache_key`` tricks, no
bypass rules. What keeps private and signed-in pictures out of its cache is
the extension's ``Cache-Control``.

Each test gets its own nginx (an empty cache); the upstreams are shared by
the module, and each test asks for pictures of its own colour.
"""

from __future__ import annotations

import base64
import concurrent.futures
import time
import uuid

import pytest

from .apps.cdn_app import create_app, read_lines, url_for
from .http_load import HttpClient
from .servers import ServerGroup

pytest_plugins = ["tests.servers", "tests.nginx"]
pytestmark = [pytest.mark.servers, pytest.mark.redis, pytest.mark.nginx]

APP = "tests.apps.cdn_app:create_app()"
SIZE = {"width": 6, "height": 4}
ALICE = {"Authorization": "Basic " + base64.b64encode(b"alice:alice-password").decode()}
PNG = b"\x89PNG\r\n\x1a\n"
WEBP = b"RIFF"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory, redis_server, nginx_executable):
    """Two gunicorn instances (gthread, as the README recommends) sharing one
    Redis, and an app configured as theirs, to build URLs. (Only if there is
    an nginx to put in front of them.)"""
    directory = tmp_path_factory.mktemp("cdn")
    env = {
        "CDN_APP_SECRET_KEY": "cdn-secret",
        "CDN_APP_VERSION": "1",
        "CDN_APP_CACHE": redis_server,
        "CDN_APP_CACHE_PREFIX": f"{uuid.uuid4().hex}:",
        "CDN_APP_CALLS": str(directory / "calls.log"),
        "CDN_APP_REQUESTS": str(directory / "requests.log"),
    }
    for name in ("calls.log", "requests.log"):
        (directory / name).touch()
    with ServerGroup(directory) as group:
        instances = [
            group.gunicorn(APP, workers=1, worker_class="gthread", threads=4, env=env)
            for _ in range(2)
        ]
        yield Upstream(instances, env)


class Upstream:
    """The gunicorn instances, and what reached them."""

    def __init__(self, instances, env):
        self.instances = instances
        self.env = env
        self.app = create_app(env)
        self.addresses = {server.url.removeprefix("http://") for server in instances}

    def url(self, name, colour, **params):
        return url_for(self.app, name, colour=colour, **{**SIZE, **params})

    def calls(self, colour):
        """The generators called for pictures of ``colour``, in any instance."""
        lines = read_lines(self.env["CDN_APP_CALLS"])
        return [name for name, _, called_for in lines if called_for == colour]

    def requests(self, url):
        """The status of every request for ``url`` that reached an instance."""
        lines = read_lines(self.env["CDN_APP_REQUESTS"])
        return [int(status) for _, status, path in lines if path == url]


def get(server, url, headers=None):
    with HttpClient(server.url) as client:
        return client.get(url, headers=headers)


def test_a_public_picture_is_drawn_once_then_served_from_nginx(upstream, nginx_server):
    nginx = nginx_server(*upstream.instances)
    url = upstream.url("public_tile", "#0a0b0c")

    first = get(nginx, url)
    assert first.status_code == 200 and first.data.startswith(PNG)
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = [get(nginx, url) for _ in range(3)]
    assert [r.headers["X-Cache-Status"] for r in again] == ["HIT"] * 3
    assert {r.data for r in again} == {first.data}
    assert {r.headers["ETag"] for r in again} == {first.headers["ETag"]}

    # nginx asked an instance once; the others it answered alone.
    entries = nginx.wait_for_log(4, url)
    assert [(e.cache, bool(e.upstream)) for e in entries] == [
        ("MISS", True),
        ("HIT", False),
        ("HIT", False),
        ("HIT", False),
    ]
    assert upstream.requests(url) == [200]
    assert upstream.calls("#0a0b0c") == ["public_tile"]
    # Both instances hold it through Redis: asked directly, neither draws it.
    for server in upstream.instances:
        direct = get(server, url)
        assert direct.data == first.data
        assert 'hit;desc="server cache"' in direct.headers["Server-Timing"]
    assert upstream.calls("#0a0b0c") == ["public_tile"]


@pytest.mark.parametrize(
    ("name", "version", "cache_control"),
    [
        ("private_tile", "1", "private, max-age=60"),
        # A rolling deploy: a URL of another version than the servers'.
        ("public_tile", "2", "no-store"),
    ],
    ids=["private", "another-version"],
)
def test_nginx_never_keeps_what_the_app_does_not_let_it(
    upstream, nginx_server, name, version, cache_control
):
    nginx = nginx_server(*upstream.instances)
    colour = "#1a1b1c" if version == "1" else "#2a2b2c"
    other = create_app({**upstream.env, "CDN_APP_VERSION": version})
    url = url_for(other, name, colour=colour, **SIZE)

    replies = [get(nginx, url) for _ in range(4)]
    assert [r.status_code for r in replies] == [200] * 4
    assert len({r.data for r in replies}) == 1
    statuses = [r.headers.get("X-Cache-Status") for r in replies]
    assert statuses == ["MISS"] * 4
    # Every request went through to an instance, taking turns.
    assert upstream.requests(url) == [200] * 4
    entries = nginx.wait_for_log(4, url)
    assert len(entries) == 4
    assert all(e.upstream and e.cache == "MISS" for e in entries), entries
    assert {e.upstream for e in entries} == upstream.addresses
    # Because the app said so.
    assert {r.headers["Cache-Control"] for r in replies} == {cache_control}


def alice_headers(nginx, sign_in):
    """Alice's credentials: HTTP basic, or the cookie of a session she signs
    in to (through nginx, which must not keep that answer)."""
    if sign_in == "basic":
        return ALICE
    login = get(nginx, "/login?user=alice&password=alice-password")
    assert login.status_code == 200
    assert login.headers["X-Cache-Status"] == "MISS"
    return {"Cookie": login.headers["Set-Cookie"].partition(";")[0]}


@pytest.mark.parametrize("sign_in", ["basic", "session"])
def test_a_signed_in_picture_never_reaches_another_user(
    upstream, nginx_server, sign_in
):
    nginx = nginx_server(*upstream.instances)
    colour = "#3a3b3c" if sign_in == "basic" else "#4a4b4c"
    url = upstream.url("secret_tile", colour)
    alice = alice_headers(nginx, sign_in)

    mine = [get(nginx, url, alice) for _ in range(2)]
    assert [r.status_code for r in mine] == [200, 200]
    assert mine[0].data.startswith(PNG) and mine[1].data == mine[0].data

    # Bob, with no credentials or wrong ones, asks for the same URL.
    wrong = {"Authorization": "Basic " + base64.b64encode(b"alice:guess").decode()}
    for headers in (None, wrong):
        bob = get(nginx, url, headers)
        assert bob.status_code == 401, (bob.headers.get("X-Cache-Status"), bob.data[:8])
        assert bob.data == b"sign in first\n"
        assert bob.headers["X-Cache-Status"] == "MISS"

    # Every one of the four requests was answered by the app itself.
    assert upstream.requests(url) == [200, 200, 401, 401]
    entries = nginx.wait_for_log(4, url)
    assert [e.status for e in entries] == [200, 200, 401, 401]
    assert all(e.upstream and e.cache == "MISS" for e in entries), entries
    # Because the app said so.
    assert {r.headers["X-Cache-Status"] for r in mine} == {"MISS"}
    assert {r.headers["Cache-Control"] for r in mine} == {"private, max-age=60"}


@pytest.mark.parametrize(
    ("sign_in", "bob_gets"),
    [
        # Nothing else in the response stops nginx: Bob gets Alice's picture.
        ("basic", 200),
        # Flask's session adds "Vary: Cookie", which nginx honours: one copy
        # per cookie, so Bob, without one, still reaches the app.
        ("session", 401),
    ],
)
def test_public_true_is_what_would_leak_a_signed_in_picture(
    upstream, nginx_server, sign_in, bob_gets
):
    # The control for the test above: the same picture marked public=True,
    # the mistake the README warns about. Pinned, so that the test above
    # is known to be able to fail.
    nginx = nginx_server(*upstream.instances)
    colour = "#5a5b5c" if sign_in == "basic" else "#6a6b6c"
    url = upstream.url("secret_public_tile", colour)
    alice = alice_headers(nginx, sign_in)

    mine = get(nginx, url, alice)
    assert mine.status_code == 200
    assert mine.headers["Cache-Control"] == "public, max-age=60"
    bob = get(nginx, url)
    assert bob.status_code == bob_gets
    if bob_gets == 200:
        assert "Vary" not in mine.headers
        assert bob.headers["X-Cache-Status"] == "HIT" and bob.data == mine.data
        assert upstream.requests(url) == [200]
    else:
        assert mine.headers["Vary"] == "Cookie"
        assert bob.headers["X-Cache-Status"] == "MISS"
        assert upstream.requests(url) == [200, 401]


def test_a_public_download_is_kept_by_nginx_with_its_file_name(upstream, nginx_server):
    nginx = nginx_server(*upstream.instances)
    url = upstream.url("public_tile", "#3a3b3c", _format="pdf", _download=True)
    first = get(nginx, url)
    assert first.status_code == 200 and first.data.startswith(b"%PDF-")
    assert first.headers["X-Cache-Status"] == "MISS"
    disposition = "attachment; filename=tile-6x4.pdf; filename*=UTF-8''tile-6x4.pdf"
    assert first.headers["Content-Disposition"] == disposition
    again = get(nginx, url)
    assert again.headers["X-Cache-Status"] == "HIT"
    assert again.data == first.data
    assert again.headers["Content-Disposition"] == disposition
    assert upstream.requests(url) == [200]
    # The picture is an entry of its own: the download never stands for it.
    picture = get(nginx, upstream.url("public_tile", "#3a3b3c"))
    assert picture.data.startswith(PNG) and "Content-Disposition" not in picture.headers
    assert picture.headers["X-Cache-Status"] == "MISS"


def test_a_signed_in_download_is_guarded_and_never_kept_by_nginx(
    upstream, nginx_server
):
    nginx = nginx_server(*upstream.instances)
    url = upstream.url("secret_tile", "#4a4b4c", _format="png", _download=True)
    assert get(nginx, url).status_code == 401
    replies = [get(nginx, url, ALICE) for _ in range(2)]
    assert [r.status_code for r in replies] == [200, 200]
    assert [r.headers["X-Cache-Status"] for r in replies] == ["MISS", "MISS"]
    assert {r.headers["Cache-Control"] for r in replies} == {"private, max-age=60"}
    assert replies[0].data.startswith(PNG)
    # A visitor's change of the signed values: refused, not drawn.
    tampered = url.replace("width=6", "width=7")
    assert tampered != url and get(nginx, tampered, ALICE).status_code == 403


def test_format_auto_is_kept_once_per_accept_header(upstream, nginx_server):
    # nginx (1.7.7 and later) honours "Vary: Accept": one copy per distinct
    # Accept value, no proxy_cache_key of our own needed.
    nginx = nginx_server(*upstream.instances)
    url = upstream.url("auto_tile", "#7a7b7c")
    webp = {"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"}
    png = {"Accept": "image/png,image/*;q=0.8"}

    sequence = [(webp, "MISS"), (webp, "HIT"), (png, "MISS"), (png, "HIT")]
    sequence += [(webp, "HIT"), (png, "HIT")]
    for headers, status in sequence:
        reply = get(nginx, url, headers)
        assert reply.status_code == 200
        assert reply.headers["Vary"] == "Accept"
        assert reply.headers["X-Cache-Status"] == status, (headers, status)
        if headers is webp:
            assert reply.headers["Content-Type"] == "image/webp"
            assert reply.data.startswith(WEBP)
        else:
            assert reply.headers["Content-Type"] == "image/png"
            assert reply.data.startswith(PNG)
    assert upstream.requests(url) == [200, 200]
    assert sorted(upstream.calls("#7a7b7c")) == ["auto_tile", "auto_tile"]


def test_concurrent_misses_reach_the_app_once(upstream, nginx_server):
    # proxy_cache_lock: the first request goes upstream, the others wait
    # for its answer to be stored and are served from the cache.
    nginx = nginx_server(*upstream.instances)
    url = upstream.url("slow_tile", "#8a8b8c", seconds=0.5)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: get(nginx, url), range(6)))
    assert [r.status_code for r in replies] == [200] * 6
    assert len({r.data for r in replies}) == 1
    statuses = sorted(r.headers["X-Cache-Status"] for r in replies)
    assert statuses == ["HIT"] * 5 + ["MISS"]
    assert upstream.requests(url) == [200]
    assert upstream.calls("#8a8b8c") == ["slow_tile"]


def test_a_stale_picture_is_revalidated_without_drawing_it(upstream, nginx_server):
    # proxy_cache_revalidate: once max-age has passed, nginx asks with the
    # stored ETag and the app answers 304 without calling the generator.
    nginx = nginx_server(*upstream.instances)
    url = upstream.url("brief_tile", "#9a9b9c")
    first = get(nginx, url)
    assert first.headers["X-Cache-Status"] == "MISS"
    assert first.headers["Cache-Control"] == "public, max-age=1"
    # nginx counts whole seconds: max-age=1 runs out within 2 s.
    deadline = time.monotonic() + 5
    while (reply := get(nginx, url)).headers["X-Cache-Status"] == "HIT":
        assert time.monotonic() < deadline, "still fresh after 5 s"
        time.sleep(0.2)
    assert reply.headers["X-Cache-Status"] == "REVALIDATED"
    assert reply.status_code == 200 and reply.data == first.data
    assert upstream.requests(url) == [200, 304]
    assert upstream.calls("#9a9b9c") == ["brief_tile"]
