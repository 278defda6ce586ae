"""The offline background: main roads, water and place names from the scenario's extract.

Drawn on a canvas in its own pane *below* the tile pane: when tiles load they cover
it, when they cannot load (no network, a blocked tile server) it is what shows. The
data comes as a :class:`~optimizer.model.Basemap` (read by
:func:`optimizer.geo.basemap.basemap_for`); names are escaped with ``js_value`` and
set as text, never as HTML.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from optimizer.maps.escape import js_value
from optimizer.model import Basemap

#: kind -> (stroke colour, width in px, fill colour or None)
STYLES = {
    "water": ("#7eaad6", 1.0, "#b5d0ea"),
    "river": ("#7eaad6", 3.0, None),
    "canal": ("#7eaad6", 2.0, None),
    "motorway": ("#c2707e", 4.0, None),
    "trunk": ("#c98762", 3.5, None),
    "primary": ("#c09a55", 3.0, None),
    "secondary": ("#a9a37a", 2.5, None),
    "tertiary": ("#a8a8a8", 1.8, None),
}

_SCRIPT = """
(function () {
  var map = %(map)s;
  var data = %(data)s;
  var styles = %(styles)s;
  var pane = map.createPane('fsoBackground');
  pane.style.zIndex = 150;
  pane.style.pointerEvents = 'none';
  var renderer = L.canvas({pane: 'fsoBackground', padding: 0.5});
  var group = L.layerGroup();
  data.lines.forEach(function (line) {
    var style = styles[line[0]], flat = line[1], pts = [];
    for (var i = 0; i + 1 < flat.length; i += 2) pts.push([flat[i], flat[i + 1]]);
    var opts = {renderer: renderer, pane: 'fsoBackground', color: style[0],
                weight: style[1], opacity: 1, interactive: false};
    if (style[2]) {
      opts.fill = true; opts.fillColor = style[2]; opts.fillOpacity = 1;
      group.addLayer(L.polygon(pts, opts));
    } else {
      group.addLayer(L.polyline(pts, opts));
    }
  });
  data.places.forEach(function (p) {
    var div = document.createElement('div');
    div.className = 'fso-bg-label fso-bg-' + p[1];
    div.textContent = p[0];
    group.addLayer(L.marker([p[2], p[3]], {
      pane: 'fsoBackground', interactive: false, keyboard: false,
      icon: L.divIcon({className: 'fso-bg-place', html: div, iconSize: null})
    }));
  });
  group.addTo(map);
  var el = map.getContainer();
  el.classList.add('fso-has-bg');
  el.setAttribute('data-background-lines', data.lines.length);
  el.setAttribute('data-background-places', data.places.length);
  window.fsoBackground = group;
})();
"""


class OfflineBackground(MacroElement):
    """Add a :class:`~optimizer.model.Basemap` to the map as a light vector layer."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, map_: folium.Map, basemap: Basemap) -> None:
        super().__init__()
        self._name = "OfflineBackground"
        self.map_ = map_
        lines = [[ln.kind, [v for p in ln.points for v in (p.lat, p.lon)]]
                 for ln in basemap.lines if ln.kind in STYLES]
        places = [[p.name, p.kind, p.location.lat, p.location.lon] for p in basemap.places]
        self.data = js_value({"lines": lines, "places": places})

    def code(self) -> str:
        return _SCRIPT % {"map": self.map_.get_name(), "data": self.data,
                          "styles": js_value({k: list(v) for k, v in STYLES.items()})}
