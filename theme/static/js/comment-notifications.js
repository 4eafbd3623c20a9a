/* Reply notifications with double opt-in, in Isso's comment form.

   Isso 0.14's form has a checkbox "notification", shown once an email address
   is typed, when the comment server's /config says "reply-notifications"
   (our server says so while readers' mails are on: comments/server/
   subscription_web.py). The server treats a ticked box as a request only: it
   mails one confirmation link, and nothing else until the reader confirmed.
   This script words the checkbox as the blog does, adds one sentence on what
   happens with a link to the privacy page, and the option "nur Antworten des
   Teams" (sent as "notify-team-only" with the new comment). After sending it
   says what the server did ("blog_notification" in its answer). The texts
   come from data-* attributes (the theme's gettext catalogs). */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  var script = document.currentScript;
  if (!thread || !script || !window.XMLHttpRequest || !window.MutationObserver) {
    return;
  }
  var endpoint = script.getAttribute("data-comments-url").replace(/\/+$/, "");
  function text(name) {
    return script.getAttribute("data-" + name) || "";
  }
  var outcomes = {
    queued: text("queued"),
    waiting: text("waiting"),
    subscribed: text("subscribed"),
    limited: text("limited"),
    invalid: text("invalid")
  };
  var sentForm = null;

  function enhance(section) {
    if (section.getAttribute("data-blog-notify")) {
      return;
    }
    section.setAttribute("data-blog-notify", "1");
    var box = section.querySelector("input[name=notification]");
    var label = box && box.closest("label");
    if (!box || !label) {
      return;
    }
    // Isso's own wording, replaced by the blog's (the box stays Isso's).
    Array.prototype.slice.call(label.childNodes).forEach(function (node) {
      if (node !== box) {
        label.removeChild(node);
      }
    });
    label.appendChild(document.createTextNode(" " + text("label")));

    var teamLabel = document.createElement("label");
    teamLabel.className = "comment-notify__team";
    var team = document.createElement("input");
    team.type = "checkbox";
    team.name = "notify-team-only";
    teamLabel.appendChild(team);
    teamLabel.appendChild(document.createTextNode(" " + text("team-only")));
    teamLabel.hidden = !box.checked;

    var note = document.createElement("p");
    note.className = "comment-notify__note";
    note.appendChild(document.createTextNode(text("note") + " "));
    var privacy = text("privacy-url");
    if (privacy) {
      var link = document.createElement("a");
      link.href = privacy;
      link.textContent = text("privacy-label");
      note.appendChild(link);
    }
    section.appendChild(teamLabel);
    section.appendChild(note);
    box.addEventListener("change", function () {
      teamLabel.hidden = !box.checked;
      if (!box.checked) {
        team.checked = false;
      }
    });
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(
      root.querySelectorAll(".isso-notification-section"), enhance);
  }

  new MutationObserver(function () { enhanceAll(thread); })
    .observe(thread, { childList: true, subtree: true });
  enhanceAll(thread);

  /* A live region below the form (or the new comment) for what the server did. */
  function say(container, message) {
    if (!container || !container.isConnected || !message) {
      return;
    }
    var region = container.querySelector(":scope > .comment-notify__status");
    if (!region) {
      region = document.createElement("p");
      region.className = "comment-notify__status";
      region.setAttribute("role", "status");
      container.appendChild(region);
    }
    region.textContent = message;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".isso-postbox [type=submit]");
    if (button && thread.contains(button)) {
      sentForm = button.closest(".isso-postbox");
    }
  }, true);

  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;

  XMLHttpRequest.prototype.open = function (method, url) {
    var path = String(url).indexOf(endpoint + "/") === 0
      ? String(url).slice(endpoint.length).split("?")[0] : null;
    this.blogNewComment = path === "/new" && String(method).toUpperCase() === "POST";
    return open.apply(this, arguments);
  };

  XMLHttpRequest.prototype.send = function (body) {
    if (!this.blogNewComment) {
      return send.apply(this, arguments);
    }
    var form = sentForm;
    var team = form && form.querySelector("input[name=notify-team-only]");
    if (team && team.checked && typeof body === "string") {
      try {
        var comment = JSON.parse(body);
        comment["notify-team-only"] = 1;
        body = JSON.stringify(comment);
      } catch (error) { /* not Isso's JSON: sent as it is */ }
    }
    this.addEventListener("loadend", function () {
      var answer = null;
      try {
        answer = JSON.parse(this.responseText);
      } catch (error) { return; }
      var outcome = answer && outcomes[answer.blog_notification];
      if (!outcome) {
        return;
      }
      // Isso drops a reply form once its comment is in: then say it there.
      setTimeout(function () {
        var created = document.getElementById("isso-" + answer.id);
        var wrapper = created && created.querySelector(":scope > .isso-text-wrapper");
        say(form && form.isConnected ? form : wrapper, outcome);
      }, 0);
    });
    return send.call(this, body);
  };
})();
