"""After solving: say why each dropped order was left out.

An order that passed the pre-check but is not on a route was either
impossible to fit next to the other jobs (no time left, or no room left in the
van), or possible but dearer than its drop penalty. Trying every insertion
position in every allowed route, with the route's load against the van's
capacity, tells these apart. When the search stopped on its time limit before
it had finished (greedy routes, or a local search cut short), an order that
could still fit was not weighed against its penalty at all: it was not reached.
"""

from __future__ import annotations

import itertools

from optimizer.model import Problem, ReasonCode, Route, Shift, TravelMatrix, WorkOrder
from optimizer.solver.timing import shift_fits


def reason_for_dropped(
    problem: Problem,
    matrix: TravelMatrix,
    order: WorkOrder,
    allowed_shifts: tuple[int, ...],
    routes: dict[str, Route],
    *,
    finished: bool = True,
) -> tuple[ReasonCode, str]:
    """The code and a dispatcher's reason for a dropped order that some shift could take
    on its own.

    ``finished`` is False when the search stopped on its time limit before it was done
    (then an order that could fit is reported as not reached, not as too expensive).
    """
    fitting: list[str] = []
    full: set[str] = set()
    roadless: set[str] = set()
    busy: set[str] = set()
    for k in allowed_shifts:
        shift = problem.shifts[k]
        capacity = problem.technician(shift.tech_id).capacity
        route = routes.get(shift.shift_id)
        planned = [problem.order(s.order_id) for s in route.stops] if route else []
        if capacity is not None and sum(o.demand for o in planned) + order.demand > capacity:
            full.add(shift.tech_id)
        elif any(shift_fits(problem, matrix, shift, [*planned[:i], order, *planned[i:]])
                 for i in range(len(planned) + 1)):
            fitting.append(shift.tech_id)
        elif not _some_position_by_road(matrix, shift, planned, order):
            roadless.add(shift.tech_id)
        else:
            busy.add(shift.tech_id)
    if fitting:
        could = f"could fit with {', '.join(dict.fromkeys(fitting))}"
        if not finished:
            return ReasonCode.NOT_REACHED, f"not reached within the time limit ({could})"
        penalty = problem.weights.drop_penalty[order.priority]
        return ReasonCode.DROPPED_FOR_COST, (
            f"cheaper to leave out than to serve (drop penalty {penalty:g} for "
            f"{order.priority.value} priority; {could})")
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


def _some_position_by_road(matrix: TravelMatrix, shift: Shift, planned: list[WorkOrder],
                           order: WorkOrder) -> bool:
    """Whether ``order`` can be put somewhere in ``planned`` with a road on both sides."""
    if matrix.reachable is None:
        return True
    point = matrix.index(order.location)
    stops = [matrix.index(shift.start_location), *(matrix.index(o.location) for o in planned),
             matrix.index(shift.end_location)]
    return any(matrix.is_reachable(a, point) and matrix.is_reachable(point, b)
               for a, b in itertools.pairwise(stops))


def _names(tech_ids: set[str]) -> str:
    return ", ".join(sorted(tech_ids))
