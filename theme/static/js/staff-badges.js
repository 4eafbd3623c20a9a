/* Mark verified staff comments in the Isso widget with a badge.

   Which comments are staff's comes from the comment server (/staff/comments),
   which knows it from the staff login; nothing a reader types can produce it.
   Re-checks when Isso adds comments (loading more, a new reply). */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  var script = document.currentScript;
  if (!thread || !script || !window.fetch || !window.MutationObserver) {
    return;
  }
  var endpoint = script.getAttribute("data-comments-url") + "/staff/comments?uri=" +
    encodeURIComponent(thread.getAttribute("data-isso-id"));
  var label = script.getAttribute("data-badge-label");
  var staff = {};
  var pending = null;

  function applyBadges() {
    Object.keys(staff).forEach(function (id) {
      var comment = document.getElementById("isso-" + id);
      var header = comment && comment.querySelector(":scope > .isso-text-wrapper > .isso-comment-header");
      if (!header || header.querySelector(".staff-badge")) {
        return;
      }
      var badge = document.createElement("span");
      badge.className = "staff-badge";
      badge.textContent = label + " · " + staff[id];
      header.insertBefore(badge, header.querySelector(".isso-spacer"));
      comment.classList.add("is-staff");
    });
  }

  function refresh() {
    fetch(endpoint, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (names) { staff = names; applyBadges(); })
      .catch(function () { /* no badges is better than a broken page */ });
  }

  function checkNewComments() {
    var unknown = Array.prototype.some.call(
      thread.querySelectorAll(".isso-comment:not([data-staff-checked])"),
      function (comment) { comment.setAttribute("data-staff-checked", ""); return true; }
    );
    if (unknown) {
      clearTimeout(pending);
      pending = setTimeout(refresh, 150);
    }
  }

  new MutationObserver(checkNewComments).observe(thread, { childList: true, subtree: true });
  // Isso's async script may have rendered the thread before this deferred one ran.
  checkNewComments();
})();
