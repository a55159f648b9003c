"""Downloads over HTTP: the picture as PNG at export_scale, SVG and PDF, named
from its values, cached, signed and guarded exactly as the picture is."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from urllib.parse import unquote

import pypdf
import pytest
from dash import MATCH, Dash, Input, Output, dcc, html
from flask import Flask, request
from flask_caching import Cache
from matplotlib.figure import Figure
from PIL import Image

from flask_dash_images import DynamicImages, UrlBuildError
from flask_dash_images.dash.clientside import EXPORT

from .dash_browser import DashBrowser, dep_spec, post_update
from .render_workers import render_workers

SVG = "{http://www.w3.org/2000/svg}"


def chart(n: int = 3, title: str = "Sales") -> Figure:
    figure = Figure(figsize=(6, 4), dpi=50)
    axes = figure.add_subplot()
    axes.plot(range(n), range(n))
    axes.set_title(title)
    return figure


@pytest.fixture
def signed(images):
    """A plain Flask app (with a key: its URLs are signed) and the chart
    generator, downloadable as PDF, SVG and 3x PNG."""
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="k")
    images.init_app(app)
    images.generator(
        name="chart",
        export=("pdf", "svg", "png"),
        export_scale=3,
        filename="chart-{n}-{title}",
    )(chart)
    return app


def url_for(app, images, **params):
    with app.test_request_context():
        return images.url_for("chart", **params)


def disposition(response):
    return response.headers["Content-Disposition"]


def test_a_pdf_download_is_a_vector_page_of_the_figures_size(signed, images):
    url = url_for(signed, images, n=4, title="Sales", _download=True, _format="pdf")
    assert url.startswith("/image_generator/chart.pdf?n=4&title=%22Sales%22")
    assert "&_download=1&_sig=" in url
    response = signed.test_client().get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    (page,) = pypdf.PdfReader(io.BytesIO(response.data)).pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (432, 288)
    assert disposition(response) == (
        "attachment; filename=chart-4-Sales.pdf; filename*=UTF-8''chart-4-Sales.pdf"
    )
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "ETag" in response.headers


def test_an_svg_download_keeps_the_figures_text(signed, images):
    url = url_for(signed, images, title="Ventes", _download=True, _format="svg")
    response = signed.test_client().get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)
    assert "Ventes" in ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_png_download_is_export_scale_times_the_picture(signed, images):
    client = signed.test_client()
    picture = Image.open(io.BytesIO(client.get(url_for(signed, images, n=3)).data))
    url = url_for(signed, images, n=3, _download=True, _format="png")
    download = Image.open(io.BytesIO(client.get(url).data))
    assert picture.size == (300, 200)
    assert download.size == (900, 600)


def test_the_first_format_is_the_default(signed, images):
    assert "/chart.pdf?" in url_for(signed, images, _download=True)


def test_a_non_ascii_name_has_an_ascii_fallback(signed, images):
    url = url_for(signed, images, title="Zürich/Genève", _download=True)
    value = disposition(signed.test_client().get(url))
    assert value.startswith("attachment; filename=chart-3-Zurich_Geneve.pdf;")
    star = value.partition("filename*=UTF-8''")[2]
    assert unquote(star) == "chart-3-Zürich_Genève.pdf"


def test_signed_downloads_refuse_tampering(signed, images):
    client = signed.test_client()
    url = url_for(signed, images, n=3, _download=True, _format="pdf")
    assert client.get(url).status_code == 200
    assert client.get(url.replace("n=3", "n=4")).status_code == 403
    # The signature covers the format, and the download marker.
    assert client.get(url.replace("chart.pdf", "chart.svg")).status_code == 403
    picture = url_for(signed, images, n=3)
    assert client.get(picture).status_code == 200
    marked = picture.replace("&_sig=", "&_download=1&_sig=")
    assert client.get(marked.replace("chart.png", "chart.pdf")).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        # Not one of export=.
        "/image_generator/chart.jpeg?n=3&_download=1",
        # A format of export= without the marker is no picture.
        "/image_generator/chart.pdf?n=3",
    ],
)
def test_what_is_not_a_download_is_404(images, path):
    app = Flask(__name__)
    app.config["TESTING"] = True
    images.init_app(app)
    images.generator(name="chart", export=("pdf",))(chart)
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/image_generator/chart.png?n=3").status_code == 200


def test_a_bad_marker_is_400(images):
    app = Flask(__name__)
    images.init_app(app)
    images.generator(name="chart", export=("pdf",))(chart)
    response = app.test_client().get("/image_generator/chart.pdf?n=3&_download=yes")
    assert response.status_code == 400
    assert b"'_download' must be 1" in response.data


def test_a_download_of_a_guarded_picture_is_guarded(signed, images):
    @signed.before_request
    def guard():
        if request.path.startswith("/image_generator/"):
            return "sign in", 401
        return None

    url = url_for(signed, images, _download=True)
    assert signed.test_client().get(url).status_code == 401


@pytest.mark.parametrize("deterministic", [True, False])
def test_a_download_is_revalidated_with_304(images, deterministic):
    app = Flask(__name__)
    images.init_app(app)
    calls = []

    @images.generator(name="tile", export=("pdf", "png"), deterministic=deterministic)
    def tile(shade: int = 9) -> Image.Image:
        calls.append(shade)
        return Image.new("L", (4, 4), shade)

    client = app.test_client()
    url = "/image_generator/tile.pdf?shade=9&_download=1"
    first = client.get(url)
    assert first.status_code == 200
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]
    # A deterministic download's ETag comes from its URL: no second render.
    assert len(calls) == (1 if deterministic else 2)
    # A deterministic download's ETag is its URL's, not the picture's (a
    # PNG download of a Pillow image is the picture's bytes).
    png = client.get("/image_generator/tile.png?shade=9&_download=1")
    picture = client.get("/image_generator/tile.png?shade=9")
    assert (png.headers["ETag"] != picture.headers["ETag"]) == deterministic


def test_the_server_cache_keeps_each_format(images):
    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    extension = DynamicImages(app, cache=cache)
    calls = []

    @extension.generator(name="tile", export=("pdf", "png"), deterministic=True)
    def tile(shade: int = 9) -> Image.Image:
        calls.append(shade)
        return Image.new("L", (4, 4), shade)

    client = app.test_client()
    for _ in range(2):
        for path in (
            "tile.png?shade=9",
            "tile.pdf?shade=9&_download=1",
            "tile.png?shade=9&_download=1",
        ):
            assert client.get(f"/image_generator/{path}").status_code == 200
    assert len(calls) == 3
    hit = client.get("/image_generator/tile.pdf?shade=9&_download=1")
    assert 'hit;desc="server cache"' in hit.headers["Server-Timing"]


def test_url_for_refuses_what_has_no_download(signed, images):
    with signed.test_request_context():
        with pytest.raises(UrlBuildError, match="not 'jpeg'"):
            images.url_for("chart", _download=True, _format="jpeg")
        with pytest.raises(UrlBuildError, match="pass _download=True"):
            images.url_for("chart", _format="pdf")
        images.generator(name="plain")(chart)
        with pytest.raises(UrlBuildError, match="has no downloads"):
            images.url_for("plain", _download=True)


def test_a_template_gets_download_urls(signed, images):
    from flask import render_template_string

    with signed.test_request_context():
        text = render_template_string(
            "{{ dynamic_image_url('chart', n=2, _download=True, _format='svg') }}"
        )
    assert text.startswith("/image_generator/chart.svg?n=2&amp;_download=1&amp;_sig=")


# -- what only the result can tell --------------------------------------------------


def test_svg_of_a_raster_result_is_a_500_with_a_clear_log_line(images, caplog):
    app = Flask(__name__)
    images.init_app(app)

    @images.generator(name="tile", export=("svg",))
    def tile(shade: int = 9):  # no annotation: known only from the result
        return Image.new("L", (4, 4), shade)

    response = app.test_client().get("/image_generator/tile.svg?_download=1")
    assert response.status_code == 500
    assert b"Traceback" not in response.data
    assert 'format="svg" takes a matplotlib Figure, or SVG text' in caplog.text


# -- scales -------------------------------------------------------------------------


def test_a_hidpi_generator_gets_its_scale_times_export_scale(dash_factory, images):
    dash_app = dash_factory(html.Div([dcc.Input(id="n", value=2), html.Img(id="img")]))
    got = []

    @images.callback(
        Output("img", "src"),
        Input("n", "value"),
        name="dots",
        hidpi=True,
        export=("png",),
        export_scale=3,
    )
    def dots(n, scale):
        got.append(scale)
        return Image.new("L", (10 * scale, 10 * scale))

    client = dash_app.server.test_client()
    client.get("/")
    picture = client.get("/image_generator/dots.png?n=2&scale=1&_download=1")
    assert Image.open(io.BytesIO(picture.data)).size == (30, 30)
    assert got == [3]


def test_a_responsive_download_is_its_box_times_export_scale(dash_factory, images):
    dash_app = dash_factory(
        html.Div([dcc.Input(id="n", value=2), html.Img(id="img")]),
        config={"DASH_IMAGES_MAX_PIXELS": 1000 * 1000},
    )
    got = []

    @images.callback(
        Output("img", "src"),
        Input("n", "value"),
        name="box",
        responsive=True,
        export=("png",),
        export_scale=2,
    )
    def box(n, *, width, height, scale):
        got.append((width, height, scale))
        return Image.new("L", (width, height or width // 2))

    client = dash_app.server.test_client()
    client.get("/")
    query = "n=2&width=200&height=100&scale=1"
    response = client.get(f"/image_generator/box.png?{query}&_download=1")
    assert response.status_code == 200
    assert got == [(400, 200, 2)]
    # Past the pixel limit: refused before the generator runs.
    too_big = "n=2&width=600&height=null&scale=1"
    response = client.get(f"/image_generator/box.png?{too_big}&_download=1")
    assert response.status_code == 400
    assert b"more than DASH_IMAGES_MAX_PIXELS" in response.data
    assert len(got) == 1


# -- Dash: data-export ----------------------------------------------------------


def layout():
    return html.Div([dcc.Input(id="n", value=2), html.Img(id="img")])


OUTPUT = f"..img.src...img.{EXPORT}.."
OUTPUTS = [{"id": "img", "property": "src"}, {"id": "img", "property": EXPORT}]


def exports_of(page, built, n):
    """The image's data-export for the value ``n``, as the browser's URL
    function or the server's callback (through the relay) gives it."""
    if built == "browser":
        return page.page.run(OUTPUT, n, outputs_list=OUTPUTS)[1]
    (dependency,) = page.callback_for(OUTPUT)["inputs"]
    body = {
        "output": OUTPUT,
        "outputs": OUTPUTS,
        "inputs": [dep_spec(dependency, n)],
        "state": [],
        "changedPropIds": [],
    }
    response = post_update(page.client, "/_dash-update-component", body)
    return response.get_json()["response"]["img"][EXPORT]


@pytest.mark.parametrize("built", ["browser", "server"])
def test_the_image_gets_its_downloads_urls_for_the_current_values(
    dash_factory, images, built
):
    config = {"SECRET_KEY": "k", "DASH_IMAGES_SIGN": True} if built == "server" else {}
    dash_app = dash_factory(layout(), config=config)
    images.callback(
        Output("img", "src"),
        Input("n", "value"),
        name="chart",
        export=("pdf", "png"),
        filename="chart-{n}",
    )(chart)
    page = DashBrowser(dash_app)
    exports = exports_of(page, built, 5)
    assert sorted(exports) == ["pdf", "png"]
    client = dash_app.server.test_client()
    for name, url in exports.items():
        assert url.startswith(f"/image_generator/chart.{name}?n=5")
        assert ("&_sig=" in url) == (built == "server")
        response = client.get(url)
        assert response.status_code == 200, response.data
        assert f"filename=chart-5.{name}" in disposition(response)
    if built == "server":
        tampered = exports["pdf"].replace("n=5", "n=6")
        assert client.get(tampered).status_code == 403


def test_a_dash_picture_at_a_prefix_downloads_there(images):
    server = Flask(__name__)
    images.init_app(server)
    dash_app = Dash(__name__, server=server, url_base_pathname="/dash/")
    dash_app.layout = layout()
    images.callback(
        Output("img", "src"), Input("n", "value"), name="chart", export=("svg",)
    )(chart)
    client = server.test_client()
    client.get("/dash/")
    with server.test_request_context():
        url = images.url_for("chart", n=2, _download=True)
    assert url == "/dash/image_generator/chart.svg?n=2&_download=1"
    assert client.get(url).status_code == 200
    assert client.get(url.replace("/dash/", "/")).status_code == 404


def test_match_images_each_get_their_own_downloads(dash_factory, images):
    ids = [{"type": "thumb", "index": i} for i in range(2)]
    dash_app = dash_factory(
        html.Div(
            [
                item
                for i, thumb_id in enumerate(ids)
                for item in (
                    dcc.Input(id={"type": "shade", "index": i}, value=i * 100),
                    html.Img(id=thumb_id),
                )
            ]
        )
    )

    @images.callback(
        Output({"type": "thumb", "index": MATCH}, "src"),
        Input({"type": "shade", "index": MATCH}, "value"),
        name="thumb",
        export=("pdf",),
        filename="thumb-{shade}",
    )
    def thumb(shade):
        return Image.new("L", (4, 4), shade)

    page = DashBrowser(dash_app)
    pattern = '{"index":["MATCH"],"type":"thumb"}'
    client = dash_app.server.test_client()
    for shade, thumb_id in zip((0, 100), ids, strict=True):
        src, exports = page.page.run(
            f"..{pattern}.src...{pattern}.{EXPORT}..",
            shade,
            outputs_list=[
                {"id": thumb_id, "property": "src"},
                {"id": thumb_id, "property": EXPORT},
            ],
        )
        assert exports == {"pdf": src.replace(".png?", ".pdf?") + "&_download=1"}
        response = client.get(exports["pdf"])
        assert f"filename=thumb-{shade}.pdf" in disposition(response)


def test_downloads_are_drawn_in_worker_processes_as_in_threads(images):
    # DASH_IMAGES_RENDER_PROCESSES: each format from a worker, as the same
    # generator gives it in the request's thread.
    files = {}
    for processes in (0, 1):
        app = Flask(__name__)
        app.config.update(TESTING=True, DASH_IMAGES_RENDER_PROCESSES=processes)
        images.init_app(app)
        if not files:
            images.generator(
                name="chart", export=("pdf", "svg", "png"), export_scale=3
            )(chart)
        client = app.test_client()
        try:
            for fmt in ("pdf", "svg", "png"):
                url = url_for(app, images, n=5, _download=True, _format=fmt)
                response = client.get(url)
                assert response.status_code == 200, response.data
                files.setdefault(fmt, []).append(response.data)
            assert len(render_workers()) == processes
        finally:
            runner = app.extensions["dash_images"].service.runner
            getattr(runner, "close", lambda: None)()
    png = [Image.open(io.BytesIO(data)) for data in files["png"]]
    assert [p.size for p in png] == [(900, 600), (900, 600)]
    assert png[0].tobytes() == png[1].tobytes()
    assert [len(pypdf.PdfReader(io.BytesIO(d)).pages) for d in files["pdf"]] == [1, 1]
    texts = [
        [e.text for e in ElementTree.fromstring(d).iter(f"{SVG}text")]
        for d in files["svg"]
    ]
    assert texts[0] == texts[1] and "Sales" in texts[0]
