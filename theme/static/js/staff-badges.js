/* Staff on the article: verified badges, and the form of a logged-in staff member.

   Which comments are staff's comes from the comment server (/staff/comments),
   which knows it from the staff login; nothing a reader types can produce it.
   The badge names the role and the person once each ("Redaktion · Anna
   Schmidt"; the shared account, whose name is the role: "Redaktion"), and
   stands in for Isso's author name, which would repeat it.

   When the comment server says a staff member is logged in (/staff/me, with
   the session cookie), every comment form says "Sie antworten als …" and
   loses its name, email and website fields: the server signs the answer
   with the account's display name, whatever they held.
   Re-checks when Isso adds comments or forms (loading more, a reply). */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  var script = document.currentScript;
  if (!thread || !script || !window.fetch || !window.MutationObserver) {
    return;
  }
  var server = script.getAttribute("data-comments-url");
  var endpoint = server + "/staff/comments?uri=" +
    encodeURIComponent(thread.getAttribute("data-isso-id"));
  var label = script.getAttribute("data-badge-label");
  var answeringAs = script.getAttribute("data-answering-as");
  var staff = {};
  var me = null;
  var pending = null;

  function badgeText(name) {
    return name === label ? label : label + " \u00b7 " + name;
  }

  function applyBadges() {
    Object.keys(staff).forEach(function (id) {
      var comment = document.getElementById("isso-" + id);
      var header = comment && comment.querySelector(":scope > .isso-text-wrapper > .isso-comment-header");
      if (!header || header.querySelector(".staff-badge")) {
        return;
      }
      var badge = document.createElement("span");
      badge.className = "staff-badge";
      badge.textContent = badgeText(staff[id]);
      var author = header.querySelector(":scope > .isso-author");
      header.insertBefore(badge, author || header.querySelector(".isso-spacer"));
      comment.classList.add("is-staff");
    });
  }

  function applyStaffForm() {
    if (!me) {
      return;
    }
    var boxes = thread.querySelectorAll(".isso-postbox:not([data-staff-form])");
    Array.prototype.forEach.call(boxes, function (box) {
      box.setAttribute("data-staff-form", "");
      box.classList.add("is-staff-form");
      var author = box.querySelector("input[name=author]");
      if (author) {
        author.value = me;  // Isso's "require-author"; the server signs anyway
      }
      Array.prototype.forEach.call(box.querySelectorAll(".isso-input-wrapper"), function (wrapper) {
        wrapper.hidden = true;
      });
      Array.prototype.forEach.call(box.querySelectorAll("input[name=email], input[name=website]"), function (input) {
        input.value = "";
      });
      var note = document.createElement("p");
      note.className = "staff-form-note";
      note.textContent = answeringAs.replace("%(name)s", badgeText(me) === label ? label : me + " (" + label + ")");
      var text = box.querySelector(".isso-textarea-wrapper");
      text.parentNode.insertBefore(note, text);
    });
  }

  function refresh() {
    fetch(endpoint, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (names) { staff = names; applyBadges(); })
      .catch(function () { /* no badges is better than a broken page */ });
  }

  function checkNewComments() {
    applyStaffForm();
    var unknown = Array.prototype.some.call(
      thread.querySelectorAll(".isso-comment:not([data-staff-checked])"),
      function (comment) { comment.setAttribute("data-staff-checked", ""); return true; }
    );
    if (unknown) {
      clearTimeout(pending);
      pending = setTimeout(refresh, 150);
    }
  }

  fetch(server + "/staff/me", { credentials: "include" })
    .then(function (response) { return response.ok ? response.json() : {}; })
    .then(function (who) {
      me = who.staff || null;
      applyStaffForm();
    })
    .catch(function () { /* a reader's form, as without a login */ });

  new MutationObserver(checkNewComments).observe(thread, { childList: true, subtree: true });
  // Isso's async script may have rendered the thread before this deferred one ran.
  checkNewComments();
})();
