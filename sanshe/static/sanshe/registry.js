// Registry forms: the tag form shows only the detail fields of the chosen tag type (without JS all are shown,
// each labelled with its type). No inline scripts (CSP).
(function () {
  "use strict";

  function sync(select) {
    var form = select.form;
    var fields = form.querySelectorAll("[data-tag-detail-field]");
    for (var i = 0; i < fields.length; i++) {
      fields[i].hidden = fields[i].getAttribute("data-tag-detail-field") !== select.value;
    }
  }

  function init() {
    var selects = document.querySelectorAll("[data-tag-type-select]");
    for (var i = 0; i < selects.length; i++) {
      sync(selects[i]);
      selects[i].addEventListener("change", function (event) { sync(event.target); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
