"""Re-planning during the day: frozen progress, live positions, new and cancelled orders."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from factories import FAST, Priority, at, order, problem, shift, tech

from optimizer import api
from optimizer.errors import InputError
from optimizer.io.events import read_events
from optimizer.model import Location
from optimizer.replan import Event, change_list, prepare
from optimizer.report.kpis import with_kpis
from optimizer.solve import solve
from optimizer.solve.verify import verify

ORDERS = [order(f"o{k}", k, 45) for k in range(1, 9)]
BASE = problem(ORDERS, [tech("t1"), tech("t2")],
               [shift("t1", home=0, lunch=("11:30", "13:30", 30)), shift("t2", home=9)])


@pytest.fixture(scope="module")
def published():
    matrix = api.travel_matrix(BASE)
    schedule = with_kpis(BASE, solve(BASE, matrix, FAST))
    assert verify(BASE, matrix, schedule) == [] and not schedule.unassigned
    return schedule


def _replan(published, events, now, **kw):
    prepared = prepare(BASE, published, events, now, **kw)
    matrix = api.travel_matrix(prepared.problem)
    new = solve(prepared.problem, matrix, FAST, initial_routes=prepared.initial_routes)
    assert verify(prepared.problem, matrix, new) == []
    return prepared, new


def _accounted(published, prepared, new, added=()):
    seen = [*prepared.frozen, *prepared.cancelled]
    seen += [s.order_id for r in new.routes for s in r.stops]
    seen += [u.order_id for u in new.unassigned]
    return sorted(seen) == sorted([o.order_id for o in BASE.orders] + list(added))


def test_visits_before_now_are_frozen_and_nothing_is_planned_in_the_past(published):
    """At 11:00 the morning's visits are completed or in progress; every new stop is later."""
    now = at("11:00")
    prepared, new = _replan(published, [], now)
    done = {s.order_id for r in published.routes for s in r.stops if s.start <= now}
    assert set(prepared.frozen) == done and done
    assert all(s.arrival >= now for r in new.routes for s in r.stops)
    assert _accounted(published, prepared, new)


def test_freeze_horizon_keeps_the_next_visits_as_they_are(published):
    """Visits starting in the next 90 minutes keep their technician and start time."""
    now = at("10:00")
    _prepared, new = _replan(published, [], now, freeze_min=90)
    horizon = now + timedelta(minutes=90)
    kept = {(r.tech_id, s.order_id, s.start) for r in published.routes for s in r.stops
            if now < s.start < horizon}
    after = {(r.tech_id, s.order_id, s.start) for r in new.routes for s in r.stops}
    assert kept and kept <= after


def test_route_restarts_at_the_reported_position(published):
    """A technician reported at a new position drives from there to the next stop."""
    here = Location(47.035, 9.51, "reported position")
    tech_id = published.routes[0].tech_id
    _prepared, new = _replan(published, [Event("position", tech_id=tech_id, location=here)],
                            at("09:00"))
    route = next(r for r in new.routes if r.tech_id == tech_id)
    assert route.start_location == here
    assert route.start >= at("09:00")


def test_cancelled_orders_disappear(published):
    """A cancelled order is on no route and not unassigned: it is reported as cancelled."""
    target = published.routes[0].stops[-1].order_id
    prepared, new = _replan(published, [Event("cancelled", order_id=target)], at("08:05"))
    assert target not in {s.order_id for r in new.routes for s in r.stops}
    assert target not in {u.order_id for u in new.unassigned}
    changes = change_list(published, prepared, new, tolerance_min=30)
    assert {c.order_id: c.status for c in changes.orders}[target] == "cancelled"


def test_critical_new_order_is_served_within_its_sla(published):
    """An outage reported at 13:00, due by 15:00, is served on time."""
    urgent = order("urgent", 4, 30, priority=Priority.CRITICAL, sla_due=at("15:00"))
    prepared, new = _replan(published, [Event("new_order", order=urgent)], at("13:00"))
    stop = next(s for r in new.routes for s in r.stops if s.order_id == "urgent")
    assert at("13:00") <= stop.start and stop.sla_late_s == 0
    assert _accounted(published, prepared, new, added=["urgent"])


def test_sick_technician_work_is_redistributed_or_explained(published):
    """t1 goes home sick at 10:30: none of its later orders stay with it."""
    now = at("10:30")
    prepared, new = _replan(published, [Event("unavailable", tech_id="t1", time=now)], now)
    assert all(r.tech_id != "t1" or r.end <= now for r in new.routes)
    assert all(u.reason for u in new.unassigned)
    assert _accounted(published, prepared, new)


def test_small_insertion_changes_little(published):
    """With a warm start and disruption costs, one insertion moves no other order."""
    extra = order("extra", 2, 20)
    prepared, new = _replan(published, [Event("new_order", order=extra)], at("08:00"))
    changes = change_list(published, prepared, new, tolerance_min=30)
    assert changes.count("moved", "newly unassigned") == 0


def test_events_from_csv_and_json(tmp_path):
    """CSV and JSON events parse to the same events; bad rows are all reported."""
    csv = tmp_path / "events.csv"
    csv.write_text("event,order_id,tech_id,time,lat,lon,service_min,priority,sla_due\n"
                   "completed,o1,,,,,,,\n"
                   "position,,t1,10:15,47.03,9.51,,,\n"
                   "new_order,urgent,,,47.04,9.5,30,critical,15:00\n")
    js = tmp_path / "events.json"
    js.write_text('[{"event": "completed", "order_id": "o1"},'
                  '{"event": "position", "tech_id": "t1", "time": "10:15", "lat": 47.03, '
                  '"lon": 9.51},'
                  '{"event": "new_order", "order_id": "urgent", "lat": 47.04, "lon": 9.5,'
                  ' "service_min": 30, "priority": "critical", "sla_due": "15:00"}]')
    a = read_events(csv, BASE.plan_date, BASE.timezone)
    b = read_events(js, BASE.plan_date, BASE.timezone)
    assert a == b and a[2].order.sla_due == at("15:00") and a[1].time == at("10:15")
    bad = tmp_path / "bad.csv"
    bad.write_text("event,order_id,lat,lon\nexploded,o1,,\ncompleted,o2,95,9\n")
    with pytest.raises(InputError) as info:
        read_events(bad, BASE.plan_date, BASE.timezone)
    assert len(info.value.problems) == 2


def test_unknown_references_in_events_are_input_errors(published):
    """Events naming unknown orders or technicians fail before solving, all at once."""
    with pytest.raises(InputError) as info:
        prepare(BASE, published, [Event("completed", order_id="nope"),
                                  Event("unavailable", tech_id="t9", time=at("10:00"))],
                at("10:00"))
    assert len(info.value.problems) == 2


def test_replan_api_on_the_demo_keeps_every_order(tmp_path):
    """`api.replan` on the demo: a midday emergency, every order accounted for, verified."""
    demo = api.solve_scenario("scenarios/liechtenstein", time_limit_s=10, solution_limit=200)
    paths = api.write(demo, tmp_path / "day")
    urgent = replace(demo.problem.orders[0], order_id="EMERGENCY", priority=Priority.CRITICAL,
                     sla_due=at("15:00"), time_windows=(), promised_tech=None,
                     preferred_techs=frozenset(), excluded_techs=frozenset(),
                     location=Location(47.141, 9.521, "Vaduz"))
    result = api.replan(paths["json"], [Event("new_order", order=urgent)], "13:00",
                        time_limit_s=8, solution_limit=300)
    assert verify(result.prepared.problem, result.matrix, result.schedule) == []
    statuses = {c.order_id: c.status for c in result.changes.orders}
    assert len(statuses) == 81
    assert statuses["EMERGENCY"] == "new, assigned"
    assert result.changes.count("moved") <= 3


def test_replan_rewrites_only_the_changed_technicians_pages(tmp_path):
    """Written into the published folder, unchanged technicians' pages stay byte-identical,
    the previous schedule is kept, and the index names who changed."""
    demo = api.solve_scenario("scenarios/liechtenstein", time_limit_s=5, solution_limit=100)
    folder = tmp_path / "day"
    api.write(demo, folder)
    before = {p.name: p.read_bytes() for p in folder.glob("tech-*.html")}
    # someone with visits still to come after 11:00 (which technician that is depends on the plan)
    sick = next(r.tech_id for r in demo.schedule.routes
                if any(s.start >= at("12:00") for s in r.stops))
    result = api.replan(folder / "schedule.json",
                        [Event("unavailable", tech_id=sick, time=at("11:00"))], "11:00",
                        time_limit_s=5, solution_limit=200)
    api.write_replan(result, folder)
    changed = set(result.changes.changed_techs)
    assert sick in changed
    for name, content in before.items():
        tech_id = name.removeprefix("tech-").removesuffix(".html")
        if tech_id not in changed:
            assert (folder / name).read_bytes() == content
    assert (folder / f"tech-{sick}.html").read_bytes() != before[f"tech-{sick}.html"]
    assert (folder / "schedule-before-1100.json").exists()
    assert "changed at 11:00" in (folder / "index.html").read_text(encoding="utf-8")
    assert (folder / "changes.csv").read_text(encoding="utf-8").startswith("order_id,status")
