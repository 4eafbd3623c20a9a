/* The search page: Pagefind's UI with the theme's strings (#search-config,
   written by theme/templates/search.html). A result's date, set by the
   article's data-pagefind-meta="date:…", shows under the theme's label; a
   ?q= from the header form is searched straight away. A large site has
   several indexes (config.mergeIndex); Pagefind searches them as one. */
(function () {
  "use strict";

  var configElement = document.getElementById("search-config");
  if (!configElement || typeof window.PagefindUI !== "function") {
    return;
  }
  var config = JSON.parse(configElement.textContent);

  function labelDate(result) {
    var meta = result.meta || {};
    if (meta.date) {
      var labelled = {};
      Object.keys(meta).forEach(function (key) {
        labelled[key === "date" ? config.dateLabel : key] = meta[key];
      });
      result.meta = labelled;
    }
    return result;
  }

  var ui = new window.PagefindUI({
    element: config.element,
    bundlePath: config.bundlePath,
    mergeIndex: config.mergeIndex || [],
    translations: config.translations,
    showImages: false,
    showSubResults: false,
    processResult: labelDate,
  });

  // Pagefind names its field only by a title; screen readers and axe want a
  // real accessible name.
  var field = document.querySelector(
    config.element + " .pagefind-ui__search-input"
  );
  if (field) {
    field.setAttribute("aria-label", config.translations.search_label);
  }

  var query = new URLSearchParams(window.location.search).get("q");
  if (query && query.trim()) {
    ui.triggerSearch(query.trim());
  }
})();
