// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("click", function (event) {
  // One navigation menu open at a time; a click elsewhere closes it.
  document.querySelectorAll("details.navgroup[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
  var toggle = event.target.closest("[data-toggle]");
  if (toggle) {
    var target = document.querySelector(toggle.getAttribute("data-toggle"));
    if (target) target.classList.toggle("open");
  }
  var confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
