"""The gallery's menu, shared by the Dash frame and the plain Flask page."""

from __future__ import annotations

import dataclasses

from .pages import PAGES


@dataclasses.dataclass(frozen=True)
class Link:
    path: str
    title: str
    summary: str
    #: False for a page Flask renders: reached by a full page load, not by
    #: Dash's client-side routing.
    dash: bool = True


FLASK_PAGE = Link(
    "/flask/",
    "Plain Flask",
    "A Jinja template whose <img> tags get their URLs from dynamic_image_url();"
    " no Dash on that page.",
    dash=False,
)

LINKS: tuple[Link, ...] = (
    *(Link(page.PATH, page.TITLE, page.SUMMARY) for page in PAGES),
    FLASK_PAGE,
)
