"""DynamicImages as a Flask extension: init_app, app factories, shared registry."""

from __future__ import annotations

import pytest
from flask import Flask
from PIL import Image

from flask_dash_images import ConfigurationError, DynamicImages, RegistrationError

from .conftest import decode


def test_init_app_twice_on_one_app_fails_clearly(images, app):
    with pytest.raises(ConfigurationError, match="already set up"):
        images.init_app(app)


def test_an_app_without_init_app_is_told_so():
    images = DynamicImages()

    @images.generator(name="dot")
    def dot():
        return Image.new("L", (1, 1))

    app = Flask(__name__)
    with (
        app.test_request_context(),
        pytest.raises(ConfigurationError, match="init_app"),
    ):
        images.url_for("dot")


def test_the_constructor_sets_up_an_app():
    app = Flask(__name__)
    DynamicImages(app)
    assert "dash_images" in app.extensions
    assert "dash_images" in app.blueprints


def test_decorators_before_any_app_then_an_app_factory():
    images = DynamicImages()

    @images.generator(name="dot")
    def dot(shade):
        return Image.new("L", (1, 1), shade)

    def create_app():
        app = Flask(__name__)
        images.init_app(app)
        return app

    for shade in (10, 20):
        app = create_app()
        with app.test_request_context():
            url = images.url_for("dot", shade=shade)
        assert decode(app.test_client().get(url).data).getpixel((0, 0)) == shade


def test_several_apps_share_one_instance(app_factory, images):
    @images.generator(name="dot")
    def dot():
        return Image.new("L", (1, 1))

    first, second = app_factory(), app_factory()
    with first.test_request_context():
        url = images.url_for("dot")
    assert first.test_client().get(url).status_code == 200
    assert second.test_client().get(url).status_code == 200
    # The app keeps its state; the extension keeps no app.
    assert first.extensions["dash_images"] is not second.extensions["dash_images"]
    assert not any(isinstance(v, Flask) for v in vars(images).values())


def test_guids_come_from_the_code_not_from_chance(images):
    def make():
        def chart(x):
            return Image.new("L", (1, 1))

        return chart

    one, other = DynamicImages(), DynamicImages()
    one.generator()(make())
    other.generator()(make())
    (a,), (b,) = list(one.registry), list(other.registry)
    assert a.guid == b.guid
    assert len(a.guid) == 20


def test_unnamed_lambdas_with_one_qualified_name_fail_with_a_hint(images):
    images.generator()(lambda: Image.new("L", (1, 1)))
    with pytest.raises(RegistrationError, match="name="):
        images.generator()(lambda: Image.new("L", (2, 2)))


def test_names_must_be_url_safe(images):
    with pytest.raises(RegistrationError, match="letters, digits"):
        images.generator(name="a b")(lambda: None)


@pytest.mark.parametrize("reserved", ["_sig", "_v", "_download", "_map"])
def test_reserved_parameter_names_are_refused(images, reserved):
    # The URL's own markers: a parameter of that name could never be given.
    namespace: dict = {}
    exec(f"def bad({reserved}):\n    return None", namespace)
    with pytest.raises(RegistrationError, match=f"{reserved}.*reserved"):
        images.generator(name="bad")(namespace["bad"])
