// Resident search: the export's reason field shows only when full values are asked for.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // The less common filters stay folded on a phone, open on a wide screen.
  if (window.matchMedia("(min-width: 721px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (box) { box.open = true; });
  }
  document.querySelectorAll("input[data-reveal]").forEach(function (box) {
    var target = document.querySelector(box.getAttribute("data-reveal"));
    if (!target) return;
    var sync = function () { target.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  });
})();
