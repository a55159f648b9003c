"""What a generator may return: PIL images, numpy arrays, matplotlib figures."""

from __future__ import annotations

import logging
import sys
import threading

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .conftest import decode


def serve(images, app, client, result_factory, name="pic"):
    images.generator(name=name)(result_factory)
    with app.test_request_context():
        return client.get(images.url_for(name))


@pytest.mark.parametrize(
    ("array", "mode", "pixel"),
    [
        (np.full((4, 6), 77, np.uint8), "L", 77),
        (np.full((4, 6, 1), 77, np.uint8), "L", 77),
        (np.full((4, 6, 3), (1, 2, 3), np.uint8), "RGB", (1, 2, 3)),
        (np.full((4, 6, 4), (1, 2, 3, 4), np.uint8), "RGBA", (1, 2, 3, 4)),
        (np.ones((4, 6), bool), "L", 255),
        (np.full((4, 6), 0.5), "L", 128),
        (np.full((4, 6), 7.0, np.float32), "L", 255),  # clamped to 1.0
        (np.full((4, 6, 3), -1.0), "RGB", (0, 0, 0)),  # clamped to 0.0
    ],
)
def test_numpy_arrays(images, app, client, array, mode, pixel):
    response = serve(images, app, client, lambda: array)
    assert response.status_code == 200
    image = decode(response.data)
    assert (image.size, image.mode) == ((6, 4), mode)
    assert image.getpixel((2, 2)) == pixel


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((4, 6), np.int64), "dtype int64"),
        (np.zeros((4, 6, 2), np.uint8), "shape (4, 6, 2)"),
        (np.zeros((4,), np.uint8), "shape (4,)"),
    ],
)
def test_arrays_it_cannot_show_are_500_with_the_reason_logged(
    images, app, client, caplog, array, message
):
    with caplog.at_level(logging.ERROR):
        response = serve(images, app, client, lambda: array)
    assert response.status_code == 500
    assert message in caplog.text


def chart(size=(2, 1), dpi=50):
    figure = Figure(figsize=size, dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.add_patch(Rectangle((0, 0), 1, 1, color="red"))
    return figure


def test_a_matplotlib_figure_at_its_dpi(images, app, client):
    response = serve(images, app, client, lambda: chart((2, 1), 50))
    image = decode(response.data)
    assert image.size == (100, 50)
    assert image.convert("RGB").getpixel((50, 25)) == (255, 0, 0)


def test_pyplot_figures_are_closed_after_rendering(images, app, client):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    def plotted():
        figure = pyplot.figure(figsize=(1, 1), dpi=20)
        figure.gca().plot([0, 1], [1, 0])
        return figure

    images.generator(name="pyplot")(plotted)
    with app.test_request_context():
        url = images.url_for("pyplot")
    before = len(pyplot.get_fignums())
    for _ in range(5):
        assert decode(client.get(url).data).size == (20, 20)
    assert len(pyplot.get_fignums()) == before


def test_figures_render_in_parallel_threads(images, app):
    images.generator(name="fig")(lambda size: chart((size, 1), 40))
    errors, sizes = [], {}

    def work(size):
        client = app.test_client()
        with app.test_request_context():
            url = images.url_for("fig", size=size)
        for _ in range(5):
            response = client.get(url)
            if response.status_code != 200:
                errors.append(response.status_code)
            sizes.setdefault(size, set()).add(decode(response.data).size)

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sizes == {s: {(40 * s, 40)} for s in (1, 2, 3, 4)}


def test_anything_else_is_500_saying_what_came_back(images, app, client, caplog):
    with caplog.at_level(logging.ERROR):
        response = serve(images, app, client, lambda: "a string")
    assert response.status_code == 500
    assert "returned builtins.str, not a picture" in caplog.text


def test_numpy_and_matplotlib_are_not_imported_for_pillow_results():
    import subprocess

    code = (
        "import sys, flask, PIL.Image\n"
        "from flask_dash_images import DynamicImages\n"
        "images = DynamicImages(flask.Flask('x'))\n"
        "images.generator(name='p')(lambda: PIL.Image.new('L', (1, 1)))\n"
        "app = flask.Flask('y'); images.init_app(app)\n"
        "with app.test_request_context(): url = images.url_for('p')\n"
        "assert app.test_client().get(url).status_code == 200\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('numpy', 'matplotlib')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.strip() == "[]"
