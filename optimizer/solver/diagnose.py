"""After solving: say why each dropped order was left out.

An order that passed the pre-check but is not on a route was either
impossible to fit next to the other jobs (no time left, or no room left in the
van), or possible but dearer than its drop penalty. Trying every insertion
position in every allowed route, with the route's load against the van's
capacity, tells these apart. When the search stopped on its time limit before
it had finished (greedy routes, or a local search cut short), an order that
could still fit was not weighed against its penalty at all: it was not reached.
Nor was an order whose cheapest place adds less to the plan's cost than its drop
penalty (:func:`insertion_cost`): a search that runs until its limit, as iterated
local search does, had not got to it, and "cheaper to leave out" would be false.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from optimizer.model import (
    Problem,
    ReasonCode,
    Route,
    Shift,
    TravelMatrix,
    WorkOrder,
    order_drop_penalty,
)
from optimizer.solver.costs import shift_cost
from optimizer.solver.extract import timed_route
from optimizer.solver.timing import (
    UNREACHABLE_S,
    access_s,
    earliest_start,
    overhead_s,
    route_points,
    service_s,
    shift_fits,
    to_s,
    travel_s,
    windows_s,
)

#: The reason of a dropped order whose diagnosis the time limit cut off.
NOT_CHECKED = (ReasonCode.NOT_REACHED, "not reached within the time limit (no time was left "
               "to check it against the final routes)")


def reason_for_dropped(
    problem: Problem,
    matrix: TravelMatrix,
    order: WorkOrder,
    allowed_shifts: tuple[int, ...],
    routes: dict[str, Route],
    *,
    finished: bool = True,
    screen: Screen | None = None,
) -> tuple[ReasonCode, str]:
    """The code and a dispatcher's reason for a dropped order that some shift could take
    on its own.

    ``finished`` is False when the search stopped on its time limit before it was done
    (then an order that could fit is reported as not reached, not as too expensive).
    ``screen``, made once from the same ``routes``, speeds up diagnosing many orders.
    """
    screened = screen.positions(order) if screen is not None else None
    fitting: list[str] = []
    full: set[str] = set()
    roadless: set[str] = set()
    busy: set[str] = set()
    cheapest: tuple[float, str] | None = None  # (cost added in money, technician)
    for k in allowed_shifts:
        shift = problem.shifts[k]
        capacity = problem.technician(shift.tech_id).capacity
        route = routes.get(shift.shift_id)
        planned = [problem.order(s.order_id) for s in route.stops] if route else []
        positions = (screened.get(k, ()) if screened is not None else
                     open_positions(problem, matrix, shift, planned, order))
        if capacity is not None and sum(o.demand for o in planned) + order.demand > capacity:
            full.add(shift.tech_id)
            continue
        if finished:  # weigh the order against its penalty: what its cheapest place adds
            fits, added = insertion_cost(problem, matrix, shift, route, order, positions)
            if fits and (cheapest is None or added < cheapest[0]):
                cheapest = (added, shift.tech_id)
        else:
            fits = any(shift_fits(problem, matrix, shift, [*planned[:i], order, *planned[i:]])
                       for i in positions)
        if fits:
            fitting.append(shift.tech_id)
        elif not _some_position_by_road(matrix, shift, planned, order):
            roadless.add(shift.tech_id)
        else:
            busy.add(shift.tech_id)
    if fitting:
        could = f"could fit with {', '.join(dict.fromkeys(fitting))}"
        if not finished:
            return ReasonCode.NOT_REACHED, f"not reached within the time limit ({could})"
        penalty = order_drop_penalty(problem, order)
        priority = order.priority.value
        if cheapest is not None and cheapest[0] < penalty:
            added, tech_id = cheapest
            effect = (f"adds {added:,.2f} to the plan's cost, less than" if added >= 0 else
                      f"lowers the plan's cost by {-added:,.2f}, and leaving it out costs")
            return ReasonCode.NOT_REACHED, (
                f"not reached by the search: serving it with {tech_id} {effect} its drop "
                f"penalty {penalty:g} ({priority} priority); {could}. A longer time limit "
                "may place it")
        place = (f"; the cheapest place found, with {cheapest[1]}, adds {cheapest[0]:,.2f}"
                 if cheapest is not None else "")
        return ReasonCode.DROPPED_FOR_COST, (
            f"cheaper to leave out than to serve (drop penalty {penalty:g} for {priority} "
            f"priority{place}; {could})")
    booked = "fully booked in its window" if order.time_windows else "fully booked"
    clauses = [(busy, f"are {booked}"), (full, "have no capacity left"),
               (roadless, "have no road between it and their other jobs")]
    clauses = [(names, what) for names, what in clauses if names]
    if len(clauses) > 1:
        return ReasonCode.NO_ROOM, "no room on any route: qualified technicians " + ", ".join(
            f"({_names(names)}) {what}" for names, what in clauses)
    if full:
        return (ReasonCode.VAN_FULL,
                f"van full: qualified technicians ({_names(full)}) have no capacity left")
    if roadless:
        return (ReasonCode.UNREACHABLE_FROM_JOBS,
                "not reachable by road from the other jobs of qualified technicians "
                f"({_names(roadless)})")
    if order.time_windows:
        return (ReasonCode.NO_TIME,
                f"not enough time: qualified technicians ({_names(busy)}) are {booked}")
    return (ReasonCode.NO_TIME, "not enough time in any shift: qualified technicians "
                                f"({_names(busy)}) are {booked}")


def insertion_cost(problem: Problem, matrix: TravelMatrix, shift: Shift,
                   route: Route | None, order: WorkOrder, positions) -> tuple[bool, float]:
    """Whether ``order`` fits into ``route`` (the plan's route of ``shift``, or None) at one
    of ``positions``, and what its cheapest such place found adds to the plan's cost in
    money (0 if it does not fit).

    The route with the order is timed by :func:`~.extract.timed_route` (the verifier's
    simulation, as appointment slots are priced), which may time a sequence dearer than
    the search would, never cheaper; both are costed as the objective counts them
    (:func:`~.costs.shift_cost`: an idle shift costs its balance). So serving the order
    there adds at most this figure: below the order's drop penalty, leaving it out was
    certainly not the cheaper choice.
    """
    try:
        problem.order(order.order_id)
    except KeyError:  # an order from outside the problem (a request)
        problem = replace(problem, orders=(*problem.orders, order))
    planned = [problem.order(s.order_id) for s in route.stops] if route else []
    costs = [shift_cost(problem, shift, r) for i in positions
             if (r := timed_route(problem, matrix, shift,
                                  [*planned[:i], order, *planned[i:]])) is not None]
    if not costs:
        return False, 0.0
    return True, min(costs) - shift_cost(problem, shift, route)


def open_positions(problem: Problem, matrix: TravelMatrix, shift: Shift,
                   planned: list[WorkOrder], order: WorkOrder) -> list[int]:
    """Insertion positions of ``order`` in ``planned`` that breaks aside could take it.

    A screen before the exact check (:func:`~.timing.shift_fits`, which tries every
    placement of the breaks): with breaks left out, earliest starts from the front and
    latest starts from the back bound the real ones, so a position that fails here fails
    there too. One pass over the route instead of one simulation per position: on a
    day of 1000 orders this made the diagnosis of 300 dropped orders 25 s faster.
    """
    bounds = _bounds(problem, matrix, shift, planned)
    if bounds is None:
        return list(range(len(planned) + 1))
    points, free, latest = bounds
    tech = problem.technician(shift.tech_id)
    point, windows, service = matrix.index(order.location), windows_s(problem, order), \
        service_s(order, tech)
    park = overhead_s(problem, order)
    parks_next = [*(overhead_s(problem, o) for o in planned), 0]
    positions = []
    for i in range(len(planned) + 1):
        start = earliest_start(windows, free[i] + _leg(matrix, tech, points[i], point)
                               + access_s(park, points[i], point))
        out = _leg(matrix, tech, point, points[i + 1]) + access_s(parks_next[i], point,
                                                                  points[i + 1])
        if start is not None and start + service + out <= latest[i]:
            positions.append(i)
    return positions


def _leg(matrix: TravelMatrix, tech, i: int, j: int) -> int:
    return travel_s(matrix, i, j, tech) if matrix.is_reachable(i, j) else UNREACHABLE_S


def _bounds(problem: Problem, matrix: TravelMatrix, shift: Shift, planned: list[WorkOrder]):
    """``(points, free, latest)`` of a route with its breaks left out, or None.

    ``points`` are the matrix points from the start to the end; ``free[i]`` is the
    earliest moment the technician can leave ``points[i]``; ``latest[i]`` the latest start
    at ``points[i + 1]`` (at the end: the latest arrival). None if the route is late even
    without breaks (then nothing is screened out).
    """
    tech = problem.technician(shift.tech_id)
    points = route_points(matrix, shift, planned)
    windows = [windows_s(problem, o) for o in planned]
    services = [service_s(o, tech) for o in planned]
    n = len(planned)
    # the leg into points[k + 1] with its parking and access time
    parks = [*(overhead_s(problem, o) for o in planned), 0]
    legs = [_leg(matrix, tech, points[k], points[k + 1]) + access_s(parks[k], points[k],
                                                                    points[k + 1])
            for k in range(n + 1)]
    free = [to_s(problem, shift.start)]
    for k in range(n):
        start = earliest_start(windows[k], free[k] + legs[k])
        if start is None:
            return None
        free.append(start + services[k])
    latest = [0] * (n + 1)
    latest[n] = to_s(problem, shift.end) + int(shift.max_overtime_min * 60)
    for k in range(n - 1, -1, -1):
        bound = latest[k + 1] - legs[k + 1] - services[k]
        last = max((min(b, bound) for a, b in windows[k] if a <= bound), default=None)
        if last is None:
            return None
        latest[k] = last
    return points, free, latest


class Screen:
    """:func:`open_positions` for many orders against the same routes, in one numpy pass
    per order over every position of every route (diagnosing a whole large day)."""

    def __init__(self, problem: Problem, matrix: TravelMatrix, routes: dict[str, Route]):
        self.problem, self.matrix = problem, matrix
        self._travel = np.asarray(matrix.travel_s)
        self._reachable = None if matrix.reachable is None else np.asarray(matrix.reachable, bool)
        self._open: dict[int, int] = {}  # shift position -> route length, for unscreened routes
        columns: list[list] = [[] for _ in range(8)]
        for k, shift in enumerate(problem.shifts):
            route = routes.get(shift.shift_id)
            planned = [problem.order(s.order_id) for s in route.stops] if route else []
            bounds = _bounds(problem, matrix, shift, planned)
            if bounds is None:
                self._open[k] = len(planned)
                continue
            points, free, latest = bounds
            tech = problem.technician(shift.tech_id)
            parks = [*(overhead_s(problem, o) for o in planned), 0]
            for i in range(len(planned) + 1):
                for column, value in zip(columns, (k, i, points[i], points[i + 1], free[i],
                                                   latest[i], tech.speed_factor, parks[i]),
                                         strict=True):
                    column.append(value)
        self._shift, self._slot, self._prev, self._next = (
            np.asarray(c, dtype=np.int64) for c in columns[:4])
        self._free, self._latest = (np.asarray(c, dtype=np.int64) for c in columns[4:6])
        self._speed = np.asarray(columns[6], dtype=float)
        #: parking and access at the stop after each position (0 for the return)
        self._park_next = np.asarray(columns[7], dtype=np.int64)
        self._efficiency = np.asarray([problem.technician(problem.shifts[k].tech_id).efficiency
                                       for k in self._shift], dtype=float)

    def positions(self, order: WorkOrder) -> dict[int, list[int]]:
        """Shift position -> the insertion positions that breaks aside could take ``order``."""
        point = self.matrix.index(order.location)
        into = self._legs(self._prev, np.full_like(self._prev, point)) + np.where(
            self._prev != point, overhead_s(self.problem, order), 0)
        out = self._legs(np.full_like(self._next, point), self._next) + np.where(
            self._next != point, self._park_next, 0)
        ready = self._free + into
        start = np.zeros_like(ready)
        placed = np.zeros(len(ready), dtype=bool)
        for a, b in windows_s(self.problem, order):
            now = ~placed & (ready <= b)
            start[now] = np.maximum(ready[now], a)
            placed |= now
        service = np.ceil(order.service_min * 60 * self._efficiency - 1e-9).astype(np.int64)
        fits = placed & (start + service + out <= self._latest)
        found: dict[int, list[int]] = {k: list(range(n + 1)) for k, n in self._open.items()}
        for k, i in zip(self._shift[fits].tolist(), self._slot[fits].tolist(), strict=True):
            found.setdefault(k, []).append(i)
        return found

    def _legs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        base = self._travel[a, b].astype(np.int64)
        scaled = np.where(self._speed == 1.0, base, np.rint(base / self._speed)).astype(np.int64)
        if self._reachable is not None:
            scaled = np.where(self._reachable[a, b], scaled, UNREACHABLE_S)
        return scaled


def _some_position_by_road(matrix: TravelMatrix, shift: Shift, planned: list[WorkOrder],
                           order: WorkOrder) -> bool:
    """Whether ``order`` can be put somewhere in ``planned`` with a road on both sides."""
    if matrix.reachable is None:
        return True
    point = matrix.index(order.location)
    stops = route_points(matrix, shift, planned)
    return any(matrix.is_reachable(a, point) and matrix.is_reachable(point, b)
               for a, b in itertools.pairwise(stops))


def _names(tech_ids: set[str]) -> str:
    return ", ".join(sorted(tech_ids))
