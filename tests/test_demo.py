"""The shipped demo scenario, end to end: every order exactly once, verified, written, read back."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from geopy.distance import geodesic

from optimizer import api, outputs
from optimizer.io.load import load_scenario
from optimizer.io.schedule_json import read_json
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


def test_only_the_deliberately_unservable_orders_are_unassigned(demo):
    """The three orders built to be impossible are the ones left out, each with its reason."""
    assert {u.order_id: u.reason for u in demo.schedule.unassigned} == {
        "WO-1017": "no technician has the skill elevator",
        "WO-1042": "no technician carries the part compressor",
        "WO-1066": "appointment window outside every shift",
    }


def test_kpis_add_up(demo):
    """KPIs agree with the routes: counts, kilometres and per-technician totals."""
    k = demo.schedule.kpis
    assert k.scheduled == sum(len(r.stops) for r in demo.schedule.routes) == 77
    assert k.unassigned == 3 and k.orders_total == 80
    km = sum(r.distance_m for r in demo.schedule.routes) / 1000
    assert k.travel_km == pytest.approx(km, abs=0.05)
    assert sum(t.orders for t in k.technicians) == 77
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
    with paths["stops"].open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert sum(r["kind"] == "visit" for r in rows) == 77
    lunches = sum(1 for r in demo.schedule.routes for b in r.breaks if b.kind == "lunch")
    assert sum(r["kind"] == "lunch" for r in rows) == lunches > 0
    assert len(paths["unassigned"].read_text(encoding="utf-8").splitlines()) == 1 + 3


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
