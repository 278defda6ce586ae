"""The plan for other tools: calendars, GeoJSON and the customer-notification file parse
back with their own libraries and say what the schedule says."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import geojson
import icalendar
import pytest
from factories import FAST, at, line_matrix, order, problem, shift, tech, window

from optimizer import api, outputs
from optimizer.exports import NOTIFICATION_COLUMNS, notification_rows, routes_geojson
from optimizer.model import Location
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve

TINY = Path(__file__).parent / "data" / "tiny"
M = line_matrix(5)


@pytest.fixture(scope="module")
def tiny():
    """The tiny scenario solved: T1 serves WO-1 and WO-3, T2 serves WO-2."""
    return api.solve_scenario(TINY, time_limit_s=5, solution_limit=50)


def test_calendars_parse_back_with_one_event_per_visit(tiny, tmp_path):
    """Each technician's .ics parses with icalendar: one VEVENT per stop with the planned
    start and end, the address as LOCATION, GEO, the order id and its window."""
    paths = outputs.write(tiny, tmp_path, maps=False)
    assert paths["geojson"].exists()
    for route in tiny.schedule.routes:
        ics = tmp_path / f"tech-{route.tech_id}.ics"
        calendar = icalendar.Calendar.from_ical(ics.read_bytes())
        events = calendar.walk("VEVENT")
        assert len(events) == len(route.stops) > 0
        assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Vaduz"
        for event, stop in zip(events, route.stops, strict=True):
            order = tiny.problem.order(stop.order_id)
            assert event.decoded("DTSTART") == stop.start
            assert event.decoded("DTEND") == stop.end
            assert str(event["LOCATION"]) == order.address
            geo = event["GEO"]
            assert (geo.latitude, geo.longitude) == pytest.approx(
                (stop.location.lat, stop.location.lon))
            assert str(event["UID"]) == f"{order.order_id}-2026-12-01@fsopt"
            assert f"Order: {order.order_id}" in str(event["DESCRIPTION"])
    wo1 = icalendar.Calendar.from_ical((tmp_path / "tech-T1.ics").read_bytes())
    [first] = [e for e in wo1.walk("VEVENT") if "WO-1 " in str(e["SUMMARY"])]
    assert "Window: 09:00-11:00" in str(first["DESCRIPTION"])


def test_routes_geojson_is_valid_and_holds_lines_and_stops(tiny, tmp_path):
    """routes.geojson passes the geojson package's validation: a LineString per route
    (start, stops, end; longitude first) and a Point per stop with its properties."""
    outputs.write(tiny, tmp_path, maps=False)
    data = geojson.loads((tmp_path / "routes.geojson").read_text(encoding="utf-8"))
    assert data.is_valid, data.errors()
    lines = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == len(tiny.schedule.routes)
    assert len(points) == sum(len(r.stops) for r in tiny.schedule.routes)
    stop = tiny.schedule.routes[0].stops[0]
    [feature] = [p for p in points if p["properties"]["order_id"] == stop.order_id]
    assert feature["geometry"]["coordinates"] == pytest.approx([stop.location.lon,
                                                                stop.location.lat])
    assert feature["properties"]["seq"] == 1
    assert lines[0]["properties"]["geometry"] == "straight"  # haversine: no roads


def test_routes_follow_the_road_geometry_when_there_is_one():
    """With legs_geometry (an OSM matrix) the LineString runs through every road point."""
    p = problem([order("A", 1)], [tech("t1")], [shift("t1")])
    schedule = solve(p, M, FAST)
    route = schedule.routes[0]
    bend = Location(47.005, 9.51)
    legs = ((route.start_location, bend, route.stops[0].location),
            (route.stops[0].location, route.end_location))
    schedule = replace(schedule, routes=(replace(route, legs_geometry=legs),))
    [line] = [f for f in routes_geojson(p, schedule)["features"]
              if f["geometry"]["type"] == "LineString"]
    assert line["geometry"]["coordinates"] == [[9.5, 47.0], [9.51, 47.005], [9.5, 47.01],
                                               [9.5, 47.0]]
    assert line["properties"]["geometry"] == "road"
    assert geojson.GeoJSON.to_instance(line).is_valid


def test_notifications_give_an_eta_window_and_the_first_name_only(tmp_path):
    """The ETA window is the planned start -/+ the margin; the technician is 'Anna', never
    'Anna Frick'; a formula in a customer name is written as text."""
    p = problem([replace(order("A", 1, phone="+423 1"), customer="=cmd()",
                         time_windows=(window("10:00", "10:00"),)), order("B", 2)],
                [replace(tech("t1"), name="Anna Frick")], [shift("t1")])
    schedule = with_kpis(p, solve(p, M, FAST))
    rows = notification_rows(p, schedule, eta_margin_min=45)
    a = next(r for r in rows if r[0] == "A")
    assert a == ("A", "=cmd()", "+423 1", "2026-12-01", "09:15", "10:45", "Anna")
    outputs.write_exports(p, schedule, tmp_path, eta_margin_min=45)
    with open(tmp_path / "customer_notifications.csv", encoding="utf-8", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert tuple(written[0]) == NOTIFICATION_COLUMNS
    row = next(r for r in written if r["order_id"] == "A")
    assert row["customer"] == "'=cmd()" and row["technician"] == "Anna"
    assert not any("Frick" in value for r in written for value in r.values())
    assert at("10:00") - timedelta(minutes=45) == at("09:15")
    assert json.loads((tmp_path / "routes.geojson").read_text())["type"] == "FeatureCollection"
