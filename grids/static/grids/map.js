/*
 * Territory maps: boundaries (GeoJSON) and points drawn with Leaflet, served from this site.
 *
 * No base map by default: the boundaries alone on a plain background, since a government
 * intranet reaches no tile server. `tiles.url` (a {z}/{x}/{y} template, from the settings)
 * and `tiles.attribution` add one. Every drawn shape carries its node's id in `data-key` and
 * its level in `data-level`; a point carries `data-lat` and `data-lng`; the map's container
 * gets `data-state="ready"` once drawn. The browser tests read those.
 */
(function () {
  "use strict";

  const STYLES = {
    self: { color: "#205067", weight: 3, fillColor: "#417690", fillOpacity: 0.25 },
    child: { color: "#417690", weight: 1, fillColor: "#79aec8", fillOpacity: 0.15, dashArray: "4 3" },
    context: { color: "#888", weight: 1, fillOpacity: 0.05 },
  };

  function mark(layer, attributes) {
    const element = layer.getElement && layer.getElement();
    if (!element) return;
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== undefined && value !== null) element.setAttribute("data-" + name, String(value));
    }
  }

  function create(container, tiles) {
    const map = L.map(container, { zoomSnap: 0.25, attributionControl: Boolean(tiles && tiles.url) });
    // A view at once: Leaflet adds layers to a map without one only later, and shapes must
    // exist (and be marked) as soon as they are drawn. `fit` then frames them.
    map.setView([35, 105], 4);
    if (tiles && tiles.url) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  // `style(feature)` gives the Leaflet path style; `describe(feature)` the tooltip text.
  function drawFeatures(map, collection, style, describe) {
    const layers = [];
    const group = L.geoJSON(collection, {
      style: style,
      onEachFeature: function (feature, layer) {
        layers.push([feature, layer]);
        const text = describe ? describe(feature) : feature.properties.name;
        if (text) layer.bindTooltip(text, { sticky: true });
      },
    }).addTo(map);
    for (const [feature, layer] of layers) {
      mark(layer, {
        key: feature.properties.id,
        level: feature.properties.level,
        role: feature.properties.role,
        code: feature.properties.code,
      });
    }
    return { group: group, layers: layers };
  }

  function drawPoint(map, point, label) {
    const marker = L.circleMarker([point.lat, point.lng], {
      radius: 7,
      color: "#ba2121",
      weight: 2,
      fillColor: "#ba2121",
      fillOpacity: 0.8,
      className: "map-point",
    }).addTo(map);
    if (label) marker.bindTooltip(label);
    mark(marker, { lat: point.lat, lng: point.lng });
    return marker;
  }

  function fit(map, group, point) {
    let bounds = group && group.getLayers().length ? group.getBounds() : null;
    if (point) {
      const here = L.latLng(point.lat, point.lng);
      bounds = bounds ? bounds.extend(here) : L.latLngBounds(here, here);
    }
    if (bounds && bounds.isValid()) map.fitBounds(bounds.pad(0.05), { maxZoom: 18 });
    else map.setView([35, 105], 4);
  }

  // The admin pages: a node's boundary with its children, or a case's point on its grid.
  function drawAdminMap(container) {
    const config = JSON.parse(document.getElementById(container.dataset.config).textContent);
    const map = create(container, config.tiles);
    const drawn = drawFeatures(map, config.features, function (feature) {
      return STYLES[feature.properties.role] || STYLES.context;
    });
    if (config.point) drawPoint(map, config.point, config.point.label);
    fit(map, drawn.group, config.point);
    container.dataset.state = "ready";
    return map;
  }

  window.TerritoryMap = { create: create, drawFeatures: drawFeatures, drawPoint: drawPoint, fit: fit, mark: mark };

  document.addEventListener("DOMContentLoaded", function () {
    for (const container of document.querySelectorAll(".territory-map[data-config]")) {
      drawAdminMap(container);
    }
  });
})();
