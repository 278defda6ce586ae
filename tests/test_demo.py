"""The shipped demo scenario, end to end: every order exactly once, verified, written, read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from geopy.distance import geodesic

from optimizer import api, outputs
from optimizer.io.load import load_scenario
from optimizer.io.schedule_json import read_json
from optimizer.model import ReasonCode
from optimizer.solver.precheck import REMOTE_REASON
from optimizer.solver.verify import verify

DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"


@pytest.fixture(scope="module")
def demo():
    return api.solve_scenario(DEMO, time_limit_s=20, solution_limit=300)


def test_every_order_appears_exactly_once(demo):
    """All 80 demo orders come out once: on a route or unassigned with a reason."""
    seen = [s.order_id for r in demo.schedule.routes for s in r.stops]
    seen += [u.order_id for u in demo.schedule.unassigned]
    assert sorted(seen) == sorted(o.order_id for o in demo.problem.orders)
    assert len(seen) == 80


def test_demo_runs_on_real_roads(demo):
    """The demo uses the bundled OSM extract, and every route has road geometry per leg."""
    assert demo.matrix.source == "osm" and demo.schedule.meta.matrix_source == "osm"
    for route in demo.schedule.routes:
        assert len(route.legs_geometry) == len(route.stops) + 1
        assert all(len(leg) >= 2 for leg in route.legs_geometry)


def test_demo_schedule_passes_the_verifier(demo):
    """The independent verifier finds no violated rule in the demo schedule."""
    assert verify(demo.problem, demo.matrix, demo.schedule) == []


def test_only_the_deliberately_unservable_and_remote_orders_are_unassigned(demo):
    """The three orders built to be impossible are left out, each with its reason, beside
    the two resolved remotely (code REMOTE, on no route). With city speeds and five minutes
    of parking per stop the day is full: at most two more orders may be left out, each one
    because the qualified technicians are fully booked."""
    reasons = {u.order_id: u.reason for u in demo.schedule.unassigned}
    named = ("WO-1017", "WO-1018", "WO-1042", "WO-1066", "WO-1068")
    assert {k: reasons.get(k) for k in named} == {
        "WO-1017": "no technician has the skill elevator",
        "WO-1018": REMOTE_REASON,
        "WO-1042": "no technician carries the part compressor",
        "WO-1066": "appointment window outside every shift",
        "WO-1068": REMOTE_REASON,
    }
    codes = {u.order_id: u.code for u in demo.schedule.unassigned}
    assert codes["WO-1018"] == codes["WO-1068"] == ReasonCode.REMOTE
    routed = {s.order_id for r in demo.schedule.routes for s in r.stops}
    assert not routed & {"WO-1018", "WO-1068"}
    others = [u for u in demo.schedule.unassigned if u.order_id not in named]
    assert len(others) <= 2 and all(u.code == ReasonCode.NO_TIME for u in others)


def test_demo_uses_every_service_quality_column(demo):
    """created_at on every order, two remote ones, parts that hold two jobs back, postcodes,
    territories (soft) from polygons and postcode prefixes; the response KPIs come out."""
    orders = demo.problem.orders
    assert all(o.created_at is not None and o.postcode for o in orders)
    assert sum(o.remote_resolvable for o in orders) == 2
    for order_id, ready in (("WO-1052", "13:00"), ("WO-1008", "10:30")):
        stop = next(s for r in demo.schedule.routes for s in r.stops if s.order_id == order_id)
        assert f"{demo.problem.order(order_id).parts_ready_at:%H:%M}" == ready
        assert f"{stop.start:%H:%M}" >= ready
    assert demo.problem.territory_mode == "soft"
    assert demo.problem.technician("T06").territories == {"Unterland"}
    assert demo.problem.order("WO-1002").areas == {"Unterland"}  # Eschen
    k = demo.schedule.kpis
    assert k.visits_avoided == 2
    assert [r.priority for r in k.response] == ["critical", "high", "normal", "low"]
    assert sum(r.orders for r in k.response) == 78  # all but the two remote ones
    assert k.territory_cost == k.outside_territory_visits * 30

def test_demo_pays_parking_at_each_new_place(demo):
    """The demo's [travel] stop_overhead_min = 5: every stop at another place than the one
    before shows 300 s of parking between arrival and start, and the KPIs add them up."""
    assert demo.problem.travel.stop_overhead_min == 5
    stops = [(r, i, s) for r in demo.schedule.routes for i, s in enumerate(r.stops)]
    for route, i, stop in stops:
        before = route.stops[i - 1].location if i else route.start_location
        assert stop.overhead_s == (0 if before == stop.location else 300)
        assert stop.arrival + timedelta(seconds=stop.overhead_s + stop.wait_s) == stop.start
    total = sum(s.overhead_s for *_, s in stops)
    assert total > 0 and demo.schedule.kpis.overhead_h == round(total / 3600, 2)


def test_kpis_add_up(demo):
    """KPIs agree with the routes: counts, kilometres and per-technician totals."""
    k = demo.schedule.kpis
    routed = sum(len(r.stops) for r in demo.schedule.routes)
    assert k.scheduled == routed >= 73
    assert k.unassigned == len(demo.schedule.unassigned) == 80 - routed
    assert k.orders_total == 80
    km = sum(r.distance_m for r in demo.schedule.routes) / 1000
    assert k.travel_km == pytest.approx(km, abs=0.05)
    assert sum(t.orders for t in k.technicians) == routed
    assert 0 <= k.sla_on_time_pct <= 100 and k.cost > 0


def test_written_json_reads_back_and_verifies(demo, tmp_path):
    """schedule.json round-trips, and `verify_file` checks it against the scenario."""
    paths = outputs.write(demo, tmp_path)
    again = read_json(paths["json"])
    # road geometry is for maps only and is not stored in the JSON
    assert again.routes == tuple(replace(r, legs_geometry=()) for r in demo.schedule.routes)
    assert again.unassigned == demo.schedule.unassigned
    assert again.kpis == demo.schedule.kpis
    assert api.verify_file(paths["json"]) == []
    stops = paths["stops"].read_text(encoding="utf-8").splitlines()
    routed = sum(len(r.stops) for r in demo.schedule.routes)
    visits = [line for line in stops[1:] if line.endswith(",visit")]
    assert len(visits) == routed and stops[0].endswith(",overhead_min,kind")
    assert {line.rsplit(",", 2)[1] for line in visits} <= {"0.0", "5.0"}
    unassigned = paths["unassigned"].read_text(encoding="utf-8").splitlines()
    assert len(unassigned) == 1 + len(demo.schedule.unassigned)


def test_address_only_variant_plans_end_to_end_offline():
    """The demo without lat/lon (orders and technician homes) is geocoded from the bundled
    extract and planned like the demo; each home lands within 50 m of the demo's."""
    result = api.solve_scenario(DEMO.parent / "liechtenstein-addresses", time_limit_s=5,
                                solution_limit=50)
    assert result.geocoding is not None and len(result.geocoding.report) == 80 + 10
    assert all(row.status == "ok" for row in result.geocoding.report)
    assert all(o.location is not None for o in result.problem.orders)
    given = {t.tech_id: t.home for t in load_scenario(DEMO).problem.technicians}
    for tech in result.problem.technicians:
        home = given[tech.tech_id]
        assert geodesic((tech.home.lat, tech.home.lon), (home.lat, home.lon)).m < 50
    problem = result.problem
    assert all(s.start_location == problem.technician(s.tech_id).home for s in problem.shifts)
    unassigned = {u.order_id for u in result.schedule.unassigned}
    assert {"WO-1017", "WO-1042", "WO-1066"} <= unassigned and len(unassigned) <= 5
    assert verify(result.problem, result.matrix, result.schedule) == []
