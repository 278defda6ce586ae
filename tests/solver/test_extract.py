"""Reading routes and breaks out of an OR-Tools assignment, including routes read back
from another search (a helper process) and breaks the assignment holds unbound."""

from __future__ import annotations

from dataclasses import replace

from factories import Priority, at, line_matrix, order, problem, shift, tech, window

from optimizer.model import Break, Schedule, SolveMeta
from optimizer.solver import parallel, read_back
from optimizer.solver.build import build
from optimizer.solver.extract import place_breaks, routes_from
from optimizer.solver.precheck import check
from optimizer.solver.search import Strategy, run, search_parameters
from optimizer.solver.timing import BreakSpan
from optimizer.solver.verify import verify
from optimizer.solver.warm import with_breaks_kept

M = line_matrix(6)


def _problem():
    """Two technicians with a lunch and a coffee break, twelve jobs of all kinds."""
    coffee = Break(at("15:00"), at("16:00"), 15, "coffee")
    shifts = [replace(shift(t, lunch=("11:30", "13:30", 30), home=h), breaks=(
        *shift(t, lunch=("11:30", "13:30", 30)).breaks, coffee)) for t, h in (("t1", 0), ("t2", 5))]
    orders = [order(f"o{k}", 1 + k % 5, 45 + 15 * (k % 3), priority=list(Priority)[k % 4],
                    time_windows=(window("13:00", "16:00"),) if k % 4 == 0 else ())
              for k in range(12)]
    return problem(orders, [tech("t1"), tech("t2")], shifts)


def _schedule(p, routes) -> Schedule:
    meta = SolveMeta(0, 1.0, None, "explicit", "TEST", 0, 0.0, {})
    routed = {s.order_id for r in routes for s in r.stops}
    from optimizer.model import Unassigned
    return Schedule(p.name, p.plan_date, p.timezone, tuple(routes),
                    tuple(Unassigned(o.order_id, "test") for o in p.orders
                          if o.order_id not in routed), meta)


def test_routes_read_back_from_a_helper_have_valid_breaks():
    """Routes found by another search (as a helper process sends them) and read into a
    model of this process come out, once kept to the lunch rule, with breaks the verifier
    accepts."""
    p = _problem()
    eligibility = check(p, M)
    helper = parallel.search_alone(p, M, Strategy("SAVINGS"), time_limit_s=1, solution_limit=30,
                                   worker=1, eligibility=eligibility)
    into, assignment = read_back(p, M, eligibility, helper.routes)
    routes = routes_from(p, M, into, assignment)
    assert [tuple(s.order_id for s in r.stops) for r in routes] == \
        [ids for ids in helper.routes if ids]
    # the lunch rule is kept after the search, as solve() does (it is not in the model)
    routes = with_breaks_kept(p, M, into, eligibility, routes) or routes
    assert verify(p, M, _schedule(p, routes)) == []
    # breaks were read (the lunch may fall before a late start, by the lunch rule)
    assert any(r.breaks for r in routes)


def test_unbound_breaks_are_placed_from_the_route_not_read():
    """An assignment whose break starts are not fixed (StartMin < StartMax) used to abort the
    process in StartValue(); the breaks are now placed from the route's times, validly."""
    p = _problem()
    eligibility = check(p, M)
    built = build(p, M, eligibility)
    solution = run(built.routing, search_parameters(Strategy(), time_limit_s=1, solution_limit=20))
    loose = built.routing.solver().Assignment(solution)
    container = loose.IntervalVarContainer()
    for i in range(container.Size()):
        element = container.Element(i)
        var = element.Var()
        element.SetStartRange(var.StartMin(), var.StartMax())
        element.SetEndRange(var.EndMin(), var.EndMax())
    assert any(container.Element(i).StartMin() != container.Element(i).StartMax()
               for i in range(container.Size()))
    routes = routes_from(p, M, built, loose)
    routes = with_breaks_kept(p, M, built, eligibility, routes) or routes  # as solve() does
    assert verify(p, M, _schedule(p, routes)) == []
    for route in routes:
        if route.start <= at("11:30") and route.end >= at("13:30"):
            assert [b.kind for b in route.breaks][:1] == ["lunch"]


def test_place_breaks_uses_a_gap_long_enough_for_travel_and_break():
    """Visits 09:00-10:00 and at 11:00 with 20 min of driving: a 30-min break in 09:00-12:00
    fits only in the second gap's slack (10:00-10:30), and not with 50 min of driving."""
    spans = [BreakSpan(9 * 3600, 12 * 3600, 1800, "lunch")]
    gaps = [(8 * 3600, 9 * 3600, 3600), (10 * 3600, 11 * 3600, 1200), (11 * 3600 + 1800,
                                                                          12 * 3600, 600)]
    assert place_breaks(spans, gaps, 8 * 3600, 12 * 3600) == \
        [("lunch", 10 * 3600, 10 * 3600 + 1800)]
    gaps[1] = (10 * 3600, 11 * 3600, 3000)
    assert place_breaks(spans, gaps, 8 * 3600, 12 * 3600) is None


def test_place_breaks_leaves_out_a_break_only_when_back_before_its_window():
    """The lunch rule: a route back by the time the lunch window opens (11:00) may leave the
    lunch out; one still under way then (back at 12:00, inside the window, with no room for
    it) may not, and place_breaks finds no placement."""
    spans = [BreakSpan(11 * 3600, 14 * 3600, 1800, "lunch")]
    early = [(8 * 3600, 9 * 3600, 3600), (9 * 3600 + 3600, 11 * 3600, 3600)]
    assert place_breaks(spans, early, 8 * 3600, 11 * 3600) == []
    late = [(8 * 3600, 9 * 3600, 3600), (9 * 3600 + 3600, 12 * 3600, 7200)]
    assert place_breaks(spans, late, 8 * 3600, 12 * 3600) is None


def test_routes_timed_without_or_tools_verify_with_their_breaks():
    """Routes found elsewhere, timed directly (as the greedy fallback is): the stops come in
    the given order, each shift leaves at its start, lunch is placed, and the verifier
    accepts the schedule."""
    from optimizer.solver.extract import routes_from_orders

    p = _problem()
    eligibility = check(p, M)
    helper = parallel.search_alone(p, M, Strategy("SAVINGS"), time_limit_s=1, solution_limit=30,
                                   worker=1, eligibility=eligibility)
    built = build(p, M, eligibility)
    routes = routes_from_orders(p, M, built, helper.routes)
    assert [tuple(s.order_id for s in r.stops) for r in routes] == \
        [ids for ids in helper.routes if ids]
    assert [r.start for r in routes] == [s.start for s, ids in zip(built.shifts, helper.routes,
                                                                    strict=True) if ids]
    assert verify(p, M, _schedule(p, routes)) == []
    assert any(b.kind == "lunch" for r in routes for b in r.breaks)


def test_place_breaks_may_put_a_wide_lunch_after_a_fixed_absence():
    """Free 11:15-12:30 at one place: the absence 11:30-12:00, then the lunch (30 min in
    11:00-14:00) at 12:00; in the order of the windows (lunch first) nothing fits."""
    lunch = BreakSpan(11 * 3600, 14 * 3600, 1800, "lunch")
    absence = BreakSpan(11 * 3600 + 1800, 12 * 3600, 1800, "absence")
    gaps = [(8 * 3600, 10 * 3600 + 1800, 0), (11 * 3600 + 900, 12 * 3600 + 1800, 0),
            (13 * 3600, 13 * 3600, 0)]
    assert place_breaks([lunch, absence], gaps, 8 * 3600, 13 * 3600) == [
        ("absence", 11 * 3600 + 1800, 12 * 3600), ("lunch", 12 * 3600, 12 * 3600 + 1800)]
