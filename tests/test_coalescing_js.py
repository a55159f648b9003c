"""Coalescing in V8 (mini-racer): while an image is loading a picture, the URL
function keeps its newer values in the page script, which sets the latest of
them once the picture has loaded or failed.

The page script (``assets/dash_images.js``) runs here against a small stand-in
for the DOM: ``<img>`` elements with attributes, ``complete``, ``load`` and
``error`` events, a ``MutationObserver`` whose records the test delivers (as
the browser does after React's commit), and a ``set_props`` that commits
what it is given, as Dash's renderer does.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import dash
import pytest
from py_mini_racer import MiniRacer

import flask_dash_images.dash
from flask_dash_images.dash.clientside import relay_function, url_function

SCRIPT = (
    Path(flask_dash_images.dash.__file__).parent / "assets" / "dash_images.js"
).read_text(encoding="utf-8")

# The DOM a test needs, and what Dash's renderer does with set_props: the
# props are committed to the element at once (React's render), and recorded.
DOM = """
var window = globalThis;
var __mutations = [];
var __observers = [];
function MutationObserver(callback) { this.callback = callback; }
MutationObserver.prototype.observe = function () { __observers.push(this); };
function __deliver() {
  var records = __mutations;
  __mutations = [];
  if (records.length) {
    __observers.forEach(function (o) { o.callback(records); });
  }
}
function Element(tag, id) {
  this.tagName = tag; this.nodeType = 1; this.id = id; this.children = [];
  this.attributes = {}; this.listeners = {}; this.complete = true;
  this.naturalWidth = 0; this.loading = "auto"; this.isConnected = false;
  this.rect = {top: 10, left: 10, bottom: 60, right: 60};
}
Element.prototype.getAttribute = function (name) {
  return Object.prototype.hasOwnProperty.call(this.attributes, name)
    ? this.attributes[name] : null;
};
Element.prototype.setAttribute = function (name, value) {
  this.attributes[name] = String(value);
  if (name === "src" || name === "srcset") {
    __mutations.push({type: "attributes", target: this, attributeName: name});
  }
};
Element.prototype.removeAttribute = function (name) { delete this.attributes[name]; };
Element.prototype.addEventListener = function (type, listener) {
  (this.listeners[type] = this.listeners[type] || []).push(listener);
};
Element.prototype.dispatch = function (type) {
  var self = this;
  (this.listeners[type] || []).forEach(function (f) { f({type: type, target: self}); });
};
Element.prototype.getElementsByTagName = function (tag) {
  return this.children.filter(function (c) { return c.tagName === tag.toUpperCase(); });
};
Element.prototype.getBoundingClientRect = function () { return this.rect; };
window.innerWidth = 800;
window.innerHeight = 600;
var document = {
  body: new Element("BODY", ""),
  getElementById: function (id) {
    var found = document.body.children.filter(function (c) { return c.id === id; });
    return found.length ? found[found.length - 1] : null;
  },
  addEventListener: function () {}
};
// The window's capturing listeners, and a clock the test moves.
var __windowListeners = {};
window.addEventListener = function (type, listener) {
  (__windowListeners[type] = __windowListeners[type] || []).push(listener);
};
function __pointer(type, x, y, primary) {
  var event = {type: type, clientX: x, clientY: y, isPrimary: primary !== false};
  (__windowListeners[type] || []).forEach(function (f) { f(event); });
  return true;
}
var __now = 1000000;
Date.now = function () { return __now; };
var __setProps = [];
var dash_clientside = window.dash_clientside = {
  no_update: {description: "Return to prevent updating an Output."},
  PreventUpdate: {description: "Throw to prevent updating all Outputs."},
  callback_context: {},
  set_props: function (id, props) {
    __setProps.push([id, props]);
    __commit(__domId(id), props);
  }
};
function __domId(id) {
  if (typeof id !== "object") { return id; }
  return "{" + Object.keys(id).sort().map(function (k) {
    return JSON.stringify(k) + ":" + JSON.stringify(id[k]);
  }).join(",") + "}";
}
// React mounting an <img> with this DOM id (another element if one is there).
function __mount(domId) {
  var img = new Element("IMG", domId);
  img.isConnected = true;
  document.body.children.push(img);
  __observers.forEach(function (o) {
    o.callback([{type: "childList", addedNodes: [img]}]);
  });
  return true;
}
function __unmount(domId) {
  var img = document.getElementById(domId);
  document.body.children = document.body.children.filter(function (c) {
    return c !== img;
  });
  img.isConnected = false;
  return true;
}
// React committing props: attributes set, a new src starts loading.
function __commit(domId, props) {
  var img = document.getElementById(domId);
  var names = {src: "src", srcSet: "srcset", alt: "alt"};
  Object.keys(props).forEach(function (key) {
    var attribute = names[key] || key;
    if (img.getAttribute(attribute) !== props[key]) {
      if (attribute === "src" || attribute === "srcset") { img.complete = false; }
      img.setAttribute(attribute, props[key]);
    }
  });
  __deliver();
  return true;
}
// The picture the element asked for has arrived (or failed).
function __finish(domId, ok, element) {
  var img = element || document.getElementById(domId);
  img.complete = true;
  img.naturalWidth = ok ? 10 : 0;
  img.dispatch(ok ? "load" : "error");
  return true;
}
function __state(domId) {
  var img = document.getElementById(domId);
  return {
    src: img.getAttribute("src"), srcset: img.getAttribute("srcset"),
    alt: img.getAttribute("alt"), state: img.getAttribute("data-dash-images-state")
  };
}
function __takeSetProps() {
  var taken = __setProps;
  __setProps = [];
  return JSON.stringify(taken);
}
var __functions = [];
function __define(source) {
  __functions.push((0, eval)("(" + source + ")"));
  return __functions.length - 1;
}
function __call(index, argsText, outputsText) {
  dash_clientside.callback_context = {outputs_list: JSON.parse(outputsText)};
  var result;
  try {
    result = __functions[index].apply(null, JSON.parse(argsText));
  } catch (error) {
    if (error === dash_clientside.PreventUpdate) {
      return JSON.stringify({prevent_update: true});
    }
    return JSON.stringify({error: String(error && error.stack || error)});
  }
  return JSON.stringify({result: result}, function (key, value) {
    return value === dash_clientside.no_update ? {__no_update__: true} : value;
  });
}
"""

PATH = "image_generator/pic.png"


def js(value: t.Any) -> str:
    return json.dumps(value)


class Page:
    """The page script in V8 with the stand-in DOM, and one URL function."""

    def __init__(self, before: str = "", **options: t.Any) -> None:
        self.v8 = MiniRacer()
        self.v8.eval(DOM)
        self.v8.eval(before)
        self.v8.eval(SCRIPT)
        self.define(**options)

    def define(
        self,
        names: t.Sequence[str] = ("n",),
        spread: t.Sequence[bool] | None = None,
        hidpi: bool = False,
        alt: t.Sequence[tuple[str, str | None]] | None = None,
        export: t.Sequence[str] = (),
    ) -> None:
        source = url_function(
            PATH,
            list(names),
            None,
            spread,
            [True] * len(names),
            hidpi,
            False,
            alt,
            export,
        )
        self.index = self.v8.eval(f"__define({js(source)})")

    def call(self, *args: t.Any, outputs: t.Any) -> t.Any:
        text = self.v8.eval(f"__call({self.index}, {js(js(args))}, {js(js(outputs))})")
        envelope = json.loads(
            text,
            object_hook=lambda o: dash.no_update if o == {"__no_update__": True} else o,
        )
        assert "error" not in envelope, envelope["error"]
        if "prevent_update" in envelope:
            raise dash.exceptions.PreventUpdate
        return envelope["result"]

    def mount(self, dom_id: str) -> None:
        self.v8.eval(f"__mount({js(dom_id)})")

    def commit(self, dom_id: str, props: dict[str, t.Any]) -> None:
        """What Dash does with a callback's values: React sets them."""
        props = {k: v for k, v in props.items() if v is not dash.no_update}
        self.v8.eval(f"__commit({js(dom_id)}, {js(props)})")

    def finish(self, dom_id: str, ok: bool = True) -> None:
        self.v8.eval(f"__finish({js(dom_id)}, {js(ok)})")

    def state(self, dom_id: str) -> dict[str, t.Any]:
        return t.cast(dict[str, t.Any], self.v8.eval(f"__state({js(dom_id)})"))

    def set_props(self) -> list[t.Any]:
        """The set_props calls since the last look."""
        return t.cast(list[t.Any], json.loads(self.v8.eval("__takeSetProps()")))

    def eval(self, source: str) -> t.Any:
        return self.v8.eval(source)

    def pointer(
        self, kind: str, x: float = 0, y: float = 0, primary: bool = True
    ) -> None:
        """A pointer event (``down``, ``move``, ``up``, ``cancel``) the
        window sees."""
        self.v8.eval(f"__pointer('pointer{kind}', {x}, {y}, {js(primary)})")

    def drag(self, distance: float = 20) -> None:
        """Press, move ``distance`` CSS px, (the caller's changes), release."""
        self.pointer("down", 0, 0)
        self.pointer("move", distance, 0)

    def wait(self, ms: int) -> None:
        self.v8.eval(f"__now += {ms}")


def url(n: t.Any, scale: int | None = None) -> str:
    query = f"n={n}" if scale is None else f"n={n}&scale={scale}"
    return f"/{PATH}?{query}"


ONE = {"id": "pic", "property": "src"}


@pytest.fixture
def page() -> Page:
    page = Page()
    page.mount("pic")
    return page


def change(page: Page, n: int) -> t.Any:
    """The input changes to ``n``: the URL function runs, Dash commits."""
    result = page.call(n, outputs=ONE)
    if result is not dash.no_update:
        page.commit("pic", {"src": result})
    return result


def test_the_first_picture_is_set_at_once(page):
    assert change(page, 1) == url(1)
    assert page.state("pic")["state"] == "loading"
    assert page.set_props() == []


def test_changes_while_loading_wait_and_only_the_latest_is_set(page):
    change(page, 1)
    for n in range(2, 10):
        assert change(page, n) is dash.no_update
    # Nothing asked for while the first picture loads.
    assert page.state("pic")["src"] == url(1)
    assert page.set_props() == []
    page.finish("pic")
    # The latest values, set once: 2 to 8 are never asked for.
    assert page.set_props() == [["pic", {"src": url(9)}]]
    assert page.state("pic") == {
        "src": url(9),
        "srcset": None,
        "alt": None,
        "state": "loading",
    }
    page.finish("pic")
    assert page.set_props() == []
    assert page.state("pic")["state"] == "loaded"
    # Loaded: the next change is set at once again.
    assert change(page, 10) == url(10)


def test_a_failed_picture_lets_the_latest_values_through_too(page):
    change(page, 1)
    change(page, 2)
    page.finish("pic", ok=False)
    assert page.state("pic")["src"] == url(2)
    assert page.set_props() == [["pic", {"src": url(2)}]]


def test_coming_back_to_the_loading_picture_sets_nothing_new(page):
    change(page, 1)
    change(page, 2)
    change(page, 1)  # back where the loading picture is
    page.finish("pic")
    assert page.set_props() == [["pic", {"src": url(1)}]]
    # Dash's src is what it was: the picture shown is the one wanted.
    assert page.state("pic") == {
        "src": url(1),
        "srcset": None,
        "alt": None,
        "state": "loaded",
    }


def test_hidpi_and_alt_wait_with_src(page):
    page.define(hidpi=True, alt=[("Value ", "n"), ("!", None)])
    outputs = [
        ONE,
        {"id": "pic", "property": "srcSet"},
        {"id": "pic", "property": "alt"},
    ]
    first = page.call(1, outputs=outputs)
    assert first == [url(1, 1), url(1, 2) + " 2x", "Value 1!"]
    page.commit("pic", dict(zip(["src", "srcSet", "alt"], first, strict=True)))
    assert page.call(2, outputs=outputs) == [dash.no_update] * 3
    page.finish("pic")
    assert page.set_props() == [
        ["pic", {"src": url(2, 1), "srcSet": url(2, 2) + " 2x", "alt": "Value 2!"}]
    ]
    assert page.state("pic")["alt"] == "Value 2!"


ALL_IDS = [{"t": "img", "i": i} for i in range(3)]
DOM_IDS = ['{"i":0,"t":"img"}', '{"i":1,"t":"img"}', '{"i":2,"t":"img"}']


def test_all_outputs_wait_per_image():
    page = Page(spread=[True])
    for dom_id in DOM_IDS:
        page.mount(dom_id)
    outputs = [{"id": i, "property": "src"} for i in ALL_IDS]
    first = page.call([1, 1, 1], outputs=outputs)
    assert first == [url(1)] * 3
    # Pictures 0 and 2 start loading; picture 1's (cached) is there at once.
    for dom_id in DOM_IDS:
        page.commit(dom_id, {"src": url(1)})
    page.finish(DOM_IDS[1])
    assert page.call([2, 2, 2], outputs=outputs) == [
        dash.no_update,
        url(2),
        dash.no_update,
    ]
    page.commit(DOM_IDS[1], {"src": url(2)})
    assert page.call([3, 3, 3], outputs=outputs) == [dash.no_update] * 3
    page.finish(DOM_IDS[2])
    assert page.set_props() == [[ALL_IDS[2], {"src": url(3)}]]
    page.finish(DOM_IDS[0], ok=False)
    page.finish(DOM_IDS[1])
    assert page.set_props() == [
        [ALL_IDS[0], {"src": url(3)}],
        [ALL_IDS[1], {"src": url(3)}],
    ]
    assert [page.state(d)["src"] for d in DOM_IDS] == [url(3)] * 3


def test_all_outputs_with_hidpi_and_alt_wait_per_image():
    page = Page(spread=[True], hidpi=True, alt=[("n=", "n")])
    for dom_id in DOM_IDS[:2]:
        page.mount(dom_id)
    outputs = [
        [{"id": i, "property": p} for i in ALL_IDS[:2]]
        for p in ("src", "srcSet", "alt")
    ]
    first = page.call([1, 1], outputs=outputs)
    assert first == [[url(1, 1)] * 2, [url(1, 2) + " 2x"] * 2, ["n=1"] * 2]
    page.commit(DOM_IDS[0], {"src": url(1, 1), "srcSet": url(1, 2) + " 2x"})
    assert page.call([2, 5], outputs=outputs) == [
        [dash.no_update, url(5, 1)],
        [dash.no_update, url(5, 2) + " 2x"],
        [dash.no_update, "n=5"],
    ]
    page.finish(DOM_IDS[0])
    assert page.set_props() == [
        [ALL_IDS[0], {"src": url(2, 1), "srcSet": url(2, 2) + " 2x", "alt": "n=2"}]
    ]


def test_a_blocked_value_leaves_the_waiting_values_alone(page):
    change(page, 1)
    change(page, 2)
    with pytest.raises(dash.exceptions.PreventUpdate):
        page.call(None, outputs=ONE)
    page.finish("pic")
    assert page.set_props() == [["pic", {"src": url(2)}]]


def test_an_image_not_in_the_page_gets_its_values(page):
    # No element with the id (yet): nothing is loading, nothing waits.
    outputs = {"id": "elsewhere", "property": "src"}
    assert page.call(1, outputs=outputs) == url(1)
    assert page.call(2, outputs=outputs) == url(2)


def test_a_lazy_image_out_of_view_gets_its_values_at_once(page):
    page.eval(
        "var img = document.getElementById('pic'); img.loading = 'lazy';"
        " img.rect = {top: 5000, left: 10, bottom: 5100, right: 60}; true"
    )
    change(page, 1)  # set; the browser asks for nothing until it is in view
    assert page.state("pic")["state"] == "loading"
    assert change(page, 2) == url(2)
    # In view, a lazy image that is loading waits as any other.
    page.eval("document.getElementById('pic').rect.top = 100; true")
    assert change(page, 3) is dash.no_update


def test_a_picture_done_before_its_event_is_heard_is_not_waited_for(page):
    change(page, 1)
    change(page, 2)
    # The picture has arrived; its load event has not been dispatched yet.
    page.eval("document.getElementById('pic').complete = true; true")
    assert change(page, 3) == url(3)
    page.finish("pic")
    # What waited (2) is older than what was set: never set after it.
    assert page.set_props() == []
    assert page.state("pic")["src"] == url(3)


def test_a_late_event_of_a_replaced_element_waits_for_the_new_one(page):
    change(page, 1)
    page.eval("var old = document.getElementById('pic'); true")
    page.mount("pic")  # React made another <img> with the same id
    page.commit("pic", {"src": url(1)})
    change(page, 2)
    page.eval("__finish('pic', true, old); true")
    assert page.set_props() == []
    page.finish("pic")
    assert page.set_props() == [["pic", {"src": url(2)}]]


def test_what_waits_for_a_removed_image_is_dropped(page):
    change(page, 1)
    change(page, 2)
    page.eval("var old = document.getElementById('pic'); __unmount('pic'); true")
    page.eval("__finish('pic', true, old); true")
    assert page.set_props() == []


def test_coalescing_can_be_turned_off():
    page = Page(before="window.dashImages = {coalesce: false};")
    page.mount("pic")
    assert page.eval("typeof window.dashImages.hold") == "function"
    change(page, 1)
    assert change(page, 2) == url(2)
    page.eval("window.dashImages.coalesce = true; true")
    assert change(page, 3) is dash.no_update


def test_without_the_page_script_the_url_function_sets_every_value():
    page = Page()
    page.eval("delete window.dashImages; true")
    page.mount("pic")
    change(page, 1)
    assert change(page, 2) == url(2)


def test_a_matching_id_is_found_in_the_page(page):
    page.mount('{"i":1,"t":"img"}')
    outputs = {"id": {"t": "img", "i": 1}, "property": "src"}
    assert page.call(1, outputs=outputs) == url(1)
    page.commit('{"i":1,"t":"img"}', {"src": url(1)})
    assert page.call(2, outputs=outputs) is dash.no_update
    page.finish('{"i":1,"t":"img"}')
    assert page.set_props() == [[{"t": "img", "i": 1}, {"src": url(2)}]]


# -- the end of a drag --------------------------------------------------------


def test_the_values_waiting_when_a_drag_ends_are_set_at_once(page):
    change(page, 1)
    page.drag()
    for n in range(2, 6):
        assert change(page, n) is dash.no_update
    assert page.set_props() == []
    page.pointer("up", 20, 0)
    # Set in place of the stale picture still loading (the browser cancels
    # its request): the final picture is asked for at once.
    assert page.set_props() == [["pic", {"src": url(5)}]]
    assert page.state("pic") == {
        "src": url(5),
        "srcset": None,
        "alt": None,
        "state": "loading",
    }
    # The stale picture's late end, if any, sets nothing more.
    page.finish("pic")
    assert page.set_props() == []


@pytest.mark.parametrize(("distance", "dragged"), [(4, True), (3.9, False)])
def test_a_drag_is_a_press_moved_at_least_4_px(page, distance, dragged):
    change(page, 1)
    page.drag(distance)
    change(page, 2)
    page.pointer("up", distance, 0)
    assert page.set_props() == ([["pic", {"src": url(2)}]] if dragged else [])


def test_the_first_values_after_a_drag_go_at_once_the_next_wait(page):
    change(page, 1)
    page.drag()
    page.pointer("up", 20, 0)
    page.wait(300)  # a server callback answering the release
    assert change(page, 2) == url(2)
    assert change(page, 3) is dash.no_update
    page.finish("pic")
    assert page.set_props() == [["pic", {"src": url(3)}]]


def test_values_long_after_a_drag_wait_as_any_other(page):
    change(page, 1)
    page.drag()
    page.pointer("up", 20, 0)
    page.wait(1001)
    assert change(page, 2) is dash.no_update


@pytest.mark.parametrize(
    "gesture",
    ["a click", "a press that moves 3 px", "a second finger", "a drag under way"],
)
def test_other_gestures_leave_values_waiting(page, gesture):
    change(page, 1)
    if gesture == "a click":
        page.pointer("down", 5, 5)
        page.pointer("up", 5, 5)
    elif gesture == "a press that moves 3 px":
        page.pointer("down", 5, 5)
        page.pointer("move", 7, 6)
        page.pointer("up", 7, 6)
    elif gesture == "a second finger":
        page.pointer("down", 5, 5)
        page.pointer("down", 50, 5, primary=False)
        page.pointer("move", 90, 5, primary=False)
        page.pointer("up", 90, 5, primary=False)
    else:
        page.drag()
    assert change(page, 2) is dash.no_update
    assert page.set_props() == []


def test_a_cancelled_drag_ends_it_too(page):
    change(page, 1)
    page.drag()
    change(page, 2)
    page.pointer("cancel", 20, 0)
    assert page.set_props() == [["pic", {"src": url(2)}]]


def test_with_coalescing_off_a_drag_changes_nothing(page):
    page.eval("window.dashImages.coalesce = false")
    change(page, 1)
    page.drag()
    assert change(page, 2) == url(2)
    page.pointer("up", 20, 0)
    assert page.set_props() == []


# -- the relay of server-built URLs ------------------------------------------


def relay(page: Page, spread: bool, props: t.Sequence[str] = ("src",)) -> int:
    source = relay_function(list(props), spread)
    return t.cast(int, page.eval(f"__define({js(source)})"))


def test_the_relay_holds_what_the_server_wrote_while_a_picture_loads(page):
    index = relay(page, spread=False, props=("src", "alt"))
    outputs = [ONE, {"id": "pic", "property": "alt"}]
    page.index = index
    assert page.call({"src": url(1), "alt": "one"}, outputs=outputs) == [url(1), "one"]
    page.commit("pic", {"src": url(1), "alt": "one"})
    waits = page.call({"src": url(2), "alt": "two"}, outputs=outputs)
    assert waits == [dash.no_update, dash.no_update]
    page.finish("pic")
    assert page.set_props() == [["pic", {"src": url(2), "alt": "two"}]]
    with pytest.raises(dash.exceptions.PreventUpdate):
        page.call(None, outputs=outputs)


def test_the_relay_of_all_images_sets_each_on_its_own():
    page = Page()
    for dom_id in DOM_IDS:
        page.mount(dom_id)
    page.index = relay(page, spread=True)
    outputs = [{"id": i, "property": "src"} for i in ALL_IDS]
    first = page.call([{"src": url(i)} for i in range(3)], outputs=outputs)
    assert first == [url(i) for i in range(3)]
    for dom_id, src in zip(DOM_IDS, first, strict=True):
        page.commit(dom_id, {"src": src})
    page.finish(DOM_IDS[1])
    # Image 1 has loaded, 0 and 2 are loading; an image the server left as it
    # was (None) gets nothing.
    answer = page.call([{"src": url(5)}, {"src": url(6)}, None], outputs=outputs)
    assert answer == [dash.no_update, url(6), dash.no_update]
    page.finish(DOM_IDS[0])
    assert page.set_props() == [[ALL_IDS[0], {"src": url(5)}]]


# -- downloads (export=) ------------------------------------------------------


def downloads(n: int) -> dict[str, str]:
    return {
        name: f"/image_generator/pic.{name}?n={n}&_download=1"
        for name in ("png", "pdf")
    }


def test_the_downloads_are_the_latest_values_even_while_a_picture_loads():
    page = Page()
    page.mount("pic")
    page.eval(
        "var __offered = []; window.dashImages.offer = function (id, urls, b) {"
        " __offered.push([id, urls, b]); };"
    )
    page.define(export=("png", "pdf"))
    outputs = [ONE, {"id": "pic", "property": "data-export"}]
    first = page.call(1, outputs=outputs)
    assert first == [url(1), downloads(1)]
    page.commit("pic", {"src": first[0]})
    # The picture of 1 is loading: src waits, the downloads do not.
    assert page.call(2, outputs=outputs) == [dash.no_update, downloads(2)]
    assert page.call(3, outputs=outputs) == [dash.no_update, downloads(3)]
    offered = page.eval("JSON.stringify(__offered)")
    assert json.loads(offered) == [["pic", downloads(n), True] for n in (1, 2, 3)]
    page.finish("pic")
    assert page.set_props() == [["pic", {"src": url(3), "data-export": downloads(3)}]]


def test_the_relay_passes_the_downloads_on_at_once(page):
    source = relay_function(["src", "data-export"], False, False)
    index = page.eval(f"__define({js(source)})")
    page.index = index
    page.eval(
        "var __offered = []; window.dashImages.offer = function (id, urls, b) {"
        " __offered.push([id, urls, b]); };"
    )
    outputs = [ONE, {"id": "pic", "property": "data-export"}]
    first = page.call({"src": url(1), "data-export": downloads(1)}, outputs=outputs)
    assert first == [url(1), downloads(1)]
    page.commit("pic", {"src": first[0]})
    held = page.call({"src": url(2), "data-export": downloads(2)}, outputs=outputs)
    assert held == [dash.no_update, downloads(2)]
    assert json.loads(page.eval("JSON.stringify(__offered)"))[-1] == [
        "pic",
        downloads(2),
        False,
    ]


def test_the_events_script_is_told_each_images_new_values(page):
    # It waits for the app's answer to an event before it reports the next.
    page.eval(
        "window.__told = []; window.dashImages.onValues = function (img, props)"
        " { window.__told.push([img.id, props.src]); };"
    )
    change(page, 1)  # set at once
    change(page, 2)  # waits for the first picture
    assert json.loads(page.eval("JSON.stringify(window.__told)")) == [
        ["pic", url(1)],
        ["pic", url(2)],
    ]
