"""One technician's phone page: their route map and the day's stop list.

A phone page is personal data leaving the office, so it holds only this
technician's routes and the customers on them: no other route, no unassigned
order and no day-wide KPI.
"""

from __future__ import annotations

from datetime import datetime

import folium

from optimizer.maps import content as c
from optimizer.maps.elements import (
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
from optimizer.maps.escape import h, tel_href, url_component
from optimizer.maps.overview import uses_straight_lines
from optimizer.maps.styles import BASE_CSS, TECH_CSS
from optimizer.model import Location, Problem, Route, Schedule, ScheduledBreak, Stop, WorkOrder


def navigation_links(location: Location, label: str) -> tuple[str, str]:
    """The ``geo:`` URI and the Google Maps directions URL for a place (not HTML-escaped)."""
    ll = f"{location.lat:.6f},{location.lon:.6f}"
    geo = f"geo:{ll}?q={ll}({url_component(label)})"
    google = f"https://www.google.com/maps/dir/?api=1&destination={ll}"
    return geo, google


def _actions(location: Location, label: str, phone: str) -> str:
    geo, google = navigation_links(location, label)
    parts = [
        f'<a class="fso-btn fso-nav" href="{h(geo)}">Navigate</a>',
        f'<a class="fso-btn fso-btn-alt fso-gmaps" href="{h(google)}" target="_blank" '
        'rel="noopener noreferrer">Google Maps</a>',
    ]
    if phone:
        tel = tel_href(phone)
        if tel:
            parts.append(
                f'<a class="fso-btn fso-btn-alt fso-tel" href="{h(tel)}">Call {h(phone)}</a>'
            )
        else:
            parts.append(f'<span class="fso-phone-text">Phone: {h(phone)}</span>')
    return f'<div class="fso-actions">{"".join(parts)}</div>'


def stop_anchor(route_index: int, seq: int) -> str:
    """Element id of a stop in the list; later routes of a split day get a route number."""
    return f"stop-{seq}" if route_index == 0 else f"stop-{route_index + 1}-{seq}"


def _stop_item(
    anchor: str, seq: int, stop: Stop, order: WorkOrder | None, colour: str, clock: c.Clock,
    *, minimal: bool = False,
) -> str:
    customer = order.customer if order else stop.order_id
    late = c.late_minutes(stop)
    badge = "fso-badge-late" if late else "fso-badge-ok"
    sla = (
        f'<span class="fso-badge {badge}">SLA {h(c.sla_text(stop, order, clock))}</span>'
        if (late or (order and order.sla_due)) and not minimal
        else ""
    )
    wait = f" · wait {round(stop.wait_s / 60)} min" if stop.wait_s >= 60 else ""
    park = (f" · park and walk {round(stop.overhead_s / 60)} min"
            if stop.overhead_s >= 60 else "")
    job = [f"Job {h(stop.order_id)}", f"{(stop.end - stop.start).total_seconds() / 60:.0f} min"]
    if order and not minimal:
        job.append(f"priority {h(order.priority.value)}")
        if order.required_skills:
            job.append(f"skills {h(c.skills_text(order))}")
    notes = f'<p class="fso-notes">{h(order.notes)}</p>' if order and order.notes else ""
    return (
        f'<li class="fso-item fso-item-stop" id="{anchor}" data-kind="stop" '
        f'data-seq="{seq}" data-order-id="{h(stop.order_id)}">'
        f'<h2><span class="fso-num" style="background:{colour}">{seq}</span>'
        f"<span>{h(customer)}</span></h2>"
        f'<div class="fso-time">{h(clock.hm(stop.start))}–{h(clock.hm(stop.end))}</div>'
        f'<div class="fso-meta">arrive {h(clock.hm(stop.arrival))}{park}{wait} · window '
        f"{h(clock.windows(order))}</div>{sla}"
        f'<div class="fso-addr">{h(c.address_of(order, stop.location))}</div>'
        f"{'' if minimal else c.low_confidence_html(order)}"
        f'<div class="fso-meta">{" · ".join(job)}</div>{notes}'
        f"{_actions(stop.location, customer, order.phone if order else '')}</li>"
    )


def _break_item(brk: ScheduledBreak, clock: c.Clock) -> str:
    kind = brk.kind or "break"
    return (
        f'<li class="fso-item fso-item-break" data-kind="break">'
        f'<div class="fso-time">{h(clock.hm(brk.start))}–{h(clock.hm(brk.end))}</div>'
        f"<h2>☕ {h(kind.capitalize())} break</h2></li>"
    )


def _place_item(kind: str, when: datetime, text: str, location: Location, clock: c.Clock) -> str:
    return (
        f'<li class="fso-item fso-item-place" data-kind="{kind}">'
        f'<div class="fso-time">{h(clock.hm(when))}</div><h2>{h(text)}</h2>'
        f'<div class="fso-addr">{h(location.address)}</div></li>'
    )


def _place_name(problem: Problem, route: Route, location: Location) -> str:
    try:
        home = problem.technician(route.tech_id).home
    except KeyError:
        return "depot"
    return "home" if c.same_place(home, location) else "depot"


def stop_list_html(
    problem: Problem, route: Route, route_index: int, colour: str, clock: c.Clock,
    *, minimal: bool = False,
) -> str:
    """The ordered list: start, stops and breaks by time, then the end (``minimal``: see
    :func:`build_tech_page`)."""
    timed: list[tuple[datetime, int, str]] = []
    for seq, stop in enumerate(route.stops, start=1):
        order = c.find_order(problem, stop.order_id)
        anchor = stop_anchor(route_index, seq)
        timed.append((stop.start, 1, _stop_item(anchor, seq, stop, order, colour, clock,
                                                minimal=minimal)))
    for brk in route.breaks:
        timed.append((brk.start, 0, _break_item(brk, clock)))
    timed.sort(key=lambda item: (item[0], item[1]))
    start = _place_item(
        "start",
        route.start,
        f"Leave {_place_name(problem, route, route.start_location)}",
        route.start_location,
        clock,
    )
    end = _place_item(
        "end",
        route.end,
        f"Back at {_place_name(problem, route, route.end_location)}",
        route.end_location,
        clock,
    )
    empty = "" if route.stops else '<li class="fso-item fso-empty">No stops planned.</li>'
    items = "".join(item for _, _, item in timed)
    return (
        f'<ol class="fso-list" data-shift-id="{h(route.shift_id)}">{start}{items}{empty}{end}</ol>'
    )


def _tech_popup(anchor: str, seq: int, stop: Stop, order: WorkOrder | None, clock: c.Clock,
                *, minimal: bool = False) -> str:
    customer = order.customer if order else stop.order_id
    confidence = "" if minimal else c.low_confidence_html(order)
    return (
        f'<div class="fso-popup"><b>{seq}. {h(customer)}</b>'
        f"<div>{h(clock.hm(stop.start))}–{h(clock.hm(stop.end))}</div>"
        f"<div>{h(c.address_of(order, stop.location))}</div>{confidence}"
        f'<div><a href="#{anchor}">Details</a></div></div>'
    )


def build_tech_page(
    problem: Problem,
    schedule: Schedule,
    tech_id: str,
    *,
    tiles: str | None,
    tile_attribution: str | None,
    minimal: bool = False,
) -> str:
    """Return the phone page of ``tech_id`` as one self-contained HTML string.

    Parameters
    ----------
    problem, schedule
        The plan; only the routes of ``tech_id`` are read from ``schedule``.
    tech_id
        The technician whose page this is.
    tiles, tile_attribution
        See :func:`optimizer.maps.render.render_maps`.
    minimal
        ``[privacy] phone_pages = "minimal"``: each stop shows what the visit needs
        (customer, address, phone, notes, times, job id and length, navigation) and
        nothing else: no priority, skills, SLA, geocoding confidence or kilometres.
    """
    clock = c.Clock.of(schedule)
    colour = c.route_colours(schedule).get(tech_id, "#555555")  # no route left: grey
    routes = [r for r in schedule.routes if r.tech_id == tech_id]
    name = c.tech_name(problem, tech_id)
    tiles_layer, add_credit = tile_layer(tiles, tile_attribution)
    m, view = new_map(tiles_layer)
    group = folium.FeatureGroup(name="route", control=False)
    places = folium.FeatureGroup(name="places", control=False)
    m.add_child(group)
    m.add_child(places)
    points: list[tuple[float, float]] = []
    seen_places: set[tuple[float, float]] = set()
    for route_index, route in enumerate(routes):
        points += add_legs(
            group,
            route,
            colour,
            straight=uses_straight_lines(schedule, route),
            route_index=route_index,
        )
        for seq, stop in enumerate(route.stops, start=1):
            order = c.find_order(problem, stop.order_id)
            popup = _tech_popup(stop_anchor(route_index, seq), seq, stop, order, clock,
                                minimal=minimal)
            group.add_child(stop_marker(  # minimal: no priority or lateness in the pin's classes
                stop, seq, None if minimal else order, colour=colour, size=32,
                route_index=route_index, popup_html=popup))
        for loc, role, is_home in c.route_roles(problem, route):
            if c.place_key(loc) in seen_places:
                continue
            seen_places.add(c.place_key(loc))
            places.add_child(
                pin_marker(
                    loc,
                    "⌂" if is_home else "D",
                    classes="fso-pin-place",
                    size=30,
                    kind="place",
                    popup_html=c.place_popup_html("Home" if is_home else "Depot", loc, [role]),
                )
            )
            points.append((loc.lat, loc.lon))

    m.add_child(PageScript(m, [group, places], tiles_layer, add_credit=add_credit))
    view.bounds = bounds_of(points)
    figure = m.get_root()
    stable_ids(figure)
    figure.header.add_child(page_head(BASE_CSS + TECH_CSS, cluster=False))

    n_stops = sum(len(r.stops) for r in routes)
    km = sum(r.distance_m for r in routes) / 1000
    span = ", ".join(f"{clock.hm(r.start)}–{clock.hm(r.end)}" for r in routes)
    day = schedule.plan_date.strftime("%a %d %b %Y")
    distance = "" if minimal else f" · {km:.1f} km"
    header = (
        f'<header class="fso-top"><h1>{h(name)}</h1>'
        f"<p>{h(day)} · {c.stops_text(n_stops)} · {h(span)}{distance}</p></header>"
    )
    lists = "".join(stop_list_html(problem, r, i, colour, clock, minimal=minimal)
                    for i, r in enumerate(routes))
    figure.html.add_child(RawHtml(f"{header}{m.map_div()}<main>{lists}</main>"))
    return finish_page(figure, f"Route – {name} – {schedule.plan_date}", body_class="fso-tech")
