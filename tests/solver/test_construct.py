"""The greedy constructor and the safety net it gives the search.

Problems are tiny and hand-checkable (points on a line, 10 minutes and 1 km
apart; see ``tests/factories.py``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from factories import line_matrix, order, problem, shift, tech, window

import optimizer.solver.portfolio as solver_module  # the search runs there
from optimizer.model import Location, TravelMatrix
from optimizer.params import SolveParams
from optimizer.solver import GREEDY_STATUS, solve
from optimizer.solver.build import build
from optimizer.solver.construct import greedy_routes
from optimizer.solver.precheck import check
from optimizer.solver.timing import shift_fits
from optimizer.solver.verify import verify

M = line_matrix(8)


def _greedy(p, m):
    eligibility = check(p, m)
    built = build(p, m, eligibility)
    return built, eligibility, greedy_routes(p, m, built, eligibility)


def test_routes_follow_windows_and_serve_everything_that_fits():
    """Out at 08:00 on a line: C (window 08:10-08:30) first, then the others outward."""
    p = problem([order("A", 3), order("B", 5), order("C", 1, time_windows=(window("08:10",
                                                                                  "08:30"),))],
                [tech("t1")], [shift("t1")])
    built, _, routes = _greedy(p, M)
    assert routes == [["C", "A", "B"]]
    assert shift_fits(p, M, built.shifts[0], [p.order(i) for i in routes[0]])


def test_a_critical_order_is_taken_before_a_nearer_normal_one():
    """Two hours of shift fit either the normal job next door (A, 60 min) or the critical
    one three stops out (C, 30 min), not both: the fallback serves the critical one."""
    from optimizer.model import Priority

    p = problem([order("A", 1, 60), order("C", 3, priority=Priority.CRITICAL)],
                [tech("t1")], [shift("t1", "08:00", "10:00")])
    built, _, routes = _greedy(p, M)
    assert routes == [["C"]]
    assert shift_fits(p, M, built.shifts[0], [p.order("C")])


def test_a_critical_order_without_a_window_is_not_left_to_the_end():
    """An order without a window counted as closing at the end of time, so the greedy
    routes took any order with a window first: on a Helsinki day of 560 orders they
    served 22 of 27 critical orders (a half-day plumber did one normal job and was idle
    while a critical plumbing job without a window was left out). Here three hours fit
    the normal job in its 09:00 window (A) or the critical job of two hours (C), not
    both."""
    from optimizer.model import Priority

    p = problem([order("A", 1, 60, time_windows=(window("09:00", "09:30"),)),
                 order("C", 1, 120, priority=Priority.CRITICAL)],
                [tech("t1")], [shift("t1", "08:00", "11:00")])
    built, _, routes = _greedy(p, M)
    assert routes == [["C"]]
    assert shift_fits(p, M, built.shifts[0], [p.order("C")])


def test_skills_capacity_and_shift_end_are_respected():
    """The electrician gets the electrical job; capacity splits the rest; a job that
    cannot be done and brought home before 09:00 stays out."""
    orders = [order("E", 2, required_skills=frozenset({"elec"})),
              order("H1", 1, demand=3), order("H2", 2, demand=3), order("H3", 3, demand=3)]
    techs = [tech("sparky", skills=("elec", "hvac"), capacity=5), tech("cool", capacity=5)]
    p = problem(orders, techs, [shift("sparky"), shift("cool", end="09:00")])
    built, eligibility, routes = _greedy(p, M)
    placed = [oid for r in routes for oid in r]
    assert sorted(placed) == sorted(set(placed))
    assert "E" in routes[0]
    for v, route in enumerate(routes):
        assert all(v in eligibility.allowed[oid] for oid in route)
        assert sum(p.order(oid).demand for oid in route) <= built.techs[v].capacity
        assert shift_fits(p, M, built.shifts[v], [p.order(oid) for oid in route])
    # "cool" (out until 09:00, 30-minute jobs) fits one trip to point 1 or 2 at most
    assert len(routes[1]) <= 1


def test_lunch_is_taken_before_a_job_that_would_block_it():
    """Lunch 12:00-13:00 for 30 min; a 2-hour job whose window opens at 11:45 leaves no
    room for lunch after it, so lunch comes first and the route stays feasible."""
    p = problem([order("long", 1, service_min=120, time_windows=(window("11:45", "13:30"),))],
                [tech("t1")], [shift("t1", start="11:00", lunch=("12:00", "13:00", 30))])
    built, _, routes = _greedy(p, M)
    assert routes == [["long"]]
    assert shift_fits(p, M, built.shifts[0], [p.order("long")])


def _square(n: int, techs: int = 100):
    """``n`` orders with 2-hour windows on a 60 x 60 km square, a depot in the middle."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 60_000, size=(n + 1, 2))
    xy[0] = 30_000
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    points = tuple(Location(47 + k / 10_000, 9.5, f"P{k}") for k in range(n + 1))
    matrix = TravelMatrix(points, (dist / 10).astype(np.int64), dist.astype(np.int64),
                          "explicit")  # 36 km/h
    opens = rng.integers(8 * 60, 15 * 60, size=n)
    orders = [order(f"o{k}", 0, service_min=15,
                    time_windows=(window(f"{opens[k] // 60:02d}:{opens[k] % 60:02d}",
                                         f"{opens[k] // 60 + 2:02d}:{opens[k] % 60:02d}"),))
              for k in range(n)]
    orders = [replace(o, location=points[k + 1]) for k, o in enumerate(orders)]
    shifts = [shift(f"t{k}", start="07:00", end="19:00") for k in range(techs)]
    shifts = [replace(s, start_location=points[0], end_location=points[0]) for s in shifts]
    return problem(orders, [tech(f"t{k}") for k in range(techs)], shifts), matrix


def test_greedy_routes_scale_to_a_thousand_orders():
    """1000 orders with windows on a 60 x 60 km square, 100 technicians: all placed, and
    every route passes the exact check (the safety net must hold where OR-Tools' first
    solution takes seconds)."""
    p, matrix = _square(1000)
    built, _, routes = _greedy(p, matrix)
    assert sum(map(len, routes)) == 1000
    for v, route in enumerate(routes):
        assert shift_fits(p, matrix, built.shifts[v], [p.order(oid) for oid in route])


def test_no_first_solution_in_its_share_gives_the_greedy_routes(monkeypatch):
    """700 orders: when OR-Tools' first solution has not come within its share of the time
    (made tiny here, so that it is cut whatever the machine), it is not waited for: the
    checked greedy routes, timed without OR-Tools, are the plan, every order served, and
    it verifies."""
    monkeypatch.setattr(solver_module, "FIRST_SHARE", 1e-4)
    p, matrix = _square(700)
    s = solve(p, matrix, SolveParams(time_limit_s=20, workers=1, decompose="off"))
    assert s.meta.status == GREEDY_STATUS
    assert s.unassigned == ()
    assert sum(len(r.stops) for r in s.routes) == 700
    assert verify(p, matrix, s) == []


def test_solve_falls_back_on_greedy_routes_when_no_search_finds_one(monkeypatch):
    """If the time runs out before OR-Tools has a first solution (as on 1000 orders and a
    1 s limit), the schedule is the greedy one: nothing lost, marked, and it verifies."""
    monkeypatch.setattr(solver_module, "run",
                        lambda routing, search, start=None: None)
    orders = [order(f"o{k}", 1 + k % 7, time_windows=(window("08:00", "16:00"),))
              for k in range(6)]
    p = problem(orders, [tech("t1"), tech("t2")], [shift("t1"), shift("t2")])
    s = solve(p, M, SolveParams(time_limit_s=1, workers=1))
    assert s.meta.status == GREEDY_STATUS
    assert verify(p, M, s) == []
    assert sorted(x.order_id for r in s.routes for x in r.stops) == sorted(o.order_id
                                                                           for o in orders)
    assert s.unassigned == ()


def test_a_model_too_slow_to_build_in_time_gives_the_greedy_routes(monkeypatch):
    """If building the model, timed matrix by matrix, would take more than its share of the
    time (made tiny here), no model is built: the greedy routes are the plan, timed without
    OR-Tools, every order served, and it verifies."""
    from optimizer.solver import build as build_module

    monkeypatch.setattr(solver_module, "BUILD_SHARE", 1e-6)
    p, matrix = _square(300, techs=20)
    e = check(p, matrix)
    with pytest.raises(build_module.BuildTooSlow):
        build(p, matrix, e, give_up_at=0.0)
    s = solve(p, matrix, SolveParams(time_limit_s=20, workers=1, decompose="off"))
    assert s.meta.status == GREEDY_STATUS
    assert s.unassigned == ()
    assert sum(len(r.stops) for r in s.routes) == 300
    assert verify(p, matrix, s) == []
