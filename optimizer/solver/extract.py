"""An OR-Tools assignment -> routes of the :class:`~optimizer.model.Schedule`.

Break intervals are read with their bounds (``StartMin``/``StartMax``), never with
``StartValue``/``PerformedValue``: those abort the whole process (a C++ ``CHECK``,
"Check failed: start_max_ == start_min_") on an interval the assignment holds
unbound. Should a route's breaks be unbound, they are placed again from the route's
own times (:func:`place_breaks`), the way the verifier checks them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from optimizer.model import (
    Problem,
    Route,
    ScheduledBreak,
    Shift,
    Stop,
    TravelMatrix,
    WorkOrder,
    late_days,
    shift_date,
)
from optimizer.solver.build import BuiltModel, Frame
from optimizer.solver.timing import (
    UNREACHABLE_S,
    BreakSpan,
    Visit,
    access_s,
    breaks_s,
    leave_factors,
    max_work_s,
    off_route,
    overhead_s,
    route_points,
    service_s,
    simulate,
    to_datetime,
    to_s,
    travel_s,
    visit_times,
    windows_s,
)

#: (kind, start_s, end_s) of one break on a route.
TakenBreak = tuple[str, int, int]


def routes_from(problem: Problem, matrix: TravelMatrix, built: BuiltModel, solution) -> list[Route]:
    """Read every non-empty route, with arrival, wait and start times per stop."""
    routing, manager, time = built.routing, built.manager, built.time
    elements = _interval_elements(solution)
    routes = []
    for v, shift in enumerate(built.shifts):
        tech = built.techs[v]
        index = routing.Start(v)
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(index)
            index = solution.Value(routing.NextVar(index))
        nodes.append(index)
        if len(nodes) <= 2:
            continue
        service = built.node_service_s[v]
        route_start = solution.Value(time.CumulVar(nodes[0]))
        route_end = solution.Value(time.CumulVar(nodes[-1]))
        points = [built.node_points[manager.IndexToNode(i)] for i in nodes]
        starts = [solution.Value(time.CumulVar(i)) for i in nodes[1:-1]]
        services = [service[manager.IndexToNode(i)] for i in nodes[1:-1]]
        visited = [built.order_of_node(manager.IndexToNode(i)) for i in nodes[1:-1]]
        parking, factors = arrival_costs(problem, shift, tech, points, visited)
        # None when unbound in the assignment: placed from the route's times
        taken = _read_breaks(built.breaks.get(v, []), elements)
        routes.append(route_from_times(problem, matrix, shift, tech, points, visited, starts,
                                         services, parking, factors, route_start, route_end,
                                         taken))
    return routes


def routes_from_orders(problem: Problem, matrix: TravelMatrix, built: BuiltModel | Frame,
                       routes: Sequence[Sequence[str]]) -> list[Route]:
    """Every non-empty route of order ids per shift position (``built.shifts``), timed
    without OR-Tools: each shift leaves at its start and serves each order as early as
    its window allows, breaks where they fit (:func:`~.timing.visit_times`).

    For routes already checked to fit (:func:`~.warm.feasible_routes`). Reading them into
    an OR-Tools assignment instead took 15 s for 500 orders with lunch breaks.
    """
    by_id = {o.order_id: o for o in built.orders}
    out = []
    for v, ids in enumerate(routes):
        if not ids:
            continue
        shift, tech = built.shifts[v], built.techs[v]
        orders = [by_id[oid] for oid in ids]
        timed = visit_times(problem, matrix, shift, orders)
        if timed is None:
            raise ValueError(f"route of {shift.shift_id} does not fit")
        starts, route_end = timed
        route_start = to_s(problem, shift.start)
        points = route_points(matrix, shift, orders)
        services = [service_s(o, tech) for o in orders]
        parking, factors = arrival_costs(problem, shift, tech, points, orders)
        out.append(route_from_times(problem, matrix, shift, tech, points, orders, starts,
                                    services, parking, factors, route_start, route_end,
                                    None))
    return out


def arrival_costs(problem, shift, tech, points, orders, *, factor_orders=None
                  ) -> tuple[list[int], list[float]]:
    """Per visit of ``orders`` (at ``points[1:-1]``), its parking and access seconds (none
    after a stop at the same point); per leg, its peak factor by where it leaves from
    (the start, then each visit), from ``factor_orders`` if given (the orders as the
    problem has them, when ``orders`` are held to other windows)."""
    parking = [access_s(overhead_s(problem, o), a, b)
               for o, a, b in zip(orders, points[:-2], points[1:-1], strict=True)]
    factors = leave_factors(problem, shift, tech, [None, *(factor_orders or orders)])
    return parking, factors


def route_from_times(problem, matrix, shift, tech, points, orders, starts, services,
                     parking, factors, route_start, route_end, taken) -> Route:
    """One route from its visit times; ``points`` run from the start to the end point,
    ``parking`` is each visit's parking and access time, ``factors`` the peak factor of
    each leg by where it leaves from (the start, then each visit); ``taken`` the breaks
    as ``(kind, start_s, end_s)``, or None to place them where they fit."""
    if taken is None:  # the breaks where they fit between these visit times
        gaps = _gaps(matrix, tech, points, route_start, route_end, starts, services, parking,
                     factors)
        taken = place_breaks(breaks_s(problem, shift), gaps, route_start, route_end) or []
    taken = [b for b in taken if route_start <= b[1] < route_end]
    stops = []
    prev_point = points[0]
    prev_free = route_start
    for order, point, start, service, park, factor in zip(
            orders, points[1:-1], starts, services, parking, factors[:-1], strict=True):
        leg = travel_s(matrix, prev_point, point, tech, factor)
        in_gap = sum(b[2] - b[1] for b in taken if prev_free <= b[1] and b[2] <= start)
        arrival = min(start - park, prev_free + leg + in_gap)
        late = max(0, start - to_s(problem, order.sla_due)) if order.sla_due else 0
        stops.append(Stop(
            order_id=order.order_id,
            location=order.location,
            arrival=to_datetime(problem, arrival),
            start=to_datetime(problem, start),
            end=to_datetime(problem, start + service),
            wait_s=start - park - arrival,
            travel_s=leg,
            distance_m=int(matrix.distance_m[prev_point][point]),
            sla_late_s=late,
            late_days=late_days(order, shift_date(shift)),
            geocode_error_m=order.geocode_error_m,
            overhead_s=park,
        ))
        prev_point, prev_free = point, start + service
    end_point = points[-1]
    return Route(
        tech_id=shift.tech_id,
        shift_id=shift.shift_id,
        start_location=shift.start_location,
        end_location=shift.end_location,
        start=to_datetime(problem, route_start),
        end=to_datetime(problem, route_end),
        stops=tuple(stops),
        breaks=tuple(ScheduledBreak(kind, to_datetime(problem, a), to_datetime(problem, b))
                     for kind, a, b in taken),
        return_travel_s=travel_s(matrix, prev_point, end_point, tech, factors[-1]),
        return_distance_m=int(matrix.distance_m[prev_point][end_point]),
        overtime_s=max(0, route_end - to_s(problem, shift.end)),
    )


def timed_route(problem: Problem, matrix: TravelMatrix, shift: Shift,
                orders: list[WorkOrder]) -> Route | None:
    """The route of ``shift`` through ``orders`` in this sequence, timed by the verifier's
    simulation (each visit as early as it can start, with its parking time and the peak
    factors of its legs), or None if it does not fit.

    The technician leaves as late as still reaches the first visit at its time; breaks
    are placed in the gaps by :func:`place_breaks`."""
    tech = problem.technician(shift.tech_id)
    # Peak factors come from the orders as the problem (and so the verifier) has them: a
    # published visit held to its start here keeps the factor of its real windows.
    known = {o.order_id: o for o in problem.orders}
    points = route_points(matrix, shift, orders)
    services = [service_s(o, tech) for o in orders]
    parking, (start_factor, *factors) = arrival_costs(
        problem, shift, tech, points, orders,
        factor_orders=[known.get(o.order_id, o) for o in orders])
    spans = breaks_s(problem, shift)
    shift_start = to_s(problem, shift.start)
    latest_end = to_s(problem, shift.end) + int(shift.max_overtime_min * 60)

    def leg_s(i: int, j: int, factor: float) -> int:
        return travel_s(matrix, i, j, tech, factor) if matrix.is_reachable(i, j) \
            else UNREACHABLE_S

    legs = [leg_s(a, b, f) for a, b, f in zip(points[:-1], points[1:], [start_factor, *factors],
                                               strict=True)]
    cap = max_work_s(problem, shift)
    if cap is not None and sum(services) + sum(legs) + sum(parking) > cap:
        return None  # a hard limit on service, travel and parking (as visit_times has it)
    starts = simulate([Visit(p, s, windows_s(problem, o), overhead_s(problem, o), f)
                       for p, s, o, f in zip(points[1:-1], services, orders, factors,
                                             strict=True)],
                      start_point=points[0], end_point=points[-1], start_s=shift_start,
                      latest_end_s=latest_end, breaks=spans, leg_s=leg_s,
                      start_factor=start_factor)
    if starts is None:
        return None
    # what each gap must hold before the next start: the drive and the parking
    reach = [leg + park for leg, park in zip(legs, [*parking, 0], strict=True)]
    frees_after = [s + d for s, d in zip(starts, services, strict=True)]
    last_free = frees_after[-1] if orders else shift_start
    departures = [shift_start]
    if orders and starts[0] - reach[0] > shift_start:
        departures.insert(0, starts[0] - reach[0])
    total_breaks = sum(b.duration_s for b in spans)
    for departure in departures:
        for end in (last_free + legs[-1], last_free + legs[-1] + total_breaks):
            if end > latest_end:
                continue
            frees = [departure, *frees_after]
            nexts = [*starts, end]
            gaps = [(f, n, r) for f, n, r in zip(frees, nexts, reach, strict=True)]
            taken = place_breaks(spans, gaps, departure, end)
            if taken is None:
                continue
            return route_from_times(problem, matrix, shift, tech, points, orders, starts,
                                    services, parking, [start_factor, *factors], departure,
                                    end, taken)
    return None


def _interval_elements(solution) -> dict:
    """The assignment's interval elements by variable name."""
    container = solution.IntervalVarContainer()
    elements = {}
    for i in range(container.Size()):
        element = container.Element(i)
        elements[element.Var().Name()] = element
    return elements


def _read_breaks(intervals, elements) -> list[TakenBreak] | None:
    """(kind, start_s, end_s) of each performed break of one vehicle, in time order; None
    if any of them is not bound in the assignment (or missing from it)."""
    taken = []
    for interval, kind in intervals:
        element = elements.get(interval.Name())
        if element is None or element.PerformedMin() != element.PerformedMax():
            return None
        if element.PerformedMin() == 0:
            continue
        start, end = element.StartMin(), element.EndMin()
        if start != element.StartMax() or end != element.EndMax():
            return None
        taken.append((kind, start, end))
    return sorted(taken, key=lambda b: b[1])


def _gaps(matrix, tech, points, route_start, route_end, starts, services, parking,
          factors):
    """Per gap between two visits (and before the return): (free_s, next_start_s, leg_s),
    the leg at its peak factor and with the parking and access time at its end."""
    frees = [route_start, *(s + d for s, d in zip(starts, services, strict=True))]
    nexts = [*starts, route_end]
    extra = [*parking, 0]
    return [(free, nxt, travel_s(matrix, a, b, tech, factor) + park)
            for free, nxt, a, b, park, factor in zip(frees, nexts, points[:-1], points[1:],
                                                     extra, factors, strict=True)]


def place_breaks(spans: Sequence[BreakSpan], gaps: Sequence[tuple[int, int, int]],
                 route_start: int, route_end: int) -> list[TakenBreak] | None:
    """Place breaks in a route whose visit times are fixed, or None if they do not fit.

    ``gaps[k] = (free_s, next_start_s, leg_s)``: the technician is free from ``free_s``
    and must have driven ``leg_s`` and taken the gap's breaks before ``next_start_s``
    (the next visit's start, or the return for the last gap). A break lies wholly in
    one gap and in its own window; one that :func:`~.timing.off_route` allows before the
    route starts or after it ends (off duty) may be left out. Breaks never overlap; they
    are tried in the order of their windows first, then in every other order (a wide lunch
    window may come after a fixed absence, as in :func:`~.timing.simulate`).
    """
    if not gaps:
        return None
    for spans_in_order in itertools.permutations(spans):
        placed = _place_in_order(spans_in_order, gaps, route_start, route_end)
        if placed is not None:
            return sorted(placed, key=lambda b: b[1])
    return None


def _place_in_order(spans: Sequence[BreakSpan], gaps: Sequence[tuple[int, int, int]],
                    route_start: int, route_end: int) -> list[TakenBreak] | None:
    """:func:`place_breaks` with the breaks taken in the order of ``spans``."""

    def place(i: int, gap: int, free: int, used: int) -> list[TakenBreak] | None:
        if i == len(spans):
            return []
        b = spans[i]
        for k in range(gap, len(gaps)):
            gap_free, next_start, leg = gaps[k]
            t, taken_s = (free, used) if k == gap else (gap_free, 0)
            begin = max(t, b.earliest_s)
            end = begin + b.duration_s
            if (end <= b.latest_end_s and end <= next_start
                    and taken_s + b.duration_s + leg <= next_start - gap_free):
                rest = place(i + 1, k, end, taken_s + b.duration_s)
                if rest is not None:
                    return [(b.kind, begin, end), *rest]
        if off_route(b, route_start, route_end):
            return place(i + 1, gap, free, used)
        return None

    return place(0, 0, gaps[0][0], 0)
