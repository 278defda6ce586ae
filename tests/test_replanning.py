"""Re-planning during the day: frozen progress, live positions, new and cancelled orders."""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import FAST, Priority, at, line_matrix, order, point, problem, shift, tech, window

from optimizer import api, outputs
from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.events import read_events
from optimizer.io.schedule_json import read_document, read_json, write_json
from optimizer.model import ChangeKind, Location, Problem, ReasonCode, Shift, TimeWindow
from optimizer.replanning import Event, change_list, explain_no_shift, pin_times, prepare
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve
from optimizer.solver.verify import verify

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
    """Visits starting in the next 90 minutes keep their technician and start time (at
    09:00 both technicians have visits ahead)."""
    now = at("09:00")
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
    assert {c.order_id: c.status for c in changes.orders}[target] is ChangeKind.CANCELLED
    assert all(isinstance(c.status, ChangeKind) for c in changes.orders)


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


def test_an_absence_with_an_end_keeps_the_rest_of_the_shift(published):
    """t1 is away 10:00-12:00 (a garage appointment): no visit of t1 overlaps it, and t1
    still works after 12:00 (without ``until`` it would be gone for the rest of the day).
    Away already at the re-plan (10:30 to 11:00), t1 starts again at 11:00."""
    away = Event("unavailable", tech_id="t1", time=at("10:00"), until=at("12:00"))
    prepared, new = _replan(published, [away], at("09:00"))
    t1 = [s for r in new.routes if r.tech_id == "t1" for s in r.stops]
    assert all(s.end <= at("10:00") or s.start >= at("12:00") for s in t1)
    assert any(s.start >= at("12:00") for s in t1)
    assert _accounted(published, prepared, new)
    (restarted,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert restarted.end == BASE.shifts[0].end
    assert any(b.kind == "unavailable" and (b.earliest_start, b.latest_end)
               == (at("10:00"), at("12:00")) for b in restarted.breaks)

    away = Event("unavailable", tech_id="t1", time=at("10:00"), until=at("11:00"))
    prepared, new = _replan(published, [away], at("10:30"))
    (restarted,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert restarted.start == at("11:00")
    assert all(s.arrival >= at("11:00") for r in new.routes if r.tech_id == "t1"
               for s in r.stops)


def test_an_absence_with_an_end_spares_the_later_days():
    """In a plan of two days, t1 away on day 1 from 10:00 to 12:00 keeps day 2's shift
    whole; without an end, day 2's shift is dropped (away for the rest of the plan)."""
    day2 = timedelta(days=1)
    first = shift("t1", lunch=("11:30", "13:30", 30))
    second = replace(first, shift_id="t1@2", start=first.start + day2, end=first.end + day2,
                     breaks=tuple(replace(b, earliest_start=b.earliest_start + day2,
                                          latest_end=b.latest_end + day2)
                                  for b in first.breaks))
    two_days = problem(ORDERS, [tech("t1")], [replace(first, shift_id="t1@1"), second], days=2)
    plan = solve(two_days, api.travel_matrix(two_days), FAST)
    back = Event("unavailable", tech_id="t1", time=at("10:00"), until=at("12:00"))
    kept = prepare(two_days, plan, [back], at("09:00")).problem.shifts
    assert [s.shift_id for s in kept] == ["t1@1", "t1@2"] and kept[1] == second
    gone = prepare(two_days, plan, [replace(back, until=None)], at("09:00")).problem.shifts
    assert [s.shift_id for s in gone] == ["t1@1"]


def test_an_absence_that_ends_before_it_starts_or_before_now_is_refused(published, tmp_path):
    """`until` must come after the absence's start and after now, and belongs to an
    unavailable event only; every bad row is named."""
    with pytest.raises(InputError) as info:
        prepare(BASE, published, [Event("unavailable", tech_id="t1", time=at("10:00"),
                                        until=at("09:30"), source="e.csv row 2")], at("09:00"))
    assert "e.csv row 2 (unavailable), tech_id='t1', until=2026-12-01 09:30: must be after" \
        in info.value.problems[0]
    path = tmp_path / "events.csv"
    path.write_text("event,order_id,tech_id,time,until\ncompleted,o1,,,12:00\n"
                    "unavailable,,t1,10:00,12:00\n")
    with pytest.raises(InputError) as info:
        read_events(path, BASE.plan_date, BASE.timezone)
    assert info.value.problems == [f"{path} row 2, until='12:00': is only for an unavailable "
                                   "event (when the technician is back)"]


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
    paths = outputs.write(demo, tmp_path / "day")
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
    every other page shows the new times, the previous schedule is kept, and the index
    names who changed."""
    demo = api.solve_scenario("scenarios/liechtenstein", time_limit_s=5, solution_limit=100)
    folder = tmp_path / "day"
    outputs.write(demo, folder)
    before = {p.name: p.read_bytes() for p in folder.glob("tech-*.html")}
    # someone with visits still to come after 11:00 (which technician that is depends on the plan)
    sick = next(r.tech_id for r in demo.schedule.routes
                if any(s.start >= at("12:00") for s in r.stops))
    result = api.replan(folder / "schedule.json",
                        [Event("unavailable", tech_id=sick, time=at("11:00"))], "11:00",
                        time_limit_s=5, solution_limit=200)
    outputs.write_replan(result, folder)
    changed = set(result.changes.changed_techs)
    assert sick in changed
    for name, content in before.items():
        tech_id = name.removeprefix("tech-").removesuffix(".html")
        if tech_id not in changed:
            assert (folder / name).read_bytes() == content
    assert (folder / f"tech-{sick}.html").read_bytes() != before[f"tech-{sick}.html"]
    # every page shows its technician's visits at their new times: a visit "kept" within
    # the tolerance but 26 minutes later left the old time on the page
    for route in result.schedule.routes:
        page = (folder / f"tech-{route.tech_id}.html").read_text(encoding="utf-8")
        for stop in route.stops:
            assert stop.order_id in page and f"{stop.start:%H:%M}" in page
    assert (folder / "schedule-before-1100.json").exists()
    assert "changed at 11:00" in (folder / "index.html").read_text(encoding="utf-8")
    assert (folder / "changes.csv").read_text(encoding="utf-8").startswith("order_id,status")


# --- a hand-made line: points 10 minutes apart, one technician ---------------------------

LINE = line_matrix(10)
# t1 leaves home (point 0) for A at point 3 (09:00-09:30), drives 30 min to B at point 6
# (10:00 sharp) and C at point 7 (11:00 sharp)
EN_ROUTE = problem([order("A", 3, 30, time_windows=(window("09:00", "09:00"),)),
                    order("B", 6, 30, time_windows=(window("10:00", "10:00"),)),
                    order("C", 7, 30, time_windows=(window("11:00", "11:00"),)),
                    order("never", 9, 30, time_windows=(window("07:00", "07:05"),))],
                   [tech("t1"), tech("t2")], [shift("t1"), shift("t2", start="12:00")])


@pytest.fixture(scope="module")
def line_plan():
    schedule = solve(EN_ROUTE, LINE, FAST)
    (route,) = schedule.routes
    assert [s.order_id for s in route.stops] == ["A", "B", "C"]
    assert [u.order_id for u in schedule.unassigned] == ["never"]
    return schedule


def _line_replan(published, events, now, **kw):
    prepared = pin_times(prepare(EN_ROUTE, published, events, now, **kw), LINE)
    new = solve(prepared.problem, LINE, FAST, initial_routes=prepared.initial_routes)
    assert verify(prepared.problem, LINE, new) == []
    return prepared, new


def _starts(schedule):
    return {s.order_id: (r.tech_id, s.start) for r in schedule.routes for s in r.stops}


@pytest.mark.parametrize("freeze_min", [0, 30])
def test_technician_driving_at_now_restarts_at_the_visit_they_drive_to(line_plan, freeze_min):
    """At 09:40 t1 left A (09:30) for B (arrives 10:00): B stays t1's at 10:00, the route
    restarts at B, with or without a freeze horizon (before, B was dropped: the restart
    was at A at 09:40, 30 minutes from B)."""
    prepared, new = _line_replan(line_plan, [], at("09:40"), freeze_min=freeze_min)
    (route,) = [r for r in new.routes if r.tech_id == "t1"]
    assert route.start_location == point(6) and route.start == at("10:00")
    assert _starts(new)["B"] == ("t1", at("10:00"))
    assert prepared.frozen == {"A": "completed"}


def test_pinned_visit_after_an_overrun_starts_as_soon_as_it_can(line_plan):
    """A runs until 09:50 (planned 09:30); B, inside the freeze horizon, is kept by t1 and
    starts at 10:20 (09:50 + 30 min drive) instead of being dropped."""
    prepared, new = _line_replan(line_plan, [Event("in_progress", order_id="A",
                                                   time=at("09:50"))],
                                 at("09:20"), freeze_min=60)
    assert prepared.pinned["B"] == ("t1", at("10:00"))
    assert _starts(new)["B"] == ("t1", at("10:20"))
    assert not new.unassigned or {u.order_id for u in new.unassigned} == {"never"}


def test_pins_that_cannot_fit_the_shift_are_released_with_a_warning(line_plan):
    """t1 is away from 12:00: B (10:00) stays pinned; C (11:00, home at 12:40) no longer
    fits, so it is released with a warning and ends up unassigned with a reason, not lost."""
    prepared, new = _line_replan(line_plan, [Event("unavailable", tech_id="t1",
                                                   time=at("12:00"))],
                                 at("09:40"), freeze_min=180)
    assert set(prepared.pinned) == {"B"}
    assert _starts(new)["B"] == ("t1", at("10:00"))
    assert {u.order_id for u in new.unassigned} == {"C", "never"}
    assert prepared.warnings == ("t1: C inside the freeze horizon no longer fit the shift, "
                                 "even at the earliest; re-planned like the other orders",)


def test_position_far_from_the_planned_job_wins_over_the_plan(line_plan):
    """At 09:10 the plan has A in progress, but t1 reports from point 9: A counts as not
    started (it stays in the plan) and t1 restarts there; a warning says why."""
    here = point(9)
    prepared = prepare(EN_ROUTE, line_plan,
                       [Event("position", tech_id="t1", location=here, source="ev.csv row 2")],
                       at("09:10"))
    assert "A" not in prepared.frozen and "A" in {o.order_id for o in prepared.problem.orders}
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert t1.start_location == here
    (warning,) = prepared.warnings
    assert warning.startswith("ev.csv row 2 (position), tech_id='t1'") and "A counts as not" \
        in warning


def test_position_far_from_a_reported_job_in_progress_is_ignored(line_plan):
    """An in_progress event is an explicit statement: t1 restarts at A when it ends, and the
    far position is ignored with a warning that says why."""
    prepared = prepare(EN_ROUTE, line_plan,
                       [Event("in_progress", order_id="A", time=at("09:40")),
                        Event("position", tech_id="t1", location=point(9))], at("09:10"))
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert (t1.start_location, t1.start) == (point(3), at("09:40"))
    (warning,) = prepared.warnings
    assert "position ignored" in warning and "keeps the technician on site" in warning


def test_a_job_reported_in_progress_ends_the_one_the_plan_has_in_progress(line_plan):
    """At 09:10 the plan has A in progress (09:00-09:30); an event says t1 is on B. Both
    were frozen "in progress": one technician on two jobs. A, before B on the route, is
    done (with a warning naming the event's row)."""
    prepared, _new = _line_replan(line_plan, [Event("in_progress", order_id="B",
                                                   time=at("10:40"), source="ev.csv row 2")],
                                 at("09:10"))
    assert prepared.frozen == {"A": "completed", "B": "in progress"}
    (warning,) = prepared.warnings
    assert warning.startswith("ev.csv row 2") and "A, which the plan has in progress" in warning
    assert "counts as completed" in warning
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert (t1.start_location, t1.start) == (point(6), at("10:40"))


def test_a_job_reported_in_progress_before_the_plans_leaves_that_one_unstarted(line_plan):
    """At 10:10 the plan has B in progress; an event says t1 is still on A (until 10:30):
    B has not started, so it is re-planned after A, not frozen as in progress too."""
    prepared, new = _line_replan(line_plan, [Event("in_progress", order_id="A",
                                                   time=at("10:30"), source="ev.csv row 2")],
                                 at("10:10"))
    assert prepared.frozen == {"A": "in progress"}
    assert "counts as not started" in prepared.warnings[0]
    assert _starts(new)["B"][1] >= at("11:00")  # 10:30 + the 30 min drive


def test_the_work_done_before_a_replan_counts_against_max_work_h():
    """t1 may work 4 h. By 10:40 A and B are done and t1 has driven on to C: 2 h 10 min
    of driving and work. A new hour-long job D at C's place then fitted (the re-plan gave
    the restarted shift a fresh 4 h, 6 h 50 in all) and verify agreed. Now 1 h 50 is
    left: C (30 min, and 70 min home) fits, D does not."""
    capped = replace(EN_ROUTE, technicians=(tech("t1", max_work_h=4.0), tech("t2")))
    published = solve(capped, LINE, FAST)
    assert [s.order_id for s in published.routes[0].stops] == ["A", "B", "C"]
    late = order("D", 7, 60, excluded_techs=frozenset({"t2"}))
    prepared = pin_times(prepare(capped, published, [Event("new_order", order=late)],
                                 at("10:40")), LINE)
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert t1.work_done_s == 130 * 60
    new = solve(prepared.problem, LINE, FAST, initial_routes=prepared.initial_routes)
    assert verify(prepared.problem, LINE, new) == []
    assert {s.order_id for r in new.routes for s in r.stops} == {"C"}
    assert [u.order_id for u in new.unassigned if u.order_id == "D"] == ["D"]
    too_much = replace(new, routes=(replace(new.routes[0], stops=(
        *new.routes[0].stops, replace(new.routes[0].stops[0], order_id="D"))),))
    assert any("less 7800 s done before the re-plan" in issue
               for issue in verify(prepared.problem, LINE, too_much))


def test_an_absence_that_starts_during_a_job_in_progress_is_warned_about(line_plan):
    """t1 is on A until 09:30 and reported away from 09:20 to 10:30: the job is kept to
    its end and the route restarts at 10:30, with a warning naming the row (before, in
    silence)."""
    away = Event("unavailable", tech_id="t1", time=at("09:20"), until=at("10:30"),
                 source="ev.csv row 2")
    prepared = prepare(EN_ROUTE, line_plan, [away], at("09:10"))
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert t1.start == at("10:30") and prepared.frozen == {"A": "in progress"}
    (warning,) = prepared.warnings
    assert warning.startswith("ev.csv row 2") and "A is in progress until 09:30" in warning


def test_a_job_reported_in_progress_counts_its_time_on_site_from_now_at_the_latest():
    """The plan had C at 11:00; at 09:10 t1 is reported on it until 12:00. Its time on
    site counted from the planned 11:00 (one hour, not 2 h 50), so a capped technician
    could be given more work than max_work_h. A before it is done (1 h), C 10 min of
    driving and 2 h 50 on site: the 4 h are used up, and the dispatcher is told."""
    capped = replace(EN_ROUTE, technicians=(tech("t1", max_work_h=4.0), tech("t2")))
    published = solve(capped, LINE, FAST)
    reported = Event("in_progress", order_id="C", time=at("12:00"), source="ev.csv row 2")
    prepared = prepare(capped, published, [reported], at("09:10"))
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert t1.work_done_s == 240 * 60
    assert any(w.startswith("ev.csv row 2 (in_progress), order_id='C': in progress until "
                            "12:00, the technician's max_work_h=4 h is used up")
               for w in prepared.warnings)


def test_a_job_in_progress_past_the_end_of_the_shift_is_warned_about(line_plan):
    """A job reported in progress until 18:00 on a shift ending at 17:00 without overtime
    left the technician without a route and said nothing."""
    prepared = prepare(EN_ROUTE, line_plan, [Event("in_progress", order_id="C",
                                                   time=at("18:00"), source="ev.csv row 2")],
                       at("10:10"))
    assert not [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert any("in progress until 18:00, it ends after the shift and its overtime (17:00): "
               "nothing more is planned for t1 today" in w for w in prepared.warnings)


def test_position_at_the_job_in_progress_needs_no_warning(line_plan):
    """A position within a few metres of the planned job confirms it: no warning."""
    near = Location(point(3).lat + 0.0005, point(3).lon, "reported position")
    prepared = prepare(EN_ROUTE, line_plan, [Event("position", tech_id="t1", location=near)],
                       at("09:10"))
    assert prepared.frozen == {"A": "in progress"} and prepared.warnings == ()


def test_events_that_contradict_or_do_nothing_are_errors_or_warnings(line_plan):
    """Completed for an unscheduled order: warning (counted done); a duration of a finished
    visit and a second in_progress time: warnings naming the rows."""
    prepared = prepare(EN_ROUTE, line_plan, [
        Event("completed", order_id="never", source="ev.csv row 2"),
        Event("completed", order_id="A", source="ev.csv row 3"),
        Event("duration", order_id="A", service_min=50, source="ev.csv row 4"),
        Event("in_progress", order_id="B", time=at("10:40"), source="ev.csv row 5"),
        Event("in_progress", order_id="B", time=at("10:50"), source="ev.csv row 6"),
    ], at("10:10"))
    assert prepared.frozen == {"A": "completed", "B": "in progress", "never": "completed"}
    text = "\n".join(prepared.warnings)
    assert "ev.csv row 2 (completed), order_id='never': the order was on no route" in text
    assert "ev.csv row 4 (duration), order_id='A': ignored: it is completed" in text
    assert "ev.csv row 6 (in_progress): overrides ev.csv row 5" in text
    (t1,) = [s for s in prepared.problem.shifts if s.tech_id == "t1"]
    assert t1.start == at("10:50")


@pytest.mark.parametrize(("events", "now", "expected"), [
    ([Event("in_progress", order_id="never", source="ev.csv row 2")], "09:00",
     "ev.csv row 2 (in_progress), order_id='never': the order is on no route"),
    ([Event("cancelled", order_id="B", source="ev.csv row 2"),
      Event("completed", order_id="B", source="ev.csv row 3")], "09:00",
     "ev.csv row 2 (cancelled) and ev.csv row 3 (completed): order B cannot be both"),
    ([Event("new_order", order=order("N", 2, preferred_techs=frozenset({"t1", "t7"})),
            source="ev.csv row 2")], "09:00",
     "ev.csv row 2 (new_order), preferred_techs='t1;t7': unknown technician t7"),
    ([], "2026-12-02 09:00", "now=2026-12-02 09:00: not on the plan date 2026-12-01"),
    ([Event("in_progress", order_id="B", time=at("10:05"), source="ev.csv row 2"),
      Event("in_progress", order_id="C", source="ev.csv row 3")], "10:10",
     "ev.csv row 2 (in_progress) and ev.csv row 3 (in_progress): t1 cannot have 2 jobs in "
     "progress at once (B, C)"),
])
def test_contradictory_or_unknown_events_are_input_errors(line_plan, events, now, expected):
    """Each of these is an input error that names the row (or the time) at fault."""
    from optimizer.io.schemas import parse_clock, parse_datetime

    moment = parse_clock(now, BASE.plan_date, BASE.day_start.tzinfo) or parse_datetime(
        now, BASE.day_start.tzinfo)
    with pytest.raises(InputError) as info:
        prepare(EN_ROUTE, line_plan, events, moment)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_lunch_in_progress_at_now_delays_the_restart():
    """A technician on the published lunch at now restarts when the lunch ends."""
    p = problem([order("A", 1, 200), order("B", 2, 200)], [tech("t1")],
                [shift("t1", lunch=("11:30", "13:30", 30))])
    matrix = line_matrix(10)
    published = solve(p, matrix, FAST)
    (lunch,) = published.routes[0].breaks
    now = lunch.start + timedelta(minutes=10)
    prepared = prepare(p, published, [], now)
    (t1,) = prepared.problem.shifts
    assert t1.start == lunch.end and t1.breaks == ()


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_replan_on_a_daylight_saving_day_keeps_the_promised_times(day, tmp_path):
    """On the change days, a plan read back from schedule.json is re-planned with its real
    times: the visits inside the freeze horizon keep their start to the second, and every
    promise is the published start (before, read-back times were an hour off)."""
    tz = ZoneInfo("Europe/Vaduz")

    def clock(hour, minute=0):
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)

    orders = [order(f"o{k}", k, 40, time_windows=(TimeWindow(clock(7 + k), clock(7 + k, 10)),))
              for k in range(1, 7)]
    p = Problem("dst", day, "Europe/Vaduz", tuple(orders), (tech("t1"),),
                (Shift("t1", "t1", clock(8), clock(17), point(0), point(0)),))
    published = solve(p, LINE, FAST)
    assert len(published.routes[0].stops) == 6
    published = read_json(write_json(published, tmp_path / "schedule.json"))
    prepared = pin_times(prepare(p, published, [], clock(10, 5), freeze_min=90), LINE)
    planned = {s.order_id: s.start for s in published.routes[0].stops}
    assert {o.order_id: o.promised_start for o in prepared.problem.orders} == {
        k: v for k, v in planned.items() if k in ("o4", "o5", "o6")}
    new = solve(prepared.problem, LINE, FAST, initial_routes=prepared.initial_routes)
    assert verify(prepared.problem, LINE, new) == []
    starts = {s.order_id: s.start for r in new.routes for s in r.stops}
    assert starts["o4"] == planned["o4"] == clock(11) and starts["o5"] == clock(12)


# --- the re-plan corpus: tests/data/replan/ through the command line ---------------------

CORPUS = Path(__file__).parent / "data" / "replan"
DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"
# file, --now, --freeze-min, exit code, texts expected in the output (stdout and stderr)
CASES = [
    ("completed.csv", "13:00", 30, 0, []),
    ("in_progress.csv", "13:00", 0, 0, []),
    ("position.csv", "13:00", 30, 0, []),
    ("unavailable.csv", "12:00", 30, 0, []),
    ("new_order.csv", "13:00", 30, 0, ["EM-1"]),
    ("cancelled.csv", "10:00", 0, 0, ["cancelled"]),
    ("duration.csv", "12:30", 30, 0, []),
    ("combo.csv", "13:00", 30, 0, ["EM-1"]),
    ("combo.json", "13:00", 15, 0, ["EM-2"]),
    ("completed_unscheduled.csv", "11:00", 0, 0,
     ["completed_unscheduled.csv row 2 (completed), order_id='WO-1017': the order was on no "
      "route of the published plan; counted as completed"]),
    ("duration_ended.csv", "13:00", 0, 0,
     ["duration_ended.csv row 3 (duration), order_id='WO-1047': ignored: it is completed"]),
    ("position_vs_in_progress.csv", "13:00", 30, 0,
     ["position_vs_in_progress.csv row 3 (position)", "position ignored: the job reported "
      "in progress (WO-1031, until 13:20)", "keeps the technician on site"]),
    ("in_progress_unscheduled.csv", "13:00", 0, 2,
     ["in_progress_unscheduled.csv row 2 (in_progress), order_id='WO-1017': the order is on "
      "no route"]),
    ("cancelled_and_completed.csv", "13:00", 0, 2,
     ["cancelled_and_completed.csv row 2 (cancelled) and", "cancelled_and_completed.csv row 3 "
      "(completed): order WO-1044 cannot be both cancelled and completed"]),
    ("new_order_unknown_tech.csv", "13:00", 0, 2,
     ["new_order_unknown_tech.csv row 2 (new_order), preferred_techs='T01;T99': unknown "
      "technician T99"]),
    ("new_order_missing_columns.csv", "13:00", 0, 2,
     ["row 2, service_min='': is required", "row 2, lat='': is required for a new order",
      "row 2, lon='': is required for a new order"]),
    ("unknown_kind.csv", "13:00", 0, 2,
     ["unknown_kind.csv row 2, event='exploded': unknown event",
      "unknown_kind.csv row 3, order_id='': is required for a completed event"]),
    ("unknown_order.csv", "13:00", 0, 2,
     ["unknown_order.csv row 2 (completed), order_id='WO-9999': unknown order",
      "unknown_order.csv row 3 (unavailable), tech_id='T99': unknown technician"]),
    ("bad_rows_and_unknowns.csv", "13:00", 0, 2,
     ["bad_rows_and_unknowns.csv row 2, event='teleport': unknown event",
      "bad_rows_and_unknowns.csv row 5, service_min='-30': must be >= 0",
      "bad_rows_and_unknowns.csv row 3 (completed), order_id='WO-9999': unknown order",
      "bad_rows_and_unknowns.csv row 4 (unavailable), tech_id='T99': unknown technician"]),
    ("off_road.csv", "13:00", 0, 2,
     ["off_road.csv row 2, new order EM-9 at lat=47.000000, lon=9.000000: 36,478 m from the "
      "nearest drivable road", "off_road.csv row 3, position of T01 at lat=47.000000, "
      "lon=9.000000: 36,478 m"]),
    ("completed.csv", "2026-12-02 13:00", 0, 2,
     ["now=2026-12-02 13:00: not on the plan date 2026-12-01"]),
]


@pytest.fixture(scope="session")
def demo_plan(tmp_path_factory):
    """The demo planned once for the corpus, quickly (the plan need not be the best)."""
    folder = tmp_path_factory.mktemp("demo-plan")
    assert main(["solve", str(DEMO), "--out", str(folder), "--time-limit", "5",
                 "--solution-limit", "30", "--quiet"]) == 0
    return folder / "schedule.json"


def _events(name: str, plan: Path, folder: Path) -> Path:
    """The corpus file, with ``{tech:ORDER}`` replaced by the technician planned for ORDER."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    if "{tech:" not in text:
        return CORPUS / name
    techs = {s.order_id: r.tech_id for r in read_json(plan).routes for s in r.stops}
    path = folder / name
    path.write_text(re.sub(r"\{tech:([^}]+)\}", lambda m: techs[m[1]], text), encoding="utf-8")
    return path


def _run_replan(plan, events, now, freeze, out, capsys):
    code = main(["replan", str(plan), str(events), "--now", now, "--freeze-min", str(freeze),
                 "--time-limit", "1", "--solution-limit", "20", "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(("name", "now", "freeze", "code", "texts"), CASES,
                         ids=[f"{c[0]}@{c[1]}" for c in CASES])
def test_replan_corpus(demo_plan, tmp_path, capsys, name, now, freeze, code, texts):
    """Each event file of the corpus gives its exit code and says what it must (errors and
    warnings name the file and row); a re-plan written succeeds `fsopt verify` alone."""
    out = tmp_path / "out"
    got, output = _run_replan(demo_plan, _events(name, demo_plan, tmp_path), now, freeze, out,
                              capsys)
    flat = " ".join(output.split())
    assert got == code, output
    for text in texts:
        assert text in flat, output
    if code == 0:
        changes = (out / "changes.csv").read_text(encoding="utf-8")
        assert all(t in " ".join(changes.split()) for t in texts if "row" in t)
        assert main(["verify", str(out / "schedule.json")]) == 0, capsys.readouterr().out
        _freeze_kept(demo_plan, out, now, freeze, _events(name, demo_plan, tmp_path))
    else:
        assert not out.exists()


def _freeze_kept(plan: Path, out: Path, now: str, freeze: float, events: Path) -> None:
    """Every visit of the freeze horizon stays with its technician (none moved or dropped),
    unless its technician is unavailable."""
    published = read_json(plan)
    start = datetime.combine(published.plan_date, datetime.strptime(now, "%H:%M").time(),
                             ZoneInfo(published.timezone))
    away = {e.tech_id for e in read_events(events, published.plan_date, published.timezone)
            if e.kind == "unavailable"}
    horizon = {s.order_id for r in published.routes if r.tech_id not in away for s in r.stops
               if start <= s.start < start + timedelta(minutes=freeze)}
    with (out / "changes.csv").open(encoding="utf-8") as fh:
        statuses = {row["order_id"]: row["status"] for row in csv.DictReader(fh)}
    assert {o: statuses[o] for o in horizon if statuses[o] not in (
        "kept", "retimed", "completed", "in progress", "cancelled")} == {}


def test_a_replan_of_a_replan_verifies(demo_plan, tmp_path, capsys):
    """Re-planned at 13:00 (combo) and again at 15:00 in the same folder: the second
    schedule.json embeds the first, which embeds the plan; all three verify, and what was
    settled at 13:00 stays settled (not planned again, events about it only warned)."""
    folder = tmp_path / "day"
    folder.mkdir()
    shutil.copy(demo_plan, folder / "schedule.json")
    code, output = _run_replan(folder / "schedule.json", CORPUS / "combo.csv", "13:00", 30,
                               folder, capsys)
    assert code == 0, output
    first, first_record = read_document(folder / "schedule.json")
    assert first_record is not None and first_record.before is None
    code, output = _run_replan(folder / "schedule.json", CORPUS / "later.csv", "15:00", 20,
                               folder, capsys)
    assert code == 0, output
    second, record = read_document(folder / "schedule.json")
    assert record.before is not None and record.published == first
    settled = set(first_record.frozen) | set(first_record.cancelled)
    routed = {s.order_id for r in second.routes for s in r.stops}
    assert not settled & (routed | {u.order_id for u in second.unassigned})
    for path in ("schedule.json", "schedule-before-1500.json", "schedule-before-1300.json"):
        assert main(["verify", str(folder / path)]) == 0, capsys.readouterr().out


def test_a_pinned_visit_is_kept_even_when_leaving_it_out_is_cheaper(line_plan):
    """With drop penalties of a cent (and promises free to break) every open order is
    cheaper left out, but B, which t1 is already driving to at 09:40, is still served: a
    pinned visit is never dropped."""
    cheap = replace(EN_ROUTE, weights=replace(EN_ROUTE.weights, drop_penalty={
        p: 0.01 for p in Priority}, reassign_cost=0.0))
    prepared = pin_times(prepare(cheap, line_plan, [], at("09:40")), LINE)
    new = solve(prepared.problem, LINE, FAST, initial_routes=prepared.initial_routes)
    assert _starts(new) == {"B": ("t1", at("10:00"))}
    assert {u.order_id for u in new.unassigned} == {"C", "never"}


def test_a_technician_on_a_break_before_driving_on_still_heads_to_the_next_visit():
    """o1 ends 05:50, the plan has an absence 06:15-06:45 then o2 at home at 06:45 (arrival
    06:45 counts the absence). At 06:36 the technician is in the absence; the re-plan keeps
    o2 at 06:45 instead of restarting at o1's place and dropping o2 for lack of time."""
    from optimizer.model import Break

    m = line_matrix(2, minutes_per_step=2)
    p = problem([order("o1", 1, 60, time_windows=(window("04:00", "05:45"),)),
                 order("o2", 0, 45)], [tech("t1")],
                [replace(shift("t1", "05:00", "07:00"), max_overtime_min=30,
                         breaks=(Break(at("06:15"), at("06:45"), 30, "absence"),))])
    published = solve(p, m, FAST)
    stops = {s.order_id: s for r in published.routes for s in r.stops}
    assert stops["o2"].start == at("06:45")
    prepared = pin_times(prepare(p, published, [], at("06:36"), freeze_min=90), m)
    new = solve(prepared.problem, m, FAST, initial_routes=prepared.initial_routes)
    assert [(s.order_id, s.start) for r in new.routes for s in r.stops] == [("o2", at("06:45"))]
    assert prepared.warnings == ()


def test_a_promised_visit_is_not_dropped_for_an_unpromised_one_of_the_same_priority():
    """Breaking a promise costs at least moving it: a promised order's drop penalty adds
    reassign_cost, so one of equal priority and slightly cheaper to serve does not take its
    place (the drop penalties and diagnosis say the same)."""
    from optimizer.model import drop_penalty

    promised = order("P", 1, promised_tech="t1", promised_start=at("09:00"))
    plain = order("Q", 1)
    w = EN_ROUTE.weights
    assert drop_penalty(w, promised) == w.drop_penalty[Priority.NORMAL] + w.reassign_cost
    assert drop_penalty(w, plain) == w.drop_penalty[Priority.NORMAL]


def test_a_pinned_visit_keeps_its_start_next_to_a_lunch_and_an_absence():
    """Lunch 14:30-16:45 (15 min) and an absence 16:30-16:45 around a 120-minute job: the
    published start is kept by the pin of a re-plan just before the shift (the model and
    the pins' simulation agree that breaks never overlap)."""
    from optimizer.model import Break

    s = shift("t1", "14:30", "17:00", lunch=("14:30", "16:45", 15), max_overtime_min=120)
    s = replace(s, breaks=(*s.breaks, Break(at("16:30"), at("16:45"), 15, "absence")))
    p = problem([order("A", 0, 120)], [tech("t1")], [s])
    m = line_matrix(2)
    plan = solve(p, m, FAST)
    published = plan.routes[0].stops[0].start
    prepared = pin_times(prepare(p, plan, [], at("14:29") + timedelta(seconds=30),
                                 freeze_min=180), m)
    assert prepared.pinned["A"][1] == published
    assert prepared.problem.order("A").time_windows[0].start == published
    again = solve(prepared.problem, m, FAST, initial_routes=prepared.initial_routes)
    assert verify(prepared.problem, m, again) == []
    assert again.routes[0].stops[0].start == published


def test_a_re_plan_does_not_go_back_before_the_one_it_continues(tmp_path):
    """A re-plan of a 10:00 re-plan at 09:00 is an input error that says how to give
    another day; 11:00 is fine (and, as HH:MM, on the day of the 10:00 re-plan)."""
    tiny = Path(__file__).parent / "data" / "tiny"
    plan = api.solve_scenario(tiny, solution_limit=5)
    path = write_json(plan.schedule, tmp_path / "schedule.json")
    first = api.replan(path, [], "10:00", scenario=tiny, solution_limit=5)
    with pytest.raises(InputError) as info:
        api.replan(first, [], "09:00", scenario=tiny, solution_limit=5)
    assert info.value.problems == [
        "now=2026-12-01 09:00: before the re-plan this schedule comes from (2026-12-01 "
        "10:00); a re-plan goes on from there (give a later time, with its date for another "
        "day)"]
    later = api.replan(first, [], "11:00", scenario=tiny, solution_limit=5)
    assert later.record.now == first.record.now + timedelta(hours=1)


def _chained(published, first_events, first_now, second_events, second_now):
    """Two re-plans in a row, as `fsopt replan` chains them: the second starts from the
    first one's routes, problem (``remaining``) and settled orders."""
    one = pin_times(prepare(EN_ROUTE, published, first_events, first_now), LINE)
    plan = solve(one.problem, LINE, FAST, initial_routes=one.initial_routes)
    two = pin_times(prepare(one.remaining, plan, second_events, second_now,
                            settled=one.settled), LINE)
    return one, two


@pytest.mark.parametrize(("event", "start", "a_is", "done_min"), [
    (Event("completed", order_id="A", source="r2 row 2"), "09:40", "completed", 30 + 40),
    (Event("in_progress", order_id="A", time=at("10:30"), source="r2 row 2"), "10:30",
     "in progress", 30 + 90),
])
def test_a_job_in_progress_at_an_earlier_replan_can_end_early_or_run_late(
        line_plan, event, start, a_is, done_min):
    """At 09:10 A is reported in progress until 10:00. At 09:40 it is done, or runs to
    10:30: both events were ignored ("already in progress at an earlier re-plan"), so t1
    stayed planned from 10:00 whatever happened."""
    first = [Event("in_progress", order_id="A", time=at("10:00"))]
    one, two = _chained(line_plan, first, at("09:10"), [event], at("09:40"))
    (t1,) = [s for s in one.problem.shifts if s.tech_id == "t1"]
    assert (t1.start, t1.busy_with, t1.work_done_s) == (at("10:00"), "A", (30 + 60) * 60)
    (t1,) = [s for s in two.problem.shifts if s.tech_id == "t1"]
    assert (t1.start, t1.work_done_s) == (at(start), done_min * 60)
    assert two.frozen["A"] == a_is and two.settled["A"] == a_is
    assert not [w for w in two.warnings if "ignored" in w]


def test_another_job_in_progress_ends_the_one_of_an_earlier_replan(line_plan):
    """t1 was on A until 10:00 (first re-plan); at 09:45 t1 is reported on C: t1 was on
    two jobs at once in the stitched day. A now counts as completed, with a warning."""
    first = [Event("in_progress", order_id="A", time=at("10:00"))]
    _one, two = _chained(line_plan, first, at("09:10"),
                         [Event("in_progress", order_id="C", time=at("10:30"),
                                source="r2 row 2")], at("09:45"))
    assert two.frozen["A"] == "completed" and two.frozen["C"] == "in progress"
    assert any(w.startswith("r2 row 2 (in_progress), order_id='C': A, in progress until "
                            "10:00 at an earlier re-plan, counts as completed") for w in
               two.warnings)


def test_an_order_only_a_technician_whose_day_is_over_could_do_is_told_so():
    """t1 alone has the gas skill and is on C until 18:00, past the end of the shift: the
    new gas job said "no qualified technician works that day" (add a shift), though t1
    works that day."""
    gas = replace(EN_ROUTE, technicians=(tech("t1", skills=("hvac", "gas")), tech("t2")))
    published = solve(gas, LINE, FAST)
    job = order("D", 2, required_skills=frozenset({"gas"}))
    prepared = pin_times(prepare(gas, published, [
        Event("in_progress", order_id="C", time=at("18:00")),
        Event("new_order", order=job)], at("10:10")), LINE)
    new = explain_no_shift(gas, prepared, solve(prepared.problem, LINE, FAST,
                                                initial_routes=prepared.initial_routes))
    (d,) = [u for u in new.unassigned if u.order_id == "D"]
    assert d.code == ReasonCode.NO_SHIFT
    assert d.reason == ("no qualified technician has time left today (t1: shift over, away, "
                        "or taken to its end)")
