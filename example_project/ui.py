"""Small layout helpers shared by the Dash pages, so they all look alike."""

from __future__ import annotations

import typing as t

from dash import dcc, html


def field(label: str, control: t.Any) -> html.Div:
    """A control with its caption above it.

    A ``div``, not a ``label``: a label around a slider or a group of radio
    buttons sends every click on the caption to the first input inside.
    """
    return html.Div(
        [html.Div(label, className="field-label"), control], className="field"
    )


def controls(*fields: t.Any) -> html.Div:
    """A column of fields beside a picture."""
    return html.Div(list(fields), className="controls")


def demo(controls_: t.Any, *pictures: t.Any) -> html.Div:
    """The usual demo: controls on the left, one or more pictures on the right."""
    return html.Div(
        [controls_, html.Div(list(pictures), className="pictures")], className="demo"
    )


def note(*children: t.Any) -> html.P:
    """A line of explanation under the controls or beside the pictures."""
    return html.P(list(children), className="note")


def picture(component_id: t.Any, width: int, height: int, alt: str) -> html.Img:
    """An ``html.Img`` whose ``src`` an image callback sets; its size is fixed
    so the page does not jump while a new picture loads."""
    return html.Img(
        id=component_id, width=width, height=height, alt=alt, className="picture"
    )


def slider(
    component_id: t.Any,
    low: float,
    high: float,
    step: float,
    value: float,
    marks: dict[float, str] | None = None,
) -> dcc.Slider:
    """A slider that always shows its value, in a tooltip below its thumb.

    Dash positions the tooltip outside the slider's box, where it would cover
    whatever comes next; the class ``slider-with-tooltip`` (style.css) makes
    room for it inside the box.
    """
    return dcc.Slider(
        id=component_id,
        min=low,
        max=high,
        step=step,
        value=value,
        marks=marks,
        allow_direct_input=False,
        tooltip={"placement": "bottom", "always_visible": True},
        className="slider-with-tooltip",
    )
