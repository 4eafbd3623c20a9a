// The preview's reload script: served only by `invoke serve`, never built
// into the site. It listens to /__preview__/events: "reload" reloads the tab
// when its page is among the changed URLs, "css" swaps a stylesheet in place,
// "problem" shows why a file did not build over the last good page, "ok"
// removes that again.
(function () {
  "use strict";
  var script = document.currentScript;
  var generation = script ? script.getAttribute("data-generation") : "";
  var overlay = null;

  function here() {
    var path = decodeURI(location.pathname);
    return path.endsWith("/index.html") ? path.slice(0, -10) : path;
  }

  function showProblem(problem) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "preview-problem";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:auto 0 0 0;z-index:2147483647;margin:0;" +
        "padding:1rem 1.25rem;background:#5c0011;color:#fff;" +
        "font:15px/1.5 ui-monospace,monospace;white-space:pre-wrap;" +
        "box-shadow:0 -4px 16px rgba(0,0,0,.4)";
      document.body.appendChild(overlay);
    }
    var where = problem.file + (problem.line ? ":" + problem.line : "");
    overlay.textContent = "";
    if (problem.file) {
      var heading = document.createElement("strong");
      heading.textContent = where;
      overlay.appendChild(heading);
      overlay.appendChild(document.createTextNode("\n"));
    }
    overlay.appendChild(document.createTextNode(problem.reason));
  }

  function clearProblem() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  // The theme links fingerprinted copies (style.3f2a9c01d4.css, plugin
  // theme_assets); the saved file is copied under its plain name.
  var fingerprint = /\.[0-9a-f]{10}(\.css)$/;

  function swapStylesheet(href) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    links.forEach(function (link) {
      var url = new URL(link.href, location.href);
      var plain = url.pathname.replace(fingerprint, "$1");
      if (url.origin === location.origin && plain === href) {
        url.pathname = href;
        url.searchParams.set("preview", Date.now());
        link.href = url.toString();
      }
    });
  }

  var source = new EventSource(
    "/__preview__/events" + (generation ? "?after=" + generation : "")
  );
  source.addEventListener("reload", function (event) {
    var urls = JSON.parse(event.data).urls || [];
    if (urls.indexOf(here()) >= 0) {
      location.reload();
    }
  });
  source.addEventListener("css", function (event) {
    swapStylesheet(JSON.parse(event.data).href);
  });
  source.addEventListener("problem", function (event) {
    showProblem(JSON.parse(event.data));
  });
  source.addEventListener("ok", clearProblem);
})();
