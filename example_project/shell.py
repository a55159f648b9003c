"""The Dash app's frame: header and menu, a ``dcc.Location`` router, the index."""

from __future__ import annotations

import typing as t

import dash
from dash import Input, Output, dcc, html

from .nav import LINKS
from .pages import PAGES

INDEX_SUMMARY = (
    "Pictures generated on request by flask-dash-images: every picture in these"
    " demos is a Python function's result, served at its own URL."
)


def init_dash(dash_app: dash.Dash) -> None:
    """Give ``dash_app`` its frame, its router and every page's callbacks."""
    dash_app.layout = frame(dash_app)
    # Pages enter the frame later, through the router; Dash checks callbacks
    # against this full tree instead of the frame alone.
    dash_app.validation_layout = html.Div(
        [frame(dash_app), index(dash_app), *(page.layout() for page in PAGES)]
    )
    for page in PAGES:
        page.register(dash_app)
    pages = {page.PATH: page for page in PAGES}

    @dash_app.callback(
        Output("page", "children"),
        Output("menu", "children"),
        Input("url", "pathname"),
    )
    def route(pathname: str | None) -> tuple[t.Any, list[t.Any]]:
        path = "/" + (dash_app.strip_relative_path(pathname) or "")
        page = pages.get(path)
        if path == "/":
            content = index(dash_app)
        elif page is None:
            content = not_found(dash_app)
        else:
            content = [
                html.H2(page.TITLE),
                html.P(page.SUMMARY, className="summary"),
                page.layout(),
            ]
        return content, menu(dash_app, path)


def frame(dash_app: dash.Dash) -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url"),
            html.Header(
                [
                    dcc.Link(
                        "flask-dash-images",
                        href=dash_app.get_relative_path("/"),
                        className="brand",
                    ),
                    html.Nav(id="menu", children=menu(dash_app, None)),
                ]
            ),
            html.Main(id="page"),
        ],
        className="frame",
    )


def link(
    dash_app: dash.Dash,
    path: str,
    text: str,
    *,
    dash_page: bool = True,
    class_name: str = "",
) -> t.Any:
    """A link to a Dash page (client-side routing) or to a Flask page."""
    href = dash_app.get_relative_path(path)
    if dash_page:
        return dcc.Link(text, href=href, className=class_name)
    return html.A(text, href=href, className=class_name)


def menu(dash_app: dash.Dash, current: str | None) -> list[t.Any]:
    return [
        link(
            dash_app,
            item.path,
            item.title,
            dash_page=item.dash,
            class_name="active" if item.path == current else "",
        )
        for item in LINKS
    ]


def index(dash_app: dash.Dash) -> list[t.Any]:
    cards = [
        html.Article(
            [
                html.H3(link(dash_app, item.path, item.title, dash_page=item.dash)),
                html.P(item.summary),
            ],
            className="card",
        )
        for item in LINKS
    ]
    return [
        html.H2("Gallery"),
        html.P(INDEX_SUMMARY, className="summary"),
        html.Div(cards, className="cards"),
    ]


def not_found(dash_app: dash.Dash) -> list[t.Any]:
    return [
        html.H2("No such page"),
        html.P(
            [
                "There is nothing here; ",
                link(dash_app, "/", "back to the gallery"),
                ".",
            ],
            className="summary",
        ),
    ]
