"""Warm starts: given routes made safe before OR-Tools reads them.

Points on a line, 10 minutes and 1 km apart (``tests/factories.py``); both
technicians leave point 0 at 08:00.
"""

from __future__ import annotations

import pytest
from factories import line_matrix, order, problem, shift, tech, window

from optimizer.solver.build import build
from optimizer.solver.parallel import routes_of
from optimizer.solver.precheck import check
from optimizer.solver.search import Strategy, search_parameters
from optimizer.solver.warm import feasible_routes, initial_assignment

M = line_matrix(6)


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
    ({"t1": ["A", "C", "B", "D"]}, [["A", "C", "D"], []]),
    ({"nobody": ["A"], "t2": ["D"]}, [[], ["D"]]),
], ids=["unknown", "not-allowed-on-that-shift", "not-routable", "repeated",
        "misses-its-window", "unknown-shift"])
def test_what_would_break_a_rule_is_left_out_of_the_start(start, expected):
    """Each bad entry is dropped from the start; the rest keeps its shift and its order."""
    assert _safe(_problem(), start) == expected


def test_a_valid_start_is_kept_as_given():
    """Routes that break nothing come back unchanged, in the order of the shifts."""
    start = {"t2": ["G", "D"], "t1": ["B", "A", "C"]}
    assert _safe(_problem(), start) == [["B", "A", "C"], ["G", "D"]]


def test_a_start_over_the_van_capacity_keeps_what_fits():
    """With room for 1 unit: B (demand 0) and A (demand 1) fit, C (demand 1) no longer does."""
    assert _safe(_problem(capacity=1), {"t1": ["B", "A", "C"]}) == [["B", "A"], []]


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
