/* Let Isso's client take over the static comment thread without a flash.

   The page carries its published comments as HTML (.comments-static) for
   readers without JavaScript. Isso's client appends its form and its
   #isso-root after them; this moves both to where the static form and
   thread stand, and removes the static copies the moment Isso has put its
   comments in (one mutation callback, before the browser paints): nothing
   is shown twice. When the comment server cannot be reached, the static
   thread stays. */
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
    if (root && root.querySelector(".isso-comment") && staticThread.parentNode) {
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

  var observer = new MutationObserver(takeOver);
  observer.observe(thread, { childList: true, subtree: true });
  takeOver();  // Isso's async script may have run before this deferred one
})();
