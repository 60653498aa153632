// The map of events (templates/gridops/map/map.html): grid boundaries, then clustered markers for the visible box,
// fetched as JSON again after every move (debounced, the previous request aborted). No inline script (CSP); the
// base map is drawn only when the page names a tile URL (SANSHE_TILE_URL), so it works offline.
(function () {
  "use strict";

  var COLORS = { red: "#c8102e", yellow: "#d49b00", green: "#1a7f37", none: "#646a73" };
  var WORLD = "-180,-90,180,90";

  function filterQuery() {
    var form = document.querySelector("[data-map-filters]");
    var params = new URLSearchParams(form ? new FormData(form) : undefined);
    return params.toString();
  }

  function popup(marker, el) {
    var box = document.createElement("div");
    box.className = "gm-popup";
    var title = document.createElement("strong");
    title.textContent = marker.title;
    var meta = document.createElement("div");
    meta.className = "muted";
    meta.textContent = marker.number + " · " + marker.category + " · " + marker.state_label + " · " + marker.reported_at;
    var link = document.createElement("a");
    link.href = marker.url;
    link.textContent = el.getAttribute("data-label-open");
    box.appendChild(title);
    box.appendChild(meta);
    box.appendChild(link);
    return box;
  }

  function drawMap(el) {
    if (typeof L === "undefined" || typeof L.markerClusterGroup === "undefined") return;
    var status = document.querySelector("[data-map-status]");
    var tileUrl = el.getAttribute("data-tile-url");
    var map = L.map(el, { attributionControl: !!tileUrl, zoomSnap: 0.5, maxZoom: 19 });
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, subdomains: el.getAttribute("data-tile-subdomains") || "abc" }).addTo(map);
    }
    var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(clusters);
    var placed = false;
    var pending = null;
    var timer = null;

    function say(text) { if (status) status.textContent = text; }

    function load(bbox) {
      if (pending) pending.abort();
      pending = new AbortController();
      say(el.getAttribute("data-label-loading"));
      var url = el.getAttribute("data-url") + "?bbox=" + bbox + "&" + filterQuery();
      fetch(url, { credentials: "same-origin", signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          clusters.clearLayers();
          var layers = data.markers.map(function (m) {
            var color = COLORS[m.light] || COLORS.none;
            var dot = L.circleMarker([m.lat, m.lng], {
              radius: m.urgent ? 9 : 7, color: "#fff", weight: 2, fillColor: color, fillOpacity: 0.95
            });
            dot.bindPopup(function () { return popup(m, el); });
            return dot;
          });
          clusters.addLayers(layers);
          var text = el.getAttribute("data-label-shown").replace("{n}", data.markers.length);
          if (data.truncated) text += " " + el.getAttribute("data-label-truncated");
          say(text);
          if (!placed) {
            placed = true;
            var bounds = clusters.getBounds();
            if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
          }
        })
        .catch(function (err) { if (err.name !== "AbortError") say(el.getAttribute("data-label-error")); });
    }

    function visibleBox() { return map.getBounds().toBBoxString(); }

    map.on("moveend", function () {
      if (!placed) return;
      clearTimeout(timer);
      timer = setTimeout(function () { load(visibleBox()); }, 250);
    });

    fetch(el.getAttribute("data-grids-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .catch(function () { return { features: [] }; })
      .then(function (grids) {
        var layer = L.geoJSON(grids, {
          style: { color: "#1456b8", weight: 1.5, fillOpacity: 0.04, dashArray: "4 4" },
          onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name, { sticky: true }); }
        }).addTo(map);
        layer.bringToBack();
        var bounds = layer.getBounds();
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [10, 10] });
          placed = true;
          load(visibleBox());
        } else {
          map.setView([30.67, 104.06], 12);
          load(WORLD);
        }
      });
  }

  function init() {
    var maps = document.querySelectorAll("[data-event-map]");
    for (var i = 0; i < maps.length; i++) drawMap(maps[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
