"""Warm starts: given routes made safe before OR-Tools reads them, and solve() from them.

Points on a line, 10 minutes and 1 km apart (``tests/factories.py``);
technicians leave point 0 at 08:00. Every schedule goes through the verifier.
"""

from __future__ import annotations

import pytest
from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer.params import SolveParams
from optimizer.solver import solve
from optimizer.solver.build import build
from optimizer.solver.parallel import routes_of
from optimizer.solver.precheck import check
from optimizer.solver.search import Strategy, search_parameters
from optimizer.solver.verify import verify
from optimizer.solver.warm import feasible_routes, initial_assignment

M = line_matrix(6)
ONE = SolveParams(time_limit_s=2, solution_limit=1, workers=1)


def stops(schedule):
    return {r.shift_id: [s.order_id for s in r.stops] for r in schedule.routes}


def _problem(capacity=None):
    """t1 (hvac) and t2 (hvac, gas); B must start by 08:30; G needs gas; X needs a lift."""
    orders = [order("A", 1, demand=1), order("B", 2, time_windows=(window("08:00", "08:30"),)),
              order("C", 3, demand=1), order("D", 5),
              order("G", 4, required_skills=frozenset({"gas"})),
              order("X", 4, required_skills=frozenset({"lift"}))]
    techs = [tech("t1", capacity=capacity), tech("t2", skills=("hvac", "gas"))]
    return problem(orders, techs, [shift("t1"), shift("t2")])


def _safe(p, start):
    eligibility = check(p, M)
    return feasible_routes(p, M, build(p, M, eligibility), eligibility, start)


@pytest.mark.parametrize(("start", "expected"), [
    ({"t1": ["A", "ghost", "C"]}, [["A", "C"], []]),
    ({"t1": ["A", "G"], "t2": ["G"]}, [["A"], ["G"]]),
    ({"t1": ["A", "X", "C"]}, [["A", "C"], []]),
    ({"t1": ["A", "C", "A"], "t2": ["C", "D"]}, [["A", "C"], ["D"]]),
    ({"t1": ["A", "C", "B", "D"]}, [["B", "A", "C", "D"], []]),
    ({"nobody": ["A"], "t2": ["D"]}, [[], ["A", "D"]]),
], ids=["unknown", "not-allowed-on-that-shift", "not-routable", "repeated",
        "misses-its-window", "unknown-shift"])
def test_what_would_break_a_rule_is_left_out_of_the_start(start, expected):
    """Each bad entry is dropped from the start; the rest keeps its shift and its order. An
    order that only misses its window where it was (B, due by 08:30, fourth on t1's route)
    is put where it fits at the least extra travel (first on t1: 20 minutes more), and so
    is an order of a shift that no longer exists (A, on t2's way to D: no extra travel)."""
    assert _safe(_problem(), start) == expected


def test_a_valid_start_is_kept_as_given():
    """Routes that break nothing come back unchanged, in the order of the shifts."""
    start = {"t2": ["G", "D"], "t1": ["B", "A", "C"]}
    assert _safe(_problem(), start) == [["B", "A", "C"], ["G", "D"]]


def test_a_start_over_the_van_capacity_keeps_what_fits():
    """With room for 1 unit: B (demand 0) and A (demand 1) fit, C (demand 1) no longer does
    and goes to t2, who has room."""
    assert _safe(_problem(capacity=1), {"t1": ["B", "A", "C"]}) == [["B", "A"], ["C"]]


def test_initial_assignment_holds_the_safe_routes():
    """OR-Tools reads the safe part of the start: the assignment visits exactly those routes."""
    p = _problem()
    eligibility = check(p, M)
    built = build(p, M, eligibility)
    search = search_parameters(Strategy(), time_limit_s=1, warm=True)
    start = initial_assignment(p, M, built, eligibility, {"t1": ["A", "ghost", "C"],
                                                          "t2": ["G", "D"]}, search)
    assert start is not None
    assert routes_of(built, start) == (("A", "C"), ("G", "D"))


def test_initial_assignment_of_nothing_safe_is_none():
    """A start with nothing usable gives no assignment (the search then starts from scratch)."""
    p = _problem()
    eligibility = check(p, M)
    built = build(p, M, eligibility)
    search = search_parameters(Strategy(), time_limit_s=1, warm=True)
    assert initial_assignment(p, M, built, eligibility, {"t1": ["ghost", "X"]}, search) is None


def test_warm_start_is_kept_as_given():
    """With a solution limit of 1 the given routes come back as they are, on their shifts."""
    p = problem([order(f"o{k}", 1 + k % 5) for k in range(6)], [tech("t1"), tech("t2")],
                [shift("t1"), shift("t2")])
    start = {"t1": ["o4", "o0", "o2"], "t2": ["o1", "o5", "o3"]}
    s = solve(p, M, ONE, initial_routes=start)
    assert verify(p, M, s) == []
    assert stops(s) == start


def test_warm_start_leaves_out_what_would_break_a_rule():
    """An unknown order, a repeated one and an unknown shift are left out of the start; an
    order whose window the given sequence misses is moved to where it fits (B first); the
    result still verifies and serves all."""
    p = problem([order("A", 1), order("B", 2, time_windows=(window("08:00", "08:30"),)),
                 order("C", 3)], [tech("t1")], [shift("t1")])
    start = {"t1": ["A", "C", "B", "ghost", "A"], "nobody": ["C"]}
    first = solve(p, M, ONE, initial_routes=start)
    assert verify(p, M, first) == []
    assert stops(first) == {"t1": ["B", "A", "C"]}  # B cannot start by 08:30 after A and C
    best = solve(p, M, FAST, initial_routes=start)
    assert verify(p, M, best) == []
    assert best.unassigned == ()


def test_warm_start_over_capacity_is_trimmed():
    """A start that overloads the van keeps only what fits; the search places the rest."""
    p = problem([order(f"o{k}", 1, 20, demand=2) for k in range(4)],
                [tech("t1", capacity=4), tech("t2", capacity=4)], [shift("t1"), shift("t2")])
    first = solve(p, M, ONE, initial_routes={"t1": ["o0", "o1", "o2", "o3"]})
    assert verify(p, M, first) == []
    assert stops(first)["t1"] == ["o0", "o1"]
