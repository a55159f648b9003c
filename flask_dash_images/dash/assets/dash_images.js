/* flask-dash-images: shows, on each generated picture's <img>, whether its
 * picture is loading, loaded or failed.
 *
 * data-dash-images-state="loading" | "loaded" | "error", and aria-busy while
 * loading. An <img> with data-dash-images-loading="<id>" also makes the
 * dcc.Loading with that id spin until its picture has arrived. With Dash's
 * dev tools on, why a picture failed goes to the dev tools' error list, and
 * its URL to the browser console. For responsive=True callbacks it measures
 * the box each picture fills and the pixel ratio (window.dashImages.box)
 * and sends changes.
 *
 * Updates never pile up: while a picture is loading, the image's newer values
 * (src, srcSet, alt) wait here (window.dashImages.hold, asked by the URL
 * function and by the relay of server-built URLs) and only the latest is
 * set, with set_props, once the picture has loaded or failed: at most one
 * picture request in flight per image. When a drag ends, its values go at
 * once instead, in place of the stale picture still loading.
 * window.dashImages.coalesce = false turns that off (every change is sent).
 * window.dashImages.onValues(img, props), if set (the events script), is
 * told each image's new values as they come.
 * Served by Dash (dash.hooks.script).
 */
(function () {
  "use strict";
  var ROUTE = "image_generator/";
  var STATE = "data-dash-images-state";
  var SPINNER = "data-dash-images-loading";

  function ours(img) {
    return (img.getAttribute("src") || "").indexOf(ROUTE) !== -1;
  }

  function devTools() {
    var element = document.getElementById("_dash-config");
    try {
      return Boolean(element && JSON.parse(element.textContent).ui);
    } catch (error) {
      return false;
    }
  }

  function spin(img, on) {
    var target = img.getAttribute(SPINNER);
    var clientside = window.dash_clientside;
    if (target && clientside && clientside.set_props) {
      clientside.set_props(target, {display: on ? "show" : "auto"});
    }
  }

  function mark(img, state) {
    if (img.getAttribute(STATE) === state) {
      return;
    }
    img.setAttribute(STATE, state);
    if (state === "loading") {
      img.setAttribute("aria-busy", "true");
    } else {
      img.removeAttribute("aria-busy");
    }
    spin(img, state === "loading");
  }

  // With dev tools on (and Flask's debug), each image callback has a probe
  // (probe.py) whose input is this property of the image: it fetches the
  // picture again through the app and raises what made it fail, which Dash
  // shows in the dev tools' error list under the image's name. Once per URL.
  var FAILED = "data-dash-images-failed";
  var probed = {};

  // The Dash id of an element: a dict id is its JSON text in the page.
  function dashId(element) {
    var id = element.id;
    if (id && id.charAt(0) === "{") {
      try {
        return JSON.parse(id);
      } catch (error) {
        return id;
      }
    }
    return id;
  }

  function report(img) {
    var url = img.currentSrc || img.src;
    var clientside = window.dash_clientside;
    if (!devTools() || probed[url] || !img.id || !clientside ||
        !clientside.set_props) {
      return;
    }
    probed[url] = true;
    console.error(
      "flask-dash-images: the picture " + url + " failed;" +
      " Dash's dev tools (Errors) show why"
    );
    var props = {};
    props[FAILED] = url;
    clientside.set_props(dashId(img), props);
  }

  function watch(img) {
    if (!img.__dashImages) {
      img.__dashImages = true;
      img.addEventListener("load", function () {
        if (ours(img)) {
          mark(img, "loaded");
        }
        release(img);
      });
      img.addEventListener("error", function () {
        if (ours(img)) {
          mark(img, "error");
          report(img);
        }
        release(img);
      });
    }
    if (!ours(img)) {
      return;
    }
    if (!img.complete) {
      mark(img, "loading");
    } else if (img.naturalWidth > 0) {
      mark(img, "loaded");
    } else {
      // Complete with no pixels: it failed, maybe before this script watched
      // it, so that its error event came and went unheard.
      mark(img, "error");
    }
  }

  function scan(node) {
    if (node.nodeType !== 1) {
      return;
    }
    if (node.tagName === "IMG") {
      watch(node);
    }
    var images = node.getElementsByTagName("img");
    for (var i = 0; i < images.length; i++) {
      watch(images[i]);
    }
  }

  function start() {
    scan(document.body);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        if (mutation.type === "attributes") {
          watch(mutation.target);
        } else {
          mutation.addedNodes.forEach(scan);
        }
      });
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["src", "srcset"]
    });
  }

  // -- coalescing: at most one picture request in flight per image ---------

  // The values waiting for each image (by its DOM id) to finish loading:
  // {id, props}; only the latest is kept.
  var waiting = {};

  // A lazy image out of view has asked for nothing yet: nothing to wait for.
  function deferred(img) {
    if (img.loading !== "lazy") {
      return false;
    }
    var box = img.getBoundingClientRect();
    return box.bottom < 0 || box.right < 0 || box.top > window.innerHeight ||
      box.left > window.innerWidth;
  }

  // Whether the image's picture has been asked for and has not yet loaded or
  // failed.
  function busy(img) {
    return img.getAttribute(STATE) === "loading" && !img.complete && !deferred(img);
  }

  /* Keep ``props`` for the image with this Dash id if it is loading a
   * picture (true: the caller sets nothing now); false: set them now. */
  function hold(id, props) {
    var img = elementFor(id);
    if (!img || img.tagName !== "IMG") {
      return false;
    }
    if (api.onValues) {
      api.onValues(img, props);  // the events script: the app's answer
    }
    var atOnce = fresh(img);  // a drag's result (see below)
    if ((window.dashImages || {}).coalesce === false || !busy(img) || atOnce) {
      delete waiting[img.id];
      return false;
    }
    waiting[img.id] = {id: id, props: props};
    return true;
  }

  // A picture of this image has loaded or failed: set what waited for it.
  function release(img) {
    var entry = img.id && waiting[img.id];
    var clientside = window.dash_clientside;
    if (!entry || !clientside || !clientside.set_props) {
      return;
    }
    // The image now in the page with that id (React may have made another).
    var current = elementFor(entry.id);
    if (current !== img && current !== null && busy(current)) {
      return;  // an old element's late event: wait for the current one
    }
    delete waiting[img.id];
    if (current !== null) {
      clientside.set_props(entry.id, entry.props);
    }
  }

  // -- the end of a drag: its result goes at once ----------------------------

  // A drag (a pointer pressed, moved and released: a slider, a brush) ends on
  // values the user is waiting for, while the picture still loading is of a
  // position passed over. So the values waiting at the release, and each
  // image's first new values in the SETTLE ms after it, are set at once: the
  // browser cancels the stale picture's request, and one request per image
  // stays in flight. Key presses and clicks, which come in quick series, wait
  // as any other change does.
  var SETTLE = 1000;  // ms after a drag's release (a server callback's answer)
  var MOVED = 4;  // CSS px the pointer moves while pressed to make a drag
  var press = null;  // the primary pointer's press under way: {x, y, moved}
  var settleUntil = 0;
  var settled = {};  // the DOM ids set at once since the last drag's release

  // Whether this image's values go at once, as the result of a drag; each
  // image's first values after a release do, once.
  function fresh(img) {
    if (press !== null || Date.now() > settleUntil || settled[img.id]) {
      return false;
    }
    settled[img.id] = true;
    return true;
  }

  function pressed(event) {
    if (event.isPrimary !== false) {
      press = {x: event.clientX, y: event.clientY, moved: false};
    }
  }

  function moved(event) {
    if (press !== null && !press.moved && event.isPrimary !== false &&
        Math.abs(event.clientX - press.x) + Math.abs(event.clientY - press.y) >=
          MOVED) {
      press.moved = true;
    }
  }

  function released(event) {
    if (press === null || event.isPrimary === false) {
      return;
    }
    var dragged = press.moved;
    press = null;
    if (!dragged) {
      return;
    }
    settleUntil = Date.now() + SETTLE;
    settled = {};
    var clientside = window.dash_clientside;
    Object.keys(waiting).forEach(function (domId) {
      var entry = waiting[domId];
      delete waiting[domId];
      settled[domId] = true;
      if (clientside && clientside.set_props && elementFor(entry.id) !== null) {
        clientside.set_props(entry.id, entry.props);
      }
    });
  }

  if (window.addEventListener) {
    // Capturing on the window: a slider that captures the pointer or stops
    // its events still lets the window see them first.
    window.addEventListener("pointerdown", pressed, true);
    window.addEventListener("pointermove", moved, true);
    window.addEventListener("pointerup", released, true);
    window.addEventListener("pointercancel", released, true);
  }

  // -- responsive=True: the box each picture is drawn for ------------------

  var BOX = "data-dash-images-box";
  var STEP = 50;  // CSS pixels: widths round up to it (core/sizes.py: STEP)
  var DEBOUNCE = 150;  // ms after the last resize
  var tracked = [];

  function elementFor(id) {
    if (id !== null && typeof id === "object") {
      // Dash's own text for a dict id: keys sorted, values as JSON.
      id = "{" + Object.keys(id).sort().map(function (key) {
        return JSON.stringify(key) + ":" + JSON.stringify(id[key]);
      }).join(",") + "}";
    }
    return document.getElementById(id);
  }

  function roundUp(css) {
    return Math.max(STEP, Math.ceil(css / STEP) * STEP);
  }

  // The box of the container the picture fills (never the picture's own
  // size, which would feed back into it), and the image's CSS height when
  // it has one; in device pixels.
  function measure(img) {
    var container = img.parentElement;
    if (!container) {
      return null;
    }
    var style = getComputedStyle(container);
    var width = container.clientWidth - parseFloat(style.paddingLeft || 0) -
      parseFloat(style.paddingRight || 0);
    if (!(width > 0)) {
      return null;
    }
    // Rounded to a quarter, as the server expects (core/sizes.py): a zoom of
    // 110% draws at 1.0, not at a ratio of its own.
    var ratio = Math.max(0.25, Math.round((window.devicePixelRatio || 1) * 4) / 4);
    var height = img.style.height ? img.getBoundingClientRect().height : 0;
    var css = {width: roundUp(width), height: height > 0 ? roundUp(height) : null};
    // A box too large for the server's pixel limit at this ratio (a full
    // width on a dense screen) is drawn at the largest ratio within it: a
    // picture always comes, less sharp.
    var limit = pageConfig().maxPixels;
    while (ratio > 0.25 && limit && pixels(css, ratio) > limit) {
      ratio -= 0.25;
    }
    return {
      width: Math.round(css.width * ratio),
      height: css.height === null ? null : Math.round(css.height * ratio),
      scale: ratio
    };
  }

  // What the server counts (core/sizes.py): width x height, or width
  // squared without a height.
  function pixels(css, ratio) {
    var width = Math.round(css.width * ratio);
    return width * (css.height === null ? width : Math.round(css.height * ratio));
  }

  // The page's "_dash-images-config" (the server's limits, the pictures'
  // events), read once.
  var config = null;
  function pageConfig() {
    if (config === null) {
      var element = document.getElementById("_dash-images-config");
      try {
        config = element ? JSON.parse(element.textContent) : {};
      } catch (error) {
        config = {};
      }
    }
    return config;
  }

  function send(entry) {
    var box = measure(entry.img);
    var text = JSON.stringify(box);
    if (box === null || text === entry.sent) {
      return;
    }
    entry.sent = text;
    window.dash_clientside.set_props(entry.id, (function () {
      var props = {};
      props[BOX] = box;
      return props;
    })());
  }

  function later(entry) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(function () { send(entry); }, DEBOUNCE);
  }

  function track(img, id, box) {
    // The pictures the page took out are watched no longer.
    tracked = tracked.filter(function (entry) {
      if (entry.img.isConnected) {
        return true;
      }
      clearTimeout(entry.timer);
      if (entry.observer) {
        entry.observer.disconnect();
      }
      return false;
    });
    for (var i = 0; i < tracked.length; i++) {
      if (tracked[i].img === img) {
        return;
      }
    }
    var entry = {img: img, id: id, sent: JSON.stringify(box), timer: null,
      observer: null};
    tracked.push(entry);
    if (window.ResizeObserver && img.parentElement) {
      entry.observer = new ResizeObserver(function () { later(entry); });
      entry.observer.observe(img.parentElement);
    }
    if (box === null) {
      later(entry);
    }
  }

  // Zooming or moving the window to another screen changes the ratio.
  function watchRatio() {
    if (!window.matchMedia) {
      return;
    }
    var query = window.matchMedia(
      "(resolution: " + (window.devicePixelRatio || 1) + "dppx)"
    );
    query.addEventListener("change", function () {
      tracked.forEach(later);
      watchRatio();
    }, {once: true});
  }

  // Kept if the page made it first (window.dashImages = {coalesce: false}).
  var api = window.dashImages = window.dashImages || {};
  api.hold = hold;
  api.dashId = dashId;  // for the events script (dash_images_events.js)
  /* The box of the image with this Dash id, for its first URL (or
   * no_update while it has no size yet); then it is watched, and every
   * change is sent with set_props. */
  api.box = function (id) {
    var img = elementFor(id);
    var unchanged = window.dash_clientside.no_update;
    if (!img) {
      return unchanged;
    }
    var box = measure(img);
    track(img, id, box);
    return box === null ? unchanged : box;
  };

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
  watchRatio();
})();
