/* The answer desk's keys: j / k move between comments, r answers the current one.
   Everything works without it; it only moves focus. Keys typed into a form
   field are left alone. */
(function () {
  "use strict";
  var entries = Array.prototype.slice.call(document.querySelectorAll("article.entry"));
  var keys = document.getElementById("keys");
  if (!entries.length) {
    return;
  }
  if (keys) {
    keys.hidden = false;
  }
  var current = -1;
  var hash = window.location.hash.slice(1);
  entries.forEach(function (entry, index) {
    if (entry.id === hash) {
      current = index;
    }
    entry.addEventListener("focusin", function () { current = index; });
  });

  function show(index) {
    current = Math.max(0, Math.min(entries.length - 1, index));
    entries[current].focus();
    entries[current].scrollIntoView({ block: "start" });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey ||
        /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName) || target.isContentEditable) {
      return;
    }
    if (event.key === "j") {
      show(current + 1);
    } else if (event.key === "k") {
      show(current < 0 ? 0 : current - 1);
    } else if (event.key === "r") {
      var field = entries[current < 0 ? 0 : current].querySelector("textarea");
      if (field) {
        field.focus();
      }
    } else {
      return;
    }
    event.preventDefault();
  });
})();
