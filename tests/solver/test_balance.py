"""Workload balance: the targets, the soft lower bound that pulls each route up to its
target (and never makes leaving work out pay), the cost of an idle technician, the hard
``max_work_h``, and the verifier's checks of both."""

from __future__ import annotations

from dataclasses import replace

import pytest
from factories import FAST, line_matrix, order, problem, shift, tech

from optimizer.model import Priority, ReasonCode
from optimizer.report.kpis import compute
from optimizer.solver import solve
from optimizer.solver.balance import (
    balance_cost,
    demand_s,
    route_work_s,
    with_targets,
    work_targets,
)
from optimizer.solver.costs import plan_cost
from optimizer.solver.verify import verify

M = line_matrix(8)


def _day(balance, n_techs=2, n_orders=4, **tech_kw):
    """Four one-hour jobs at point 1 (10 min from home), technicians 08:00-17:00 at home."""
    orders = [order(f"o{k}", 1, 60) for k in range(n_orders)]
    techs = [tech(f"t{k}", **tech_kw) for k in range(1, n_techs + 1)]
    shifts = [shift(t.tech_id) for t in techs]
    p = problem(orders, techs, shifts)
    return replace(p, weights=replace(p.weights, balance=balance))


def test_targets_share_the_estimated_demand_by_shift_length():
    """Demand: 4 h of service plus one 10-minute drive in to point 1 from its nearest other
    place (home; the four jobs share the point, entered once) = 15,000 s, shared by two
    9-hour shifts: 7,500 s each."""
    assert work_targets(_day(10.0), M) == {"t1": 7500, "t2": 7500}
    short = _day(10.0)
    short = replace(short, shifts=(short.shifts[0], replace(short.shifts[1],
                                                            end=short.shifts[1].start.replace(
                                                                hour=12, minute=30))))
    # 9 h and 4.5 h: two thirds and one third
    assert work_targets(short, M) == {"t1": 10000, "t2": 5000}


def _two_skills(second_skills):
    """A one-hour job at point 1 (skill a) and one at point 2 (skill b); t1 does a, t2
    ``second_skills``; both live at point 0 (10 minutes a step)."""
    orders = [order("oa", 1, 60, required_skills=frozenset({"a"})),
              order("ob", 2, 60, required_skills=frozenset({"b"}))]
    techs = [tech("t1", skills=("a",)), tech("t2", skills=second_skills)]
    p = problem(orders, techs, [shift("t1"), shift("t2")])
    return replace(p, weights=replace(p.weights, balance=10.0))


def test_the_drive_comes_from_places_a_route_may_come_from():
    """Each job's drive is half the drives in from its two nearest possible places. When
    no technician does both jobs, ob (20 min from home) cannot follow oa (10 min away):
    600 + 1,200 s of drive, 9,000 s in all. When t2 does both, ob may come from oa (600)
    or home (1,200): 900, and oa from home or ob (600 each): 8,700 s. Parking adds the
    scenario's stop overhead per job: 2 x 300 s more."""
    assert demand_s(_two_skills(("b",)), M) == 9000
    assert work_targets(_two_skills(("b",)), M) == {"t1": 4500, "t2": 4500}
    assert demand_s(_two_skills(("a", "b")), M) == 8700
    parked = _two_skills(("a", "b"))
    parked = replace(parked, travel=replace(parked.travel, stop_overhead_min=5))
    assert demand_s(parked, M) == 9300


def test_min_and_max_work_move_the_target_and_skill_less_shifts_have_none():
    """min_work_h raises a target, max_work_h lowers it; a technician with the skills for
    no order gets none."""
    p = _day(10.0)
    p = replace(p, technicians=(replace(p.technicians[0], min_work_h=3.0),
                                replace(p.technicians[1], max_work_h=2.0)))
    assert work_targets(p, M) == {"t1": 10800, "t2": 7200}
    p = replace(p, orders=tuple(replace(o, required_skills=frozenset({"gas"}))
                                for o in p.orders),
                technicians=(p.technicians[0], replace(p.technicians[1], skills=frozenset({
                    "gas"}))))
    assert set(work_targets(p, M)) == {"t2"}


def test_off_one_technician_does_everything_on_the_work_is_shared():
    """Without balance one trip is cheapest (one technician does all four jobs); with it,
    each technician does two: 8,400 s of work each, 900 s over the 7,500 s target, which
    costs nothing (only a shortfall is priced)."""
    off = solve(_day(None), M, FAST)
    assert sorted(len(r.stops) for r in off.routes) == [4]
    assert off.meta.work_targets_s == {}
    on_problem = _day(50.0)
    on = solve(on_problem, M, FAST)
    assert sorted(len(r.stops) for r in on.routes) == [2, 2]
    assert [route_work_s(r) for r in on.routes] == [8400, 8400]
    assert on.meta.work_targets_s == {"t1": 7500, "t2": 7500}
    assert verify(on_problem, M, on) == []
    kpis = compute(on_problem, on)
    assert kpis.balance_cost == 0.0
    # the one-trip plan would have cost t2's whole target: 7,500 s at 50 per hour
    assert balance_cost(on_problem, off, on.meta.work_targets_s) == pytest.approx(104.1667,
                                                                                  abs=1e-3)
    assert kpis.utilisation_min_pct == kpis.utilisation_max_pct == 22.2
    kpis_off = compute(on_problem, off)  # the same day planned without balance
    assert (kpis_off.utilisation_min_pct, kpis_off.utilisation_max_pct,
            kpis_off.utilisation_std_pct) == (0.0, 44.4, 22.2)


def test_an_idle_technician_pays_for_the_whole_target():
    """One job (60 min, 10 min away) and two technicians: targets 2,100 s each. The one who
    goes works 4,800 s (2,700 over, not priced), the other none (2,100 short): 2,100 s at
    72/h = 42, which the KPIs and the solver's own objective both count."""
    p = _day(72.0, n_orders=1)
    schedule = solve(p, M, FAST)
    assert len(schedule.routes) == 1
    assert schedule.meta.work_targets_s == {"t1": 2100, "t2": 2100}
    assert balance_cost(p, schedule) == pytest.approx(42.0)
    kpis = compute(p, schedule)
    assert kpis.balance_cost == 42.0
    assert kpis.objective_cost == round(kpis.cost + 42.0, 2)
    # the model charges the idle shift too (OR-Tools would not, on an empty route)
    solved = with_targets(p, M)
    assert schedule.meta.objective / 10_000 == pytest.approx(plan_cost(solved, schedule),
                                                             abs=0.5)


def test_balance_never_makes_leaving_work_out_pay():
    """Only t1 does skill a: three one-hour normal jobs and a two-hour low one (drop
    penalty 300), all at point 1; t2 has one 30-minute job of skill b there. Targets are
    half the day's work each (about 2 h 55 min), so t1 is over its target before it takes
    the low job. Had the excess been priced, the low job would cost 2 h x 200 of balance
    plus 2 h x 35 of time, more than its penalty, and be dropped; priced on the shortfall
    alone it costs its 70 of time and is served, and the balance cost is t2's shortfall."""
    a = frozenset({"a"})
    orders = [*(order(f"a{k}", 1, 60, required_skills=a) for k in range(3)),
              order("low", 1, 120, required_skills=a, priority=Priority.LOW),
              order("b", 1, 30, required_skills=frozenset({"b"}))]
    p = problem(orders, [tech("t1", skills=("a",)), tech("t2", skills=("b",))],
                [shift("t1"), shift("t2")])
    p = replace(p, weights=replace(p.weights, balance=200.0))
    schedule = solve(p, M, FAST)
    assert schedule.unassigned == ()
    by_shift = {r.shift_id: r for r in schedule.routes}
    assert len(by_shift["t1"].stops) == 4
    targets = schedule.meta.work_targets_s
    assert route_work_s(by_shift["t1"]) > targets["t1"]
    short_s = targets["t2"] - route_work_s(by_shift["t2"])
    assert compute(p, schedule).balance_cost == round(short_s / 3600 * 200.0, 2)
    assert verify(p, M, schedule) == []


def test_max_work_h_is_a_hard_limit_and_the_verifier_checks_it():
    """A technician with max_work_h = 1.5 takes one of three one-hour jobs (60 min + two
    10-minute drives = 80 min); the others are unassigned as fully booked. The plan made
    without the limit breaks it, and the verifier says so."""
    free = _day(None, n_techs=1, n_orders=3)
    capped = replace(free, technicians=(replace(free.technicians[0], max_work_h=1.5),))
    schedule = solve(capped, M, FAST)
    assert [len(r.stops) for r in schedule.routes] == [1]
    assert route_work_s(schedule.routes[0]) == 4800
    assert {u.code for u in schedule.unassigned} == {ReasonCode.NO_TIME}
    assert verify(capped, M, schedule) == []
    loose = solve(free, M, FAST)
    assert [len(r.stops) for r in loose.routes] == [3]
    assert any("exceed max_work_h=1.5 (5400 s)" in issue for issue in verify(capped, M, loose))


def test_the_verifier_checks_the_recorded_targets():
    """The KPIs cost the targets in the meta, so the verifier recomputes them: a tampered
    target, or targets recorded with balance off, are violations."""
    p = _day(50.0)
    schedule = solve(p, M, FAST)
    assert verify(p, M, schedule) == []
    tampered = replace(schedule, meta=replace(schedule.meta,
                                              work_targets_s={"t1": 1, "t2": 7500}))
    assert verify(p, M, tampered) == [
        "meta work_targets_s: shift t1 has 1 s, the scenario gives 7500 s"]
    off = replace(p, weights=replace(p.weights, balance=None))
    assert len(verify(off, M, schedule)) == 2
