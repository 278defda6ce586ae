"""Before solving: which shifts may serve which order, and why an order fits none.

Every hard rule that can be decided for one order and one shift alone is
decided here, so that an order no shift can take is reported with the rule
that excludes it, in the words a dispatcher uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.model import Problem, Shift, TravelMatrix, WorkOrder
from optimizer.solve.timing import shift_fits, to_s, windows_s


@dataclass(frozen=True, slots=True)
class Eligibility:
    """``allowed[order_id]`` lists shift positions; ``reasons`` holds orders no shift can take."""

    allowed: dict[str, tuple[int, ...]]
    reasons: dict[str, str]


def _fmt(items: frozenset[str]) -> str:
    return "{" + ", ".join(repr(x) for x in sorted(items)) + "}"


def check(problem: Problem, matrix: TravelMatrix) -> Eligibility:
    """Decide, for every order, the shifts that can serve it on their own."""
    allowed: dict[str, tuple[int, ...]] = {}
    reasons: dict[str, str] = {}
    for order in problem.orders:
        shifts, reason = _eligible_shifts(problem, matrix, order)
        if shifts:
            allowed[order.order_id] = shifts
        else:
            reasons[order.order_id] = reason
    return Eligibility(allowed, reasons)


def _eligible_shifts(problem: Problem, matrix: TravelMatrix, order: WorkOrder):
    if order.location is None:
        return (), order.location_issue or "no location"
    techs = {t.tech_id: t for t in problem.technicians}
    everyone_skills = set().union(*(t.skills for t in techs.values())) if techs else set()
    missing = order.required_skills - everyone_skills
    if missing:
        return (), f"no technician has skills {_fmt(missing)}"
    skilled = {i for i, t in techs.items() if order.required_skills <= t.skills}
    if not skilled:
        return (), f"no single technician has all of skills {_fmt(order.required_skills)}"
    stocked = {i for i in skilled if order.required_parts <= techs[i].van_stock}
    if not stocked:
        carried = set().union(*(t.van_stock for t in techs.values()))
        absent = order.required_parts - carried
        if absent:
            return (), f"no technician carries part {_fmt(absent)}"
        return (), (f"no technician with skills {_fmt(order.required_skills)} carries parts "
                    f"{_fmt(order.required_parts)}")
    candidates = stocked - order.excluded_techs
    if not candidates:
        return (), f"every qualified technician is excluded ({', '.join(sorted(stocked))})"
    roomy = {i for i in candidates
             if techs[i].capacity is None or order.demand <= techs[i].capacity}
    if not roomy:
        return (), f"demand {order.demand} exceeds every qualified van's capacity"
    shifts = [(k, s) for k, s in enumerate(problem.shifts) if s.tech_id in roomy]
    if not shifts:
        return (), "no qualified technician works that day"

    point = matrix.index(order.location)
    reachable = [(k, s) for k, s in shifts
                 if matrix.is_reachable(matrix.index(s.start_location), point)
                 and matrix.is_reachable(point, matrix.index(s.end_location))]
    if not reachable:
        return (), "not reachable by road"

    in_window = [(k, s) for k, s in reachable if _windows_meet_shift(problem, order, s)]
    if not in_window:
        return (), "appointment window outside every shift"
    fits = tuple(k for k, s in in_window if shift_fits(problem, matrix, s, [order]))
    if not fits:
        return (), "not enough time in any shift (even as the only job)"
    return fits, ""


def _windows_meet_shift(problem: Problem, order: WorkOrder, shift: Shift) -> bool:
    begin = to_s(problem, shift.start)
    finish = to_s(problem, shift.end) + int(shift.max_overtime_min * 60)
    return any(start <= finish and end >= begin for start, end in windows_s(problem, order))
