"""Signed URLs: on with a SECRET_KEY, rotation, DASH_IMAGES_SIGN, 403s."""

from __future__ import annotations

import pytest
from dash import Input, Output, dcc, html
from itsdangerous import TimestampSigner
from PIL import Image

from flask_dash_images import ConfigurationError

from .dash_browser import DashBrowser


@pytest.fixture
def dot(images):
    @images.generator(name="dot")
    def dot(shade, label="x"):
        return Image.new("L", (2, 2), shade)

    return dot


def url_on(images, app, **params):
    with app.test_request_context():
        return images.url_for("dot", **params)


def test_urls_are_signed_when_the_app_has_a_secret_key(images, app_factory, dot):
    app = app_factory(SECRET_KEY="one")
    url = url_on(images, app, shade=5)
    assert "&_sig=" in url
    assert app.test_client().get(url).status_code == 200


def test_no_secret_key_no_signature(images, app, dot):
    assert "_sig" not in url_on(images, app, shade=5)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda u: u.replace("shade=5", "shade=6"),
        lambda u: u.replace("shade=5", "shade=5&label=%22y%22"),
        lambda u: u.replace("shade=5&", ""),
        lambda u: u.split("&_sig=")[0],
        lambda u: u[:-2] + ("AA" if not u.endswith("AA") else "BB"),
        lambda u: u.replace("dot.png", "dot.png").replace("?", "?label=%22x%22&"),
    ],
)
def test_any_change_or_a_missing_signature_is_403(images, app_factory, dot, tamper):
    app = app_factory(SECRET_KEY="one")
    url = url_on(images, app, shade=5)
    response = app.test_client().get(tamper(url))
    assert response.status_code == 403
    assert response.mimetype == "text/plain"


def test_the_signature_is_checked_before_anything_is_decoded(images, app_factory, dot):
    app = app_factory(SECRET_KEY="one")
    response = app.test_client().get("/image_generator/dot.png?shade=%ff&_sig=abc")
    assert response.status_code == 403


def test_a_url_signed_with_another_key_is_403(images, app_factory, dot):
    old, new = app_factory(SECRET_KEY="old"), app_factory(SECRET_KEY="new")
    assert new.test_client().get(url_on(images, old, shade=1)).status_code == 403


def test_secret_key_fallbacks_keep_old_urls_valid(images, app_factory, dot):
    before = app_factory(SECRET_KEY="old")
    old_url = url_on(images, before, shade=1)
    after = app_factory(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["old"])
    assert after.test_client().get(old_url).status_code == 200
    new_url = url_on(images, after, shade=1)
    assert new_url != old_url  # new URLs use the new key
    assert app_factory(SECRET_KEY="new").test_client().get(new_url).status_code == 200


def test_dash_images_sign_forces_signing_off(images, app_factory, dot):
    app = app_factory(SECRET_KEY="one", DASH_IMAGES_SIGN=False)
    url = url_on(images, app, shade=2)
    assert "_sig" not in url
    assert app.test_client().get(url).status_code == 200


def test_dash_images_sign_without_a_key_fails_at_init_app(app_factory):
    with pytest.raises(ConfigurationError, match="no SECRET_KEY"):
        app_factory(DASH_IMAGES_SIGN=True)


def test_dash_callbacks_get_signed_urls_when_asked(dash_factory, images):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", value=1), html.Img(id="img")]),
        config={"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True},
    )
    images.callback(Output("img", "src"), Input("n", "value"))(
        lambda n: Image.new("L", (n, n))
    )
    page = DashBrowser(dash_app)
    url = page.update("img.src", [3])
    assert "&_sig=" in url
    assert page.get(url).status_code == 200
    assert page.get(url.replace("n=3", "n=4")).status_code == 403


@pytest.fixture
def clock(monkeypatch):
    """The seconds itsdangerous stamps and checks signatures with."""
    now = [1_800_000_000]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now[0])
    return now


@pytest.mark.parametrize("leeway", [0, 10])
def test_a_signed_url_expires_after_dash_images_url_max_age(
    images, app_factory, dot, clock, leeway
):
    config = {} if leeway == 10 else {"DASH_IMAGES_URL_LEEWAY": leeway}
    app = app_factory(SECRET_KEY="one", DASH_IMAGES_URL_MAX_AGE=60, **config)
    url = url_on(images, app, shade=5)
    client = app.test_client()
    clock[0] += 60 + leeway
    assert client.get(url).status_code == 200
    clock[0] += 1
    response = client.get(url)
    assert response.status_code == 403
    assert response.get_data(as_text=True) == "403 Forbidden: the URL has expired\n"


def test_an_expiring_url_is_still_bound_to_its_values(images, app_factory, dot, clock):
    app = app_factory(SECRET_KEY="one", DASH_IMAGES_URL_MAX_AGE=60)
    url = url_on(images, app, shade=5)
    response = app.test_client().get(url.replace("shade=5", "shade=6"))
    assert response.status_code == 403
    assert b"signature is wrong" in response.data


def test_expiring_urls_survive_key_rotation(images, app_factory, dot, clock):
    before = app_factory(SECRET_KEY="old", DASH_IMAGES_URL_MAX_AGE=60)
    old_url = url_on(images, before, shade=1)
    after = app_factory(
        SECRET_KEY="new", SECRET_KEY_FALLBACKS=["old"], DASH_IMAGES_URL_MAX_AGE=60
    )
    assert after.test_client().get(old_url).status_code == 200
    clock[0] += 71
    assert after.test_client().get(old_url).status_code == 403


@pytest.mark.parametrize(
    ("ahead", "status"), [(2, 200), (10, 200), (11, 403)], ids=["2s", "10s", "11s"]
)
def test_a_url_signed_on_a_host_whose_clock_runs_ahead(
    images, app_factory, dot, clock, ahead, status
):
    # Host A signs at its time; host B, whose clock is behind, checks.
    app = app_factory(SECRET_KEY="one", DASH_IMAGES_URL_MAX_AGE=60)
    clock[0] += ahead
    url = url_on(images, app, shade=5)
    clock[0] -= ahead
    response = app.test_client().get(url)
    assert response.status_code == status
    if status == 403:
        assert response.get_data(as_text=True) == (
            "403 Forbidden: the URL was signed in the future (a clock is wrong)\n"
        )


def test_urls_without_a_max_age_do_not_expire(images, app_factory, dot, clock):
    app = app_factory(SECRET_KEY="one")
    url = url_on(images, app, shade=5)
    clock[0] += 10 * 365 * 24 * 3600
    assert app.test_client().get(url).status_code == 200


@pytest.mark.parametrize(
    "signature", ["", "x", "a.b", "a.b.c", "..", "AAAAAA.AAAA", "%2E"]
)
def test_a_malformed_expiring_signature_is_403(images, app_factory, dot, signature):
    app = app_factory(SECRET_KEY="one", DASH_IMAGES_URL_MAX_AGE=60)
    response = app.test_client().get(
        f"/image_generator/dot.png?shade=1&_sig={signature}"
    )
    assert response.status_code == 403
