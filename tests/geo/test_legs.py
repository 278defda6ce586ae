"""Leg geometry: one polyline per driven leg, along the road for OSM sources."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from _roads import BESIDE_2_3, N1, N3, N4, TINY_OSM, osm_travel, router

from optimizer.geo import road_matrix as rm
from optimizer.geo.legs import add_leg_geometry
from optimizer.geo.matrix import haversine_m
from optimizer.model import Location, Route, Schedule, SolveMeta, Stop, TravelSettings

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=ZoneInfo("Europe/Vaduz"))


def _route(start: Location, stops: list[Location], end: Location, tech: str = "T1") -> Route:
    return Route(
        tech_id=tech, shift_id=f"S-{tech}", start_location=start, end_location=end,
        start=T0, end=T0,
        stops=tuple(Stop(order_id=f"WO-{i}", location=p, arrival=T0, start=T0, end=T0,
                         wait_s=0, travel_s=0, distance_m=0) for i, p in enumerate(stops)),
    )


def _schedule(*routes: Route) -> Schedule:
    meta = SolveMeta(seed=0, time_limit_s=1.0, solution_limit=None, matrix_source="osm",
                     status="ok", objective=0, wall_s=0.0, versions={})
    return Schedule(problem_name="t", plan_date=date(2026, 11, 28), timezone="Europe/Vaduz",
                    routes=routes, unassigned=(), meta=meta)


def _length_m(line) -> float:
    lat = np.array([p.lat for p in line])
    lon = np.array([p.lon for p in line])
    return float(sum(haversine_m([Location(lat=a, lon=b), Location(lat=c, lon=d)])[0, 1]
                     for a, b, c, d in zip(lat, lon, lat[1:], lon[1:], strict=False)))


def _near(line, p: Location, tol: float = 1e-6) -> bool:
    return any(abs(q.lat - p.lat) < tol and abs(q.lon - p.lon) < tol for q in line)


def test_haversine_legs_are_straight_two_point_lines():
    """Without roads each leg is the straight segment between consecutive stops."""
    s = add_leg_geometry(_schedule(_route(N1, [N3, N4], N1)), TravelSettings())
    legs = s.routes[0].legs_geometry
    assert [(a.lat, a.lon, b.lat, b.lon) for a, b in legs] == [
        (47.0, 9.0, 47.0, 9.02), (47.0, 9.02, 47.009, 9.01), (47.009, 9.01, 47.0, 9.0)]


def test_road_legs_follow_the_one_way_streets():
    """depot 1 -> house beside 2-3 -> depot 1: out via node 2; back it must follow the
    one-way to 3 and return 3-4-2-1. Each polyline starts and ends at the stop itself and
    is as long as the matrix distance."""
    route = _route(N1, [BESIDE_2_3], N1)
    s = add_leg_geometry(_schedule(route), osm_travel(TINY_OSM))
    out, back = s.routes[0].legs_geometry
    assert (out[0], out[-1]) == (N1, BESIDE_2_3) and back[-1] == N1
    assert _near(out, Location(lat=47.0, lon=9.01)) and not _near(out, N3)
    assert _near(back, N3) and _near(back, N4)
    m = rm.road_matrix(router(TINY_OSM), [N1, BESIDE_2_3])
    assert _length_m(out) == pytest.approx(m.distance_m[0][1], abs=2)
    assert _length_m(back) == pytest.approx(m.distance_m[1][0], abs=2)


def test_only_driven_legs_get_geometry():
    """A route with no stops stays without geometry; a route with N stops gets N + 1 legs."""
    idle = _route(N1, [], N1, tech="T2")
    busy = _route(N1, [N3, BESIDE_2_3, N4], N1)
    s = add_leg_geometry(_schedule(busy, idle), osm_travel(TINY_OSM))
    assert len(s.routes[0].legs_geometry) == 4
    assert s.routes[1].legs_geometry == ()
    assert all(len(leg) >= 2 for leg in s.routes[0].legs_geometry)


def test_leg_on_one_edge_stays_on_that_edge():
    """Two houses along the same one-way edge: the forward leg never leaves the edge."""
    a = Location(lat=47.0003, lon=9.012)
    b = Location(lat=47.0003, lon=9.018)
    s = add_leg_geometry(_schedule(_route(a, [b], a)), osm_travel(TINY_OSM))
    forward, around = s.routes[0].legs_geometry
    assert len(forward) == 4 and all(47.0 - 1e-9 <= p.lat <= 47.0003 for p in forward)
    assert _near(around, N3) and _near(around, N4)
