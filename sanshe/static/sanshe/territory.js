// Territory maps: draw the GeoJSON handed over with json_script on a Leaflet map (no inline scripts: CSP).
// A tile layer is added only when the page names one (data-tile-url, from SANSHE_TILE_URL); offline, the
// shapes are drawn on a blank background and the view fits them.
(function () {
  "use strict";

  var OWN = { color: "#c8102e", weight: 3, fillOpacity: 0.04, dashArray: "6 4" };
  var CHILD = { color: "#1456b8", weight: 2, fillOpacity: 0.15 };
  var CONTEXT = { color: "#646a73", weight: 1.5, fillOpacity: 0.05, dashArray: "4 4" };
  var LABEL_SPACING = 44; // px between two points before their names are shown permanently
  var MAX_LABELS = 40;
  var CHAR_WIDTH = 13; // px per character of a label (12px CJK text)

  function isPoint(feature) {
    return !!feature.geometry && feature.geometry.type === "Point";
  }

  // GeoJSON's style option also restyles circle markers, so points get a style of their own here.
  function styleOf(feature) {
    var props = feature.properties;
    var base = props.self ? OWN : (props.context ? CONTEXT : CHILD);
    if (!isPoint(feature)) return base;
    return {
      color: base.color, fillColor: base.color, weight: 2, dashArray: null,
      fillOpacity: props.context ? 0.45 : 0.85, radius: props.self ? 8 : 6
    };
  }

  function label(shape, permanent) {
    var point = isPoint(shape.feature);
    shape.unbindTooltip();
    shape.bindTooltip(shape.feature.properties.name, {
      permanent: permanent, direction: point ? "right" : "center", offset: point ? [8, 0] : [0, 0],
      className: "territory-label"
    });
  }

  function drawMap(el) {
    if (typeof L === "undefined") return;
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var tileUrl = el.getAttribute("data-tile-url");
    var map = L.map(el, { attributionControl: !!tileUrl, zoomSnap: 0.25, scrollWheelZoom: false });
    if (tileUrl) {
      var subdomains = el.getAttribute("data-tile-subdomains") || "abc";
      L.tileLayer(tileUrl, { maxZoom: 19, subdomains: subdomains }).addTo(map);
    }
    var few = data.features.length <= MAX_LABELS;
    var points = [];
    var areas = [];
    var layer = L.geoJSON(data, {
      style: styleOf,
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, styleOf(feature)); },
      onEachFeature: function (feature, shape) {
        var props = feature.properties;
        if (isPoint(feature) && !props.self) {
          points.push(shape);
        } else if (!props.self) {
          areas.push(shape);
        }
        // The node's own area is named by the page title: its name shows on hover only.
        label(shape, few && props.self && isPoint(feature));
        if (props.url) {
          shape.on("click", function () { window.location.href = props.url; });
        }
      }
    }).addTo(map);

    // Names crowd each other when the shapes are small on screen: the names of points are shown permanently
    // only when every two points are LABEL_SPACING pixels apart, the name of an area only when the area is
    // wide enough for it; otherwise they show on hover.
    var shown = {};
    function spaced() {
      var pixels = points.map(function (shape) { return map.latLngToContainerPoint(shape.getLatLng()); });
      for (var i = 0; i < pixels.length; i++) {
        for (var j = i + 1; j < pixels.length; j++) {
          if (pixels[i].distanceTo(pixels[j]) < LABEL_SPACING) return false;
        }
      }
      return true;
    }
    function wide(shape) {
      var box = shape.getBounds();
      var width = map.latLngToContainerPoint(box.getNorthEast()).x -
        map.latLngToContainerPoint(box.getSouthWest()).x;
      return width >= shape.feature.properties.name.length * CHAR_WIDTH + 12;
    }
    function relabel(key, shape, permanent) {
      if (shown[key] === permanent) return;
      shown[key] = permanent;
      label(shape, permanent);
    }
    function updateLabels() {
      var apart = few && spaced();
      points.forEach(function (shape, i) { relabel("p" + i, shape, apart); });
      areas.forEach(function (shape, i) { relabel("a" + i, shape, few && wide(shape)); });
    }
    map.on("zoomend", updateLabels);

    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 });
    } else {
      map.setView([30.67, 104.06], 12);
    }
    updateLabels();
  }

  function init() {
    var maps = document.querySelectorAll("[data-territory-map]");
    for (var i = 0; i < maps.length; i++) drawMap(maps[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
