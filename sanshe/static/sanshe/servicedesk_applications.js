// One window (一窗受理): the applicant picker (search the register, fill the applicant), the item's checklist
// refreshed when the category changes, print buttons.
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); }; }

  function bindApplicant(box) {
    var pickUrl = box.getAttribute("data-pick-url");
    var search = box.querySelector("[data-applicant-search]");
    var results = box.querySelector("[data-applicant-results]");
    var resident = box.querySelector("[data-applicant-resident]");
    var name = box.querySelector("[data-applicant-name]");
    var idn = box.querySelector("[data-applicant-id]");
    var phone = box.querySelector("[data-applicant-phone]");
    var picked = box.querySelector("[data-applicant-picked]");
    var pickedText = box.querySelector("[data-applicant-picked-text]");
    var clear = box.querySelector("[data-applicant-clear]");
    if (!search || !resident) return;

    function setPicked(r) {
      resident.value = r ? r.id : "";
      [name, idn, phone].forEach(function (el) { if (el) el.readOnly = !!r; });
      if (r) {
        name.value = r.name;
        if (idn) { idn.value = ""; idn.placeholder = r.id_number || ""; }
        if (phone) { phone.value = ""; phone.placeholder = r.phone || ""; }
        pickedText.textContent = "✓ " + r.name + " " + (r.id_number || "") + " " + (r.phone || "") + " " + (r.where || "");
        picked.hidden = false;
      } else {
        name.value = ""; if (idn) idn.placeholder = ""; if (phone) phone.placeholder = "";
        picked.hidden = true;
      }
    }

    var run = debounce(function () {
      var q = search.value.trim();
      results.textContent = "";
      if (!q) return;
      fetch(pickUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          results.textContent = "";
          if (!data.results.length) {
            var none = document.createElement("li");
            none.className = "muted";
            none.textContent = box.getAttribute("data-none") || "—";
            results.appendChild(none);
          }
          data.results.forEach(function (r) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button";
            b.className = "sd-pick";
            b.setAttribute("data-resident", r.id);
            b.textContent = r.name + " · " + (r.id_number || "") + " · " + (r.phone || "") + " · " + (r.where || "");
            b.addEventListener("click", function () { setPicked(r); results.textContent = ""; search.value = ""; });
            li.appendChild(b); results.appendChild(li);
          });
        });
    }, 250);
    if (resident.value) [name, idn, phone].forEach(function (el) { if (el) el.readOnly = true; });  // re-shown after an error
    search.addEventListener("input", run);
    if (clear) clear.addEventListener("click", function () { setPicked(null); search.focus(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("applicant");
    if (box) bindApplicant(box);
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    // a new category: its items replace the old ones, so the checklist of the old item goes too
    if (e.target && e.target.id === "id_item" && window.htmx) window.htmx.trigger(e.target, "change");
  });
})();
