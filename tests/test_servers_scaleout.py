"""Scale-out on real servers: a URL made by one server is served by any other
running the same code with the same key, after restarts too, and concurrent
requests never get each other's pictures."""

from __future__ import annotations

import pytest

from .apps.served_app import (
    create_app,
    mismatch,
    params_for,
    send,
    swatch_update,
    urls_for,
)
from .dash_browser import DashBrowser
from .http_load import HttpClient, get_many, run_load
from .servers import LiveServer, ServerGroup

pytest_plugins = ["tests.servers"]
pytestmark = pytest.mark.servers

APP = "tests.apps.served_app:create_app()"
KEY = "scale-out-secret"
# Signed Dash URLs, built by the server (DASH_IMAGES_SIGN = True).
ENV = {"SERVED_APP_SECRET_KEY": KEY, "SERVED_APP_SIGN_DASH": "true"}
PARAMS = {"colour": "#c0ffee", "width": 40, "height": 30}


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    """Two gunicorn instances of the same code and key, two workers each."""
    with ServerGroup(tmp_path_factory.mktemp("scaleout")) as group:
        yield (
            group.gunicorn(APP, workers=2, env=ENV),
            group.gunicorn(APP, workers=2, env=ENV),
        )


def dash_url(server, params=PARAMS):
    """The picture's URL as the Dash callback on ``server`` gives it."""
    browser = DashBrowser(None, client=server.client())
    return browser.update(
        "swatch.src", [params["colour"], params["width"]], [params["height"]]
    )


def get(server, url):
    with server.client() as client:
        return client.get(url)


def test_a_url_from_instance_a_is_served_by_instance_b(instances):
    a, b = instances
    url = dash_url(a)
    assert url.startswith("/image_generator/") and "&_sig=" in url
    assert dash_url(b) == url
    reference = get(a, url)
    assert reference.status_code == 200
    assert mismatch(reference.data, PARAMS) is None
    # Four at a time, each holding its worker a moment: both of B's serve.
    replies = get_many(b.url, url, 20, headers={"X-Test-Delay": "0.05"})
    assert [r.status_code for r in replies] == [200] * 20
    assert {r.data for r in replies} == {reference.data}
    assert {r.headers["ETag"] for r in replies} == {reference.headers["ETag"]}
    served_by = {r.headers["X-Served-By"] for r in replies}
    assert served_by == {str(pid) for pid in b.worker_pids()}


def test_old_urls_still_load_after_a_restart(instances):
    a, b = instances
    dash = dash_url(a, {"colour": "#204080", "width": 12, "height": 34})
    # A plain generator's URL, made by this process: another host of the same code.
    (tile,) = urls_for(create_app(ENV), "tile", [params_for(7)])
    before = {url: get(a, url) for url in (dash, tile)}
    assert [r.status_code for r in before.values()] == [200, 200]
    old_workers = a.worker_pids()

    a.restart()

    assert set(a.worker_pids()).isdisjoint(old_workers)
    for url, reply in before.items():
        for server in (a, b):
            again = get(server, url)
            assert again.status_code == 200, (server.url, url)
            assert again.data == reply.data
    assert dash_url(a, {"colour": "#204080", "width": 12, "height": 34}) == dash


def test_a_url_signed_with_another_key_is_403_on_both(instances):
    other = create_app({**ENV, "SERVED_APP_SECRET_KEY": "another-key"})
    (forged,) = urls_for(other, "tile", [params_for(3)])
    (genuine,) = urls_for(create_app(ENV), "tile", [params_for(3)])
    unsigned = genuine.partition("&_sig=")[0]
    assert forged != genuine
    for server in instances:
        assert get(server, genuine).status_code == 200
        assert get(server, forged).status_code == 403
        assert get(server, unsigned).status_code == 403


def test_a_rotated_key_still_serves_urls_signed_with_the_old_one(
    instances, gunicorn_server
):
    # A rolling deploy: the new instance signs with a new key and keeps the
    # old one in SECRET_KEY_FALLBACKS; the old instances know only the old key.
    a, _ = instances
    rotated = gunicorn_server(
        APP,
        workers=1,
        env={
            **ENV,
            "SERVED_APP_SECRET_KEY": "the-new-key",
            "SERVED_APP_SECRET_KEY_FALLBACKS": KEY,
        },
    )
    old = dash_url(a)
    new = dash_url(rotated)
    assert new != old and new.partition("&_sig=")[0] == old.partition("&_sig=")[0]
    assert get(rotated, old).status_code == 200
    assert get(rotated, new).status_code == 200
    assert get(a, new).status_code == 403
    assert get(rotated, old).data == get(a, old).data


# -- concurrency ----------------------------------------------------------------

THREADS = 16
PER_THREAD = 25


def distinct_jobs(base_url, app):
    """16 x 25 requests, each for a picture of its own: one in five a
    matplotlib figure, one in ten a Dash callback's URL, the others tiles.
    ``app`` builds the tiles' and figures' URLs."""
    with HttpClient(base_url) as client:
        browser = DashBrowser(None, client=client)
    callback = browser.callback_for("swatch.src")
    params = [params_for(i, plot=i % 5 == 0) for i in range(THREADS * PER_THREAD)]
    tiles = iter(urls_for(app, "tile", [p for p in params if "seed" not in p]))
    plots = iter(urls_for(app, "plot", [p for p in params if "seed" in p]))
    jobs = []
    for i, p in enumerate(params):
        if "seed" in p:
            jobs.append(("GET", next(plots), p))
        elif i % 10 == 1:
            jobs.append(("POST", swatch_update(callback, p), p))
            next(tiles)
        else:
            jobs.append(("GET", next(tiles), p))
    return jobs


def check_under_load(base_url, app):
    jobs = distinct_jobs(base_url, app)
    result = run_load(base_url, jobs, send, concurrency=THREADS, time_limit=120)
    assert result.errors == []
    assert result.requests == THREADS * PER_THREAD
    return result


def test_a_gunicorn_gthread_worker_under_concurrent_load(gunicorn_server):
    # One worker: the start-up probe has made its first request, so Dash has
    # set itself up before the load. (Dash 4.4's set-up on a worker's first
    # request is not thread-safe for callbacks registered with dash.callback;
    # see the README's troubleshooting.)
    server = gunicorn_server(APP, workers=1, worker_class="gthread", threads=4, env=ENV)
    result = check_under_load(server.url, create_app(ENV))
    assert set(result.served_by) == {str(pid) for pid in server.worker_pids()}


def test_werkzeug_threaded_server_under_concurrent_load():
    app = create_app(ENV)
    with LiveServer(app) as server:
        check_under_load(server.url, app)
