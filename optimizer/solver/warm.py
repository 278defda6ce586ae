"""A warm start from given routes (``shift_id -> order ids``), made safe first.

Orders that are unknown, not routable, not allowed on that shift or already
placed are skipped. Each route is then rebuilt order by order, keeping an
order only if the route stays feasible (time windows, breaks, shift end with
overtime, van capacity), so a stale or hand-edited plan still gives the
search a valid start instead of none. An order that no longer fits where it was
(its window changed, say) is then inserted where it adds the least travel, on its
own shift or another it is allowed on, if it fits anywhere: left out, the search
had to find it again, and under a short limit it did not. OR-Tools checks the result once more
(``ReadAssignmentFromRoutes``); if it still refuses, there is no warm start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ortools.constraint_solver import pywrapcp

from optimizer.model import Problem, Route, TravelMatrix
from optimizer.solver.build import BuiltModel
from optimizer.solver.extract import routes_from_orders
from optimizer.solver.parallel import index_routes
from optimizer.solver.precheck import Eligibility
from optimizer.solver.timing import matched_breaks, off_route, route_points, shift_fits, to_s

#: At most this many orders that no longer fit where they were are re-inserted (each
#: tries every position of every shift it may go to; the search places the rest).
MAX_REINSERTED = 25


def feasible_routes(
    problem: Problem,
    matrix: TravelMatrix,
    built: BuiltModel,
    eligibility: Eligibility,
    initial_routes: Mapping[str, Sequence[str]],
) -> list[list[str]]:
    """Order ids per shift position: the given routes minus whatever would break a rule."""
    known = {o.order_id: o for o in built.orders}
    used: set[str] = set()
    routes: list[list[str]] = []
    for v, shift in enumerate(built.shifts):
        capacity = built.techs[v].capacity
        kept: list = []
        load = 0
        for order_id in initial_routes.get(shift.shift_id, ()):
            order = known.get(order_id)
            if order is None or order_id in used or v not in eligibility.allowed[order_id]:
                continue
            if capacity is not None and load + order.demand > capacity:
                continue
            if shift_fits(problem, matrix, shift, [*kept, order]):
                kept.append(order)
                load += order.demand
                used.add(order_id)
        routes.append(kept)
    skipped = [known[order_id] for ids in initial_routes.values() for order_id in ids
               if order_id in known and order_id not in used]
    for order in list(dict.fromkeys(skipped))[:MAX_REINSERTED]:
        _insert(problem, matrix, built, eligibility, routes, order)
        used.add(order.order_id)
    return [[o.order_id for o in kept] for kept in routes]


def with_breaks_kept(problem: Problem, matrix: TravelMatrix, built: BuiltModel,
                     eligibility: Eligibility, routes: Sequence[Route]) -> list[Route] | None:
    """The routes a search found, made to keep the lunch rule, or None if they all keep it.

    The rule (a route still under way when a break's window opens takes the break on the
    route, :func:`~.timing.off_route`) is not in the model: as a constraint there it made
    the local search many times slower on a day with a half-day shift (docs/benchmarks.md).
    So a route that leaves a break off when it may not is rebuilt here, as a warm start is
    (:func:`feasible_routes`: its visits kept in order while they still fit with the break,
    the others put where they fit, if anywhere), and retimed; the other routes stay as
    they are unless they take one of its visits.
    """
    def keeps(route: Route) -> bool:
        shift = built.shifts[positions[route.shift_id]]
        start_s, end_s = to_s(problem, route.start), to_s(problem, route.end)
        taken = [(to_s(problem, b.start), to_s(problem, b.end), b.kind) for b in route.breaks]
        return all(off_route(b, start_s, end_s) for b in matched_breaks(problem, shift, taken)[1])

    positions = {s.shift_id: v for v, s in enumerate(built.shifts)}
    if all(keeps(r) for r in routes):
        return None
    by_shift = {r.shift_id: r for r in routes}
    before = {shift_id: [s.order_id for s in r.stops] for shift_id, r in by_shift.items()}
    after = feasible_routes(problem, matrix, built, eligibility, before)
    # retimed: a route that changed or left a break off; the others stay as the search had them
    redo = [ids if ids != before.get(shift.shift_id, [])
            or (shift.shift_id in by_shift and not keeps(by_shift[shift.shift_id])) else []
            for shift, ids in zip(built.shifts, after, strict=True)]
    retimed = iter(routes_from_orders(problem, matrix, built, redo))
    return [next(retimed) if redo[v] else by_shift[shift.shift_id]
            for v, shift in enumerate(built.shifts) if after[v]]


def _insert(problem, matrix, built, eligibility, routes, order) -> None:
    """Put ``order`` where it adds the least travel among the feasible places, if any."""
    best = None
    point = matrix.index(order.location)
    for v in eligibility.allowed[order.order_id]:
        shift, kept = built.shifts[v], routes[v]
        capacity = built.techs[v].capacity
        if capacity is not None and sum(o.demand for o in kept) + order.demand > capacity:
            continue
        path = route_points(matrix, shift, kept)
        for i in range(len(kept) + 1):
            added = (int(matrix.travel_s[path[i]][point]) + int(matrix.travel_s[point][path[i + 1]])
                     - int(matrix.travel_s[path[i]][path[i + 1]]))
            if best is not None and added >= best[0]:
                continue
            if shift_fits(problem, matrix, shift, [*kept[:i], order, *kept[i:]]):
                best = (added, v, i)
    if best is not None:
        _, v, i = best
        routes[v].insert(i, order)


def initial_assignment(
    problem: Problem,
    matrix: TravelMatrix,
    built: BuiltModel,
    eligibility: Eligibility,
    initial_routes: Mapping[str, Sequence[str]],
    search,
) -> pywrapcp.Assignment | None:
    """An OR-Tools assignment for the safe part of ``initial_routes``, or None.

    Closes the model with ``search``, OR-Tools' search parameters (it needs a closed
    model to read routes).
    """
    routes = feasible_routes(problem, matrix, built, eligibility, initial_routes)
    built.routing.CloseModelWithParameters(search)
    if not any(routes):
        return None
    return built.routing.ReadAssignmentFromRoutes(index_routes(built, routes), True)
