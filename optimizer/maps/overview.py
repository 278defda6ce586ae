"""The dispatcher's overview: every route, stop, home, depot and unassigned order."""

from __future__ import annotations

from collections.abc import Mapping

import folium
from folium.utilities import JsCode

from optimizer.maps import content as c
from optimizer.maps.background import OfflineBackground
from optimizer.maps.controls import OverviewControls
from optimizer.maps.elements import (
    CLUSTER_FROM_STOPS,
    OfflineMarkerCluster,
    PageScript,
    RawHtml,
    add_legs,
    bounds_of,
    finish_page,
    new_map,
    page_head,
    pin_marker,
    stable_ids,
    stop_marker,
    tile_layer,
)
from optimizer.maps.escape import h
from optimizer.maps.styles import BASE_CSS, OVERVIEW_CSS, TIMELINE_CSS
from optimizer.maps.timeline import TIMELINE_FILE, risk_list_html, timeline_html, timeline_script
from optimizer.model import (
    Basemap,
    Location,
    MatrixSource,
    Problem,
    ReasonCode,
    Route,
    Schedule,
)

#: The technicians' list in the panel starts open up to this many technicians.
OPEN_LIST_UP_TO = 15

_CLUSTER_ICON = """function (cluster) {
    return L.divIcon({
        html: '<div class="fso-cluster" style="background:%s">'
            + cluster.getChildCount() + '</div>',
        className: 'fso-marker', iconSize: L.point(36, 36)
    });
}"""

#: The shared cluster of every technician's stops: the technician's colour when all its
#: stops are theirs, else a neutral dark grey.
_MIXED_CLUSTER_ICON = """function (cluster) {
    var kids = cluster.getAllChildMarkers(), colour = kids[0].options.fsoColour;
    for (var i = 1; i < kids.length; i++) {
        if (kids[i].options.fsoColour !== colour) { colour = '#37474f'; break; }
    }
    return L.divIcon({
        html: '<div class="fso-cluster" style="background:' + colour + '">'
            + cluster.getChildCount() + '</div>',
        className: 'fso-marker', iconSize: L.point(36, 36)
    });
}"""


def routes_by_tech(schedule: Schedule) -> dict[str, list[Route]]:
    """Technician id -> its routes in schedule order (technicians in first-seen order)."""
    out: dict[str, list[Route]] = {}
    for route in schedule.routes:
        out.setdefault(route.tech_id, []).append(route)
    return out


def uses_straight_lines(schedule: Schedule, route: Route) -> bool:
    """True when a route must be drawn as dashed straight segments (no road geometry)."""
    return schedule.meta.matrix_source == MatrixSource.HAVERSINE or not route.legs_geometry


def _group(parent: folium.Map, label_html: str, *, control: bool = True) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=label_html, overlay=True, control=control, show=True)
    parent.add_child(group)
    return group


def _cluster(parent: folium.Element, colour: str | None) -> OfflineMarkerCluster:
    cluster = OfflineMarkerCluster(
        control=False,
        icon_create_function=_CLUSTER_ICON % colour if colour else _MIXED_CLUSTER_ICON,
        disable_clustering_at_zoom=15,
        max_cluster_radius=45,
        show_coverage_on_hover=False,
    )
    parent.add_child(cluster)
    return cluster


def _places(problem: Problem, schedule: Schedule) -> list[tuple[Location, list[str], bool]]:
    """Unique start/end places of all routes with what happens there."""
    found: dict[tuple[float, float], tuple[Location, list[str], bool]] = {}
    for route in schedule.routes:
        for loc, role, is_home in c.route_roles(problem, route):
            key = c.place_key(loc)
            if key in found:
                first, roles, home = found[key]
                found[key] = (first, [*roles, role], home or is_home)
            else:
                found[key] = (loc, [role], is_home)
    return list(found.values())


def _kpi_rows(schedule: Schedule) -> str:
    k = schedule.kpis
    if k is None:
        return ""
    on_time = f"{k.sla_on_time_pct:.1f} % ({k.sla_on_time}/{k.sla_orders})" if k.sla_orders else "—"
    if k.sla_orders_all:  # unassigned SLA orders count as missed; then the scheduled-only figure
        on_time = (f"{k.sla_on_time_all_pct:.1f} % ({k.sla_on_time}/{k.sla_orders_all}); "
                   f"of scheduled {on_time}")
    rows = [
        ("Orders scheduled", f"{k.scheduled} / {k.orders_total}"),
        ("Unassigned", f"{k.unassigned}"),
        ("SLA on time", on_time),
        ("Travel distance", f"{k.travel_km:.1f} km"),
        ("Travel time", f"{k.travel_h:.1f} h"),
        ("Service time", f"{k.service_h:.1f} h"),
        ("Overtime", f"{k.overtime_min:.0f} min"),
    ]
    if k.overhead_h:  # parking and access time, when the scenario has some
        rows.insert(6, ("Parking and access", f"{k.overhead_h:.1f} h"))
    body = "".join(
        f'<tr data-kpi="{h(label)}"><th>{h(label)}</th><td>{h(value)}</td></tr>'
        for label, value in rows
    )
    return f'<h2>KPIs</h2><table class="fso-kpis">{body}</table>'


def _panel(
    problem: Problem,
    schedule: Schedule,
    colours: Mapping[str, str],
    tech_pages: Mapping[str, str],
    clock: c.Clock,
) -> str:
    by_tech = routes_by_tech(schedule)
    source = (
        "straight lines (no road data)"
        if schedule.meta.matrix_source == MatrixSource.HAVERSINE
        else f"roads ({schedule.meta.matrix_source})"
    )
    legend = []
    for tech_id, routes in by_tech.items():
        stops = sum(len(r.stops) for r in routes)
        km = sum(r.distance_m for r in routes) / 1000
        span = ", ".join(f"{clock.hm(r.start)}–{clock.hm(r.end)}" for r in routes)
        name = h(c.tech_name(problem, tech_id))
        page = tech_pages.get(tech_id)
        link = f'<a href="{h(page)}">{name}</a>' if page else name
        legend.append(
            f'<li data-tech-id="{h(tech_id)}"><label><input type="checkbox" '
            f'class="fso-tech-toggle" data-tech-id="{h(tech_id)}" checked> '
            f'<span class="fso-swatch" style="background:{colours[tech_id]}"></span>'
            f'<b class="fso-tag">{h(tech_id)}</b></label> {link} — {c.stops_text(stops)}, '
            f"{km:.1f} km, {h(span)}</li>"
        )
    is_open = " open" if len(by_tech) <= OPEN_LIST_UP_TO else ""
    return (
        '<aside class="fso-panel" aria-label="Day summary">'
        f"<h1>{h(schedule.problem_name or problem.name)}</h1>"
        f'<p class="fso-sub">{h(schedule.plan_date.isoformat())} · '
        f"{len(by_tech)} technicians · travel drawn as {h(source)} · "
        f'<a href="{TIMELINE_FILE}">timeline page</a></p>'
        f"{_kpi_rows(schedule)}"
        f"{risk_list_html(problem, schedule, clock)}"
        f'<details class="fso-techs"{is_open}><summary>Technicians ({len(by_tech)})</summary>'
        '<p class="fso-show-row"><button type="button" class="fso-show" data-show="all">'
        'Show all</button> <button type="button" class="fso-show" data-show="none">'
        "Hide all</button> tick one or a few to see only them</p>"
        f'<ul class="fso-legend">{"".join(legend)}</ul></details>'
        f"<h2>Unassigned ({len(schedule.unassigned)})</h2>"
        f"{_unassigned_list(problem, schedule)}"
        '<h2>Key</h2><p class="fso-key"><span>① numbered = stop in visiting order</span>'
        "<span>red ring = late</span><span>dashed outline = approximate address</span>"
        "<span>dashed line = straight line, not a road</span><span>⌂ home, D depot</span>"
        "<span>white dashed = unassigned</span><span>grey cluster = several technicians"
        "</span></p></aside>"
    )


def _unassigned_list(problem: Problem, schedule: Schedule) -> str:
    """The unassigned orders grouped by reason code (codes in their documented order), each
    group headed by the code's short label and count, each order with its full reason."""
    groups: dict[ReasonCode, list[str]] = {}
    for item in schedule.unassigned:
        order = c.find_order(problem, item.order_id)
        customer = f" {h(order.customer)}" if order else ""
        off_map = (
            ' <span class="fso-badge fso-badge-warn">not on map: no location</span>'
            if order is None or order.location is None
            else ""
        )
        groups.setdefault(ReasonCode(item.code), []).append(
            f'<li data-order-id="{h(item.order_id)}"><b>{h(item.order_id)}</b>{customer}'
            f'<br><span class="fso-late">{h(item.reason)}</span>{off_map}</li>'
        )
    if not groups:
        return '<ul class="fso-unassigned"><li>none</li></ul>'
    return "".join(
        f'<h3 class="fso-reason" data-code="{code}">{h(code.label)} ({len(groups[code])})</h3>'
        f'<ul class="fso-unassigned" data-code="{code}">{"".join(groups[code])}</ul>'
        for code in ReasonCode if code in groups
    )


def build_overview(
    problem: Problem,
    schedule: Schedule,
    *,
    tiles: str | None,
    tile_attribution: str | None,
    tech_pages: Mapping[str, str],
    background: Basemap | None = None,
) -> str:
    """Return the overview page as one self-contained HTML string.

    Parameters
    ----------
    problem, schedule
        The plan to draw. Orders are looked up in ``problem`` by id.
    tiles, tile_attribution
        See :func:`optimizer.maps.render.render_maps`.
    tech_pages
        Technician id -> file name of its page, linked from the panel.
    background
        An offline background drawn under the tiles (shows when they cannot load).
    """
    clock = c.Clock.of(schedule)
    colours = c.route_colours(schedule)
    tiles_layer, add_credit = tile_layer(tiles, tile_attribution)
    m, view = new_map(tiles_layer)
    if background is not None:
        m.add_child(OfflineBackground(m, background))
    total_stops = sum(len(r.stops) for r in schedule.routes)
    cluster = total_stops >= CLUSTER_FROM_STOPS
    size = 24 if cluster else 28
    drawn: list[tuple[float, float]] = []
    stop_points: list[tuple[float, float]] = []
    roots: list[folium.Element] = []
    groups: dict[str, folium.FeatureGroup] = {}
    shared = _cluster(m, None) if cluster else None

    for route_index, route in enumerate(schedule.routes):
        colour = colours[route.tech_id]
        name = c.tech_name(problem, route.tech_id)
        if route.tech_id not in groups:
            groups[route.tech_id] = _group(m, h(route.tech_id), control=False)
            roots.append(groups[route.tech_id])
        group = groups[route.tech_id]
        drawn += add_legs(
            group,
            route,
            colour,
            straight=uses_straight_lines(schedule, route),
            route_index=route_index,
            thin=cluster,
        )
        for seq, stop in enumerate(route.stops, start=1):
            order = c.find_order(problem, stop.order_id)
            marker = stop_marker(
                stop, seq, order, colour=colour, size=size, route_index=route_index,
                popup_html=c.stop_popup_html(seq, stop, order, name, clock))
            marker.options["fsoTech"] = route.tech_id
            marker.options["fsoColour"] = colour
            (shared if shared is not None else group).add_child(marker)
            stop_points.append((stop.location.lat, stop.location.lon))
    if shared is not None:
        roots.append(shared)

    places = _group(m, "⌂ Homes and depots")
    roots.append(places)
    for loc, roles, is_home in _places(problem, schedule):
        title = "Home" if is_home else "Depot"
        places.add_child(
            pin_marker(
                loc,
                "⌂" if is_home else "D",
                classes="fso-pin-place",
                kind="place",
                popup_html=c.place_popup_html(title, loc, roles),
            )
        )
        drawn.append((loc.lat, loc.lon))

    unassigned = _group(
        m, '<span class="fso-swatch" style="border:2px dashed #444"></span>Unassigned orders'
    )
    roots.append(unassigned)
    located = []
    for item in schedule.unassigned:
        order = c.find_order(problem, item.order_id)
        if order is not None and order.location is not None:
            located.append((order, item.reason))
    holder = _cluster(unassigned, "#555") if len(located) >= CLUSTER_FROM_STOPS else unassigned
    for order, reason in located:
        assert order.location is not None
        holder.add_child(
            pin_marker(
                order.location,
                "!",
                classes="fso-pin-unassigned",
                size=size,
                kind="unassigned",
                popup_html=c.unassigned_popup_html(order, reason, clock),
            )
        )
        stop_points.append((order.location.lat, order.location.lon))

    # open on the work, not on homes far out of town; with no stop at all, on everything
    points = stop_points or drawn or [(t.home.lat, t.home.lon) for t in problem.technicians]
    folium.LayerControl(collapsed=JsCode("window.innerWidth < 760")).add_to(m)
    m.add_child(PageScript(m, roots, tiles_layer, add_credit=add_credit))
    m.add_child(OverviewControls(groups, shared, timeline_script(
        problem, schedule, clock, "function (route, seq) { window.fso.focusStop(route, seq); }",
        cards_from_map=True)))

    view.bounds = bounds_of(points)
    figure = m.get_root()
    stable_ids(figure)
    figure.header.add_child(page_head(BASE_CSS + OVERVIEW_CSS + TIMELINE_CSS, cluster=cluster))
    figure.html.add_child(RawHtml(
        '<div class="fso-main">' + m.map_div()
        + timeline_html(problem, schedule, colours, clock, open_=True) + "</div>"
        + _panel(problem, schedule, colours, tech_pages, clock)
    ))
    title = (f"Dispatch overview – {schedule.problem_name or problem.name} – "
             f"{problem.period}")
    return finish_page(figure, title, body_class="fso-overview")
