/* Make Isso 0.14's comment widget usable with a screen reader, from outside:
   - its textarea has a placeholder only: give it a name;
   - its vote buttons are icons only: give them names;
   - every reply form repeats the main form's field ids, so its labels name the
     main form's fields: give each reply form's fields ids of their own.
   The names come from the theme's strings, via the thread element's data-*
   attributes. */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  if (!thread || !window.MutationObserver) {
    return;
  }
  var names = {
    "textarea.isso-textarea": thread.getAttribute("data-textarea-label"),
    "a.isso-upvote": thread.getAttribute("data-upvote-label"),
    "a.isso-downvote": thread.getAttribute("data-downvote-label")
  };

  function nameElements() {
    Object.keys(names).forEach(function (selector) {
      var elements = thread.querySelectorAll(selector + ":not([aria-label])");
      for (var i = 0; i < elements.length; i++) {
        elements[i].setAttribute("aria-label", names[selector]);
      }
    });
  }

  function separateReplyFields() {
    var forms = thread.querySelectorAll(".isso-comment .isso-postbox:not([data-fields-separated])");
    for (var i = 0; i < forms.length; i++) {
      var suffix = "-" + forms[i].closest(".isso-comment").id;
      var labels = forms[i].querySelectorAll("label[for]");
      for (var j = 0; j < labels.length; j++) {
        var field = forms[i].querySelector("[id='" + labels[j].htmlFor + "']");
        if (field) {
          field.id += suffix;
          labels[j].htmlFor = field.id;
        }
      }
      forms[i].setAttribute("data-fields-separated", "");
    }
  }

  function update() {
    nameElements();
    separateReplyFields();
  }

  new MutationObserver(update).observe(thread, { childList: true, subtree: true });
  update();
})();
