"""Reasons for dropped orders: each one true for the routes as planned."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer.model import ObjectiveWeights, Priority, ReasonCode, TravelMatrix
from optimizer.params import SolveParams
from optimizer.solver import solve
from optimizer.solver.diagnose import reason_for_dropped
from optimizer.solver.verify import verify

M = line_matrix(4)


def _planned(p):
    """Solve ``p`` (all of its orders are routed) and return the routes by shift id."""
    s = solve(p, M, FAST)
    assert verify(p, M, s) == [] and s.unassigned == ()
    return {r.shift_id: r for r in s.routes}


def test_van_full_is_the_reason_when_capacity_binds():
    """t1's van (capacity 4) holds two jobs of demand 2: a third job of demand 1 would fit in
    time but not in the van, and the reason says so instead of 'could fit with t1'."""
    p = problem([order("o1", 1, 20, demand=2), order("o2", 2, 20, demand=2)],
                [tech("t1", capacity=4)], [shift("t1")])
    routes = _planned(p)
    extra = order("X", 1, 20, demand=1)
    assert reason_for_dropped(p, M, extra, (0,), routes) == (
        ReasonCode.VAN_FULL, "van full: qualified technicians (t1) have no capacity left")


def test_capacity_that_does_not_bind_leaves_the_cost_reason():
    """The same full day, but a job of demand 0 still fits the van: it could fit with t1.
    Its 20 minutes at t1's 35 an hour add 11.67, more than its (low priority's) drop
    penalty of 5."""
    weights = ObjectiveWeights(drop_penalty={**ObjectiveWeights().drop_penalty,
                                             Priority.LOW: 5.0})
    p = problem([order("o1", 1, 20, demand=2), order("o2", 2, 20, demand=2)],
                [tech("t1", capacity=4)], [shift("t1")], weights=weights)
    routes = _planned(p)
    extra = order("X", 1, 20, demand=0, priority=Priority.LOW)
    assert reason_for_dropped(p, M, extra, (0,), routes) == (
        ReasonCode.DROPPED_FOR_COST,
        "cheaper to leave out than to serve (drop penalty 5 for low priority; the "
        "cheapest place found, with t1, adds 11.67; could fit with t1)")


def test_an_order_cheaper_to_serve_than_to_leave_out_was_not_reached():
    """A finished search that left out an order whose cheapest place adds less than its
    drop penalty (11.67 against 1000) did not weigh it: the reason says so, with both
    figures, and never 'cheaper to leave out'."""
    p = problem([order("o1", 1, 20, demand=2), order("o2", 2, 20, demand=2)],
                [tech("t1", capacity=4)], [shift("t1")])
    routes = _planned(p)
    extra = order("X", 1, 20, demand=0)
    assert reason_for_dropped(p, M, extra, (0,), routes) == (
        ReasonCode.NOT_REACHED,
        "not reached by the search: serving it with t1 adds 11.67 to the plan's cost, less "
        "than its drop penalty 1000 (normal priority); could fit with t1. A longer time "
        "limit may place it")


def test_an_order_that_lowers_the_cost_is_said_to_lower_it():
    """With workload balance, t1 short of its target gains by more work: serving X lowers
    the plan's cost, and the reason says so in those words (it said "adds -113.88")."""
    from optimizer.solver.balance import with_targets

    not_t1 = frozenset({"t1"})
    p = problem([order("o1", 1, 60), order("o2", 2, 120, excluded_techs=not_t1),
                 order("o3", 3, 120, excluded_techs=not_t1)],
                [tech("t1"), tech("t2")], [shift("t1"), shift("t2")])
    p = with_targets(replace(p, weights=replace(p.weights, balance=200.0)), M)
    routes = _planned(p)
    code, reason = reason_for_dropped(p, M, order("X", 1, 60), (0,), routes)
    assert code == ReasonCode.NOT_REACHED
    assert reason.startswith("not reached by the search: serving it with t1 lowers the "
                             "plan's cost by ")
    assert "and leaving it out costs its drop penalty 1000 (normal priority)" in reason


def test_van_full_and_fully_booked_are_both_named():
    """t1's van is full, t2 has room but no time left in the job's window: both are said."""
    p = problem([order("o1", 1, 20, demand=2, excluded_techs=frozenset({"t2"})),
                 order("o2", 2, 60, time_windows=(window("14:00", "14:00"),),
                       excluded_techs=frozenset({"t1"}))],
                [tech("t1", capacity=2), tech("t2")],
                [shift("t1"), shift("t2")])
    routes = _planned(p)
    extra = order("X", 2, 60, demand=1, time_windows=(window("14:00", "14:00"),))
    assert reason_for_dropped(p, M, extra, (0, 1), routes) == (
        ReasonCode.NO_ROOM,
        "no room on any route: qualified technicians (t2) are fully booked in its window, "
        "(t1) have no capacity left")


def test_capacity_binding_in_a_solve_is_reported_as_van_full():
    """Three jobs of demand 2 and a van of capacity 4: the one left out is 'van full'."""
    p = problem([order(f"o{k}", 1, 20, demand=2) for k in range(3)],
                [tech("t1", capacity=4)], [shift("t1")])
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    assert [(u.code, u.reason) for u in s.unassigned] == [
        (ReasonCode.VAN_FULL, "van full: qualified technicians (t1) have no capacity left")]


def test_an_order_the_greedy_routes_did_not_reach_is_not_called_too_expensive():
    """Under a time limit too short for a search, the greedy routes take the critical
    09:00 appointment first and leave out a job due by 08:30 that would have fitted before
    it: the reason says it was not reached, not that it was cheaper to leave out."""
    p = problem([order("C", 3, 30, priority=Priority.CRITICAL,
                       time_windows=(window("09:00", "09:30"),)),
                 order("B", 1, 30, time_windows=(window("08:00", "08:30"),))],
                [tech("t1")], [shift("t1")])
    s = solve(p, M, SolveParams(time_limit_s=1e-9))
    assert verify(p, M, s) == []
    assert s.meta.status == "TIME_LIMIT_GREEDY_ROUTES"
    assert [(u.order_id, u.code, u.reason) for u in s.unassigned] == [
        ("B", ReasonCode.NOT_REACHED, "not reached within the time limit (could fit with t1)")]


def test_an_unfinished_search_says_not_reached():
    """A search cut short (finished=False) reports a fitting order as not reached."""
    p = problem([order("o1", 1, 20)], [tech("t1")], [shift("t1")])
    routes = _planned(p)
    extra = order("X", 2, 20)
    assert reason_for_dropped(p, M, extra, (0,), routes, finished=False) == (
        ReasonCode.NOT_REACHED, "not reached within the time limit (could fit with t1)")


def test_no_road_between_jobs_is_not_called_a_fit():
    """Point 3 is reachable from the depot but not from point 1: next to a job at point 1,
    an order at point 3 does not 'fit with t1'; the reason names the missing road."""
    base = line_matrix(4)
    reachable = np.ones((4, 4), dtype=bool)
    reachable[1, 3] = reachable[3, 1] = False
    matrix = TravelMatrix(base.points, base.travel_s, base.distance_m, "explicit", reachable)
    p = problem([order("o1", 1, 20)], [tech("t1")], [shift("t1")])
    s = solve(p, matrix, FAST)
    assert verify(p, matrix, s) == []
    routes = {r.shift_id: r for r in s.routes}
    assert reason_for_dropped(p, matrix, order("X", 3, 20), (0,), routes) == (
        ReasonCode.UNREACHABLE_FROM_JOBS,
        "not reachable by road from the other jobs of qualified technicians (t1)")


def test_fully_booked_is_no_time_with_and_without_a_window():
    """t1's day is full (two 4-hour jobs): a 30-minute job is NO_TIME, worded 'in any shift'
    without a window and 'in its window' with one."""
    p = problem([order("o1", 0, 240), order("o2", 0, 240)],
                [tech("t1")], [shift("t1", "08:00", "16:00")])
    routes = _planned(p)
    assert reason_for_dropped(p, M, order("X", 0, 30), (0,), routes) == (
        ReasonCode.NO_TIME,
        "not enough time in any shift: qualified technicians (t1) are fully booked")
    windowed = order("Y", 0, 30, time_windows=(window("09:00", "10:00"),))
    assert reason_for_dropped(p, M, windowed, (0,), routes) == (
        ReasonCode.NO_TIME,
        "not enough time: qualified technicians (t1) are fully booked in its window")


def test_open_positions_skips_what_cannot_fit_and_keeps_what_can():
    """The screen before the exact check keeps every position where the order fits (with
    breaks) and drops the ones that no timing could make fit."""
    import itertools

    from optimizer.solver.diagnose import open_positions
    from optimizer.solver.timing import shift_fits

    m = line_matrix(6)
    for lunch, win in itertools.product((None, ("11:00", "14:00", 60)),
                                        (None, ("09:00", "10:00"), ("15:00", "16:30"))):
        planned = [order("a", 1, 90, time_windows=(window("08:00", "09:00"),)),
                   order("b", 3, 120), order("c", 5, 60, time_windows=(window("13:00", "15:00"),))]
        s = shift("t1", "08:00", "17:00", lunch=lunch)
        p = problem(planned, [tech("t1")], [s])
        extra = order("X", 2, 45, time_windows=(window(*win),) if win else ())
        kept = open_positions(p, m, s, planned, extra)
        fits = [i for i in range(4) if shift_fits(p, m, s, [*planned[:i], extra, *planned[i:]])]
        assert set(fits) <= set(kept)
        if win == ("09:00", "10:00"):
            assert kept == [1]  # only between a (done by 09:40 at the earliest) and b


def test_the_screen_of_many_routes_finds_the_same_positions_and_reasons():
    """Screen (numpy, all routes at once) gives open_positions' answer for every shift, and
    reason_for_dropped says the same with it as without."""
    from optimizer.solver.diagnose import Screen, open_positions

    m = line_matrix(6)
    planned = [order("a", 1, 90, time_windows=(window("08:00", "09:00"),)), order("b", 3, 120),
               order("c", 5, 60, time_windows=(window("13:00", "15:00"),))]
    shifts = [shift("t1", lunch=("11:00", "14:00", 60)), shift("t2", "12:00", "17:00"),
              shift("t3", "08:00", "09:30")]
    p = problem([*planned, order("d", 2, 60)], [tech("t1"), tech("t2", speed_factor=0.5),
                                                tech("t3", efficiency=1.5)], shifts)
    s = solve(p, m, FAST)
    routes = {r.shift_id: r for r in s.routes}
    screen = Screen(p, m, routes)
    for extra in (order("X", 2, 45, time_windows=(window("09:00", "10:00"),)),
                  order("Y", 4, 30), order("Z", 0, 240)):
        found = screen.positions(extra)
        for k, sh in enumerate(shifts):
            route = routes.get(sh.shift_id)
            on_route = [p.order(x.order_id) for x in route.stops] if route else []
            assert found.get(k, []) == open_positions(p, m, sh, on_route, extra)
        assert reason_for_dropped(p, m, extra, (0, 1, 2), routes, screen=screen) == \
            reason_for_dropped(p, m, extra, (0, 1, 2), routes)
