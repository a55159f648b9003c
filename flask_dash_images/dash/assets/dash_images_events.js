/* flask-dash-images: pointer events on pictures, in data coordinates.
 *
 * For the pictures of image callbacks with events= (the page's
 * "_dash-images-config" names their generators), clicks, double-clicks,
 * hovering and brushing are reported as Dash properties of the image:
 * data-click, data-dblclick, data-hover and data-brush (set_props, so other
 * callbacks take them as Input). Positions become data through the
 * picture's coordinate map, which the server sends with the picture
 * (X-Dash-Images-Map): the first time someone points at a picture, this
 * script reads it from the browser's cache (a fetch of the same URL), so it
 * is the map of the very picture shown, and costs nothing until then.
 * Served by Dash (dash.hooks.script).
 */
(function () {
  "use strict";
  var ROUTE = "image_generator/";
  var HEADER = "X-Dash-Images-Map";
  var HOVER_MS = 100;  // hover is reported at most this often
  var DRAG_PX = 4;  // CSS pixels a press must move to be a brush
  var maps = {};  // picture URL -> Promise of its map
  var sequence = 0;

  function config() {
    var element = document.getElementById("_dash-images-config");
    try {
      return element ? JSON.parse(element.textContent) : {};
    } catch (error) {
      return {};
    }
  }

  // The events the picture of this <img> reports, or null.
  function eventsOf(img) {
    var src = img.currentSrc || img.src || "";
    var at = src.indexOf(ROUTE);
    if (at === -1) {
      return null;
    }
    var guid = src.slice(at + ROUTE.length).split(".")[0];
    var events = (config().events || {})[guid];
    return events && events.length ? events : null;
  }

  function mapOf(img) {
    var url = img.currentSrc || img.src;
    if (!maps[url]) {
      // force-cache: the response the <img> got, headers included, from
      // the browser's cache; the network only if it is not there.
      maps[url] = fetch(url, {cache: "force-cache", credentials: "same-origin"})
        .then(function (response) {
          var text = response.headers.get(HEADER);
          if (response.body && response.body.cancel) {
            response.body.cancel();
          }
          return text ? JSON.parse(text) : null;
        })
        .catch(function () {
          delete maps[url];
          return null;
        });
    }
    return maps[url];
  }

  // Where a pointer is on the picture: fractions of its width and height
  // from the top left of its content box, whatever size it is shown at.
  function fractions(img, event) {
    var rect = img.getBoundingClientRect();
    var style = getComputedStyle(img);
    var left = rect.left + img.clientLeft + parseFloat(style.paddingLeft || 0);
    var top = rect.top + img.clientTop + parseFloat(style.paddingTop || 0);
    var width = img.clientWidth - parseFloat(style.paddingLeft || 0) -
      parseFloat(style.paddingRight || 0);
    var height = img.clientHeight - parseFloat(style.paddingTop || 0) -
      parseFloat(style.paddingBottom || 0);
    if (!(width > 0 && height > 0)) {
      return null;
    }
    return {fx: (event.clientX - left) / width, fy: (event.clientY - top) / height};
  }

  function between(low, high, share, scale) {
    if (low === null || high === null) {
      return null;
    }
    if (scale === "log") {
      if (!(low > 0 && high > 0)) {
        return null;
      }
      var logLow = Math.log(low);
      return Math.exp(logLow + share * (Math.log(high) - logLow));
    }
    return low + share * (high - low);
  }

  // The axes under a point, and the point in its data; or, for a picture
  // without axes, its extent's units or its own pixels. null: outside.
  // With holdTo (an axes' index, or -1 for a picture without axes), the
  // point is held inside that axes (or the picture) instead.
  function locate(map, fx, fy, holdTo) {
    if (map.axes && map.axes.length) {
      for (var i = 0; i < map.axes.length; i++) {
        if (holdTo !== undefined && i !== holdTo) {
          continue;
        }
        var axes = map.axes[i];
        var box = axes.box;
        var u = (fx - box[0]) / (box[2] - box[0]);
        var v = (fy - box[1]) / (box[3] - box[1]);
        var inside = u >= 0 && u <= 1 && v >= 0 && v <= 1;
        if (!inside && holdTo === undefined) {
          continue;
        }
        u = Math.min(1, Math.max(0, u));
        v = Math.min(1, Math.max(0, v));
        // y limits are (bottom, top); v runs from the top.
        return {
          x: between(axes.x[0], axes.x[1], u, axes.xscale),
          y: between(axes.y[1], axes.y[0], v, axes.yscale),
          axes: i,
          row: axes.row,
          col: axes.col
        };
      }
      return null;
    }
    var cx = Math.min(1, Math.max(0, fx));
    var cy = Math.min(1, Math.max(0, fy));
    if ((fx !== cx || fy !== cy) && holdTo === undefined) {
      return null;
    }
    if (map.extent) {
      return {
        x: between(map.extent.x[0], map.extent.x[1], cx, "linear"),
        y: between(map.extent.y[1], map.extent.y[0], cy, "linear"),
        axes: null
      };
    }
    return {x: cx * map.w, y: cy * map.h, axes: null};
  }

  function report(img, property, value) {
    var clientside = window.dash_clientside;
    if (!img.id || !clientside || !clientside.set_props) {
      return;
    }
    var props = {};
    props[property] = value;
    // The Dash id of the element: dash_images.js reads it (served first).
    clientside.set_props(window.dashImages.dashId(img), props);
  }

  function stamp(found) {
    sequence += 1;
    found.n = sequence;
    return found;
  }

  // A point event (click, double-click, hover): map, then report.
  function point(img, event, property) {
    var at = fractions(img, event);
    if (at === null) {
      return;
    }
    mapOf(img).then(function (map) {
      if (!map) {
        return;
      }
      var found = locate(map, at.fx, at.fy);
      if (found !== null) {
        report(img, property, stamp(found));
      }
    });
  }

  // -- brushing --------------------------------------------------------------

  var drag = null;  // {img, kind, start, end, box}

  function overlay(img) {
    var box = document.createElement("div");
    box.setAttribute("data-dash-images-brush", "");
    box.style.cssText = "position:absolute;pointer-events:none;z-index:10;" +
      "border:1px dashed #1f4e79;background:rgba(31,78,121,0.15);";
    document.body.appendChild(box);
    return box;
  }

  function drawOverlay() {
    var rect = drag.img.getBoundingClientRect();
    var x0 = Math.min(drag.start.x, drag.end.x);
    var x1 = Math.max(drag.start.x, drag.end.x);
    var y0 = Math.min(drag.start.y, drag.end.y);
    var y1 = Math.max(drag.start.y, drag.end.y);
    if (drag.kind === "brush-x") {
      y0 = rect.top;
      y1 = rect.bottom;
    } else if (drag.kind === "brush-y") {
      x0 = rect.left;
      x1 = rect.right;
    }
    var style = drag.box.style;
    style.left = (x0 + window.scrollX) + "px";
    style.top = (y0 + window.scrollY) + "px";
    style.width = (x1 - x0) + "px";
    style.height = (y1 - y0) + "px";
  }

  function brushEnd(img, kind, start, end) {
    mapOf(img).then(function (map) {
      if (!map) {
        return;
      }
      var first = locate(map, start.fx, start.fy);
      if (first === null) {
        return;  // begun outside every axes, or outside the picture
      }
      // The end, held to the axes (or the picture) where the brush began.
      var last = locate(map, end.fx, end.fy, first.axes === null ? -1 : first.axes);
      function range(a, b) {
        return a === null || b === null ? null : [Math.min(a, b), Math.max(a, b)];
      }
      var found = {
        x: kind === "brush-y" ? null : range(first.x, last.x),
        y: kind === "brush-x" ? null : range(first.y, last.y),
        axes: first.axes
      };
      if (first.axes !== null) {
        found.row = first.row;
        found.col = first.col;
      }
      report(img, "data-brush", stamp(found));
    });
  }

  // -- wiring ----------------------------------------------------------------

  var hoverTimer = null;
  var hoverEvent = null;
  var suppressClick = false;
  // Where the last press was let go: pointer events have fractional
  // positions, the click and dblclick that follow only whole pixels.
  var released = null;

  function at(event) {
    if (released && released.target === event.target &&
        Math.abs(released.clientX - event.clientX) < 1 &&
        Math.abs(released.clientY - event.clientY) < 1) {
      return {clientX: released.clientX, clientY: released.clientY};
    }
    return event;
  }

  function target(event) {
    var img = event.target;
    if (!img || img.tagName !== "IMG") {
      return null;
    }
    var events = eventsOf(img);
    return events ? {img: img, events: events} : null;
  }

  function brushKind(events) {
    for (var i = 0; i < events.length; i++) {
      if (events[i].indexOf("brush") === 0) {
        return events[i];
      }
    }
    return null;
  }

  document.addEventListener("pointerdown", function (event) {
    var found = target(event);
    if (!found || event.button !== 0) {
      return;
    }
    var kind = brushKind(found.events);
    if (!kind) {
      return;
    }
    event.preventDefault();  // no native dragging of the image
    var at = fractions(found.img, event);
    if (at === null) {
      return;
    }
    mapOf(found.img);  // fetched while the user drags
    drag = {
      img: found.img,
      kind: kind,
      start: {x: event.clientX, y: event.clientY, fx: at.fx, fy: at.fy},
      end: {x: event.clientX, y: event.clientY, fx: at.fx, fy: at.fy},
      box: null
    };
  }, true);

  document.addEventListener("pointermove", function (event) {
    if (drag) {
      var at = fractions(drag.img, event);
      if (at === null) {
        return;
      }
      drag.end = {x: event.clientX, y: event.clientY, fx: at.fx, fy: at.fy};
      var moved = Math.abs(drag.end.x - drag.start.x) +
        Math.abs(drag.end.y - drag.start.y);
      if (!drag.box && moved >= DRAG_PX) {
        drag.box = overlay(drag.img);
      }
      if (drag.box) {
        drawOverlay();
      }
      return;
    }
    var found = target(event);
    if (!found || found.events.indexOf("hover") === -1) {
      return;
    }
    hoverEvent = {img: found.img, clientX: event.clientX, clientY: event.clientY};
    if (hoverTimer === null) {
      hoverTimer = setTimeout(function () {
        hoverTimer = null;
        var last = hoverEvent;
        point(last.img, last, "data-hover");
      }, HOVER_MS);
    }
  }, true);

  document.addEventListener("pointerup", function (event) {
    released = {target: event.target, clientX: event.clientX, clientY: event.clientY};
    if (!drag) {
      return;
    }
    var done = drag;
    drag = null;
    if (done.box) {
      done.box.parentNode.removeChild(done.box);
      suppressClick = true;  // the click that ends a drag is no click
      brushEnd(done.img, done.kind, done.start, done.end);
    }
  }, true);

  document.addEventListener("click", function (event) {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    var found = target(event);
    if (found && found.events.indexOf("click") !== -1) {
      point(found.img, at(event), "data-click");
    }
  }, true);

  document.addEventListener("dblclick", function (event) {
    var found = target(event);
    if (!found) {
      return;
    }
    if (brushKind(found.events)) {
      report(found.img, "data-brush", null);  // a double-click clears it
    }
    if (found.events.indexOf("dblclick") !== -1) {
      point(found.img, at(event), "data-dblclick");
    }
  }, true);
})();
