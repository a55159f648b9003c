"""The events script (``assets/dash_images_events.js``) in V8 (mini-racer).

:class:`EventsPage` loads the script the page ships against a small
stand-in for what it touches: ``document`` (capturing listeners, the
page's ``_dash-images-config``, the brush overlay's elements), ``<img>``
elements with a box, ``fetch`` answered by the test (each request
recorded), timers and animation frames on a clock the test moves, and
Dash's ``set_props`` (recorded). Its pure maths are
``window.dashImagesEvents``, callable directly (:meth:`EventsPage.locate`,
:meth:`EventsPage.brush`).

An ``<img>`` has listeners of its own, inline styles, a ``src`` attribute
that a test changes as Dash's renderer does (:meth:`EventsPage.set_src`:
the new picture is then loading) and a load the test decides
(:meth:`EventsPage.load`).
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
  head: new __Element("HEAD"),
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
// Inline styles: properties, and the CSS text a browser keeps of them.
function __Style() {}
__Style.prototype.setProperty = function (k, v) { this[k] = String(v); };
__Style.prototype.removeProperty = function (k) { delete this[k]; };
__Style.prototype.getPropertyValue = function (k) {
  return this[k] === undefined ? "" : this[k];
};
// <img> elements, by id: shown at (left, top), width x height CSS pixels
// (before any transform; getBoundingClientRect gives the transformed box,
// for the transforms the page script sets: matrix(sx, 0, 0, sy, tx, ty)).
var __images = {};
function __image(id, src, left, top, width, height) {
  var img = {
    tagName: "IMG", id: id, src: src, currentSrc: src, isConnected: true,
    clientLeft: 0, clientTop: 0,
    clientWidth: width, clientHeight: height, offsetWidth: width,
    offsetHeight: height, complete: true, naturalWidth: width, naturalHeight: height,
    attributes: {src: src}, listeners: {}, style: new __Style(),
    getAttribute: function (k) {
      return Object.prototype.hasOwnProperty.call(this.attributes, k)
        ? this.attributes[k] : null;
    },
    setAttribute: function (k, v) { this.attributes[k] = String(v); },
    removeAttribute: function (k) { delete this.attributes[k]; },
    hasAttribute: function (k) {
      return Object.prototype.hasOwnProperty.call(this.attributes, k);
    },
    addEventListener: function (type, listener) {
      (this.listeners[type] = this.listeners[type] || []).push(listener);
    },
    getBoundingClientRect: function () {
      var text = this.style.transform || "";
      var t = text.indexOf("matrix(") === 0
        ? text.slice(7, -1).split(",").map(Number) : [1, 0, 0, 1, 0, 0];
      var l = left + t[4];
      var u = top + t[5];
      return {left: l, top: u, right: l + width * t[0], bottom: u + height * t[3],
        width: width * t[0], height: height * t[3]};
    }
  };
  __images[id] = img;
  return true;
}
// Dash's renderer sets a new src: the picture is loading (the old one is
// still shown).
function __setSrc(id, src) {
  var img = __images[id];
  img.attributes.src = src;
  img.src = src;
  img.currentSrc = src;
  img.complete = false;
  return true;
}
// The picture asked for has arrived (or failed): then its load (error).
function __load(id, ok) {
  var img = __images[id];
  img.complete = true;
  img.naturalWidth = ok ? img.clientWidth : 0;
  __dispatch(ok ? "load" : "error", id, 0, 0, 0, "{}");
  return true;
}
var __prevented = [];
function __dispatch(type, id, x, y, button, extraText) {
  var target = __images[id] || {tagName: "DIV"};
  var event = {type: type, target: target, clientX: x, clientY: y,
    button: button || 0, pointerId: 1, pointerType: "mouse", isPrimary: true,
    preventDefault: function () { __prevented.push(type); }};
  var extra = JSON.parse(extraText || "{}");
  Object.keys(extra).forEach(function (k) { event[k] = extra[k]; });
  (__listeners[type] || []).forEach(function (f) { f(event); });
  ((target.listeners || {})[type] || []).forEach(function (f) { f(event); });
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
// Animation frames: the test runs them (the browser's next frame).
var __frames = [];
function requestAnimationFrame(f) {
  __frames.push(f);
  return __frames.length;
}
window.requestAnimationFrame = requestAnimationFrame;
function __frame() {
  var due = __frames;
  __frames = [];
  due.forEach(function (f) { f(__now); });
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
  if (answer.held) {  // until the test lets it go
    return new Promise(function (resolve) {
      __held[url] = function () { resolve(__response(answer)); };
    });
  }
  return Promise.resolve(__response(answer));
}
var __held = {};
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
}, now: function () { return __now; }};
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

    def __init__(
        self,
        events: t.Mapping[str, t.Sequence[str]] | None = None,
        preview: t.Sequence[str] = (),
    ):
        self.v8 = MiniRacer()
        self.v8.eval(_DOM)
        config: dict[str, t.Any] = {"events": dict(events or {})}
        if preview:
            config["preview"] = list(preview)
        self.v8.eval(f"__config = {_js(config)}")
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
        held: bool = False,
    ) -> None:
        """What a fetch of ``url`` gets: from the browser's cache only
        (``cached``), or from the network; ``held``: not before
        :meth:`release` (a read that takes a while)."""
        answer = {
            "status": status,
            "headers": dict(headers or {}),
            "body": _js(body),
            "held": held,
        }
        where = ("cache:" if cached else "net:") + url
        self.v8.eval(f"__answers[{_js(where)}] = {_js(answer)}")

    def release(self, url: str) -> None:
        """The held fetch of ``url`` is answered (its promise settles; what
        waited on it runs before this returns)."""
        self.v8.eval(f"__held[{_js(url)}](); delete __held[{_js(url)}]")

    def timing(self, url: str, said: str) -> None:
        """The browser's resource timing for ``url``: its Server-Timing
        said ``map;desc=<said>``."""
        entry = {"name": url, "serverTiming": [{"name": "map", "description": said}]}
        self.v8.eval(f"__entries.push({_js(entry)})")

    def dispatch(
        self,
        kind: str,
        dom_id: str | None,
        x: float,
        y: float,
        button: int = 0,
        **fields: t.Any,
    ) -> None:
        """A DOM event (``click``, ``pointermove``, ``wheel``...) on the
        element ``dom_id`` at client position ``(x, y)``; ``fields`` are the
        event's others (``deltaY=100``, ``pointerId=2``, ...)."""
        extra = _js(_js(fields))
        self.v8.eval(
            f"__dispatch({_js(kind)}, {_js(dom_id)}, {x}, {y}, {button}, {extra})"
        )

    def prevented(self) -> list[str]:
        """The types of the events whose default was prevented since the
        last look."""
        return t.cast(list[str], json.loads(self.v8.eval("__take('__prevented')")))

    def set_src(self, dom_id: str, src: str) -> None:
        """Dash's renderer sets the image's ``src``: its picture loads."""
        self.v8.eval(f"__setSrc({_js(dom_id)}, {_js(src)})")

    def load(self, dom_id: str, ok: bool = True) -> None:
        """The image's picture has arrived (its ``load``), or failed."""
        self.v8.eval(f"__load({_js(dom_id)}, {_js(ok)})")

    def frame(self) -> None:
        """The browser's next animation frame."""
        self.v8.eval("__frame()")

    def frames_pending(self) -> int:
        """How many animation frames the page has asked for."""
        return t.cast(int, self.v8.eval("__frames.length"))

    def remove(self, dom_id: str) -> None:
        """React takes the ``<img>`` out of the page."""
        self.v8.eval(f"__images[{_js(dom_id)}].isConnected = false")

    def style(self, dom_id: str) -> dict[str, str]:
        """The image's inline style properties the page script set."""
        text = self.v8.eval(f"JSON.stringify(__images[{_js(dom_id)}].style)")
        return t.cast(dict[str, str], json.loads(text))

    def attribute(self, dom_id: str, name: str) -> str | None:
        text = self.v8.eval(
            f"JSON.stringify(__images[{_js(dom_id)}].getAttribute({_js(name)}))"
        )
        return t.cast("str | None", json.loads(text))

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
