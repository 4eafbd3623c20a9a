/* Let Isso's client take over the static comment thread without a flash.

   The page carries its published comments as HTML (.comments-static) for
   readers without JavaScript. Isso's client appends its form and its
   #isso-root after them; this moves both to where the static form and
   thread stand, and removes the static copies the moment Isso has put its
   comments in (one mutation callback, before the browser paints): nothing
   is shown twice; a removed comment keeps its marker. When the comment
   server cannot be reached, the static thread stays, ids and all. */
(function () {
  "use strict";
  var thread = document.getElementById("isso-thread");
  var staticThread = thread && thread.querySelector(".comments-static");
  if (!staticThread || !window.MutationObserver) {
    return;
  }

  function directChild(selector) {
    var found = thread.querySelector(selector);
    return found && found.parentNode === thread ? found : null;
  }

  function takeOver() {
    var postbox = directChild(".isso-postbox");
    var root = directChild("#isso-root");
    var staticForm = directChild(".comments-static-form");
    [postbox, root].forEach(function (element) {
      if (element && staticThread.parentNode &&
          (staticThread.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING)) {
        thread.insertBefore(element, staticForm || staticThread);
      }
    });
    if (postbox && staticForm) {
      staticForm.remove();
    }
    if (root && !renamed) {
      // Isso finds a comment's place by its id (#isso-12): the static copies
      // give theirs up before Isso draws its own.
      renamed = true;
      Array.prototype.forEach.call(staticThread.querySelectorAll("[id^='isso-']"),
        function (element) { element.id = "static-" + element.id; });
    }
    if (root && root.querySelector(".isso-comment") && staticThread.parentNode) {
      keepMarkers();
      staticThread.remove();
      observer.disconnect();
      if (/^#isso-[0-9]+$/.test(window.location.hash)) {
        var target = document.getElementById(window.location.hash.slice(1));
        if (target) {
          target.scrollIntoView();
        }
      }
    }
  }

  // Isso shows a removed or withdrawn comment as an empty box: give it the
  // static marker (the logged reason and the link to the removal log).
  function keepMarkers() {
    var markers = staticThread.querySelectorAll(".comment-removed, .comment-withdrawn");
    Array.prototype.forEach.call(markers, function (marker) {
      var comment = marker.closest(".isso-comment");
      var live = comment && document.getElementById(comment.id.replace(/^static-/, ""));
      var text = live && live.querySelector(":scope > .isso-text-wrapper > .isso-text");
      if (text) {
        text.replaceChildren(marker.cloneNode(true));
      }
    });
  }

  var renamed = false;
  var observer = new MutationObserver(takeOver);
  observer.observe(thread, { childList: true, subtree: true });
  takeOver();  // Isso's async script may have run before this deferred one
})();
