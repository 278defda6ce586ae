"""Several days in one plan: date windows, rolling over, lateness, and the verifier's day
checks. Each (technician, day) shift is one vehicle; the tests use two days."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from factories import FAST, PLAN_DATE, line_matrix, order, problem, shift, tech, window

from optimizer.model import order_drop_penalty, shift_date
from optimizer.report.kpis import by_day, compute
from optimizer.solver import solve
from optimizer.solver.verify import verify

M = line_matrix(5)
DAY2 = PLAN_DATE + timedelta(days=1)


def _next_day(s, days: int = 1):
    step = timedelta(days=days)
    return replace(s, shift_id=f"{s.tech_id}@{(s.start + step).date()}", start=s.start + step,
                   end=s.end + step)


def _two_days(orders, start="08:00", end="17:00"):
    first = replace(shift("t1", start, end), shift_id=f"t1@{PLAN_DATE}")
    return problem(orders, [tech("t1")], [first, _next_day(first)], days=2)


def _day_of(p, schedule, order_id):
    route = schedule.route_of(order_id)
    assert route is not None, f"{order_id} is not routed"
    return shift_date(next(s for s in p.shifts if s.shift_id == route.shift_id))


def test_earliest_date_keeps_an_order_off_earlier_days():
    """Both orders fit on day 1, but B may only start on day 2: it goes there, A (no date)
    stays on day 1 where it is cheapest to serve it along with nothing else."""
    p = _two_days([order("A", 1), order("B", 2, earliest_date=DAY2)])
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    assert _day_of(p, s, "B") == DAY2
    assert {u.order_id for u in s.unassigned} == set()


def test_a_dated_window_keeps_an_order_on_its_day():
    """A window that names day 2 (10:00-11:00 on day 2) puts the order on day 2; an undated
    window in a problem would be on the plan date (day 1)."""
    day2_window = window("10:00", "11:00")
    day2_window = replace(day2_window, start=day2_window.start + timedelta(days=1),
                          end=day2_window.end + timedelta(days=1))
    p = _two_days([order("A", 1, time_windows=(day2_window,)),
                   order("B", 1, time_windows=(window("10:00", "11:00"),))])
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    assert _day_of(p, s, "A") == DAY2 and _day_of(p, s, "B") == PLAN_DATE


def test_an_order_that_does_not_fit_rolls_over_and_reports_its_lateness():
    """Day 1 has room for one 4-hour job only (08:00-13:00 shift); both are due on day 1.
    The second rolls to day 2 instead of being dropped, one day late, and the KPIs say so."""
    due = {"due_date": PLAN_DATE, "required_skills": frozenset({"hvac"})}
    p = _two_days([order("A", 1, 240, **due), order("B", 1, 240, **due)], end="13:00")
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    assert s.unassigned == ()
    days = sorted(_day_of(p, s, o) for o in ("A", "B"))
    assert days == [PLAN_DATE, DAY2]
    late = [stop for r in s.routes for stop in r.stops if stop.late_days]
    assert [stop.late_days for stop in late] == [1]
    k = compute(p, s)
    assert (k.late_orders, k.late_days) == (1, 1)
    assert k.late_cost == p.weights.late_cost_per_day[p.order(late[0].order_id).priority]
    daily = by_day(p, s)
    assert [daily[d].late_orders for d in (PLAN_DATE, DAY2)] == [0, 1]
    assert [daily[d].scheduled for d in (PLAN_DATE, DAY2)] == [1, 1]


def test_the_drop_penalty_grows_with_the_days_past_due():
    """An order due two days before the horizon ends costs its priority's penalty plus three
    days late (the first day after the horizon is day 3); one without a due date does not."""
    p = _two_days([order("A", 1, due_date=PLAN_DATE - timedelta(days=1)), order("B", 1)])
    weights = p.weights
    a, b = p.order("A"), p.order("B")
    per_day = weights.late_cost_per_day[a.priority]
    assert order_drop_penalty(p, a) == weights.drop_penalty[a.priority] + 3 * per_day
    assert order_drop_penalty(p, b) == weights.drop_penalty[b.priority]


def test_the_verifier_rejects_an_order_on_a_day_outside_its_window():
    """A schedule with A on day 1, checked against a problem where A may only start on
    day 2, is a violation; the same schedule against the original problem is valid."""
    p = _two_days([order("A", 1)])
    p = replace(p, shifts=p.shifts[:1])  # day 1 only: A must go there
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    moved = replace(p, orders=(replace(p.order("A"), earliest_date=DAY2),))
    issues = verify(moved, M, s)
    assert any(f"before its earliest date {DAY2}" in i for i in issues), issues


def test_the_verifier_checks_the_reported_days_late():
    """A stop that claims to be on time while served a day after its due date is caught."""
    p = _two_days([order("A", 1, earliest_date=DAY2, due_date=PLAN_DATE)])
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    stop = s.routes[0].stops[0]
    assert stop.late_days == 1
    edited = replace(s, routes=(replace(s.routes[0], stops=(replace(stop, late_days=0),)),))
    assert any("late_days=0, expected 1" in i for i in verify(p, M, edited))


def test_peak_hours_slow_the_legs_of_every_day():
    """A 07:00-10:00 peak applies on day 2 as on day 1: a day-2 visit whose leg from the
    start may be driven in the peak takes twice the free-flow time, and the verifier
    agrees with the plan."""
    from optimizer.model import Peak
    from optimizer.solver.timing import peaks_s

    w = window("08:00", "09:00")
    step = timedelta(days=1)
    day2 = order("B", 2, 30, time_windows=(replace(w, start=w.start + step, end=w.end + step),))
    p = _two_days([day2])
    p = replace(p, travel=replace(p.travel, peaks=(Peak(7 * 60, 10 * 60, 0.5),)))
    assert [(a, b) for a, b, _ in peaks_s(p)] == [(7 * 3600, 10 * 3600),
                                                  (31 * 3600, 34 * 3600)]
    m = line_matrix(3)
    plan = solve(p, m, FAST)
    assert verify(p, m, plan) == []
    (route,) = plan.routes
    assert route.stops[0].travel_s == 2 * int(m.travel_s[0][2])
