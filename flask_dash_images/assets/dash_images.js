/* flask-dash-images: shows, on each generated picture's <img>, whether its
 * picture is loading, loaded or failed.
 *
 * data-dash-images-state="loading" | "loaded" | "error", and aria-busy while
 * loading. An <img> with data-dash-images-loading="<id>" also makes the
 * dcc.Loading with that id spin until its picture has arrived. With Dash's
 * dev tools on, a failed picture's error (the server's answer) goes to the
 * browser console with its URL. Served by Dash (dash.hooks.script).
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

  function report(img) {
    var url = img.currentSrc || img.src;
    // Only with dev tools on: asking again runs the generator again.
    if (!devTools() || !window.fetch) {
      return;
    }
    window.fetch(url).then(function (response) {
      return response.text().then(function (body) {
        console.error(
          "flask-dash-images: the picture " + url + " failed (" +
          response.status + ")\n" + body
        );
      });
    }).catch(function (error) {
      console.error("flask-dash-images: the picture " + url + " failed: " + error);
    });
  }

  function watch(img) {
    if (!img.__dashImages) {
      img.__dashImages = true;
      img.addEventListener("load", function () {
        if (ours(img)) {
          mark(img, "loaded");
        }
      });
      img.addEventListener("error", function () {
        if (ours(img)) {
          mark(img, "error");
          report(img);
        }
      });
    }
    if (!ours(img)) {
      return;
    }
    if (!img.complete) {
      mark(img, "loading");
    } else if (img.naturalWidth > 0) {
      mark(img, "loaded");
    }
    // complete with no pixels: the error event says so.
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

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
