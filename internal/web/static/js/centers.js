// kabinet: the map of the service-center finder (/centers). The page works
// without this file: the list is the result. With it, the results also
// appear on a map — one marker per point, naming every center there —
// over the region outlines embedded in kabinet, or over the tile server
// the deployment configured (data-tiles). Leaflet (vendor/leaflet) draws.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("centers-map");
    if (!el || !window.L) { return; }
    var items = document.querySelectorAll("[data-center]");
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false, zoomControl: true, attributionControl: true });
    map.attributionControl.setPrefix("<a href=\"https://leafletjs.com\">Leaflet</a>");
    map.setView([60, 90], 2);

    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "", maxZoom: 18 }).addTo(map);
    } else {
      fetch(el.dataset.regions, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (geo) {
          if (!geo) { return; }
          var outlines = L.geoJSON(geo, {
            interactive: false,
            style: { color: "#6b7a90", weight: 1, fillColor: "#eef2f7", fillOpacity: 1 }
          });
          outlines.addTo(map);
          outlines.bringToBack();
          map.attributionControl.addAttribution(el.dataset.regionsAttribution || "");
        })
        .catch(function () { /* the markers stay, over a blank map */ });
    }

    // One marker per point: the centers of one town share its point.
    var points = {};
    var order = [];
    items.forEach(function (li) {
      if (!li.dataset.lat) { return; }
      var key = li.dataset.lat + "," + li.dataset.lon;
      if (!points[key]) {
        points[key] = { lat: parseFloat(li.dataset.lat), lon: parseFloat(li.dataset.lon), items: [] };
        order.push(key);
      }
      points[key].items.push(li);
    });
    var bounds = [];
    order.forEach(function (key) {
      var p = points[key];
      var popup = document.createElement("ul");
      popup.className = "map-popup";
      p.items.forEach(function (li) {
        var row = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#" + li.id;
        a.textContent = li.dataset.name;
        row.appendChild(a);
        row.appendChild(document.createTextNode(" — " + li.dataset.address));
        popup.appendChild(row);
      });
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 9, color: "#fff", weight: 2, fillColor: "#1a3d8f", fillOpacity: 0.9, className: "center-marker"
      }).bindPopup(popup, { maxWidth: Math.max(160, Math.min(320, el.clientWidth - 80)) }).addTo(map);
      marker.getElement().setAttribute("data-marker", key);
      bounds.push([p.lat, p.lon]);
    });
    el.setAttribute("data-markers", String(order.length));
    // Over the region outlines alone a town's streets are blank: stay at
    // the scale of a region, where the outlines still tell where it is.
    var closest = el.dataset.tiles ? 13 : 7;
    if (bounds.length === 1) {
      map.setView(bounds[0], closest);
    } else if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: closest });
    }
  });
})();
