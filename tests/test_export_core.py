"""What a download is, in the core: each format from each kind of result,
checked against matplotlib's and Pillow's own readings."""

from __future__ import annotations

import io
import threading
import xml.etree.ElementTree as ElementTree

import numpy as np
import pypdf
import pytest
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from PIL import Image

from flask_dash_images import Extent, RegistrationError, RenderError
from flask_dash_images.core import export, templates, vector

PNG_OPTIONS: dict[str, object] = {}


def figure(title="Héllo wörld"):
    fig = Figure(figsize=(6, 4), dpi=100)
    axes = fig.add_subplot()
    axes.plot([1, 2, 3], [3, 1, 2])
    axes.set_title(title)
    return fig


def encode(result, name, scale=1, max_pixels=4096 * 4096):
    return export.encode_export(result, name, PNG_OPTIONS, max_pixels, scale)


def decoded(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# -- matplotlib figures -------------------------------------------------------


def test_a_figure_as_pdf_is_a_vector_page_of_its_size():
    data = encode(figure(), "pdf")
    assert data.startswith(b"%PDF-")
    (page,) = pypdf.PdfReader(io.BytesIO(data)).pages
    # 6 x 4 inches, in points; no raster inside.
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (432, 288)
    assert len(page.images) == 0
    assert "/Font" in page["/Resources"]


def test_a_figures_pdf_is_the_same_bytes_every_time():
    assert encode(figure(), "pdf") == encode(figure(), "pdf")


def test_a_figure_as_svg_keeps_its_text_as_text():
    data = encode(figure("Héllo wörld"), "svg")
    root = ElementTree.fromstring(data)
    texts = [
        "".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")
    ]
    assert "Héllo wörld" in texts


class Held(Artist):
    """An artist whose drawing waits until it is let go."""

    def __init__(self):
        super().__init__()
        self.drawing = threading.Event()
        self.let_go = threading.Event()

    def draw(self, renderer):
        self.drawing.set()
        self.let_go.wait(10)


def test_an_svg_picture_drawn_while_a_download_starts_keeps_its_text_as_paths():
    # A download keeps the text as text; a picture's SVG (format="svg")
    # being drawn in another thread meanwhile draws all of it as paths.
    held = Held()
    held.set_zorder(-1)  # drawn before the axes and their text
    shown = figure("Picture")
    shown.add_artist(held)
    pictures: list[bytes] = []
    picture = threading.Thread(target=lambda: pictures.append(vector.encode_svg(shown)))
    picture.start()
    assert held.drawing.wait(10)
    download = threading.Thread(target=encode, args=(figure(), "svg"))
    download.start()
    download.join(0.5)  # time to start, if nothing holds it back
    held.let_go.set()
    picture.join(10)
    download.join(10)
    (svg,) = pictures
    assert b"<!-- Picture -->" in svg  # the title, drawn as a path
    assert b"<text" not in svg


def test_a_figure_as_png_is_drawn_scale_times_larger():
    assert decoded(encode(figure(), "png")).size == (600, 400)
    big = decoded(encode(figure(), "png", scale=3))
    assert big.size == (1800, 1200)
    # 100 dpi three times: 300 dpi, said in the file.
    assert big.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert decoded(encode(figure(), "jpeg", scale=2)).size == (1200, 800)
    assert decoded(encode(figure(), "webp", scale=1.5)).size == (900, 600)


def test_a_figure_too_large_is_refused_before_it_is_drawn():
    with pytest.raises(RenderError, match="more than the 1000000 pixels"):
        encode(figure(), "png", scale=3, max_pixels=1_000_000)
    with pytest.raises(RenderError, match="more than"):
        encode(figure(), "pdf", max_pixels=1000)


# -- raster results -----------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        Image.new("RGB", (60, 40), (10, 200, 30)),
        np.full((40, 60, 3), (10, 200, 30), dtype=np.uint8),
        Extent(Image.new("RGB", (60, 40), (10, 200, 30)), x=(0, 1), y=(0, 1)),
    ],
    ids=["pillow", "numpy", "extent"],
)
def test_a_raster_picture_is_downloaded_at_its_own_size(result):
    png = decoded(encode(result, "png", scale=3))
    assert png.size == (60, 40)
    assert png.convert("RGB").getpixel((0, 0)) == (10, 200, 30)
    (page,) = pypdf.PdfReader(io.BytesIO(encode(result, "pdf"))).pages
    # 96 pixels to the inch: 60 px is 45 pt.
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (45, 30)
    (image,) = page.images
    assert image.image.size == (60, 40)
    assert image.image.convert("RGB").getpixel((5, 5)) == (10, 200, 30)  # lossless


def test_a_raster_pdf_keeps_transparency_and_grey():
    rgba = Image.new("RGBA", (8, 8), (255, 0, 0, 128))
    (image,) = pypdf.PdfReader(io.BytesIO(encode(rgba, "pdf"))).pages[0].images
    assert image.image.mode == "RGBA"
    assert image.image.getpixel((1, 1)) == (255, 0, 0, 128)
    grey = Image.new("I;16", (4, 4), 65535)
    (image,) = pypdf.PdfReader(io.BytesIO(encode(grey, "pdf"))).pages[0].images
    assert image.image.convert("L").getpixel((0, 0)) == 255


def test_a_raster_pdf_is_the_same_bytes_every_time():
    picture = Image.new("RGB", (30, 20), "navy")
    assert encode(picture, "pdf") == encode(picture, "pdf")


def test_encoded_bytes_are_decoded_for_a_download():
    buffer = io.BytesIO()
    Image.new("RGB", (12, 7), "red").save(buffer, "PNG")
    assert decoded(encode(buffer.getvalue(), "webp")).size == (12, 7)
    assert pypdf.PdfReader(io.BytesIO(encode(buffer.getvalue(), "pdf"))).pages


@pytest.mark.parametrize("result", [Image.new("L", (3, 3)), np.zeros((3, 3), np.uint8)])
def test_a_raster_picture_has_no_svg(result):
    with pytest.raises(RenderError, match="svg"):
        encode(result, "svg")


def test_svg_text_has_svg_but_no_pdf_or_raster():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
    assert encode(svg, "svg") == svg.encode()
    for name in ("pdf", "png"):
        with pytest.raises(RenderError, match="returned SVG"):
            encode(svg, name)


def test_something_else_is_no_picture():
    with pytest.raises(RenderError, match="not a picture"):
        encode({"a": 1}, "png")
    with pytest.raises(RenderError, match="are no picture"):
        encode(b"nothing", "pdf")


# -- options, at decoration -----------------------------------------------------


def check(export_formats=("png",), scale=1, filename=None, returns=None):
    export.check_options(export_formats, scale, filename, ["x", "y"], "gen", returns)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"export_formats": ("tiff",)}, "'tiff': not a format"),
        ({"export_formats": ("png", "png")}, "repeats a format"),
        ({"export_formats": "pdf"}, r"export=\('pdf',\)"),
        ({"scale": 0.5}, "from 1 to 10"),
        ({"scale": 11}, "from 1 to 10"),
        ({"scale": True}, "from 1 to 10"),
        ({"filename": "chart-{z}"}, "names 'z'"),
        ({"filename": "chart-{x:>3}"}, "plain"),
        ({"export_formats": ("svg",), "returns": Image.Image}, "needs a vector"),
        ({"export_formats": ("svg",), "returns": "np.ndarray"}, "needs a vector"),
    ],
)
def test_bad_options_are_refused_at_decoration(options, message):
    with pytest.raises(RegistrationError, match=message):
        check(**options)


def test_good_options_pass():
    check(("png", "svg", "pdf", "jpeg", "webp"), 3, "chart-{x}-{y}", "Figure")
    check((), 1)
    check(("svg",), 10, None, None)


# -- file names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "values", "name"),
    [
        (None, {"x": 1}, "chart"),
        ("chart-{x}-{y}", {"x": 1, "y": 2.5}, "chart-1-2.5"),
        ("{x}", {"x": "Zürich / Genève"}, "Zürich _ Genève"),
        ("{x}", {"x": 'a<b>:"c"|?*\\d'}, "a_b_c_d"),
        ("{x}", {"x": "..hidden"}, "hidden"),
        ("{x}", {"x": ""}, "chart"),
        ("{x}", {"x": "x" * 300}, "x" * export.MAX_NAME),
        ("{x}", {"x": [1, "a"]}, "[1,_a_]"),
    ],
)
def test_file_names_are_safe(template, values, name):
    parts = None if template is None else templates.parts(template)
    assert export.file_name(parts, "chart", values) == name


@pytest.mark.parametrize(
    ("name", "simple"),
    [
        ("chart-1", "chart-1"),
        ("Zürich", "Zurich"),
        ("日本", "download"),
        ("a b", "a b"),
    ],
)
def test_the_ascii_fallback(name, simple):
    assert export.ascii_name(name) == simple
