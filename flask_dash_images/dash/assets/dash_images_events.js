/* flask-dash-images: pointer events on pictures, in data coordinates.
 *
 * For the pictures of image callbacks with events= (the page's
 * "_dash-images-config" names their generators), clicks, double-clicks,
 * hovering, brushing, the wheel and panning are reported as Dash
 * properties of the image: data-click, data-dblclick, data-hover,
 * data-brush, data-wheel and data-pan (set_props, so other callbacks take
 * them as Input). Touch: one finger pans, two pinch (a data-wheel).
 *
 * The events that move the view (wheel, pan, brush) go one at a time: while
 * the picture of one is still to come, the next ones wait, gathered into
 * one, and go when it has loaded. Pictures with preview (the config names
 * them) show the expected next view at once: the picture shown, scaled and
 * moved inside its own box (a CSS transform and a clip-path on the <img>:
 * the layout does not move), until the picture of that view has loaded.
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
  var PREVIEW = "data-dash-images-preview";
  var HOVER_MS = 100;  // hover is reported at most this often
  var DRAG_PX = 4;  // CSS pixels a press must move to be a brush or a pan
  var NOTCH = 1.2;  // how much a notch of a mouse wheel (100 px) zooms
  var LINE_PX = 100 / 3;  // deltaMode 1 (lines): three lines are a notch
  var PAGE_PX = 300;  // deltaMode 2 (pages): a page is three notches
  var STILL = 1e-3;  // a gesture that scales less than this (ln) zooms nothing
  // How long the app may take to ask for the next picture after an event
  // that moves the view; past it, that event changed nothing.
  var ANSWER_MS = 1500;
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
        // As the matplotlib that drew it wraps the angle (step[3]: 3.10's
        // "(atan2 + 2 pi) % 2 pi"; else 3.11's "atan2 % 2 pi").
        x = step[3] ? (theta + TWO_PI) % TWO_PI : theta < 0 ? theta + TWO_PI : theta;
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
      var entry = entryOf(map, first.axes);
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
      var scales = scalesOf(entryOf(map, first.axes).inv);
      selected.xscale = scales[0];
      selected.yscale = scales[1];
    }
    return selected;
  }

  function entryOf(map, i) {
    return map.axes.filter(function (e) { return e.i === i; })[0];
  }

  // The names of an axes' scales, x then y, as matplotlib names them.
  function scalesOf(steps) {
    var names = ["linear", "linear"];
    steps.forEach(function (step) {
      if (step[0] === "s") {
        names = [step[1] ? step[1][0] : "linear", step[2] ? step[2][0] : "linear"];
      }
    });
    return names;
  }

  // -- exploring: the maths (pure) ---------------------------------------------

  // How much a wheel event zooms in (> 1) or out: NOTCH per 100 px of
  // deltaY. A trackpad's pinch comes as wheel events with ctrlKey whose
  // deltaY is -100 ln(scale) (Chromium's rule): exp(-deltaY / 100).
  function wheelFactor(deltaY, deltaMode, ctrlKey) {
    var px = deltaY * (deltaMode === 1 ? LINE_PX : deltaMode === 2 ? PAGE_PX : 1);
    return ctrlKey ? Math.exp(-px / 100) : Math.pow(NOTCH, -px / 100);
  }

  // A move of a picture inside its box: box point = t + s * picture point,
  // in CSS pixels from the top left of the image's content box. The
  // preview is one, and so is what each event does to the view: a zoom
  // around a point, a shift, a brushed region brought onto the axes.
  var IDENTITY = {sx: 1, sy: 1, tx: 0, ty: 0};

  function zoom(q, f) {
    return {sx: f, sy: f, tx: q[0] * (1 - f), ty: q[1] * (1 - f)};
  }

  function shift(dx, dy) {
    return {sx: 1, sy: 1, tx: dx, ty: dy};
  }

  // first, then second.
  function compose(first, second) {
    return {sx: second.sx * first.sx, sy: second.sy * first.sy,
      tx: second.sx * first.tx + second.tx, ty: second.sy * first.ty + second.ty};
  }

  function apply(move, p) {
    return [move.tx + move.sx * p[0], move.ty + move.sy * p[1]];
  }

  function unapply(move, p) {
    return [(p[0] - move.tx) / move.sx, (p[1] - move.ty) / move.sy];
  }

  function still(move) {
    return move.sx === 1 && move.sy === 1 && move.tx === 0 && move.ty === 0;
  }

  // The point a zoom (sx = sy) keeps where it is: the one to zoom around.
  function fixedPoint(move) {
    return [move.tx / (1 - move.sx), move.ty / (1 - move.sy)];
  }

  // Two fingers moved from (a0, b0) to (a1, b1): the picture follows them,
  // their midpoint moved and their spread zoomed.
  function pinch(a0, b0, a1, b1) {
    var d0 = Math.hypot(b0[0] - a0[0], b0[1] - a0[1]);
    var d1 = Math.hypot(b1[0] - a1[0], b1[1] - a1[1]);
    var f = d0 > 0 && d1 > 0 ? d1 / d0 : 1;
    var m0 = [(a0[0] + b0[0]) / 2, (a0[1] + b0[1]) / 2];
    var m1 = [(a1[0] + b1[0]) / 2, (a1[1] + b1[1]) / 2];
    return {sx: f, sy: f, tx: m1[0] - f * m0[0], ty: m1[1] - f * m0[1]};
  }

  // The move that brings a brushed region onto the axes' area (each [x0,
  // y0, x1, y1] in box pixels): the region widened to the area's aspect
  // around its centre, as next_view widens it to the view's; a band
  // ("brush-x", "brush-y") along its own axis only.
  function brushMove(region, area, kind) {
    var w = region[2] - region[0];
    var h = region[3] - region[1];
    var s;
    if (kind === "brush-x") {
      s = (area[2] - area[0]) / w;
      return w > 0 ? {sx: s, sy: 1, tx: area[0] - s * region[0], ty: 0} : IDENTITY;
    }
    if (kind === "brush-y") {
      s = (area[3] - area[1]) / h;
      return h > 0 ? {sx: 1, sy: s, tx: 0, ty: area[1] - s * region[1]} : IDENTITY;
    }
    s = Math.min(w > 0 ? (area[2] - area[0]) / w : Infinity,
      h > 0 ? (area[3] - area[1]) / h : Infinity);
    if (!isFinite(s)) {
      return IDENTITY;
    }
    return {sx: s, sy: s, tx: (area[0] + area[2]) / 2 - s * (region[0] + region[2]) / 2,
      ty: (area[1] + area[3]) / 2 - s * (region[1] + region[3]) / 2};
  }

  var FOLLOWED = {linear: true, log: true};  // the scales next_view follows

  // What a wheel, pan or pinch at (px, py) of a picture moves: {entry,
  // scales} (entry null: the picture itself, in its extent's units or its
  // pixels). null where next_view could not follow it: no axes there, axes
  // that are not rectilinear, scales other than linear and log.
  function explored(map, px, py) {
    var first = locate(map, px, py);
    if (first === null) {
      return null;
    }
    if (first.axes === null) {
      return {entry: null, scales: ["linear", "linear"]};
    }
    var entry = entryOf(map, first.axes);
    var scales = scalesOf(entry.inv);
    if (!rectilinear(entry.inv) || !FOLLOWED[scales[0]] || !FOLLOWED[scales[1]]) {
      return null;
    }
    return {entry: entry, scales: scales};
  }

  // The data at (px, py) for what a gesture moves, also past its edges.
  function dataOn(map, target, px, py) {
    if (target.entry) {
      return dataAt(target.entry.inv, px, map.h - py);
    }
    if (map.extent) {
      var ex = map.extent.x;
      var ey = map.extent.y;
      return [ex[0] + (px / map.w) * (ex[1] - ex[0]),
        ey[1] + (py / map.h) * (ey[0] - ey[1])];
    }
    return [px, py];
  }

  function described(target, value) {
    var entry = target.entry;
    value.axes = entry ? entry.i : null;
    if (entry) {
      value.row = at(entry, "row");
      value.col = at(entry, "col");
      value.xscale = target.scales[0];
      value.yscale = target.scales[1];
    }
    return value;
  }

  // data-wheel: a zoom by factor around the point (px, py) of the picture.
  function wheel(map, target, point, factor) {
    var data = dataOn(map, target, point[0], point[1]);
    if (!finite(data) || !(factor > 0 && isFinite(factor))) {
      return null;
    }
    return described(target, {x: data[0], y: data[1], factor: factor});
  }

  // data-pan: how far the data moved, dragged from one point of the
  // picture to another: dx = x at the end - x at the start (in the view
  // the drag began in), in data units, or decades (log10) on a log axis;
  // the next view is the view minus (dx, dy).
  function pan(map, target, from, to) {
    var a = dataOn(map, target, from[0], from[1]);
    var b = dataOn(map, target, to[0], to[1]);
    var logs = [target.scales[0] === "log", target.scales[1] === "log"];
    var dx = logs[0] ? Math.log10(b[0]) - Math.log10(a[0]) : b[0] - a[0];
    var dy = logs[1] ? Math.log10(b[1]) - Math.log10(a[1]) : b[1] - a[1];
    if (!(isFinite(dx) && isFinite(dy))) {
      return null;
    }
    return described(target, {dx: dx, dy: dy});
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
  var read = {};  // picture URL -> true: its map is there (maps has it done)
  var mapCount = 0;
  var sequence = 0;
  var timed = {};  // picture URL -> what its Server-Timing said of its map
  var timedCount = 0;

  // The page's "_dash-images-config" (in the page's HTML: it never
  // changes), read once it is there, not at each pointer move.
  var pageConfig = null;
  function config() {
    if (pageConfig === null) {
      var element = document.getElementById("_dash-images-config");
      if (!element) {
        return {};
      }
      try {
        pageConfig = JSON.parse(element.textContent);
      } catch (error) {
        pageConfig = {};
      }
    }
    return pageConfig;
  }

  function guidOf(img) {
    var src = img.currentSrc || img.src || "";
    var at = src.indexOf(ROUTE);
    return at === -1 ? null : src.slice(at + ROUTE.length).split(".")[0];
  }

  // The events the picture of this <img> reports, or null.
  function eventsOf(img) {
    var guid = guidOf(img);
    var events = guid === null ? null : (config().events || {})[guid];
    return events && events.length ? events : null;
  }

  function has(events, name) {
    return events.indexOf(name) !== -1;
  }

  // Whether the picture of this <img> shows the next view at once.
  function previews(img) {
    return has(config().preview || [], guidOf(img));
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

  // The URL of the picture an <img> shows: while a new one loads, the one
  // that loaded last (null: none, or it failed).
  function shownSrc(img) {
    if (img.complete) {
      img.__dashImagesShown = img.naturalWidth > 0 ? img.currentSrc || img.src : null;
    }
    return img.__dashImagesShown || null;
  }

  // The map of the picture the <img> shows.
  function mapOf(img) {
    return mapAt(shownSrc(img));
  }

  function mapAt(url) {
    if (!url) {
      return Promise.resolve(null);
    }
    if (!maps[url]) {
      if (mapCount >= KEPT_MAPS) {
        maps = {};
        read = {};
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
        .then(function (map) {
          read[url] = true;
          return map;
        })
        .catch(function () {
          delete maps[url];
          return null;
        });
    }
    return maps[url];
  }

  // The image's content box: where it starts in its border box (x, y) and
  // its size, in CSS pixels, as laid out (before any preview's transform).
  function contentBox(img) {
    var style = getComputedStyle(img);
    var left = parseFloat(style.paddingLeft || 0);
    var top = parseFloat(style.paddingTop || 0);
    return {
      x: img.clientLeft + left,
      y: img.clientTop + top,
      width: img.clientWidth - left - parseFloat(style.paddingRight || 0),
      height: img.clientHeight - top - parseFloat(style.paddingBottom || 0)
    };
  }

  // The preview's move on the image now (IDENTITY: none).
  function painted(img) {
    return img.__dashImagesPainted || IDENTITY;
  }

  // Where a pointer is: q, in CSS pixels from the top left of the image's
  // content box as laid out; (x, y), the point of the picture under it,
  // through the preview; and that box's size, whatever size it is shown at.
  function offset(img, event) {
    var box = contentBox(img);
    if (!(box.width > 0 && box.height > 0)) {
      return null;
    }
    var move = painted(img);
    var rect = img.getBoundingClientRect();  // of the transformed box
    var q = [event.clientX - (rect.left - move.tx - box.x * (1 - move.sx) + box.x),
      event.clientY - (rect.top - move.ty - box.y * (1 - move.sy) + box.y)];
    return seen(move, {q: q, width: box.width, height: box.height});
  }

  // A spot with the point of the picture shown under it through a move.
  function seen(move, spot) {
    var p = unapply(move, spot.q);
    return {x: p[0], y: p[1], q: spot.q, width: spot.width, height: spot.height,
      clientX: spot.clientX, clientY: spot.clientY};
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

  var drag = null;  // {img, kind, start, end, box, pointerId}

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

  // A brush is read on the picture shown when it ends, through the preview
  // then; where the view moves (wheel, pan, preview), it waits its turn.
  function brushEnd(img, kind, start, end) {
    var url = shownSrc(img);
    mapAt(url).then(function (map) {
      if (!map || shownSrc(img) !== url) {
        return;
      }
      var before = painted(img);
      var from = onPicture(map, seen(before, start));
      var value = brush(map, kind, from, onPicture(map, seen(before, end)));
      if (value === null) {
        return;
      }
      if (!explores(img)) {
        report(img, "data-brush", stamp(value));
        return;
      }
      var target = explored(map, from[0], from[1]);
      var move = target ? brushPreview(map, target, before, kind, start, end) : IDENTITY;
      queue(img, {kind: "brush", value: value, move: move});
    });
  }

  // The move that shows the brushed region where the axes are.
  function brushPreview(map, target, before, kind, start, end) {
    var area = [0, 0, start.width, start.height];
    if (target.entry) {
      var kx = start.width / map.w;
      var ky = start.height / map.h;
      var box = bounds(target.entry.hit);
      area = [box[0] * kx, (map.h - box[3]) * ky, box[2] * kx, (map.h - box[1]) * ky];
    }
    var corner = apply(before, area);
    var far = apply(before, area.slice(2));
    var shown = [Math.min(corner[0], far[0]), Math.min(corner[1], far[1]),
      Math.max(corner[0], far[0]), Math.max(corner[1], far[1])];
    var region = [
      clamp(Math.min(start.q[0], end.q[0]), shown[0], shown[2]),
      clamp(Math.min(start.q[1], end.q[1]), shown[1], shown[3]),
      clamp(Math.max(start.q[0], end.q[0]), shown[0], shown[2]),
      clamp(Math.max(start.q[1], end.q[1]), shown[1], shown[3])
    ];
    return brushMove(region, area, kind);
  }

  // -- exploring: one event at a time, and the preview -------------------------

  // Whether the view of the picture moves with its events.
  function explores(img) {
    var events = eventsOf(img) || [];
    return has(events, "wheel") || has(events, "pan") || previews(img);
  }

  // Each image's events that move the view, in order, until the picture
  // of each has shown: those reported (with the URL the app answered, once
  // it has), then one that waits, gathering the steps that come until the
  // app has answered the one before (one event at a time: each callback
  // sees the view the one before made). The pictures' requests are
  // coalesced by dash_images.js: one in flight, the latest URL next. Each
  // step has its kind, its move of the view, and what its value is made
  // of: the map of the picture shown and the preview then (before), the
  // axes it acts on (target), a point (at) and the box's size.
  function moves(img) {
    if (!img.__dashImagesMoves) {
      img.__dashImagesMoves = {queue: [], live: null, early: [], asked: false,
        timer: null, watching: false, latest: null};
    }
    return img.__dashImagesMoves;
  }

  function queue(img, step) {
    var state = moves(img);
    var last = state.queue[state.queue.length - 1];
    if (last && !last.reported && joins(last, step)) {
      // Steps of one kind gather into one: their moves composed.
      last.move = compose(last.move, step.move);
      last.at = step.at;
    } else {
      if (step.kind === "brush") {
        // A brush says where to go, whatever waited before it.
        var skipped = IDENTITY;
        state.queue = state.queue.filter(function (s) {
          skipped = s.reported ? skipped : compose(skipped, s.move);
          return s.reported;
        });
        step.move = compose(skipped, step.move);
      }
      state.queue.push(step);
    }
    render(img);
    send(img);
  }

  function joins(a, b) {
    return a.kind === b.kind && a.kind !== "brush" && a.map === b.map &&
      a.target.entry === b.target.entry;
  }

  // The value of a step: for gathered steps, what they did as one. Steps
  // of the wheel zoom around the point they all kept where it was (under
  // the pointer, if it stayed still).
  function valueOf(step) {
    if (step.kind === "brush") {
      return step.value;
    }
    var map = step.map;
    function onMap(q) {
      var p = unapply(step.before, q);
      return [p[0] * (map.w / step.size[0]), p[1] * (map.h / step.size[1])];
    }
    if (step.kind === "pan") {
      return pan(map, step.target, onMap(step.at), onMap(apply(step.move, step.at)));
    }
    var f = step.move.sx;
    var around = Math.abs(Math.log(f)) > 1e-9 ? fixedPoint(step.move) : step.at;
    return wheel(map, step.target, onMap(around), f);
  }

  // Report the step that waits, unless the app has yet to answer one.
  function send(img) {
    var state = moves(img);
    var step = state.queue.filter(function (s) { return !s.reported; })[0];
    if (state.asked || !step) {
      return;
    }
    var value = valueOf(step);
    if (value === null) {
      state.queue.splice(state.queue.indexOf(step), 1);
      render(img);
      return;
    }
    step.reported = true;
    state.asked = true;
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      if (state.asked) {
        state.asked = false;  // the app did not answer: nothing changes
        drop(img);
      }
    }, ANSWER_MS);
    watch(img, state);
    report(img, "data-" + step.kind, stamp(value));
  }

  // The image's next values as the app set them after an event (through
  // dash_images.js, whether they go now or wait for the picture loading):
  // the app's answer, which the next step waited for.
  function answered(img, props) {
    var state = img.__dashImagesMoves;
    if (!state) {
      return;
    }
    state.latest = props.src;
    if (!state.asked) {
      return;
    }
    state.asked = false;
    clearTimeout(state.timer);
    var reported = state.queue.filter(function (s) { return s.reported; });
    if (reported.length) {
      reported[reported.length - 1].url = props.src;
    }
    if (img.complete && img.getAttribute("src") === props.src) {
      arrived(img);  // that view is the one shown
    }
    send(img);
  }

  // A picture has shown: the steps up to the one it answers are done, and
  // the preview is what is still to come, on it. The image's latest URL
  // settles every step answered before it: an answer's picture that a
  // newer URL replaced (dash_images.js keeps only the latest while one
  // loads, or sets it at once after a drag) never loads. Checked at its
  // load and in each frame (where a picture may show before its load
  // event), so that the preview leaves in the frame that shows the picture.
  function arrived(img) {
    var state = img.__dashImagesMoves;
    var src = img.getAttribute("src");
    var latest = Boolean(state) && src === state.latest;
    var done = -1;
    (state ? state.queue : []).forEach(function (step, i) {
      done = step.url === src || (latest && step.url) ? i : done;
    });
    if (done !== -1) {
      state.queue.splice(0, done + 1);
      render(img);
    }
  }

  function watch(img, state) {
    if (state.watching) {
      return;
    }
    state.watching = true;
    window.requestAnimationFrame(function frame() {
      // Shown, or no picture at all (an answer without a src): nothing to
      // wait for.
      if (img.complete && (img.naturalWidth > 0 || !img.getAttribute("src"))) {
        arrived(img);
      }
      // Until no reported step is left, or the image has left the page.
      state.watching = img.isConnected &&
        state.queue.some(function (s) { return s.reported; });
      if (state.watching) {
        window.requestAnimationFrame(frame);
      }
    });
  }

  // What waited is dropped (a failed picture, an app that did not answer):
  // the picture is shown as it is until the next.
  function drop(img) {
    var state = moves(img);
    state.queue = [];
    render(img);
  }

  // What the preview shows: the moves of the steps still to come, the
  // notches whose map is being read, then a gesture under way.
  function render(img) {
    var state = moves(img);
    var move = IDENTITY;
    if (previews(img)) {
      move = planned(state);
      state.early.forEach(function (early) {
        move = compose(move, early);
      });
      if (state.live) {
        move = compose(move, state.live);
      }
    }
    paint(img, move);
  }

  // The moves of the steps still to come.
  function planned(state) {
    var move = IDENTITY;
    state.queue.forEach(function (step) {
      move = compose(move, step.move);
    });
    return move;
  }

  // The picture shown, moved in its box: a transform and a clip-path to
  // the content box (in the image's own units, which the transform maps),
  // so that nothing around it moves and nothing of it leaves the box.
  function paint(img, move) {
    var style = img.style;
    var props = ["transform", "transform-origin", "clip-path"];
    if (still(move)) {
      if (img.__dashImagesPainted) {
        props.forEach(function (name, i) {
          var kept = img.__dashImagesKept[i];
          if (kept) {
            style.setProperty(name, kept);
          } else {
            style.removeProperty(name);
          }
        });
        img.removeAttribute(PREVIEW);
        img.__dashImagesPainted = null;
      }
      return;
    }
    if (!img.__dashImagesPainted) {
      img.__dashImagesKept = props.map(function (name) {
        return style.getPropertyValue(name);
      });
      img.setAttribute(PREVIEW, "");
    }
    var box = contentBox(img);
    var ex = move.tx + box.x * (1 - move.sx);
    var ey = move.ty + box.y * (1 - move.sy);
    var inset = [
      box.y - move.ty / move.sy,
      img.offsetWidth - box.x - (box.width - move.tx) / move.sx,
      img.offsetHeight - box.y - (box.height - move.ty) / move.sy,
      box.x - move.tx / move.sx
    ];
    style.setProperty("transform-origin", "0 0");
    style.setProperty("transform",
      "matrix(" + [move.sx, 0, 0, move.sy, ex, ey].join(", ") + ")");
    style.setProperty("clip-path", "inset(" + inset.map(function (v) {
      return +Math.max(0, v).toFixed(3) + "px";
    }).join(" ") + ")");
    img.__dashImagesPainted = move;
  }

  // -- exploring: the wheel, and gestures of pointers --------------------------

  function onWheel(event) {
    var found = target(event);
    if (!found || !has(found.events, "wheel")) {
      return;
    }
    var img = found.img;
    event.preventDefault();  // the page does not scroll over the picture
    var f = wheelFactor(event.deltaY, event.deltaMode, event.ctrlKey);
    var spot = offset(img, event);
    if (f === 1 || !(f > 0 && isFinite(f)) || !spot || (gesture && gesture.img === img)) {
      return;
    }
    var url = shownSrc(img);
    var move = zoom(spot.q, f);
    // A picture being explored that has just shown, its map still being
    // read (from the browser's cache): the notch is previewed at once all
    // the same, and goes when the map says where it is (taken back if
    // nothing moves there).
    var state = img.__dashImagesMoves;
    var early = Boolean(state) && !read[url] && previews(img);
    if (early) {
      state.early.push(move);
      render(img);
    }
    mapAt(url).then(function (map) {
      if (early) {
        state.early.splice(state.early.indexOf(move), 1);
      }
      var before = early ? planned(state) : painted(img);
      var where = map && onPicture(map, seen(before, spot));
      var acted = where && shownSrc(img) === url && explored(map, where[0], where[1]);
      if (acted) {
        queue(img, {kind: "wheel", move: move, before: before, map: map,
          target: acted, at: spot.q, size: [spot.width, spot.height]});
      } else if (early) {
        render(img);
      }
    });
  }

  // A pan or a pinch under way: {img, events, pointers (id -> box point),
  // ids (in the order they came down), from (where each came down), live
  // (the move so far), url (the picture shown at its start), before (the
  // preview then), moved, mouse}.
  var gesture = null;

  function press(img, events, event) {
    var spot = offset(img, event);
    if (spot === null || (gesture && gesture.img !== img)) {
      return;
    }
    event.preventDefault();  // no native dragging of the image
    if (!gesture) {
      var url = shownSrc(img);
      if (!url) {
        return;
      }
      mapAt(url);  // asked for while the user drags
      gesture = {img: img, events: events, pointers: {}, ids: [], from: {},
        live: IDENTITY, url: url, before: painted(img), at: spot.q,
        size: [spot.width, spot.height], moved: false,
        mouse: event.pointerType !== "touch"};
    }
    gesture.pointers[event.pointerId] = spot.q;
    gesture.from[event.pointerId] = spot.q;
    gesture.ids.push(event.pointerId);
  }

  function follow(event) {
    var id = event.pointerId;
    var spot = offset(gesture.img, event);
    if (spot === null) {
      return;
    }
    var ids = gesture.ids;
    var old = gesture.pointers[id];
    gesture.pointers[id] = spot.q;
    var step = IDENTITY;
    var two = ids.length > 1 && has(gesture.events, "wheel");
    if (two && (id === ids[0] || id === ids[1])) {
      var other = gesture.pointers[id === ids[0] ? ids[1] : ids[0]];
      step = pinch(old, other, spot.q, other);
    } else if (!two && id === ids[0] && has(gesture.events, "pan")) {
      step = shift(spot.q[0] - old[0], spot.q[1] - old[1]);
    }
    gesture.live = compose(gesture.live, step);
    var from = gesture.from[id];
    if (Math.abs(spot.q[0] - from[0]) + Math.abs(spot.q[1] - from[1]) >= DRAG_PX) {
      gesture.moved = true;
    }
    var done = gesture;
    mapAt(done.url).then(function (map) {
      // The preview follows once the gesture is known to move something.
      if (gesture === done && done.moved && map && acts(map, done)) {
        moves(done.img).live = done.live;
        render(done.img);
      }
    });
  }

  // What the gesture acts on, from where it began.
  function acts(map, done) {
    var p = unapply(done.before, done.at);
    return explored(map, p[0] * (map.w / done.size[0]), p[1] * (map.h / done.size[1]));
  }

  function lift(event) {
    var id = event.pointerId;
    delete gesture.pointers[id];
    gesture.ids = gesture.ids.filter(function (other) { return other !== id; });
    gesture.cancelled = gesture.cancelled || event.type === "pointercancel";
    if (gesture.ids.length) {
      return;  // other fingers go on
    }
    var done = gesture;
    gesture = null;
    moves(done.img).live = null;
    if (!done.moved || done.cancelled) {
      render(done.img);
      return;
    }
    if (done.mouse) {
      suppressClick = true;  // the click that ends a drag is no click
    }
    mapAt(done.url).then(function (map) {
      var acted = map ? acts(map, done) : null;
      var move = done.live;
      var step = {before: done.before, map: map, target: acted, at: done.at,
        size: done.size};
      if (acted && Math.abs(Math.log(move.sx)) >= STILL && has(done.events, "wheel")) {
        step.kind = "wheel";  // a pinch: the zoom around the point it kept
        step.move = move;
      } else if (acted && has(done.events, "pan")) {
        var end = apply(move, done.at);
        step.kind = "pan";
        step.move = shift(end[0] - done.at[0], end[1] - done.at[1]);
      }
      if (step.kind) {
        queue(done.img, step);
      } else {
        render(done.img);
      }
    });
  }

  // Pictures that pan or zoom take the touches that start on them (the page
  // does not scroll or zoom there), and show a hand where they pan; those
  // that only brush take one finger (the page still pinch-zooms there).
  function styleTouches() {
    var events = config().events || {};
    var touch = [];
    var brushed = [];
    var grab = [];
    Object.keys(events).forEach(function (guid) {
      var rule = "img[src*=\"" + ROUTE + guid + ".\"]";
      if (has(events[guid], "wheel") || has(events[guid], "pan")) {
        touch.push(rule);
      } else if (brushKind(events[guid])) {
        brushed.push(rule);
      }
      if (has(events[guid], "pan")) {
        grab.push(rule);
      }
    });
    var rules = [[touch, "touch-action: none;"], [brushed, "touch-action: pinch-zoom;"],
      [grab, "cursor: grab;"]].filter(function (rule) {
      return rule[0].length;
    }).map(function (rule) {
      return ":where(" + rule[0].join(", ") + ") {" + rule[1] + "}";
    });
    if (!rules.length || !document.head) {
      return;
    }
    var style = document.createElement("style");
    style.textContent = rules.join("\n");
    document.head.appendChild(style);
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
    if (drag) {
      // A brush is its own pointer's alone: another finger on a picture
      // that zooms pinches, any other pointer does nothing to it.
      if (drag.img === found.img && event.pointerType === "touch" &&
          has(found.events, "wheel")) {
        pinchInstead(found, event);
      }
      return;
    }
    var kind = brushKind(found.events);
    if (!kind) {
      if (has(found.events, "pan") ||
          (has(found.events, "wheel") && event.pointerType === "touch")) {
        press(found.img, found.events, event);
      }
      return;
    }
    event.preventDefault();  // no native dragging of the image
    var spot = spotted(found.img, event);
    if (spot === null) {
      return;
    }
    mapOf(found.img);  // asked for while the user drags
    drag = {img: found.img, kind: kind, start: spot, end: spot, box: null,
      pointerId: event.pointerId};
  }, true);

  // A second finger on a picture that brushes and zooms: a pinch, from
  // where the first came down.
  function pinchInstead(found, event) {
    var first = drag;
    drag = null;
    if (first.box) {
      first.box.parentNode.removeChild(first.box);
    }
    var at = function (spot) {
      return {clientX: spot.clientX, clientY: spot.clientY, pointerId: first.pointerId,
        pointerType: "touch", preventDefault: function () {}};
    };
    press(found.img, found.events, at(first.start));
    if (gesture) {
      follow(at(first.end));
      press(found.img, found.events, event);
    }
  }

  document.addEventListener("pointermove", function (event) {
    if (gesture) {
      if (gesture.pointers[event.pointerId]) {
        follow(event);
      }
      return;
    }
    if (drag) {
      if (event.pointerId !== drag.pointerId) {
        return;
      }
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

  function ended(event) {
    if (gesture && gesture.pointers[event.pointerId]) {
      lift(event);
    }
  }

  document.addEventListener("pointerup", function (event) {
    released = {target: event.target, clientX: event.clientX, clientY: event.clientY};
    ended(event);
    var done = endDrag(event);
    if (done && done.box) {
      suppressClick = true;  // the click that ends a drag is no click
      brushEnd(done.img, done.kind, done.start, done.end);
    }
  }, true);

  // The brush of this event's pointer ends: its box leaves the page.
  function endDrag(event) {
    if (!drag || event.pointerId !== drag.pointerId) {
      return null;
    }
    var done = drag;
    drag = null;
    if (done.box) {
      done.box.parentNode.removeChild(done.box);
    }
    return done;
  }

  // The browser took the pointer (a scroll, a zoom, a palm): what it
  // began is over, and reports nothing.
  document.addEventListener("pointercancel", function (event) {
    ended(event);
    endDrag(event);
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
    var state = found.img.__dashImagesMoves;
    if (state && state.queue.length) {
      // What waited was for views before this one: dropped, and the
      // picture shown as it is until the next.
      state.queue = state.queue.filter(function (step) {
        step.move = IDENTITY;
        return step.reported;
      });
      render(found.img);
    }
  }, true);

  // Each picture's load: what it shows now, and whether the step that
  // waited for it may go.
  function loaded(event) {
    var img = event.target;
    if (!img || img.tagName !== "IMG") {
      return;
    }
    img.__dashImagesShown = event.type === "load" ? img.currentSrc || img.src : null;
    if (event.type === "load") {
      arrived(img);
    } else if (img.__dashImagesMoves) {
      drop(img);  // no picture of that view: what waited for it is dropped
    }
    // The next step on a picture being explored finds its map ready.
    var events = img.__dashImagesShown && img.matches && img.matches(":hover") &&
      eventsOf(img);
    if (events && (has(events, "wheel") || has(events, "pan"))) {
      mapOf(img);
    }
  }

  document.addEventListener("load", loaded, true);
  document.addEventListener("error", loaded, true);

  // The wheel is listened to on the pictures that report it only (the
  // page's own scrolling elsewhere never waits for this script); a
  // picture gets its listener when the pointer comes over it, and its
  // map is asked for then.
  document.addEventListener("pointerover", function (event) {
    var found = target(event);
    if (!found || !(has(found.events, "wheel") || has(found.events, "pan"))) {
      return;
    }
    if (!found.img.__dashImagesWheel && has(found.events, "wheel")) {
      found.img.__dashImagesWheel = true;
      found.img.addEventListener("wheel", onWheel, {passive: false});
    }
    mapOf(found.img);
  }, true);

  styleTouches();
  // dash_images.js tells each image's next values (served first).
  (window.dashImages = window.dashImages || {}).onValues = answered;

  window.dashImagesEvents = {
    locate: locate,
    brush: brush,
    mapUrl: mapUrl,
    wheelFactor: wheelFactor
  };
})();
