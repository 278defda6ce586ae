"""Orders the road network cannot reach come out unassigned with that reason."""

from __future__ import annotations

import numpy as np
from factories import FAST, line_matrix, order, problem, shift, tech

from optimizer.model import ReasonCode, TravelMatrix
from optimizer.solver import solve
from optimizer.solver.verify import verify


def test_unreachable_order_is_unassigned_with_its_reason():
    """Point 3 cannot be reached from anywhere (a cut-off piece): its order is reported as
    'not reachable by road' and the rest is planned normally."""
    base = line_matrix(4)
    reachable = np.ones((4, 4), dtype=bool)
    reachable[:, 3] = False
    reachable[3, 3] = True
    matrix = TravelMatrix(base.points, base.travel_s, base.distance_m, "explicit", reachable)
    p = problem([order("A", 1), order("B", 3)], [tech("t1")], [shift("t1")])
    s = solve(p, matrix, FAST)
    assert {u.order_id: (u.code, u.reason) for u in s.unassigned} == {
        "B": (ReasonCode.UNREACHABLE, "not reachable by road")}
    assert [x.order_id for x in s.routes[0].stops] == ["A"]
    assert verify(p, matrix, s) == []


def test_one_way_trap_order_is_unreachable_when_the_way_back_is_missing():
    """An order that can be reached but not left (no path back home) is unassigned too."""
    base = line_matrix(3)
    reachable = np.ones((3, 3), dtype=bool)
    reachable[2, :2] = False
    matrix = TravelMatrix(base.points, base.travel_s, base.distance_m, "explicit", reachable)
    p = problem([order("A", 2)], [tech("t1")], [shift("t1")])
    assert {u.order_id: (u.code, u.reason) for u in solve(p, matrix, FAST).unassigned} == {
        "A": (ReasonCode.UNREACHABLE, "not reachable by road")}
