"""After solving: say why each dropped order was left out.

An order that passed the pre-check but is not on a route was either
impossible to fit next to the other jobs, or possible but dearer than its
drop penalty. Trying every insertion position in every allowed route tells
the two apart.
"""

from __future__ import annotations

from optimizer.model import Problem, Route, TravelMatrix, WorkOrder
from optimizer.solve.timing import (
    Visit,
    breaks_s,
    service_s,
    simulate,
    to_s,
    travel_s,
    windows_s,
)


def reason_for_dropped(
    problem: Problem,
    matrix: TravelMatrix,
    order: WorkOrder,
    allowed_shifts: tuple[int, ...],
    routes: dict[str, Route],
) -> str:
    """A dispatcher's reason for a dropped order that some shift could take on its own."""
    fitting = []
    for k in allowed_shifts:
        shift = problem.shifts[k]
        tech = problem.technician(shift.tech_id)
        route = routes.get(shift.shift_id)
        planned = [problem.order(s.order_id) for s in route.stops] if route else []
        visits = [_visit(problem, matrix, o, tech) for o in planned]
        new = _visit(problem, matrix, order, tech)
        for position in range(len(visits) + 1):
            trial = [*visits[:position], new, *visits[position:]]
            if simulate(
                trial,
                start_point=matrix.index(shift.start_location),
                end_point=matrix.index(shift.end_location),
                start_s=to_s(problem, shift.start),
                latest_end_s=to_s(problem, shift.end) + int(shift.max_overtime_min * 60),
                breaks=breaks_s(problem, shift),
                leg_s=lambda i, j, tech=tech: travel_s(matrix, i, j, tech),
            ) is not None:
                fitting.append(shift.tech_id)
                break
    if fitting:
        penalty = problem.weights.drop_penalty[order.priority]
        return (f"cheaper to leave out than to serve (drop penalty {penalty:g} for "
                f"{order.priority.value} priority; could fit with {', '.join(fitting)})")
    names = ", ".join(sorted({problem.shifts[k].tech_id for k in allowed_shifts}))
    if order.time_windows:
        return f"not enough time: qualified technicians ({names}) are fully booked in its window"
    return f"not enough time in any shift: qualified technicians ({names}) are fully booked"


def _visit(problem: Problem, matrix: TravelMatrix, order: WorkOrder, tech) -> Visit:
    return Visit(matrix.index(order.location), service_s(order, tech), windows_s(problem, order))
