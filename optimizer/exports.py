"""The plan in the formats of other tools: a calendar per technician (RFC 5545), the
routes for GIS (GeoJSON, RFC 7946) and the rows of the customer-notification file.

Pure content from a problem and its schedule; :func:`optimizer.outputs.write_exports`
writes the files (``tech-<id>.ics``, ``routes.geojson``, ``customer_notifications.csv``).
icalendar loads only when a calendar is made.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.model import (
    Location,
    MatrixSource,
    Problem,
    Route,
    Schedule,
    TimeWindow,
    WorkOrder,
    add_s,
)

#: Columns of ``customer_notifications.csv``.
NOTIFICATION_COLUMNS = ("order_id", "customer", "phone", "date", "eta_from", "eta_to",
                        "technician")
#: The product identifier of the calendars (RFC 5545 PRODID).
PRODID = "-//field-service-optimizer//fsopt//EN"


def first_name(name: str) -> str:
    """The first word of a technician's name (all a customer is told)."""
    parts = name.split()
    return parts[0] if parts else ""


def _windows(order: WorkOrder, tz: ZoneInfo) -> str:
    def hm(window: TimeWindow) -> str:
        return f"{window.start.astimezone(tz):%H:%M}-{window.end.astimezone(tz):%H:%M}"
    return ", ".join(hm(w) for w in order.time_windows) or "any time"


def calendar_ics(problem: Problem, schedule: Schedule, tech_id: str) -> bytes:
    """One technician's visits as an iCalendar file: one VEVENT per stop.

    Each event lasts the planned service; its LOCATION is the address, GEO the
    coordinates, and the description gives the order id, the appointment window and
    the SLA due time. UIDs are ``<order id>-<plan date>@fsopt`` so that a calendar
    re-imported after a re-plan updates its events instead of adding new ones.
    """
    from icalendar import Calendar, Event

    tz = ZoneInfo(schedule.timezone)
    tech = problem.technician(tech_id)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{tech.name} {schedule.plan_date}")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for route in schedule.routes:
        if route.tech_id != tech_id:
            continue
        for seq, stop in enumerate(route.stops, start=1):
            order = problem.order(stop.order_id)
            event = Event()
            event.add("uid", f"{order.order_id}-{schedule.plan_date}@fsopt")
            event.add("dtstamp", stamp)
            event.add("dtstart", stop.start.astimezone(tz))
            event.add("dtend", stop.end.astimezone(tz))
            event.add("summary", f"{order.order_id} {order.customer}".strip())
            address = order.address or stop.location.address
            if address:
                event.add("location", address)
            event.add("geo", (stop.location.lat, stop.location.lon))
            lines = [f"Order: {order.order_id}", f"Stop {seq} of {len(route.stops)}",
                     f"Window: {_windows(order, tz)}", f"Priority: {order.priority.value}"]
            if order.sla_due is not None:
                lines.append(f"SLA due: {order.sla_due.astimezone(tz):%Y-%m-%d %H:%M}")
            if order.phone:
                lines.append(f"Phone: {order.phone}")
            if order.notes:
                lines.append(f"Notes: {order.notes}")
            event.add("description", "\n".join(lines))
            event.add("categories", [order.priority.value])
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _lon_lat(point: Location) -> list[float]:
    return [round(point.lon, 7), round(point.lat, 7)]  # GeoJSON: longitude first


def route_line(route: Route, *, roads: bool = True) -> tuple[list[list[float]], bool]:
    """The route's coordinates (start, stops, end) and whether they follow the roads
    (``route.legs_geometry``, used when ``roads``: the matrix came from OSM roads)."""
    points = [route.start_location, *(s.location for s in route.stops), route.end_location]
    legs = route.legs_geometry
    road = roads and len(legs) == len(points) - 1 and all(len(leg) >= 2 for leg in legs)
    path = list(itertools.chain.from_iterable(legs)) if road else points
    line: list[list[float]] = []
    for point in path:
        xy = _lon_lat(point)
        if not line or line[-1] != xy:
            line.append(xy)
    if len(line) == 1:
        line.append(line[0])  # a LineString needs two positions
    return line, road


def routes_geojson(problem: Problem, schedule: Schedule) -> dict[str, Any]:
    """A FeatureCollection: one LineString per route, one Point per stop, and one Point per
    unassigned order that has a location (``status`` says which)."""
    tz = ZoneInfo(schedule.timezone)
    features: list[dict[str, Any]] = []

    def hm(moment: datetime) -> str:
        return moment.astimezone(tz).isoformat()

    roads = schedule.meta.matrix_source != MatrixSource.HAVERSINE
    for route in schedule.routes:
        line, road = route_line(route, roads=roads)
        tech = problem.technician(route.tech_id)
        features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                         "coordinates": line},
                         "properties": {
                             "kind": "route", "tech_id": route.tech_id, "technician": tech.name,
                             "shift_id": route.shift_id, "stops": len(route.stops),
                             "start": hm(route.start), "end": hm(route.end),
                             "distance_km": round(route.distance_m / 1000, 3),
                             "travel_min": round(route.travel_s / 60, 1),
                             "geometry": "road" if road else "straight"}})
        for seq, stop in enumerate(route.stops, start=1):
            order = problem.order(stop.order_id)
            features.append({"type": "Feature", "geometry": {
                "type": "Point", "coordinates": _lon_lat(stop.location)}, "properties": {
                    "kind": "stop", "status": "assigned", "order_id": order.order_id,
                    "tech_id": route.tech_id, "seq": seq, "customer": order.customer,
                    "address": order.address or stop.location.address,
                    "priority": order.priority.value, "arrival": hm(stop.arrival),
                    "start": hm(stop.start), "end": hm(stop.end),
                    "window": _windows(order, tz),
                    "sla_late_min": round(stop.sla_late_s / 60, 1)}})
    for item in schedule.unassigned:
        order = problem.order(item.order_id)
        if order.location is None:
            continue
        features.append({"type": "Feature", "geometry": {
            "type": "Point", "coordinates": _lon_lat(order.location)}, "properties": {
                "kind": "stop", "status": "unassigned", "order_id": order.order_id,
                "customer": order.customer, "address": order.address,
                "priority": order.priority.value, "code": str(item.code),
                "reason": item.reason}})
    return {"type": "FeatureCollection", "features": features}


def notification_rows(problem: Problem, schedule: Schedule, *,
                      eta_margin_min: float) -> list[tuple[str, ...]]:
    """One row of :data:`NOTIFICATION_COLUMNS` per routed order: the ETA window is the
    planned start minus and plus ``eta_margin_min``, and the technician is named by
    first name only."""
    tz = ZoneInfo(schedule.timezone)
    margin_s = eta_margin_min * 60
    rows = []
    for route in schedule.routes:
        name = first_name(problem.technician(route.tech_id).name)
        for stop in route.stops:
            order = problem.order(stop.order_id)
            start = stop.start.astimezone(tz)
            rows.append((order.order_id, order.customer, order.phone, f"{start:%Y-%m-%d}",
                         f"{add_s(start, -margin_s):%H:%M}", f"{add_s(start, margin_s):%H:%M}",
                         name))
    return rows
