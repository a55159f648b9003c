/* flask-dash-images: pointer events on pictures, in data coordinates.
 *
 * For the pictures of image callbacks with events= (the page's
 * "_dash-images-config" names their generators), clicks, double-clicks,
 * hovering and brushing are reported as Dash properties of the image:
 * data-click, data-dblclick, data-hover and data-brush (set_props, so other
 * callbacks take them as Input).
 *
 * Positions become data through the picture's coordinate map, made when
 * the picture was drawn (see flask_dash_images/core/coordinates.py and
 * axes_map.py): for a matplotlib figure, an event is what matplotlib's own
 * MouseEvent says at that point (the topmost visible axes whose patch
 * contains it, and its transData inverted there), or nothing. The first
 * time someone points at a picture, the map is read from the picture's own
 * response: its X-Dash-Images-Map header, from the browser's cache (never
 * the network), or its Server-Timing, from the browser's resource timing
 * (format="auto": a response that varies on Accept cannot be read back). A
 * map too large for a header is only named there (its id): it is asked for
 * at the picture's URL with ".map" for its extension, naming that id
 * (_map=), so the page gets the map of the very picture shown or none.
 * Nothing is asked until someone points.
 *
 * The maths are pure functions on window.dashImagesEvents.
 * Served by Dash (dash.hooks.script).
 */
(function () {
  "use strict";
  var ROUTE = "image_generator/";
  var HEADER = "X-Dash-Images-Map";
  var HOVER_MS = 100;  // hover is reported at most this often
  var DRAG_PX = 4;  // CSS pixels a press must move to be a brush
  var KEPT_MAPS = 64;  // maps kept, by picture URL
  var MOVE_TO = 1;
  var CLOSE = 79;
  var TWO_PI = 2 * Math.PI;

  // -- the maths (pure) --------------------------------------------------------

  // Whether the display point (tx, ty) is inside an outline: matplotlib's
  // point_in_path (the crossing test of its _path.h, quirks included) on
  // the commands its patch's path gives: 1 x y (move to), 2 x y (line to),
  // 79 (close).
  function inside(hit, tx, ty) {
    if (!(isFinite(tx) && isFinite(ty))) {
      return false;
    }
    var k = 0;
    var code = 0;
    var x = 0;
    var y = 0;
    function next() {
      if (k >= hit.length) {
        code = 0;  // stop
      } else if (hit[k] === CLOSE) {
        code = CLOSE;
        k += 1;
      } else {
        code = hit[k];
        x = hit[k + 1];
        y = hit[k + 2];
        k += 3;
      }
    }
    function ends() {
      return code === 0 || code === CLOSE;
    }
    var found = false;
    var sx, sy, vtx0, vty0, vtx1, vty1, yflag0, yflag1, crossed;
    do {
      if (code !== MOVE_TO) {
        next();
        if (ends()) {
          continue;
        }
      }
      sx = vtx0 = vtx1 = x;
      sy = vty0 = vty1 = y;
      yflag0 = vty0 >= ty;
      crossed = false;
      do {
        next();
        if (ends()) {
          x = sx;
          y = sy;
        } else if (code === MOVE_TO) {
          break;
        }
        yflag1 = vty1 >= ty;
        if (yflag0 !== yflag1 &&
            ((vty1 - ty) * (vtx0 - vtx1) >= (vtx1 - tx) * (vty0 - vty1)) === yflag1) {
          crossed = !crossed;
        }
        yflag0 = yflag1;
        vtx0 = vtx1;
        vty0 = vty1;
        vtx1 = x;
        vty1 = y;
      } while (!ends());
      yflag1 = vty1 >= ty;
      if (yflag0 !== yflag1 &&
          ((vty1 - ty) * (vtx0 - vtx1) >= (vtx1 - tx) * (vty0 - vty1)) === yflag1) {
        crossed = !crossed;
      }
      found = found || crossed;  // any subpath: matplotlib ORs them
    } while (!found && code !== 0);
    return found;
  }

  function unscale(scale, v) {
    if (scale === null) {
      return v;
    }
    var kind = scale[0];
    if (kind === "log") {
      var base = scale[1];
      if (base === Math.E) {
        return Math.exp(v);
      }
      return base === 2 ? Math.pow(2, v) : Math.exp(v * Math.log(base));
    }
    if (kind === "symlog") {
      var linthresh = scale[2];
      var adjusted = scale[3] / (1 - 1 / scale[1]);
      if (Math.abs(v) <= linthresh * adjusted) {
        return v / adjusted;
      }
      var sign = v < 0 ? -1 : 1;
      return sign * linthresh *
        Math.exp((Math.abs(v) / linthresh - adjusted) * Math.log(scale[1]));
    }
    if (kind === "logit") {
      return 1 / (1 + Math.pow(10, -v));
    }
    if (kind === "asinh") {
      return scale[1] * Math.sinh(v / scale[1]);
    }
    return NaN;  // a scale this script does not know: no event
  }

  // A display point through an axes' transData inverted, step by step.
  function dataAt(steps, x, y) {
    for (var i = 0; i < steps.length; i++) {
      var step = steps[i];
      if (step[0] === "a") {
        var nx = step[1] * x + step[2] * y + step[3];
        y = step[4] * x + step[5] * y + step[6];
        x = nx;
      } else if (step[0] === "p") {
        var theta = Math.atan2(y, x);
        var r = (Math.hypot(x, y) + step[1]) * step[2];
        x = theta < 0 ? theta + TWO_PI : theta;
        y = r;
      } else if (step[0] === "s") {
        x = unscale(step[1], x);
        y = unscale(step[2], y);
      } else {
        return [NaN, NaN];
      }
    }
    return [x, y];
  }

  function within(box, x, y) {
    return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
  }

  // Whether (x, y) is within band of an outline's edges (closing ones too).
  function nearOutline(hit, x, y, band) {
    var first = null;
    var last = null;
    function close(a, b) {
      var dx = b[0] - a[0];
      var dy = b[1] - a[1];
      var along = dx || dy ? ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy) : 0;
      along = clamp(along, 0, 1);
      return Math.hypot(x - a[0] - along * dx, y - a[1] - along * dy) <= band;
    }
    for (var k = 0; k < hit.length;) {
      if (hit[k] === CLOSE || hit[k] === MOVE_TO) {
        if (last !== null && close(last, first)) {
          return true;
        }
        last = null;
        if (hit[k] === CLOSE) {
          k += 1;
          continue;
        }
      }
      var point = [hit[k + 1], hit[k + 2]];
      if (last !== null && close(last, point)) {
        return true;
      }
      first = last === null ? point : first;
      last = point;
      k += 3;
    }
    return last !== null && close(last, first);
  }

  // The map entry of the axes under a display point: null where there is
  // none, undefined where it cannot be told (near a stroked outline, or
  // under a "near" box).
  function topmost(map, x, y) {
    for (var i = 0; i < map.axes.length; i++) {
      var entry = map.axes[i];
      if (entry.hit) {
        if (entry.band && nearOutline(entry.hit, x, y, entry.band)) {
          return undefined;
        }
        if (inside(entry.hit, x, y)) {
          return entry;
        }
      } else if (within(entry.near, x, y)) {
        return undefined;
      }
    }
    return null;
  }

  function finite(pair) {
    return isFinite(pair[0]) && isFinite(pair[1]);
  }

  function axesEvent(x, y, entry) {
    return {x: x, y: y, axes: entry.i, row: at(entry, "row"), col: at(entry, "col")};
  }

  function at(entry, key) {
    return entry[key] === undefined ? null : entry[key];
  }

  // What a point of the picture stands for: (px, py) in the map's units
  // from the picture's top left. A figure: matplotlib's inaxes, xdata and
  // ydata; a picture with an extent: its units; any other: its own pixels
  // (axes null). null: no event there.
  function locate(map, px, py) {
    if (!map || !(map.w > 0 && map.h > 0) || !isFinite(px) || !isFinite(py)) {
      return null;
    }
    if (map.axes) {
      var y = map.h - py;  // matplotlib's display units run from the bottom
      var entry = topmost(map, px, y);
      if (!entry || !entry.inv) {
        return null;
      }
      var data = dataAt(entry.inv, px, y);
      return finite(data) ? axesEvent(data[0], data[1], entry) : null;
    }
    if (px < 0 || px > map.w || py < 0 || py > map.h) {
      return null;
    }
    if (map.extent) {
      var ex = map.extent.x;
      var ey = map.extent.y;
      if (ex[0] === null || ex[1] === null || ey[0] === null || ey[1] === null) {
        return null;
      }
      return {
        x: ex[0] + (px / map.w) * (ex[1] - ex[0]),
        y: ey[1] + (py / map.h) * (ey[0] - ey[1]),
        axes: null
      };
    }
    return {x: px, y: py, axes: null};
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  // A screen rectangle is a data rectangle only on rectilinear axes: an
  // affine step without rotation, then scales.
  function rectilinear(steps) {
    for (var i = 0; i < steps.length; i++) {
      var step = steps[i];
      if (step[0] === "p" || (step[0] === "a" && (step[2] !== 0 || step[4] !== 0))) {
        return false;
      }
    }
    return true;
  }

  function bounds(hit) {
    var box = [Infinity, Infinity, -Infinity, -Infinity];
    for (var k = 0; k < hit.length;) {
      if (hit[k] === CLOSE) {
        k += 1;
        continue;
      }
      box = [Math.min(box[0], hit[k + 1]), Math.min(box[1], hit[k + 2]),
        Math.max(box[2], hit[k + 1]), Math.max(box[3], hit[k + 2])];
      k += 3;
    }
    return box;
  }

  function range(a, b) {
    return [Math.min(a, b), Math.max(a, b)];
  }

  // What a drag from start to end ([px, py] each) selects: the ranges it
  // spans, [low, high] whichever way it went, in the data of the axes (or
  // the picture) where it began; its end is held inside those. kind:
  // "brush", "brush-x" or "brush-y" (the other range is null). null: it
  // began where there is no event, or on axes that are not rectilinear.
  function brush(map, kind, start, end) {
    var first = locate(map, start[0], start[1]);
    if (first === null) {
      return null;
    }
    var last;
    if (first.axes === null) {
      last = locate(map, clamp(end[0], 0, map.w), clamp(end[1], 0, map.h));
    } else {
      var entry = map.axes.filter(function (e) { return e.i === first.axes; })[0];
      if (!rectilinear(entry.inv)) {
        return null;
      }
      var box = bounds(entry.hit);
      var x = clamp(end[0], box[0], box[2]);
      var y = clamp(map.h - end[1], box[1], box[3]);
      var data = dataAt(entry.inv, x, y);
      last = finite(data) ? axesEvent(data[0], data[1], entry) : null;
    }
    if (last === null) {
      return null;
    }
    var selected = {
      x: kind === "brush-y" ? null : range(first.x, last.x),
      y: kind === "brush-x" ? null : range(first.y, last.y),
      axes: first.axes
    };
    if (first.axes !== null) {
      selected.row = first.row;
      selected.col = first.col;
    }
    return selected;
  }

  // The URL of a picture's map: its own, with ".map" for its extension,
  // and the id of the map the page saw, if it knows it (after the
  // picture's query: the signature covers that query alone).
  function mapUrl(url, id) {
    var query = url.indexOf("?");
    var path = query === -1 ? url : url.slice(0, query);
    var dot = path.lastIndexOf(".");
    if (dot <= path.lastIndexOf("/")) {
      return null;
    }
    var tail = query === -1 ? "" : url.slice(query);
    if (id) {
      tail += (tail ? "&" : "?") + "_map=" + encodeURIComponent(id);
    }
    return path.slice(0, dot) + ".map" + tail;
  }

  // -- the page ----------------------------------------------------------------

  var maps = {};  // picture URL -> Promise of its map (null: none)
  var mapCount = 0;
  var sequence = 0;
  var timed = {};  // picture URL -> what its Server-Timing said of its map
  var timedCount = 0;

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

  function discard(response) {
    if (response.body && response.body.cancel) {
      response.body.cancel();
    }
  }

  // What a picture's response said of its map in its Server-Timing ("map":
  // its id, or a small map where the response varies on Accept), as the
  // browser's resource timing reports it (in secure contexts, for
  // pictures of the page's own origin). undefined when it did not.
  function mapMetric(entry) {
    var metrics = entry.serverTiming || [];
    for (var i = 0; i < metrics.length; i++) {
      if (metrics[i].name === "map") {
        return metrics[i].description;
      }
    }
    return undefined;
  }

  function remember(entries) {
    entries.forEach(function (entry) {
      var said = entry.name.indexOf(ROUTE) === -1 ? undefined : mapMetric(entry);
      if (said !== undefined) {
        if (timedCount >= 4 * KEPT_MAPS) {
          timed = {};
          timedCount = 0;
        }
        timedCount += 1;
        timed[entry.name] = said;
      }
    });
  }

  try {
    // Every picture's entry, even past the resource timing buffer's size.
    new PerformanceObserver(function (list) {
      remember(list.getEntries());
    }).observe({type: "resource", buffered: true});
  } catch (error) {
    // No resource timing here: the picture's response and the map URL.
  }

  function saidWithTiming(url) {
    if (timed[url] === undefined && window.performance &&
        performance.getEntriesByName) {
      remember(performance.getEntriesByName(url, "resource"));
    }
    return timed[url];
  }

  // What the picture's own response said of its map (the map, or its id),
  // from the browser's cache only: a request to the network could draw
  // another picture. null when the cache does not have it.
  function saidWithPicture(url) {
    return fetch(url, {cache: "only-if-cached", mode: "same-origin",
      credentials: "same-origin"})
      .then(function (response) {
        discard(response);
        return response.ok ? response.headers.get(HEADER) : null;
      }, function () {
        return null;
      });
  }

  // The map at the map URL: the one named by id if given (any other is
  // no map of that URL), else the one the URL alone decides.
  function askForMap(url, id) {
    var where = mapUrl(url, id);
    if (where === null) {
      return Promise.resolve(null);
    }
    return fetch(where, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          discard(response);
          return null;
        }
        return response.json();
      });
  }

  function isMap(said) {
    return typeof said === "string" && said.charAt(0) === "{";
  }

  function mapOf(img) {
    var url = img.currentSrc || img.src;
    if (!maps[url]) {
      if (mapCount >= KEPT_MAPS) {
        maps = {};
        mapCount = 0;
      }
      mapCount += 1;
      var timing = saidWithTiming(url);
      // A format="auto" picture varies on Accept: the cache never gives it
      // back to a fetch (and a miss is a console error).
      var varies = /\.auto(\?|$)/.test(url);
      maps[url] = (isMap(timing) || varies ? Promise.resolve(timing) : saidWithPicture(url))
        .then(function (said) {
          if (isMap(said)) {
            return JSON.parse(said);
          }
          return askForMap(url, said || timing || null);
        })
        .catch(function () {
          delete maps[url];
          return null;
        });
    }
    return maps[url];
  }

  // Where a pointer is on the picture: CSS pixels from the top left of its
  // content box, and that box's size, whatever size it is shown at.
  function offset(img, event) {
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
    return {x: event.clientX - left, y: event.clientY - top, width: width, height: height};
  }

  // An offset in the map's units (shown at its natural size: the same
  // numbers, exactly).
  function onPicture(map, spot) {
    return [spot.x * (map.w / spot.width), spot.y * (map.h / spot.height)];
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

  function stamp(value) {
    sequence += 1;
    value.n = sequence;
    return value;
  }

  // A point event (click, double-click, hover): map, then report.
  function point(img, event, property) {
    var spot = offset(img, event);
    if (spot === null) {
      return;
    }
    mapOf(img).then(function (map) {
      if (!map) {
        return;
      }
      var where = onPicture(map, spot);
      var value = locate(map, where[0], where[1]);
      if (value !== null) {
        report(img, property, stamp(value));
      }
    });
  }

  // -- brushing ----------------------------------------------------------------

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
    var x0 = Math.min(drag.start.clientX, drag.end.clientX);
    var x1 = Math.max(drag.start.clientX, drag.end.clientX);
    var y0 = Math.min(drag.start.clientY, drag.end.clientY);
    var y1 = Math.max(drag.start.clientY, drag.end.clientY);
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
      var value = brush(map, kind, onPicture(map, start), onPicture(map, end));
      if (value !== null) {
        report(img, "data-brush", stamp(value));
      }
    });
  }

  // -- wiring ------------------------------------------------------------------

  var hoverTimer = null;
  var hoverEvent = null;
  var suppressClick = false;
  // Where the last press was let go: pointer events have fractional
  // positions, the click and dblclick that follow only whole pixels.
  var released = null;

  function precise(event) {
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

  function spotted(img, event) {
    var spot = offset(img, event);
    if (spot !== null) {
      spot.clientX = event.clientX;
      spot.clientY = event.clientY;
    }
    return spot;
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
    var spot = spotted(found.img, event);
    if (spot === null) {
      return;
    }
    mapOf(found.img);  // asked for while the user drags
    drag = {img: found.img, kind: kind, start: spot, end: spot, box: null};
  }, true);

  document.addEventListener("pointermove", function (event) {
    if (drag) {
      var spot = spotted(drag.img, event);
      if (spot === null) {
        return;
      }
      drag.end = spot;
      var moved = Math.abs(drag.end.clientX - drag.start.clientX) +
        Math.abs(drag.end.clientY - drag.start.clientY);
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
      point(found.img, precise(event), "data-click");
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
      point(found.img, precise(event), "data-dblclick");
    }
  }, true);

  window.dashImagesEvents = {
    inside: inside,
    dataAt: dataAt,
    locate: locate,
    brush: brush,
    mapUrl: mapUrl,
    HOVER_MS: HOVER_MS,
    DRAG_PX: DRAG_PX
  };
})();
