// Certificates: pick the holder from the register (masked answers), or type him in.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var box = document.querySelector("fieldset[data-pick-url]");
    if (!box) return;
    var url = box.getAttribute("data-pick-url");
    var search = box.querySelector("[data-holder-search]");
    var results = box.querySelector("[data-holder-results]");
    var picked = box.querySelector("[data-holder-picked]");
    var form = box.closest("form");
    var resident = form.querySelector("input[name=resident]");
    var name = form.querySelector("input[name=holder_name]");
    var community = form.querySelector("select[name=community]");
    var timer = null;
    var seq = 0;

    function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

    function choose(row) {
      resident.value = row.id;
      name.value = row.name;
      if (community && row.community) community.value = String(row.community);
      clear(results);
      picked.textContent = row.name + " " + row.id_number + " · " + row.where + (row.household ? " · " + row.household : "");
      picked.setAttribute("data-picked", row.id);
    }

    function show(rows) {
      clear(results);
      rows.forEach(function (row) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("data-pick", row.id);
        button.textContent = row.name + "  " + row.id_number + "  " + row.where;
        button.addEventListener("click", function () { choose(row); });
        li.appendChild(button);
        results.appendChild(li);
      });
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      var q = search.value.trim();
      if (!q) { clear(results); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(url + "?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.json(); })
          .then(function (data) { if (mine === seq) show(data.results || []); });
      }, 250);
    });

    // typing a name by hand means "not from the register"
    name.addEventListener("input", function () {
      if (resident.value) {
        resident.value = "";
        picked.textContent = "";
        picked.removeAttribute("data-picked");
      }
    });
  });
})();
