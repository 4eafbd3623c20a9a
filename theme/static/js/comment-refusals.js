/* Say why the comment server did not take a comment, right by its form.

   Isso 0.14's client shows nothing when a new comment (POST /new) or an edit
   (PUT /id/<n>) is refused: the text stays in the box and the reader is left
   guessing. The server explains every refusal as JSON
   {"reason", "message", "retry_after"} (comments/refusals.py,
   comments/storage_errors.py); this script watches Isso's XMLHttpRequests to
   the comment server and puts that message in a live region next to the form
   that was sent. A comment awaiting moderation (202) is announced too. The
   theme's own texts (data-* attributes) cover what the server does not say. */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  var script = document.currentScript;
  if (!thread || !script || !window.XMLHttpRequest) {
    return;
  }
  var endpoint = script.getAttribute("data-comments-url").replace(/\/+$/, "");
  var texts = {
    moderated: script.getAttribute("data-moderated"),
    fallback: script.getAttribute("data-fallback")
  };
  // Refusals the theme words itself, by the server's reason code.
  var reasonTexts = { closed: script.getAttribute("data-closed") };
  var sentForm = null;

  /* The live region of a form or comment, made before the answer arrives so
     screen readers announce what is written into it. */
  function regionOf(container) {
    var region = container.querySelector(":scope > .comment-refusal");
    if (!region) {
      region = document.createElement("p");
      region.className = "comment-refusal";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      container.appendChild(region);
    }
    return region;
  }

  function say(container, text) {
    if (container && container.isConnected) {
      var region = regionOf(container);
      region.textContent = text || "";
      region.classList.toggle("is-shown", Boolean(text));
    }
  }

  function explanation(xhr) {
    var answer = null;
    try {
      answer = JSON.parse(xhr.responseText);
    } catch (error) { /* not our JSON: the theme's general text */ }
    if (!answer || typeof answer.reason !== "string") {
      return texts.fallback;
    }
    var own = Object.prototype.hasOwnProperty.call(reasonTexts, answer.reason);
    return (own && reasonTexts[answer.reason]) || answer.message || texts.fallback;
  }

  function commentWrapper(id) {
    var comment = document.getElementById("isso-" + id);
    return comment && comment.querySelector(":scope > .isso-text-wrapper");
  }

  function answered(xhr, request) {
    var container = request.edited === null
      ? request.form : commentWrapper(request.edited);
    if (xhr.status === 201 || xhr.status === 200) {
      say(container, "");
    } else if (xhr.status === 202) {
      // Isso drops a reply form once its comment is in: then say it there.
      setTimeout(function () {
        var created = JSON.parse(xhr.responseText);
        var form = request.form && request.form.isConnected ? request.form : null;
        say(form || commentWrapper(created.id), texts.moderated);
      }, 0);
    } else {
      say(container, explanation(xhr));
    }
  }

  /* Which form the next POST /new comes from: Isso sends on its submit click. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".isso-postbox [type=submit]");
    if (button && thread.contains(button)) {
      sentForm = button.closest(".isso-postbox");
      regionOf(sentForm);
    }
  }, true);

  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  var edit = new RegExp("^/id/(\\d+)$");

  XMLHttpRequest.prototype.open = function (method, url) {
    var path = String(url).indexOf(endpoint + "/") === 0
      ? String(url).slice(endpoint.length).split("?")[0] : null;
    this.commentRequest = null;
    if (path === "/new" && String(method).toUpperCase() === "POST") {
      this.commentRequest = { form: sentForm, edited: null };
    } else if (path && edit.test(path) && String(method).toUpperCase() === "PUT") {
      this.commentRequest = { form: null, edited: edit.exec(path)[1] };
    }
    return open.apply(this, arguments);
  };

  XMLHttpRequest.prototype.send = function () {
    var request = this.commentRequest;
    if (request) {
      if (request.edited !== null) {
        var wrapper = commentWrapper(request.edited);
        if (wrapper) {
          regionOf(wrapper);
        }
      }
      this.addEventListener("loadend", function () { answered(this, request); });
    }
    return send.apply(this, arguments);
  };
})();
