// Disputes: the party picker (search the register, fill the party), more party rows, printing the ledger.
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); }; }

  function bindParty(row, pickUrl) {
    var search = row.querySelector("[data-party-search]");
    var results = row.querySelector("[data-party-results]");
    var resident = row.querySelector("[data-party-resident]");
    var name = row.querySelector("[data-party-name]");
    var phone = row.querySelector("[data-party-phone]");
    var picked = row.querySelector("[data-party-picked]");
    if (!search) return;
    var run = debounce(function () {
      var q = search.value.trim();
      results.textContent = "";
      if (!q) return;
      fetch(pickUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          results.textContent = "";
          data.results.forEach(function (r) {
            var li = document.createElement("li");
            var b = document.createElement("button");
            b.type = "button";
            b.textContent = r.name + " · " + (r.id_number || "") + " · " + (r.phone || "") + " · " + (r.where || "");
            b.addEventListener("click", function () {
              resident.value = r.id; name.value = r.name; name.readOnly = true;
              if (phone) { phone.value = ""; phone.placeholder = r.phone || ""; phone.readOnly = true; }
              picked.textContent = "✓ " + r.name + " " + (r.phone || "");
              results.textContent = ""; search.value = "";
            });
            li.appendChild(b); results.appendChild(li);
          });
        });
    }, 250);
    search.addEventListener("input", run);
    name.addEventListener("input", function () { if (!name.readOnly) resident.value = ""; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("fieldset.parties");
    if (box) {
      var pickUrl = box.getAttribute("data-pick-url");
      box.querySelectorAll("[data-party]").forEach(function (row) { bindParty(row, pickUrl); });
      var add = box.querySelector("[data-add-party]");
      var tpl = document.getElementById("party-template");
      var total = box.querySelector("input[name$='-TOTAL_FORMS']");
      if (add && tpl && total) add.addEventListener("click", function () {
        var i = parseInt(total.value, 10);
        var html = tpl.innerHTML.replace(/__prefix__/g, String(i));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.firstElementChild;
        add.parentNode.insertBefore(row, add);
        total.value = String(i + 1);
        bindParty(row, pickUrl);
      });
    }
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  });
})();
