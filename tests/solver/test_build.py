"""The routing model allows exactly the starts the order's windows allow."""

from __future__ import annotations

from factories import FAST, Priority, at, line_matrix, order, problem, shift, tech, window

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
