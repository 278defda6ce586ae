"""The overview's own controls: show one or a few technicians, focus a stop, the timeline.

Runs after :class:`~optimizer.maps.elements.PageScript` (which fills ``window.fso``).
Adds to ``window.fso``:

* ``showTechs(ids)``: show only those technicians (routes, stops, timeline rows);
* ``focusStop(route, seq)``: show the stop's technician, zoom to the stop (opening
  its cluster), open its popup and set ``data-focus="<route>-<seq>"`` on the map.

``overview.html#stop=<route>-<seq>`` focuses that stop on load (the standalone
timeline links there).
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
from branca.element import MacroElement
from folium.template import Template

from optimizer.maps.escape import js_value

_CONTROLS = """
(function () {
  var fso = window.fso;
  var map = fso.map;
  var groups = %(groups)s;
  var cluster = %(cluster)s;
  fso.cluster = cluster;
  var el = map.getContainer();
  var shown = {};
  Object.keys(groups).forEach(function (t) { shown[t] = true; });
  function count() {
    return Object.keys(shown).filter(function (t) { return shown[t]; }).length;
  }
  function stopsOf(t) {
    return fso.layers.filter(function (l) {
      return l.options.fsoKind === 'stop' && l.options.fsoTech === t;
    });
  }
  function setTech(t, on) {
    if (!(t in groups) || shown[t] === on) return;
    shown[t] = on;
    if (on) { map.addLayer(groups[t]); } else { map.removeLayer(groups[t]); }
    if (cluster) {
      if (on) { cluster.addLayers(stopsOf(t)); } else { cluster.removeLayers(stopsOf(t)); }
    }
    document.querySelectorAll('[data-tech-id]').forEach(function (row) {
      if (row.getAttribute('data-tech-id') !== t) return;
      if (row.classList.contains('fso-tl-row')) row.hidden = !on;
      var box = row.querySelector('input.fso-tech-toggle');
      if (box) box.checked = on;
    });
  }
  fso.showTechs = function (ids) {
    Object.keys(groups).forEach(function (t) { setTech(t, ids.indexOf(t) >= 0); });
    el.setAttribute('data-shown', count());
  };
  document.querySelectorAll('input.fso-tech-toggle').forEach(function (box) {
    box.addEventListener('change', function () {
      setTech(box.getAttribute('data-tech-id'), box.checked);
      el.setAttribute('data-shown', count());
    });
  });
  document.querySelectorAll('button.fso-show').forEach(function (b) {
    b.addEventListener('click', function () {
      fso.showTechs(b.getAttribute('data-show') === 'all' ? Object.keys(groups) : []);
    });
  });
  fso.focusStop = function (route, seq) {
    var layer = fso.layers.filter(function (l) {
      var o = l.options;
      return o.fsoKind === 'stop' && o.fsoRoute === route && o.fsoSeq === seq;
    })[0];
    if (!layer) return false;
    setTech(layer.options.fsoTech, true);
    el.setAttribute('data-focus', route + '-' + seq);
    var zoom = Math.max(map.getZoom(), 16);
    if (cluster && cluster.hasLayer(layer)) {
      map.setView(layer.getLatLng(), zoom, {animate: false});
      cluster.zoomToShowLayer(layer, function () { layer.openPopup(); });
    } else {
      map.setView(layer.getLatLng(), zoom, {animate: false});
      layer.openPopup();
    }
    return true;
  };
  var m = /^#stop=(\\d+)-(\\d+)$/.exec(window.location.hash);
  if (m) fso.focusStop(+m[1], +m[2]);
})();
"""


class OverviewControls(MacroElement):
    """The technician filter and stop focus of the overview, plus the timeline script.

    ``groups`` maps technician ids to their feature group (legs, and stops when not
    clustered); ``cluster`` is the shared stop cluster or ``None``; ``extra_js`` runs
    after (the timeline's hover cards and clicks).
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, groups: Mapping[str, folium.FeatureGroup],
                 cluster: folium.FeatureGroup | None, extra_js: str = "") -> None:
        super().__init__()
        self._name = "OverviewControls"
        self.groups = dict(groups)
        self.cluster = cluster
        self.extra_js = extra_js

    def code(self) -> str:
        names = ", ".join(f"{js_value(t)}: {g.get_name()}" for t, g in self.groups.items())
        return _CONTROLS % {
            "groups": "{" + names + "}",
            "cluster": self.cluster.get_name() if self.cluster is not None else "null",
        } + self.extra_js
