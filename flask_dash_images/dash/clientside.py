"""The JavaScript that builds an image URL in the browser (Dash's default).

It writes the same bytes as the server: values as ``JSON.stringify`` writes
them with sorted keys (see :mod:`.codec`), percent-encoded like
``urllib.parse.quote`` with the safe characters of :mod:`.urls`.
"""

from __future__ import annotations

import json
import typing as t

__all__ = [
    "BOX",
    "CONFIG_ID",
    "EXPLAINED",
    "FAILED",
    "MEASURE_FUNCTION",
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

#: A clientside callback from the images' ids to their first boxes.
MEASURE_FUNCTION = """function (ids) {
  var box = window.dashImages.box;
  return Array.isArray(ids) ? ids.map(box) : box(ids);
}"""

_TEMPLATE = """function () {
  var spec = %(spec)s;
  var values = Array.prototype.slice.call(arguments);
  function canon(v) {
    if (v === undefined || v === null || typeof v !== "object") {
      return v === undefined ? "null" : JSON.stringify(v);
    }
    if (Array.isArray(v)) { return "[" + v.map(canon).join(",") + "]"; }
    return "{" + Object.keys(v).filter(function (k) { return v[k] !== undefined; })
      .sort().map(function (k) { return JSON.stringify(k) + ":" + canon(v[k]); })
      .join(",") + "}";
  }
  function enc(s) {
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
  var unchanged = window.dash_clientside.no_update;
  function blocked(vals) {
    return spec.blocks.some(function (b, i) {
      // An emptied dcc.Input(type="number") gives the browser NaN, the
      // server None: both mean "no value".
      var v = vals[i];
      return b && (v === null || v === undefined || v !== v);
    });
  }
  function url(vals, scale) {
    // With responsive, the first value is the image's box.
    var own = spec.responsive ? vals.slice(1) : vals;
    var pairs = spec.names.map(function (name, i) {
      return enc(name) + "=" + enc(canon(own[i]));
    });
    if (spec.responsive) {
      pairs.push("width=" + enc(canon(vals[0].width)),
                 "height=" + enc(canon(vals[0].height)),
                 "scale=" + enc(canon(vals[0].scale)));
    }
    if (spec.hidpi) { pairs.push("scale=" + scale); }
    if (version) { pairs.push("_v=" + enc(version)); }
    return prefix + spec.path + (pairs.length ? "?" + pairs.join("&") : "");
  }
  function urls(vals) {
    if (blocked(vals)) { return spec.hidpi ? [unchanged, unchanged] : unchanged; }
    return spec.hidpi ? [url(vals, 1), url(vals, 2) + " 2x"] : url(vals);
  }
  if (!spec.spread) {
    if (blocked(values)) { throw window.dash_clientside.PreventUpdate; }
    return urls(values);
  }
  var outputs = dash_clientside.callback_context.outputs_list;
  var count = (spec.hidpi ? outputs[0] : outputs).length;
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
    perImage.push(urls(values.map(function (v, j) {
      return spec.spread[j] ? v[i] : v;
    })));
  }
  if (!spec.hidpi) { return perImage; }
  return [perImage.map(function (p) { return p[0]; }),
          perImage.map(function (p) { return p[1]; })];
}"""


def url_function(
    path: str,
    names: t.Sequence[str],
    version: str | None,
    spread: t.Sequence[bool] | None,
    blocks: t.Sequence[bool],
    hidpi: bool = False,
    responsive: bool = False,
) -> str:
    """JavaScript for a Dash clientside callback returning the image URL(s).

    :param path: the route below the Dash app's prefix, e.g.
        ``image_generator/x.png``; the browser puts Dash's
        ``requests_pathname_prefix`` in front.
    :param names: the query parameter names, in order.
    :param spread: for an ``ALL`` output, which inputs are ``ALL`` too.
    :param blocks: which values leave the picture as it is when ``None``.
    :param hidpi: return ``[src, srcSet]`` with ``scale`` 1 and 2.
    :param responsive: the first value is the image's box, which goes into
        the URL as ``width``, ``height`` and ``scale`` after the other values.
    """
    spec = {
        "path": path,
        "names": list(names),
        "version": version,
        "spread": None if spread is None else list(spread),
        "blocks": list(blocks),
        "hidpi": hidpi,
        "responsive": responsive,
    }
    return _TEMPLATE % {"spec": json.dumps(spec), "config_id": CONFIG_ID}
