"""The events script (``assets/dash_images_events.js``) in V8 (mini-racer).

:class:`EventsPage` loads the script the page ships against a small
stand-in for what it touches: ``document`` (capturing listeners, the
page's ``_dash-images-config``, the brush overlay's elements), ``<img>``
elements with a box, ``fetch`` answered by the test (each request
recorded), timers on a clock the test moves, and Dash's ``set_props``
(recorded). Its pure maths are ``window.dashImagesEvents``, callable
directly (:meth:`EventsPage.locate`, :meth:`EventsPage.brush`).
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from py_mini_racer import MiniRacer

import flask_dash_images.dash

__all__ = ["SCRIPT", "EventsPage"]

SCRIPT = (
    Path(flask_dash_images.dash.__file__).parent / "assets" / "dash_images_events.js"
).read_text(encoding="utf-8")

_DOM = """
var window = globalThis;
window.scrollX = 0;
window.scrollY = 0;
var __listeners = {};
var __config = {events: {}};
function __Element(tag) {
  this.tagName = tag; this.attributes = {}; this.style = {}; this.children = [];
  this.parentNode = null;
}
__Element.prototype.setAttribute = function (k, v) {
  this.attributes[k] = String(v);
};
__Element.prototype.appendChild = function (c) {
  this.children.push(c);
  c.parentNode = this;
};
__Element.prototype.removeChild = function (c) {
  this.children = this.children.filter(function (x) { return x !== c; });
  c.parentNode = null;
};
var document = {
  body: new __Element("BODY"),
  addEventListener: function (type, listener) {
    (__listeners[type] = __listeners[type] || []).push(listener);
  },
  getElementById: function (id) {
    return id === "_dash-images-config"
      ? {textContent: JSON.stringify(__config)} : null;
  },
  createElement: function (tag) { return new __Element(tag.toUpperCase()); }
};
function getComputedStyle() {
  return {paddingLeft: "0px", paddingRight: "0px", paddingTop: "0px",
    paddingBottom: "0px"};
}
// <img> elements, by id: shown at (left, top), width x height CSS pixels.
var __images = {};
function __image(id, src, left, top, width, height) {
  __images[id] = {
    tagName: "IMG", id: id, src: src, currentSrc: src, clientLeft: 0, clientTop: 0,
    clientWidth: width, clientHeight: height,
    getBoundingClientRect: function () {
      return {left: left, top: top, right: left + width, bottom: top + height,
        width: width, height: height};
    }
  };
  return true;
}
function __dispatch(type, id, x, y, button) {
  var event = {type: type, target: __images[id] || {tagName: "DIV"}, clientX: x,
    clientY: y, button: button || 0, preventDefault: function () {}};
  (__listeners[type] || []).forEach(function (f) { f(event); });
  return true;
}
// Timers on a clock the test moves.
var __now = 0;
var __timers = [];
function setTimeout(f, ms) {
  __timers.push({at: __now + ms, f: f});
  return __timers.length;
}
function __advance(ms) {
  __now += ms;
  var due = __timers.filter(function (t) { return t.at <= __now; });
  __timers = __timers.filter(function (t) { return t.at > __now; });
  due.forEach(function (t) { t.f(); });
  return true;
}
// fetch: the test says what each URL answers; every request is recorded.
var __answers = {};
var __requests = [];
function fetch(url, init) {
  init = init || {};
  __requests.push({url: url, cache: init.cache || "default",
    headers: init.headers || {}});
  var cached = init.cache === "only-if-cached";
  var answer = __answers[(cached ? "cache:" : "net:") + url];
  if (!answer) {
    return cached ? Promise.reject(new TypeError("not in the cache"))
      : Promise.resolve(__response({status: 404, headers: {}, body: "null"}));
  }
  if (typeof answer === "function") { answer = answer(init); }
  return Promise.resolve(__response(answer));
}
function __response(answer) {
  var headers = {};
  Object.keys(answer.headers).forEach(function (k) {
    headers[k.toLowerCase()] = answer.headers[k];
  });
  return {
    ok: answer.status >= 200 && answer.status < 300, status: answer.status, body: null,
    headers: {get: function (k) {
      var v = headers[k.toLowerCase()]; return v === undefined ? null : v; }},
    json: function () { return Promise.resolve(JSON.parse(answer.body)); }
  };
}
// Resource timing: the entries the test adds (no PerformanceObserver).
var __entries = [];
window.performance = {getEntriesByName: function (name) {
  return __entries.filter(function (e) { return e.name === name; });
}};
var __setProps = [];
window.dash_clientside = {set_props: function (id, props) {
  __setProps.push([id, props]);
}};
window.dashImages = {dashId: function (img) { return img.id; }};
function __take(name) {
  var taken = window[name];
  window[name] = [];
  return JSON.stringify(taken);
}
function __locateMany(mapText, pointsText) {
  var map = JSON.parse(mapText);
  return JSON.stringify(JSON.parse(pointsText).map(function (p) {
    return window.dashImagesEvents.locate(map, p[0], p[1]);
  }));
}
"""


def _js(value: t.Any) -> str:
    return json.dumps(value)


class EventsPage:
    """The events script in V8, on a page whose ``_dash-images-config``
    names the pictures that report events (``{guid: [event, ...]}``)."""

    def __init__(self, events: t.Mapping[str, t.Sequence[str]] | None = None):
        self.v8 = MiniRacer()
        self.v8.eval(_DOM)
        self.v8.eval(f"__config = {_js({'events': dict(events or {})})}")
        self.v8.eval(SCRIPT)

    # -- the maths ------------------------------------------------------------

    def locate_many(
        self, map_text: str, points: t.Sequence[tuple[float, float]]
    ) -> list[dict[str, t.Any] | None]:
        """``dashImagesEvents.locate`` at each ``(px, py)`` (the map's units,
        from the picture's top left), in one call."""
        text = self.v8.call("__locateMany", map_text, _js([list(p) for p in points]))
        return t.cast(list[t.Any], json.loads(text))

    def locate(self, found: t.Mapping[str, t.Any], px: float, py: float) -> t.Any:
        return self.locate_many(json.dumps(found), [(px, py)])[0]

    def brush(
        self,
        found: t.Mapping[str, t.Any],
        kind: str,
        start: tuple[float, float],
        end: tuple[float, float],
    ) -> t.Any:
        """``dashImagesEvents.brush``: what a drag from ``start`` to ``end``
        selects."""
        text = self.v8.eval(
            f"JSON.stringify(window.dashImagesEvents.brush({_js(found)},"
            f" {_js(kind)}, {_js(list(start))}, {_js(list(end))}))"
        )
        return json.loads(text)

    def eval(self, source: str) -> t.Any:
        return self.v8.eval(source)

    # -- the page -------------------------------------------------------------

    def image(
        self, dom_id: str, src: str, box: tuple[float, float, float, float]
    ) -> None:
        """An ``<img>`` showing ``src`` at ``box`` = (left, top, width,
        height) CSS pixels."""
        self.v8.eval(f"__image({_js(dom_id)}, {_js(src)}, {', '.join(map(_js, box))})")

    def answer(
        self,
        url: str,
        *,
        status: int = 200,
        headers: t.Mapping[str, str] | None = None,
        body: t.Any = None,
        cached: bool = False,
    ) -> None:
        """What a fetch of ``url`` gets: from the browser's cache only
        (``cached``), or from the network."""
        answer = {"status": status, "headers": dict(headers or {}), "body": _js(body)}
        where = ("cache:" if cached else "net:") + url
        self.v8.eval(f"__answers[{_js(where)}] = {_js(answer)}")

    def timing(self, url: str, said: str) -> None:
        """The browser's resource timing for ``url``: its Server-Timing
        said ``map;desc=<said>``."""
        entry = {"name": url, "serverTiming": [{"name": "map", "description": said}]}
        self.v8.eval(f"__entries.push({_js(entry)})")

    def dispatch(
        self, kind: str, dom_id: str | None, x: float, y: float, button: int = 0
    ) -> None:
        """A DOM event (``click``, ``pointermove``, ...) on the element
        ``dom_id`` at client position ``(x, y)``."""
        self.v8.eval(f"__dispatch({_js(kind)}, {_js(dom_id)}, {x}, {y}, {button})")

    def advance(self, ms: float) -> None:
        """Move the clock: due timers run (and then any promise work)."""
        self.v8.eval(f"__advance({ms})")

    def reported(self) -> list[tuple[t.Any, dict[str, t.Any]]]:
        """The ``set_props`` calls since the last look."""
        return [
            tuple(call) for call in json.loads(self.v8.eval("__take('__setProps')"))
        ]

    def requests(self) -> list[dict[str, t.Any]]:
        """The fetches since the last look: ``url``, ``cache``, ``headers``."""
        return t.cast(list[t.Any], json.loads(self.v8.eval("__take('__requests')")))
