/* flask-dash-images: the "Download picture" control of pictures with export=.
 *
 * The URL builder (in the browser, or the relay of server-built URLs) offers
 * each image's download URLs for its current values here
 * (window.dashImages.offer), as it sets the image's data-export property.
 * Each such image gets, right after it, a small control: a <button> named
 * "Download picture", shown while the pointer is over the picture or the
 * control has keyboard focus, that opens a short list of links, one per
 * format ("PNG", "SVG", "PDF"), which download at once. The links always
 * hold the latest values, also while a picture is still loading.
 * Styles: dash_images.css (:where(), no specificity). Served by Dash
 * (dash.hooks.script), after dash_images.js.
 */
(function () {
  "use strict";
  var CONTROL = "data-dash-images-download";
  var NAMES = {png: "PNG", jpeg: "JPEG", webp: "WebP", avif: "AVIF", svg: "SVG",
               pdf: "PDF"};
  var ORDER = ["png", "svg", "pdf", "jpeg", "webp", "avif"];
  var offered = {};  // DOM id -> {id, urls, button}

  var api = window.dashImages = window.dashImages || {};

  function domId(id) {
    if (id !== null && typeof id === "object") {
      return "{" + Object.keys(id).sort().map(function (key) {
        return JSON.stringify(key) + ":" + JSON.stringify(id[key]);
      }).join(",") + "}";
    }
    return String(id);
  }

  /* The download URLs ({format: url}) for the image with this Dash id, for
   * its current values; button: whether it gets the built-in control. */
  api.offer = function (id, urls, button) {
    if (id === undefined || id === null) {
      return;
    }
    var key = domId(id);
    if (!urls || typeof urls !== "object") {
      delete offered[key];
    } else {
      offered[key] = {id: id, urls: urls, button: button !== false};
    }
    refresh(key);
  };

  function imageOf(key) {
    var img = document.getElementById(key);
    return img && img.tagName === "IMG" ? img : null;
  }

  function controlOf(img) {
    var next = img.nextElementSibling;
    return next && next.hasAttribute(CONTROL) ? next : null;
  }

  function refresh(key) {
    var img = imageOf(key);
    if (!img) {
      return;
    }
    var entry = offered[key];
    var control = controlOf(img);
    if (!entry || !entry.button) {
      if (control) {
        control.parentNode.removeChild(control);
      }
      return;
    }
    if (!control) {
      control = build(img);
    }
    fill(control, entry.urls);
  }

  function build(img) {
    var control = document.createElement("div");
    control.setAttribute(CONTROL, "");
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", "Download picture");
    button.setAttribute("aria-haspopup", "true");
    button.setAttribute("aria-expanded", "false");
    button.title = "Download picture";
    button.textContent = "\u2913";  // DOWNWARDS ARROW TO BAR
    var list = document.createElement("ul");
    list.hidden = true;
    control.appendChild(button);
    control.appendChild(list);
    button.addEventListener("click", function () {
      toggle(control, list.hidden);
    });
    control.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !list.hidden) {
        toggle(control, false);
        button.focus();
      }
    });
    control.addEventListener("focusout", function (event) {
      if (!control.contains(event.relatedTarget)) {
        toggle(control, false);
      }
    });
    if (!img.__dashImagesDownload) {
      // One listener per picture, whichever control it has now (React may
      // move the <img>: its control is then made anew).
      img.__dashImagesDownload = true;
      img.addEventListener("pointerenter", function () {
        var current = controlOf(img);
        if (current) {
          place(img, current);
        }
      });
    }
    control.addEventListener("focusin", function () { place(img, control); });
    img.parentNode.insertBefore(control, img.nextSibling);
    place(img, control);
    return control;
  }

  function toggle(control, open) {
    var button = control.firstChild;
    var list = control.lastChild;
    list.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = list.querySelector("a");
      if (first) {
        first.focus();
      }
    }
  }

  function fill(control, urls) {
    var list = control.lastChild;
    var formats = ORDER.filter(function (f) { return urls[f]; });
    var links = list.getElementsByTagName("a");
    var same = links.length === formats.length && formats.every(function (f, i) {
      return links[i].getAttribute("data-format") === f;
    });
    if (!same) {
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      formats.forEach(function (format) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.setAttribute("data-format", format);
        link.setAttribute("download", "");
        link.textContent = NAMES[format] || format.toUpperCase();
        link.addEventListener("click", function () {
          toggle(control, false);
        });
        item.appendChild(link);
        list.appendChild(item);
      });
    }
    formats.forEach(function (format, i) {
      list.getElementsByTagName("a")[i].href = urls[format];
    });
  }

  // Over the picture's top right corner: absolutely placed in the picture's
  // own offset parent, so the page's layout does not move.
  function place(img, control) {
    control.style.left = (img.offsetLeft + img.offsetWidth) + "px";
    control.style.top = img.offsetTop + "px";
  }

  // React may put a new <img> in place of one that had a control, or take
  // the picture away: the control follows, and never outlives it.
  function sweep() {
    Object.keys(offered).forEach(refresh);
    var controls = document.querySelectorAll("[" + CONTROL + "]");
    for (var i = 0; i < controls.length; i++) {
      var previous = controls[i].previousElementSibling;
      if (!previous || previous.tagName !== "IMG" || !offered[previous.id] ||
          !offered[previous.id].button) {
        controls[i].parentNode.removeChild(controls[i]);
      }
    }
  }

  function start() {
    var pending = false;
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(function () {
          pending = false;
          sweep();
        });
      }
    }).observe(document.body, {childList: true, subtree: true});
    window.addEventListener("resize", function () {
      var controls = document.querySelectorAll("[" + CONTROL + "]");
      for (var i = 0; i < controls.length; i++) {
        var img = controls[i].previousElementSibling;
        if (img) {
          place(img, controls[i]);
        }
      }
    });
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
