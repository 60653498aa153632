// Event pages: the report map (tap to place the point, or take the phone's position), photo previews, and the
// desk's select-all box. No inline scripts (CSP).
(function () {
  "use strict";

  function fmt(x) { return Number(x).toFixed(6); }

  function setupReportMap() {
    var el = document.getElementById("report-map");
    var form = document.getElementById("report-form");
    if (!el || !form) return;
    var lat = form.querySelector("input[name=latitude]");
    var lng = form.querySelector("input[name=longitude]");
    var text = document.getElementById("point-text");
    var map = null;
    var marker = null;

    function show() {
      if (lat.value && lng.value) {
        text.textContent = fmt(lat.value) + ", " + fmt(lng.value);
      } else {
        text.textContent = text.getAttribute("data-empty");
      }
    }

    function place(la, ln, pan) {
      lat.value = fmt(la);
      lng.value = fmt(ln);
      if (map) {
        if (marker) { marker.setLatLng([la, ln]); } else { marker = L.circleMarker([la, ln], { radius: 9, color: "#c8102e", fillOpacity: 0.8 }).addTo(map); }
        if (pan) map.setView([la, ln], Math.max(map.getZoom(), 17));
      }
      show();
    }

    if (typeof L !== "undefined") {
      var source = document.getElementById(el.getAttribute("data-source"));
      var data = source ? JSON.parse(source.textContent) : {};
      var tileUrl = el.getAttribute("data-tile-url");
      map = L.map(el, { attributionControl: !!tileUrl, scrollWheelZoom: false });
      if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
      if (data && data.boundary) {
        var shape = L.geoJSON(data.boundary, { style: { color: "#1456b8", weight: 2, fillOpacity: 0.05, dashArray: "6 4" } }).addTo(map);
        map.fitBounds(shape.getBounds(), { padding: [10, 10] });
      } else if (data && data.lat) {
        map.setView([data.lat, data.lng], data.zoom || 16);
      } else {
        map.setView([30.66, 104.06], 13);
      }
      map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
      if (lat.value && lng.value) place(parseFloat(lat.value), parseFloat(lng.value), true);
    }

    var locate = document.getElementById("locate-me");
    if (locate) {
      if (!("geolocation" in navigator)) locate.hidden = true;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          locate.disabled = false;
          place(pos.coords.latitude, pos.coords.longitude, true);
        }, function () {
          locate.disabled = false;
          text.textContent = text.getAttribute("data-denied");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    var clear = document.getElementById("clear-point");
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = ""; lng.value = "";
        if (marker && map) { map.removeLayer(marker); marker = null; }
        show();
      });
    }
    // A double tap on submit must not send twice (the submission key makes a retry safe anyway).
    form.addEventListener("submit", function () {
      var button = document.getElementById("report-submit");
      if (button) window.setTimeout(function () { button.disabled = true; }, 0);
    });
    show();
  }

  function setupPhotoPreview() {
    var input = document.getElementById("id_photos");
    var preview = document.getElementById("photo-preview");
    if (!input || !preview) return;
    input.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.slice.call(input.files || [], 0, 9).forEach(function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        preview.appendChild(img);
      });
    });
  }

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (!all) return;
    var name = all.getAttribute("data-check-all");
    var form = all.form || document;
    form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    setupReportMap();
    setupPhotoPreview();
  });
})();
