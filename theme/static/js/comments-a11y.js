/* Give Isso's comment textarea an accessible name: Isso 0.14 renders it with a
   placeholder only. The label text comes from the theme's strings, via the
   thread element's data-textarea-label attribute. */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  if (!thread || !window.MutationObserver) {
    return;
  }
  var label = thread.getAttribute("data-textarea-label");
  function labelTextareas() {
    var fields = thread.querySelectorAll("textarea.isso-textarea:not([aria-label])");
    for (var i = 0; i < fields.length; i++) {
      fields[i].setAttribute("aria-label", label);
    }
  }
  new MutationObserver(labelTextareas).observe(thread, { childList: true, subtree: true });
  labelTextareas();
})();
