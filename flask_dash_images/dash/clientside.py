"""The JavaScript that builds an image URL in the browser (Dash's default).

It writes the same bytes as the server: values as ``JSON.stringify`` writes
them with sorted keys (see :mod:`.codec`), percent-encoded like
``urllib.parse.quote`` with the safe characters of :mod:`.urls`.
"""

from __future__ import annotations

import json
import typing as t

__all__ = [
    "ASK",
    "BOX",
    "CONFIG_ID",
    "EXPLAINED",
    "EXPORT",
    "FAILED",
    "MEASURE_FUNCTION",
    "NEXT",
    "image_props",
    "relay_function",
    "url_function",
]

#: The id of the page's JSON that tells the browser the app's version.
CONFIG_ID = "_dash-images-config"

#: The image's property the page script sets to a failed picture's URL, in
#: pages with Dash's dev tools: the debug probe's input (:mod:`.probe`).
FAILED = "data-dash-images-failed"
#: The image's property the debug probe answers on: never set (the probe
#: raises why the picture failed), it gives the error its image's name.
EXPLAINED = "data-dash-images-error"

#: The image's property that holds its box (``responsive=True``): width and
#: height in device pixels and the pixel ratio, set by the page script
#: (``assets/dash_images.js``).
BOX = "data-dash-images-box"

#: The image's property that holds its downloads' URLs for the current
#: values, ``{format: URL}`` (``export=``).
EXPORT = "data-export"

#: The image's property a server-side URL builder writes (what to set:
#: ``{"src": ..., "srcSet": ..., "alt": ...}``), for the relay
#: (:func:`relay_function`) to set under the coalescing rule.
NEXT = "data-dash-images-next"

#: The image's property the relay sets to have an ``ALL`` callback's URLs
#: built again, when the answer it got was for older values (an input of
#: the server-side builder).
ASK = "data-dash-images-ask"

#: A clientside callback from the images' ids to their first boxes.
MEASURE_FUNCTION = """function (ids) {
  var box = window.dashImages.box;
  return Array.isArray(ids) ? ids.map(box) : box(ids);
}"""

#: The end both functions share: each image's values (one per output) wait
#: while that image is loading a picture (the page script sets them when it
#: has loaded or failed: at most one request in flight per image, the latest
#: values win), then go to Dash in the shape it wants. Needs ``spec.props``
#: and ``spec.spread``; gives ``one(values)`` and ``all(perImage)``.
_ANSWER = """  var unchanged = window.dash_clientside.no_update;
  var EXPORT = "data-export";
  var images = window.dashImages;
  function held(id, out) {
    if (!images || out[0] === unchanged || id === undefined) {
      return out;
    }
    var set = {};
    spec.props.forEach(function (p, k) { set[p] = out[k]; });
    // The downloads are the latest values at once, even while a picture
    // loads: never a stale picture.
    if (set[EXPORT] !== undefined && images.offer) {
      images.offer(id, set[EXPORT], spec.button);
    }
    if (!images.hold || !images.hold(id, set)) {
      return out;
    }
    return out.map(function (v, k) {
      return spec.props[k] === EXPORT ? v : unchanged;
    });
  }
  function idOf(output) {
    return output && typeof output === "object" ? output.id : undefined;
  }
  var outputs = (dash_clientside.callback_context || {}).outputs_list;
  var many = spec.props.length > 1;
  // The image outputs' ids: src's output (a list of them with ALL).
  var first = many && Array.isArray(outputs) ? outputs[0] : outputs;
  function one(out) {
    var own = held(idOf(first), out);
    return many ? own : own[0];
  }
  function all(perImage) {
    perImage = perImage.map(function (out, i) { return held(idOf(first[i]), out); });
    if (!many) { return perImage.map(function (p) { return p[0]; }); }
    return spec.props.map(function (_, k) {
      return perImage.map(function (p) { return p[k]; });
    });
  }"""

#: A value's canonical JSON (keys sorted), as the URL carries it.
_CANON = """  function canon(v) {
    if (v === undefined || v === null || typeof v !== "object") {
      return v === undefined ? "null" : JSON.stringify(v);
    }
    if (Array.isArray(v)) { return "[" + v.map(canon).join(",") + "]"; }
    return "{" + Object.keys(v).filter(function (k) { return v[k] !== undefined; })
      .sort().map(function (k) { return JSON.stringify(k) + ":" + canon(v[k]); })
      .join(",") + "}";
  }
"""

_TEMPLATE = """function () {
  var spec = %(spec)s;
  var values = Array.prototype.slice.call(arguments);
%(canon)s  function enc(s) {
    return encodeURIComponent(s).replace(/%%2C/g, ",").replace(/%%3A/g, ":")
      .replace(/'/g, "%%27");
  }
  function json(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : {};
  }
  // The Dash app's own prefix as the browser sees it; its pictures live there.
  var prefix = json("_dash-config").requests_pathname_prefix || "/";
  var version = [json("%(config_id)s").version, spec.version]
    .filter(Boolean).join(".");
  function blocked(vals) {
    return spec.blocks.some(function (b, i) {
      // An emptied dcc.Input(type="number") gives the browser NaN, the
      // server None: both mean "no value".
      var v = vals[i];
      return b && (v === null || v === undefined || v !== v);
    });
  }
  // The URL's parameters, [name, value] in order. With responsive, the
  // first value is the image's box.
  function carried(vals, scale) {
    var own = spec.responsive ? vals.slice(1) : vals;
    var pairs = spec.names.map(function (name, i) { return [name, own[i]]; });
    if (spec.responsive) {
      pairs.push(["width", vals[0].width], ["height", vals[0].height],
                 ["scale", vals[0].scale]);
    }
    if (spec.hidpi) { pairs.push(["scale", scale]); }
    return pairs;
  }
  // The picture's URL, or with a format, a download's.
  function url(pairs, download) {
    var query = pairs.map(function (p) { return enc(p[0]) + "=" + enc(canon(p[1])); });
    if (version) { query.push("_v=" + enc(version)); }
    if (download) { query.push("_download=1"); }
    return prefix + spec.base + (download || spec.ext) +
      (query.length ? "?" + query.join("&") : "");
  }
  // The alt text: the template's parts, each value as the URL writes it (a
  // string as it is).
  function alt(pairs) {
    var named = {};
    pairs.forEach(function (p) { named[p[0]] = p[1]; });
    return spec.alt.map(function (part) {
      var v = named[part[1]];
      return part[0] + (part[1] === null ? "" : typeof v === "string" ? v : canon(v));
    }).join("");
  }
  // One image's values, one per output (src, then srcSet, then alt).
  function props(vals) {
    if (blocked(vals)) { return spec.props.map(function () { return unchanged; }); }
    var pairs = carried(vals, 1);
    var out = [url(pairs)];
    if (spec.hidpi) { out.push(url(carried(vals, 2)) + " 2x"); }
    if (spec.alt) { out.push(alt(pairs)); }
    if (spec.export) {
      var downloads = {};
      spec.export.forEach(function (format) {
        downloads[format] = url(pairs, format);
      });
      out.push(downloads);
    }
    return out;
  }
%(answer)s
  if (!spec.spread) {
    if (blocked(values)) { throw window.dash_clientside.PreventUpdate; }
    return one(props(values));
  }
  var count = first.length;
  var mismatched = spec.spread.some(function (spreads, j) {
    return spreads && (!Array.isArray(values[j]) || values[j].length !== count);
  });
  if (mismatched) {
    // As on the server: ALL inputs must match the pictures one to one.
    console.warn("flask-dash-images: " + count + " images but ALL input" +
      " values that do not match them one to one; pictures left as they are");
    throw window.dash_clientside.PreventUpdate;
  }
  var perImage = [];
  for (var i = 0; i < count; i++) {
    perImage.push(props(values.map(function (v, j) {
      return spec.spread[j] ? v[i] : v;
    })));
  }
  return all(perImage);
}"""


def url_function(
    path: str,
    names: t.Sequence[str],
    version: str | None,
    spread: t.Sequence[bool] | None,
    blocks: t.Sequence[bool],
    hidpi: bool = False,
    responsive: bool = False,
    alt: t.Sequence[tuple[str, str | None]] | None = None,
    export: t.Sequence[str] = (),
    button: bool = True,
) -> str:
    """JavaScript for a Dash clientside callback returning the image URL(s)
    (and alt text).

    It returns the ``src`` alone, or a list: ``src``, then ``srcSet`` with
    ``hidpi``, then ``alt`` with ``alt``, then ``data-export`` with
    ``export``; with an ``ALL`` output, one list of images per output.
    While an image is loading a picture, the page script
    (``window.dashImages.hold``) keeps its new values and the function
    returns ``no_update`` for it (but for ``data-export``, always the latest
    values); they are set when the picture has loaded or failed.

    :param path: the route below the Dash app's prefix, e.g.
        ``image_generator/x.png``; the browser puts Dash's
        ``requests_pathname_prefix`` in front.
    :param names: the query parameter names, in order.
    :param spread: for an ``ALL`` output, which inputs are ``ALL`` too.
    :param blocks: which values leave the picture as it is when ``None``.
    :param hidpi: return ``[src, srcSet]`` with ``scale`` 1 and 2.
    :param responsive: the first value is the image's box, which goes into
        the URL as ``width``, ``height`` and ``scale`` after the other values.
    :param alt: the alt text as ``(literal, parameter name or None)``
        parts, each value written as in the URL (a string as it is); with
        ``hidpi``, ``scale`` is the ``src``'s, 1.
    :param export: the download formats: ``data-export`` is ``{format:
        URL}``, each the picture's URL with the format's extension and
        ``_download=1`` (the ``src``'s values), offered to the page script's
        download control (:data:`EXPORT`).
    :param button: the picture shows the built-in download control.
    """
    base, _, ext = path.rpartition(".")
    spec = {
        "base": f"{base}.",
        "ext": ext,
        "names": list(names),
        "version": version,
        "spread": None if spread is None else list(spread),
        "blocks": list(blocks),
        "hidpi": hidpi,
        "responsive": responsive,
        "alt": None if alt is None else [list(part) for part in alt],
        "export": list(export) or None,
        "button": button,
        "props": image_props(hidpi, alt is not None, bool(export)),
    }
    # The function is inlined in the page's <script>: no "</script>" or
    # "<!--" from an alt text may end it ("<" is written as its escape).
    text = json.dumps(spec).replace("<", "\\u003c")
    return _TEMPLATE % {
        "spec": text,
        "config_id": CONFIG_ID,
        "answer": _ANSWER,
        "canon": _CANON,
    }


_RELAY = """function (next) {
  var spec = %(spec)s;
  var current = Array.prototype.slice.call(arguments, 1);
%(answer)s
%(canon)s
  // What the server wrote for one image: {src, srcSet, alt}, or nothing.
  function props(written) {
    return spec.props.map(function (p) {
      return written && typeof written === "object" && p in written
        ? written[p] : unchanged;
    });
  }
  if (!spec.spread) {
    if (!next || typeof next !== "object") {
      throw window.dash_clientside.PreventUpdate;
    }
    return one(props(next));
  }
  next = Array.isArray(next) ? next : [];
  // Dash keeps the last answer of an ALL callback to come back, not the
  // answer to the latest values: an answer for other values than the
  // current ones asks the server again (once for these values).
  var said = next.filter(function (w) { return w && w.for; })[0];
  var target = Array.isArray(first) && first[0] ? first[0].id : null;
  if (said && target !== null && canon(said.for) !== canon(current)) {
    var asked = window.dashImages && (window.dashImages.asked =
      window.dashImages.asked || {});
    var key = canon(target) + " " + canon(current);
    if (asked && !asked[key]) {
      asked[key] = true;
      var ask = {};
      ask[spec.ask] = key;
      window.dash_clientside.set_props(target, ask);
      throw window.dash_clientside.PreventUpdate;
    }
  }
  return all(next.map(props));
}"""


def relay_function(props: t.Sequence[str], spread: bool, button: bool = True) -> str:
    """JavaScript for the clientside callback that takes what a server-side
    URL builder wrote on the image's :data:`NEXT` (``{"src": ..., "srcSet":
    ..., "alt": ...}``; a list of them with ``ALL``) and sets it under the
    same rule as the browser's builder: while the image is loading a
    picture, the latest values wait for it.

    :param props: the image properties it sets, in the outputs' order.
    :param spread: the output is an ``ALL`` pattern.
    :param button: with ``data-export``, the picture shows the built-in
        download control.
    """
    spec = json.dumps(
        {"props": list(props), "spread": spread, "button": button, "ask": ASK}
    )
    return _RELAY % {"spec": spec, "answer": _ANSWER, "canon": _CANON}


def image_props(hidpi: bool, alt: bool, export: bool = False) -> list[str]:
    """The image's properties an image callback sets, in order: ``src``,
    then ``srcSet`` with hidpi, then ``alt`` with an alt text, then
    :data:`EXPORT` with downloads."""
    return ["src", *["srcSet"] * hidpi, *["alt"] * alt, *[EXPORT] * export]
