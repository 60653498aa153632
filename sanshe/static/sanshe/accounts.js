// Accounts pages: copy a secret shown once; hide the no-script search buttons when scripts run.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.querySelector(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    button.classList.add("copied");
    button.textContent = button.getAttribute("data-copied") || "✓";
  });
});
