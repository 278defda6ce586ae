"""After solving: say why each dropped order was left out.

An order that passed the pre-check but is not on a route was either
impossible to fit next to the other jobs, or possible but dearer than its
drop penalty. Trying every insertion position in every allowed route tells
the two apart.
"""

from __future__ import annotations

from optimizer.model import Problem, Route, TravelMatrix, WorkOrder
from optimizer.solve.timing import shift_fits


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
        route = routes.get(shift.shift_id)
        planned = [problem.order(s.order_id) for s in route.stops] if route else []
        if any(shift_fits(problem, matrix, shift, [*planned[:i], order, *planned[i:]])
               for i in range(len(planned) + 1)):
            fitting.append(shift.tech_id)
    if fitting:
        penalty = problem.weights.drop_penalty[order.priority]
        return (f"cheaper to leave out than to serve (drop penalty {penalty:g} for "
                f"{order.priority.value} priority; could fit with {', '.join(fitting)})")
    names = ", ".join(sorted({problem.shifts[k].tech_id for k in allowed_shifts}))
    if order.time_windows:
        return f"not enough time: qualified technicians ({names}) are fully booked in its window"
    return f"not enough time in any shift: qualified technicians ({names}) are fully booked"

