// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("click", function (event) {
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
