// Patrols: record the route with navigator.geolocation.watchPosition and post it in batches (with CSRF); keep
// unsent points in localStorage so that a bad network or a reload loses nothing; draw a patrol's route.
(function () {
  "use strict";
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function recorder(el) {
    var url = el.getAttribute("data-points-url");
    var key = "sanshe-patrol-" + el.getAttribute("data-patrol");
    var interval = parseInt(el.getAttribute("data-interval") || "15", 10) * 1000;
    var pending = [];
    try { pending = JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { pending = []; }
    var last = null, lastKept = 0, sending = false;
    var $ = function (sel) { return el.querySelector(sel); };
    function save() { try { localStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* full */ } $("[data-pending]").textContent = pending.length; }
    function updateLink() {
      var link = $("[data-report-link]");
      if (link && last) link.href = el.getAttribute("data-report-url") + "&lat=" + last.lat.toFixed(6) + "&lng=" + last.lng.toFixed(6);
    }
    function send(done) {
      if (sending || !pending.length) { if (done) done(); return; }
      sending = true;
      var batch = pending.slice(0, 200);
      fetch(url, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
        body: JSON.stringify({ points: batch }) })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; }); })
        .then(function (res) {
          if (res.ok || res.status === 400) {  // 400: bad points are dropped, not retried forever
            pending = pending.slice(batch.length); save();
            if (res.ok) { $("[data-distance]").textContent = res.data.distance_m; $("[data-count]").textContent = res.data.point_count; }
          }
        })
        .catch(function () { /* offline: retry at the next tick */ })
        .then(function () { sending = false; if (done) done(); });
    }
    save();
    if (!("geolocation" in navigator)) { $("[data-geo-error]").hidden = false; return; }
    navigator.geolocation.watchPosition(function (pos) {
      var now = pos.timestamp || Date.now();
      last = { lat: pos.coords.latitude, lng: pos.coords.longitude, at: now, accuracy: pos.coords.accuracy };
      updateLink();
      if (now - lastKept >= 5000) { pending.push(last); lastKept = now; save(); }
      $("[data-geo-error]").hidden = true;
    }, function () { $("[data-geo-error]").hidden = false; }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    setInterval(send, interval);
    var form = el.querySelector("[data-end-form]");
    if (form) form.addEventListener("submit", function (ev) {
      if (!pending.length) { localStorage.removeItem(key); return; }
      ev.preventDefault();
      send(function () { localStorage.removeItem(key); form.submit(); });
    });
  }

  function routeMap(el) {
    if (typeof L === "undefined") return;
    var data = JSON.parse(document.getElementById(el.getAttribute("data-route")).textContent || "[]");
    var map = L.map(el, { attributionControl: false, scrollWheelZoom: false });
    var tile = el.getAttribute("data-tile-url");
    if (tile) L.tileLayer(tile, { maxZoom: 19 }).addTo(map);
    if (data.length) {
      var line = L.polyline(data, { color: "#c41d1d", weight: 4 }).addTo(map);
      L.circleMarker(data[0], { radius: 6, color: "#1f7a44" }).addTo(map);
      L.circleMarker(data[data.length - 1], { radius: 6, color: "#333" }).addTo(map);
      map.fitBounds(line.getBounds(), { padding: [20, 20] });
    } else {
      map.setView([30.66, 104.06], 13);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("patrol-running");
    if (el) recorder(el);
    var m = document.getElementById("route-map");
    if (m) routeMap(m);
  });
})();
