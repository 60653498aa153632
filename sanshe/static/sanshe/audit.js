// The audit log list: the filter box starts open on wide screens (closed on phones unless a filter is set).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(min-width: 721px)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (box) { box.open = true; });
});
