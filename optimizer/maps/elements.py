"""folium building blocks, adjusted for offline pages and untrusted text.

folium is used for what it does well (the Leaflet object tree, layers, the
layer control, tile providers through xyzservices). Three of its habits are
replaced here:

* CDN ``<script>``/``<link>`` tags: :class:`PageMap` and
  :class:`OfflineMarkerCluster` declare none; :func:`page_head` inlines the
  assets from installed packages instead.
* Popups built with jQuery and JS template literals: :class:`SafePopup` passes
  the (already escaped) HTML as one JSON string to ``bindPopup``.
* Random element ids: :func:`stable_ids` numbers the tree so that the same
  schedule always gives byte-identical pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

import folium
from branca.element import Element, Figure, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from optimizer.maps import assets
from optimizer.maps.content import OSM_CREDIT, stop_pin_classes
from optimizer.maps.escape import h, js_value, safe_attribution
from optimizer.model import Location, Route, Stop, WorkOrder

#: From this many stops on one page, stop markers are clustered and drawn smaller.
CLUSTER_FROM_STOPS = 60

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


class RawHtml(Element):
    """Literal HTML. Unlike ``branca.Element(text)``, it is never parsed as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class PageMap(folium.Map):
    """A folium map with no CDN links, no page-level CSS and no map ``<div>``.

    The page modules write the ``<div>`` themselves (``map_div``) so that they
    control where it sits in the layout.
    """

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
        {% endmacro %}
        """
    )

    def map_div(self) -> str:
        return f'<div class="folium-map fso-map" id="{h(self.get_name())}"></div>'


class OfflineMarkerCluster(MarkerCluster):
    """``folium.plugins.MarkerCluster`` without CDN links (assets are inlined)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


class SafePopup(MacroElement):
    """Bind a popup whose HTML is passed as a single escaped JS string.

    ``html`` must already be escaped (see :mod:`optimizer.maps.content`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup({{ this.content }}, {{ this.popup_options }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, max_width: int = 320) -> None:
        super().__init__()
        self._name = "SafePopup"
        self.content = js_value(html)
        self.popup_options = js_value({"maxWidth": max_width, "autoPanPadding": [12, 12]})


_PAGE_SCRIPT = """
(function () {
  var map = %(map)s;
  var roots = [%(roots)s];
  var tiles = %(tiles)s;
  var counts = {};
  var layers = [];
  function walk(layer) {
    var kind = layer.options && layer.options.fsoKind;
    if (kind) {
      counts[kind] = (counts[kind] || 0) + 1;
      layers.push(layer);
    } else if (layer.eachLayer) {
      layer.eachLayer(walk);
    }
  }
  roots.forEach(walk);
  var state = {map: map, layers: layers, counts: counts, tileErrors: 0};
  window.fso = state;
  var el = map.getContainer();
  Object.keys(counts).forEach(function (k) { el.setAttribute('data-count-' + k, counts[k]); });
  if (%(credit)s) { map.attributionControl.addAttribution(%(credit_html)s); }
  if (tiles) {
    var Note = L.Control.extend({
      options: {position: 'bottomleft'},
      onAdd: function () {
        var div = L.DomUtil.create('div', 'fso-tile-note');
        div.textContent = window.fsoBackground ? %(note_bg)s : %(note)s;
        div.hidden = true;
        return div;
      }
    });
    var note = new Note().addTo(map);
    tiles.on('tileerror', function () {
      state.tileErrors += 1;
      note.getContainer().hidden = false;
      el.setAttribute('data-tiles', 'failed');
    });
  }
  el.setAttribute('data-ready', '1');
})();
"""


class PageScript(MacroElement):
    """Runs last: counts our layers, credits OSM, handles tile failures.

    Every marker and polyline that represents schedule data carries a
    ``fsoKind`` option. The script walks ``roots`` (including layers that are
    switched off and markers hidden in clusters), stores the layers in
    ``window.fso`` and writes ``data-count-<kind>`` attributes on the map
    container. Tests and other tooling read those.
    """

    _template = Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(
        self,
        map_: folium.Map,
        roots: Sequence[Element],
        tiles: folium.TileLayer | None,
        *,
        add_credit: bool,
    ) -> None:
        super().__init__()
        self._name = "PageScript"
        self.map_ = map_
        self.roots = list(roots)
        self.tiles = tiles
        self.add_credit = add_credit

    def code(self) -> str:
        return _PAGE_SCRIPT % {
            "map": self.map_.get_name(),
            "roots": ", ".join(r.get_name() for r in self.roots),
            "tiles": self.tiles.get_name() if self.tiles is not None else "null",
            "credit": "true" if self.add_credit else "false",
            "credit_html": js_value(OSM_CREDIT),
            "note": js_value("Background map unavailable – the route and stops are still shown."),
            "note_bg": js_value("Map tiles unavailable – showing main roads, water and places "
                                "from the scenario's OSM extract."),
        }


def tile_layer(tiles: str | None, attribution: str | None) -> tuple[folium.TileLayer | None, bool]:
    """Build the tile layer and say whether the OSM credit must be added separately.

    ``tiles`` is an xyzservices provider name (``"OpenStreetMap"``,
    ``"OpenTopoMap"``) or a URL template; ``None``, ``""`` or ``"none"`` (for
    scenario.toml, which has no null) draws no background.
    ``attribution`` is required for a URL template; it may hold plain text and
    ``<a href="http(s)://...">`` links, everything else is shown as text
    (:func:`~optimizer.maps.escape.safe_attribution`).
    """
    if tiles is None or tiles.strip().lower() in ("", "none"):
        return None, True
    if attribution:
        attribution = safe_attribution(attribution)
    try:
        layer = folium.TileLayer(tiles=tiles, attr=attribution, control=False)
    except ValueError as exc:
        raise ValueError(
            f"tiles={tiles!r} is not an xyzservices provider name, and a URL template "
            f"needs tile_attribution ({exc})"
        ) from exc
    if "{z}" not in layer.tiles:
        raise ValueError(
            f"tiles={tiles!r} is neither an xyzservices provider name nor a URL template "
            "with {z}/{x}/{y}"
        )
    attr = str(layer.options.get("attribution", "")).translate(_BRACES)
    layer.options["attribution"] = attr
    return layer, "openstreetmap" not in attr.lower()


class InitialView(MacroElement):
    """Fit the map to ``bounds`` before any layer is added (no re-clustering animation).

    Set :attr:`bounds` once everything is drawn; ``None`` keeps the world view.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.fitBounds(
                {{ this.js_bounds() }}, {padding: [28, 28], maxZoom: 16, animate: false});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "InitialView"
        self.bounds: list[list[float]] | None = None

    def js_bounds(self) -> str:
        return js_value(self.bounds or [[-60.0, -170.0], [75.0, 170.0]])


def new_map(tiles: folium.TileLayer | None) -> tuple[PageMap, InitialView]:
    """A map with its initial view (set its ``bounds`` later) and the tile layer, if any."""
    m = PageMap(location=(0.0, 0.0), zoom_start=2, tiles=None, control_scale=True)
    m.options["maxZoom"] = 19  # markercluster needs it even when there are no tiles
    view = InitialView()
    m.add_child(view)
    if tiles is not None:
        m.add_child(tiles)
    return m, view


def set_kind(element: MacroElement, kind: str, **extra: object) -> MacroElement:
    """Tag a marker or path with ``fsoKind`` (and extra options) for :class:`PageScript`."""
    element.options["fsoKind"] = kind
    for key, value in extra.items():
        element.options[key] = value
    return element


def pin_marker(
    location: Location,
    label: str,
    *,
    classes: str,
    style: str = "",
    size: int = 28,
    kind: str,
    popup_html: str | None = None,
    **extra: object,
) -> folium.Marker:
    """A round (or styled) DivIcon marker with a short ``label`` such as a stop number."""
    icon = folium.DivIcon(
        html=f'<div class="fso-pin {h(classes)}" style="{h(style)}">{h(label)}</div>',
        icon_size=(size, size),
        icon_anchor=(size // 2, size // 2),
        class_name="fso-marker",
    )
    marker = folium.Marker((location.lat, location.lon), icon=icon)
    set_kind(marker, kind, **extra)
    if popup_html is not None:
        marker.add_child(SafePopup(popup_html))
    return marker


def stop_marker(stop: Stop, seq: int, order: WorkOrder | None, *, colour: str, size: int,
                route_index: int, popup_html: str) -> folium.Marker:
    """The numbered pin of a route's ``seq``-th stop in the route's colour (both map kinds)."""
    return pin_marker(stop.location, str(seq), classes=stop_pin_classes(stop, order),
                      style=f"background:{colour}", size=size, kind="stop",
                      popup_html=popup_html, fsoRoute=route_index, fsoSeq=seq)


def leg_points(route: Route, straight: bool) -> list[list[tuple[float, float]]]:
    """One point list per leg: start -> stop 1 -> ... -> stop N -> end.

    Road geometry from ``route.legs_geometry`` is used unless ``straight`` is
    set, the geometry is missing, or it has the wrong number of legs. A leg
    whose geometry has fewer than two points is drawn straight.
    """
    places = [route.start_location, *(s.location for s in route.stops), route.end_location]
    straight_legs = [[(a.lat, a.lon), (b.lat, b.lon)] for a, b in pairwise(places)]
    if straight or len(route.legs_geometry) != len(straight_legs):
        return straight_legs
    return [
        [(p.lat, p.lon) for p in leg] if len(leg) >= 2 else fallback
        for leg, fallback in zip(route.legs_geometry, straight_legs, strict=True)
    ]


def add_legs(
    parent: Element, route: Route, colour: str, *, straight: bool, route_index: int,
    thin: bool = False,
) -> list[tuple[float, float]]:
    """Draw a route's legs into ``parent``; return every point drawn (for bounds).

    ``thin`` draws narrower, lighter lines (a crowded overview).
    """
    drawn: list[tuple[float, float]] = []
    for i, points in enumerate(leg_points(route, straight)):
        line = folium.PolyLine(
            points,
            color=colour,
            weight=(5 if not straight else 4) - (2.5 if thin else 0),
            opacity=0.55 if thin else 0.85,
            dash_array="8 8" if straight else None,
            class_name="fso-leg " + ("fso-leg-straight" if straight else "fso-leg-road"),
        )
        set_kind(line, "leg", fsoRoute=route_index, fsoLeg=i)
        parent.add_child(line)
        drawn.extend(points)
    return drawn


def bounds_of(points: Iterable[tuple[float, float]]) -> list[list[float]] | None:
    pts = list(points)
    if not pts:
        return None
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def stable_ids(figure: Figure) -> None:
    """Replace branca's random element ids by a counter (reproducible pages)."""
    counter = 0

    def visit(element: Element) -> None:
        nonlocal counter
        element._id = f"{counter:04d}"
        counter += 1
        for child in element._children.values():
            visit(child)

    visit(figure)
    for part in (figure.header, figure.html, figure.script):
        visit(part)


def page_head(css: str, *, cluster: bool) -> RawHtml:
    """``<head>`` contents: charset, viewport, inlined assets and our CSS."""
    libs = [assets.leaflet()] + ([assets.markercluster()] if cluster else [])
    return RawHtml(
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1, '
        'viewport-fit=cover">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"{assets.inline_tags(libs)}\n<style>\n{css}\n</style>"
    )


def finish_page(figure: Figure, title: str, *, body_class: str) -> str:
    """Render ``figure`` with a proper ``lang`` and an escaped title.

    Call :func:`stable_ids` on the figure once its map is complete and before
    anything uses the map's name.
    """
    figure.title = h(title)
    figure.header._children.pop("meta_http", None)  # page_head declares the charset
    html = figure.render()
    html = html.replace("<html>", '<html lang="en">', 1)
    return html.replace("<body>", f'<body class="{h(body_class)}">', 1)
