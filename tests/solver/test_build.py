"""The routing model allows exactly the starts the order's windows allow."""

from __future__ import annotations

from dataclasses import replace

from factories import (
    FAST,
    Priority,
    at,
    line_matrix,
    order,
    point,
    problem,
    shift,
    tech,
    window,
)

from optimizer.solver import solve
from optimizer.solver.verify import verify

M = line_matrix(4)


def test_nested_windows_allow_the_whole_outer_window():
    """A critical order with windows 09:00-17:00;10:00-11:00 and one technician who works
    12:00-17:00 is served (after 12:00), not dropped as if only 09:00-11:00 were allowed."""
    p = problem([order("A", 1, priority=Priority.CRITICAL,
                       time_windows=(window("09:00", "17:00"), window("10:00", "11:00")))],
                [tech("t1")], [shift("t1", "12:00", "17:00")])
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    assert s.unassigned == ()
    (stop,) = s.routes[0].stops
    assert at("12:00") < stop.start <= at("17:00")


def test_a_gap_between_windows_stays_closed():
    """With windows 08:00-09:00 and 15:00-16:00 and a shift from 10:00, the job starts in
    the second window, not in the gap."""
    p = problem([order("A", 1, time_windows=(window("15:00", "16:00"), window("08:00", "09:00")))],
                [tech("t1")], [shift("t1", "10:00", "17:00")])
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    assert at("15:00") <= s.routes[0].stops[0].start <= at("16:00")


def test_a_shift_that_cannot_get_home_does_not_make_the_day_infeasible():
    """t2's end cannot be reached from its start (another road component): t2 takes no
    order, but t1's order is still routed (the model used to be infeasible: SolveError)."""
    import numpy as np

    from optimizer.model import TravelMatrix
    from optimizer.params import SolveParams

    p0, p1 = point(0), point(1)
    matrix = TravelMatrix(points=(p0, p1), travel_s=np.array([[0, 130], [130, 0]]),
                          distance_m=np.array([[0, 1446], [1446, 0]]), source="explicit",
                          reachable=np.array([[True, False], [True, True]]))
    p = problem([order("o1", 0, 0)], [tech("t1"), tech("t2")],
                [shift("t1"), replace(shift("t2"), end_location=p1)])
    schedule = solve(p, matrix, SolveParams(time_limit_s=5, solution_limit=10, workers=1))
    assert [(r.tech_id, [s.order_id for s in r.stops]) for r in schedule.routes] == \
        [("t1", ["o1"])]
    assert schedule.unassigned == ()
    assert verify(p, matrix, schedule) == []


def test_a_promised_order_long_past_its_sla_is_not_charged_the_retime_rate_for_it():
    """Re-planning a low order promised for 14:00 whose SLA was due at 06:00: served at its
    promise (it used to be dropped, its 8 h of SLA lateness charged at the retime rate)."""
    o = order("A", 1, priority=Priority.LOW, sla_due=at("06:00"),
              time_windows=(window("14:00", "14:00"),), promised_tech="t1",
              promised_start=at("14:00"))
    p = problem([o], [tech("t1")], [shift("t1", "08:00", "17:00")])
    s = solve(p, M, FAST)
    assert [(st.order_id, st.start) for r in s.routes for st in r.stops] == [("A", at("14:00"))]
    assert verify(p, M, s) == []
