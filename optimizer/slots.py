"""Appointment slots to offer a customer: where a new visit fits into a published plan.

A request is a work order, usually without a window. Each working day of the plan is cut
into candidate windows (``window_h`` hours, from the day's first shift start on the hour;
with windows of its own, the request is offered only the parts inside them);
for each window the cheapest insertion of the visit, starting inside the window, into
any route of a shift of that day that may serve it is found, and the windows are
ranked by that marginal cost. An insertion is timed with the verifier's own
simulation (:func:`optimizer.solver.timing.simulate`, which takes every break and
keeps every other visit inside its windows), so an offer never breaks an appointment
already made; its route passes :func:`optimizer.solver.verify.verify`. The visits
already published keep their start or move later, never earlier (:func:`held`).

The marginal cost is in money, from :func:`optimizer.solver.costs.route_cost` (the
model's objective on a route): the route with the visit, timed by
:func:`optimizer.solver.extract.timed_route`,
minus the route as published (or minus the balance cost of the shift left idle). With
workload balance on, the balance part is at the published plan's targets
(``meta.work_targets_s``): a visit for a technician below target costs less. Pure: no
files, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from optimizer.model import (
    Problem,
    ReasonCode,
    Route,
    Schedule,
    Shift,
    TimeWindow,
    TravelMatrix,
    WorkOrder,
    location_code,
    shift_date,
)
from optimizer.solver.balance import work_targets
from optimizer.solver.costs import shift_cost
from optimizer.solver.diagnose import open_positions
from optimizer.solver.extract import timed_route
from optimizer.solver.precheck import check
from optimizer.solver.timing import route_points

#: Insertion positions tried per route and window, cheapest detour first (the rest are
#: dearer detours; ``benchmarks/slots.py`` measures what this loses against all of them).
POSITIONS_PER_ROUTE = 4


@dataclass(frozen=True, slots=True)
class Offer:
    """One window to offer: the visit starts between ``window_start`` and ``window_end``.

    ``keeps_promises`` is True when every other visit of the technician's route stays
    within ``retime_tolerance_min`` of its published start (every visit always stays
    inside its own appointment window: an offer that would break one is never made).
    """

    day: date
    window_start: datetime
    window_end: datetime
    tech_id: str
    shift_id: str
    expected_start: datetime
    marginal_cost: float
    keeps_promises: bool
    #: Position of the visit in the route's stops (0: first).
    position: int


class Offers(list):
    """The offers, cheapest first; empty with :attr:`reason` ``(code, text)`` when none fits."""

    reason: tuple[ReasonCode, str] | None = None


def held(order: WorkOrder, published_start: datetime) -> WorkOrder:
    """``order`` as a visit already published for ``published_start``: it may start later
    (inside its windows), never earlier, so the customer is not asked to be home sooner."""
    far = published_start + timedelta(days=366)
    windows = tuple(TimeWindow(max(w.start, published_start), w.end)
                    for w in order.time_windows if w.end >= published_start)
    return replace(order, time_windows=windows or (TimeWindow(published_start, far),))


def planned_orders(problem: Problem, route: Route | None) -> list[WorkOrder]:
    """The visits of a published route, in order, each :func:`held` at its start."""
    if route is None:
        return []
    return [held(problem.order(s.order_id), s.start) for s in route.stops]


def candidate_windows(problem: Problem, shifts: list[Shift], window_h: float
                      ) -> list[TimeWindow]:
    """``window_h``-hour windows over the working span of ``shifts`` (one day), from the
    first shift start (on the hour) to the last shift end."""
    first = min(s.start for s in shifts)
    last = max(s.end for s in shifts)
    begin = first.replace(minute=0, second=0, microsecond=0)
    step = timedelta(hours=window_h)
    windows = []
    while begin < last:
        windows.append(TimeWindow(begin, min(begin + step, last)))
        begin += step
    return windows


@dataclass(frozen=True, slots=True)
class Insertion:
    """The request at ``position`` of the route of ``shift``: the new route and its cost."""

    shift: Shift
    position: int
    route: Route
    marginal_cost: float


def best_insertion(problem: Problem, matrix: TravelMatrix, shift: Shift,
                   planned: list[WorkOrder], request: WorkOrder, base_cost: float, *,
                   exhaustive: bool = False) -> Insertion | None:
    """The cheapest insertion of ``request`` (with its window) into ``planned``.

    Positions that cannot take the visit with breaks aside are skipped; of the rest, the
    :data:`POSITIONS_PER_ROUTE` with the cheapest detour in kilometres are timed (every
    position when ``exhaustive``)."""
    positions = (range(len(planned) + 1) if exhaustive
                 else open_positions(problem, matrix, shift, planned, request))
    if not positions:
        return None
    if not exhaustive:
        tech = problem.technician(shift.tech_id)
        points = route_points(matrix, shift, planned)
        here = matrix.index(request.location)
        distance = matrix.distance_m

        def detour(i: int) -> float:
            a, b = points[i], points[i + 1]
            return (float(distance[a][here]) + float(distance[here][b])
                    - float(distance[a][b])) * tech.cost_per_km
        positions = sorted(positions, key=detour)[:POSITIONS_PER_ROUTE]
    best = None
    for i in positions:
        route = timed_route(problem, matrix, shift, [*planned[:i], request, *planned[i:]])
        if route is None:
            continue
        cost = shift_cost(problem, shift, route) - base_cost
        if best is None or cost < best.marginal_cost - 1e-9:
            best = Insertion(shift, i, route, cost)
    return best


def with_request(problem: Problem, request: WorkOrder) -> Problem:
    """``problem`` with ``request`` among its orders (replacing one of the same id)."""
    others = tuple(o for o in problem.orders if o.order_id != request.order_id)
    return replace(problem, orders=(*others, request))


def _reason(problem: Problem, matrix: TravelMatrix, request: WorkOrder
            ) -> tuple[ReasonCode, str] | None:
    """Why no shift of ``problem`` could serve ``request`` even alone, or None."""
    alone = replace(problem, orders=(replace(request, time_windows=()),))
    eligibility = check(alone, matrix)
    return eligibility.reasons.get(request.order_id)


def offer(problem: Problem, matrix: TravelMatrix, schedule: Schedule, request: WorkOrder, *,
          slots: int = 3, days: int = 5, window_h: float = 2.0,
          exhaustive: bool = False) -> Offers:
    """Rank the windows of the first ``days`` working days by the marginal cost of the
    visit (see the module docstring); the best ``slots`` of them, one technician each.

    ``request.location`` must be a point of ``matrix``. An empty answer carries
    :attr:`Offers.reason`: the pre-check's reason when no shift could take the visit
    even alone (skills, parts, road, window), else ``NO_TIME`` (no room in the horizon).
    """
    result = Offers()
    if request.location is None:
        result.reason = (location_code(request.location_issue),
                         request.location_issue or "no location")
        return result
    asked = request.time_windows  # offers lie inside them (the customer's own hours)
    request = replace(request, time_windows=(), promised_tech=None, promised_start=None,
                      pinned=False)
    problem = with_request(problem, request)
    if problem.weights.balance is not None:
        # priced with workload balance at the published plan's targets: work added to a
        # shift below its target lowers its balance cost
        problem = replace(problem, work_targets_s=schedule.meta.work_targets_s)
    working = sorted({shift_date(s) for s in problem.shifts})[:days]
    shifts = [s for s in problem.shifts if shift_date(s) in working]
    if not shifts:
        result.reason = (ReasonCode.NO_SHIFT, "no technician works in the horizon")
        return result
    horizon = replace(problem, shifts=tuple(shifts))
    reason = _reason(horizon, matrix, request)
    if reason is not None:
        result.reason = reason
        return result
    allowed = check(replace(horizon, orders=(request,)), matrix).allowed[request.order_id]
    routes = {r.shift_id: r for r in schedule.routes}
    published = {s.order_id: s.start for r in schedule.routes for s in r.stops}
    tolerance_s = problem.weights.retime_tolerance_min * 60
    candidates = []
    for day in working:
        day_shifts = [shifts[k] for k in allowed if shift_date(shifts[k]) == day]
        if not day_shifts:
            continue
        for window in _inside(candidate_windows(problem, day_shifts, window_h), asked):
            windowed = replace(request, time_windows=(window,))
            trial = with_request(problem, windowed)
            best = None
            for shift in day_shifts:
                as_published = routes.get(shift.shift_id)
                planned = planned_orders(problem, as_published)
                # priced against the route as published: a re-timing of it (the first
                # placement of its breaks the simulation finds) may be dearer, and a
                # marginal cost against that would be too low, even negative
                found = best_insertion(trial, matrix, shift, planned, windowed,
                                       shift_cost(trial, shift, as_published),
                                       exhaustive=exhaustive)
                if found is not None and (best is None
                                          or found.marginal_cost < best.marginal_cost - 1e-9):
                    best = found
            if best is not None:
                candidates.append((window, best))
    candidates.sort(key=lambda wb: (round(wb[1].marginal_cost, 6), wb[0].start))
    for window, best in candidates[:slots]:
        stop = best.route.stops[best.position]
        keeps = all(abs((s.start - published[s.order_id]).total_seconds()) <= tolerance_s
                    for s in best.route.stops if s.order_id in published)
        result.append(Offer(
            day=shift_date(best.shift), window_start=window.start, window_end=window.end,
            tech_id=best.shift.tech_id, shift_id=best.shift.shift_id,
            expected_start=stop.start, marginal_cost=round(best.marginal_cost, 2),
            keeps_promises=keeps, position=best.position))
    if not result:
        where = " inside its requested window" + ("s" if len(asked) > 1 else "") \
            if asked else ""
        result.reason = (ReasonCode.NO_TIME, f"no room{where} in the next {len(working)} "
                                             f"working day{'s' if len(working) != 1 else ''}: "
                                             "every qualified technician is fully booked")
    return result


def _inside(windows: list[TimeWindow], asked: tuple[TimeWindow, ...]) -> list[TimeWindow]:
    """``windows`` cut to the parts inside the request's own windows ``asked`` (all of
    them when it has none)."""
    if not asked:
        return windows
    return [TimeWindow(max(w.start, a.start), min(w.end, a.end))
            for w in windows for a in asked if max(w.start, a.start) < min(w.end, a.end)]


def booked_order(request: WorkOrder, chosen: Offer) -> WorkOrder:
    """The request as a promised appointment: the offered window on the offered day."""
    return replace(request, time_windows=(TimeWindow(chosen.window_start, chosen.window_end),),
                   earliest_date=chosen.day)


def book(problem: Problem, matrix: TravelMatrix, schedule: Schedule, request: WorkOrder,
         chosen: Offer) -> tuple[WorkOrder, Schedule]:
    """Write ``chosen`` into ``schedule``: the visit inserted into its technician's route,
    the route re-timed by the verifier's simulation. Returns the booked order and the new
    schedule (KPIs are left for the caller to recompute).

    Raises ValueError if the offer no longer fits the schedule.
    """
    order = booked_order(request, chosen)
    problem = with_request(problem, order)
    shift = next(s for s in problem.shifts if s.shift_id == chosen.shift_id)
    old = next((r for r in schedule.routes if r.shift_id == chosen.shift_id), None)
    planned = planned_orders(problem, old)
    route = timed_route(problem, matrix, shift,
                        [*planned[:chosen.position], order, *planned[chosen.position:]])
    if route is None:
        raise ValueError(f"the offer {chosen.window_start:%Y-%m-%d %H:%M} with "
                         f"{chosen.tech_id} no longer fits the plan")
    routes = tuple(route if r.shift_id == chosen.shift_id else r for r in schedule.routes)
    if old is None:
        routes = (*routes, route)
    unassigned = tuple(u for u in schedule.unassigned if u.order_id != order.order_id)
    # workload balance: the targets are the day's demand shared out, so the booked visit
    # raises them, as the next solve and the verifier (which read the booking) find
    meta = replace(schedule.meta, work_targets_s=(
        work_targets(problem, matrix) if problem.weights.balance is not None else {}))
    return order, replace(schedule, routes=routes, unassigned=unassigned, meta=meta)


def offer_text(k: int, chosen: Offer) -> str:
    """One line for a call-centre agent."""
    flag = "keeps every promise" if chosen.keeps_promises else "moves other visits"
    return (f"{k}. {chosen.window_start:%a %d %b %H:%M}–{chosen.window_end:%H:%M} "
            f"with {chosen.tech_id} (expected {chosen.expected_start:%H:%M}), "
            f"{chosen.marginal_cost:+.2f}, {flag}")


__all__ = ["Offer", "Offers", "book", "booked_order", "candidate_windows", "held", "offer",
           "offer_text", "planned_orders"]
