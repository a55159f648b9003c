"""Dash's backends: image callbacks need a Dash app on Flask."""

from __future__ import annotations

import typing as t

import flask

from ..exceptions import ConfigurationError

if t.TYPE_CHECKING:
    import dash

__all__ = ["check_backend"]


def check_backend(dash_app: dash.Dash) -> None:
    """Refuse a Dash app that does not run on Flask, saying what works.

    :raises ConfigurationError: Dash runs it on FastAPI or Quart.
    """
    server = getattr(dash_app, "server", None)
    if isinstance(server, flask.Flask):
        return
    backend = type(server).__module__.partition(".")[0]
    raise ConfigurationError(
        f"this Dash app runs on {type(server).__name__} (Dash's {backend!r}"
        " backend); flask-dash-images serves pictures from Flask, so image"
        " callbacks need a Dash app on the Flask backend (the default:"
        " Dash(__name__), or Dash(server=flask_app)); plain Flask generators"
        " work on any Flask app"
    )
