"""Before solving: which shifts may serve which order, and why an order fits none.

Every hard rule that can be decided for one order and one shift alone is
decided here, so that an order no shift can take is reported with the rule
that excludes it, in the words a dispatcher uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from optimizer.model import (
    Problem,
    ReasonCode,
    Shift,
    TravelMatrix,
    WorkOrder,
    in_territory,
    location_code,
    shift_date,
)
from optimizer.solver.timing import (
    breaks_s,
    ready_s,
    shift_fits,
    to_datetime,
    to_s,
    windows_s,
)

#: The reason of every remote-resolvable order.
REMOTE_REASON = "remote: resolvable by remote diagnosis or video support (visit avoided)"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """``allowed[order_id]`` lists shift positions; ``reasons`` holds orders no shift can
    take, each with its code and reason."""

    allowed: dict[str, tuple[int, ...]]
    reasons: dict[str, tuple[ReasonCode, str]]


def named(noun: str, items) -> str:
    """``the skill elevator`` or ``the skills elevator, lift`` (sorted): plain words."""
    items = sorted(items)
    return f"the {noun}{'' if len(items) == 1 else 's'} {', '.join(items)}"


def check(problem: Problem, matrix: TravelMatrix) -> Eligibility:
    """Decide, for every order, the shifts that can serve it on their own."""
    fleet = _Fleet(problem, matrix)
    allowed: dict[str, tuple[int, ...]] = {}
    reasons: dict[str, tuple[ReasonCode, str]] = {}
    for order in problem.orders:
        shifts, why = _eligible_shifts(problem, matrix, fleet, order)
        if shifts:
            allowed[order.order_id] = shifts
        else:
            reasons[order.order_id] = why
    return Eligibility(allowed, reasons)


class _Fleet:
    """What every order is checked against, worked out once.

    Shifts that are alike for a lone visit (same start and end points and times,
    breaks, and technician speed and efficiency) form one group, so the time
    check runs once per group and order rather than once per shift.
    """

    def __init__(self, problem: Problem, matrix: TravelMatrix) -> None:
        self.techs = {t.tech_id: t for t in problem.technicians}
        self.hard_territories = problem.territory_mode == "hard" and any(
            t.territories for t in self.techs.values())
        self.skills = set().union(*(t.skills for t in self.techs.values()))
        self.parts = set().union(*(t.van_stock for t in self.techs.values()))
        groups: dict[tuple, list[tuple[int, Shift]]] = {}
        for k, shift in enumerate(problem.shifts):
            tech = self.techs[shift.tech_id]
            key = (matrix.index(shift.start_location), matrix.index(shift.end_location),
                   to_s(problem, shift.start), to_s(problem, shift.end),
                   int(shift.max_overtime_min * 60), breaks_s(problem, shift),
                   tech.efficiency, tech.speed_factor)
            groups.setdefault(key, []).append((k, shift))
        self.groups = tuple(groups.values())
        self.by_needs: dict[tuple, tuple[list, tuple[ReasonCode, str] | None]] = {}


def _eligible_shifts(problem: Problem, matrix: TravelMatrix, fleet: _Fleet, order: WorkOrder
                    ) -> tuple[tuple[int, ...], tuple[ReasonCode, str] | None]:
    """The positions of the shifts that can serve ``order`` alone, or () and (code, reason)."""
    if order.remote_resolvable:
        return (), (ReasonCode.REMOTE, REMOTE_REASON)
    if order.location is None:
        issue = order.location_issue or "no location"
        return (), (location_code(issue), issue)
    # Orders with the same needs get the same shifts: decide that once per kind.
    needs = (order.required_skills, order.required_parts, order.excluded_techs, order.demand,
             (order.postcode, order.areas) if fleet.hard_territories else None)
    if needs not in fleet.by_needs:
        fleet.by_needs[needs] = _qualified_groups(fleet, order)
    groups, why = fleet.by_needs[needs]
    if not groups:
        return (), why

    point = matrix.index(order.location)
    groups = [(shift, ks) for shift, ks in groups
              if matrix.is_reachable(matrix.index(shift.start_location), point)
              and matrix.is_reachable(point, matrix.index(shift.end_location))]
    if not groups:
        return (), (ReasonCode.UNREACHABLE, "not reachable by road")

    if order.earliest_date is not None:
        groups = [(shift, ks) for shift, ks in groups
                  if shift_date(shift) >= order.earliest_date]
        if not groups:
            return (), (ReasonCode.NO_SHIFT, "no qualified technician works on or after its "
                                             f"earliest date {order.earliest_date}")
    if not windows_s(problem, order):
        return (), _too_late(problem, order, "after its last appointment window")
    met = [(shift, ks) for shift, ks in groups if _windows_meet_shift(problem, order, shift)]
    if not met:
        if ready_s(problem, order) is not None and any(
                _windows_meet_shift(problem, order, shift, bound=False) for shift, _ in groups):
            return (), _too_late(problem, order, "after every qualified shift ends")
        return (), (ReasonCode.WINDOW_OUTSIDE_SHIFTS, "appointment window outside every shift")
    groups = met
    # A visit pinned by a re-plan was timed in its chain on its own shift (replanning.
    # pin_times); alone it may miss its exact start by the second that rounded travel
    # times lose against the triangle inequality. The model decides it, not this test.
    fitting = [ks for shift, ks in groups
               if order.pinned or shift_fits(problem, matrix, shift, [order])]
    fits = fitting[0] if len(fitting) == 1 else tuple(sorted(itertools.chain(*fitting)))
    if not fits:
        return (), (ReasonCode.SHIFT_TOO_SHORT,
                    "not enough time in any shift (even as the only job)")
    return fits, None


def _qualified_groups(fleet: _Fleet, order: WorkOrder):
    """The shift groups (trimmed to qualified technicians) for the order's needs, or [] and
    (code, reason)."""
    techs = fleet.techs
    if not techs:
        return [], (ReasonCode.NO_SHIFT, "no technician works that day")
    missing = order.required_skills - fleet.skills
    if missing:
        return [], (ReasonCode.NO_SKILL, f"no technician has {named('skill', missing)}")
    skilled = {i for i, t in techs.items() if order.required_skills <= t.skills}
    if not skilled:
        return [], (ReasonCode.NO_SKILL, "no single technician has all of "
                                         f"{named('skill', order.required_skills)}")
    stocked = {i for i in skilled if order.required_parts <= techs[i].van_stock}
    if not stocked:
        absent = order.required_parts - fleet.parts
        if absent:
            text = f"no technician carries {named('part', absent)}"
        elif not order.required_skills:
            text = f"no single technician carries all of {named('part', order.required_parts)}"
        else:
            text = (f"no technician with {named('skill', order.required_skills)} carries "
                    f"{named('part', order.required_parts)}")
        return [], (ReasonCode.NO_PART, text)
    candidates = stocked - order.excluded_techs
    if not candidates:
        return [], (ReasonCode.EXCLUDED_ALL, "every qualified technician is excluded "
                                             f"({', '.join(sorted(stocked))})")
    if fleet.hard_territories:
        covering = {i for i in candidates if in_territory(techs[i], order)}
        if not covering:
            return [], (ReasonCode.OUTSIDE_TERRITORY, "outside the territory of every "
                                                      "qualified technician "
                                                      f"({', '.join(sorted(candidates))})")
        candidates = covering
    roomy = {i for i in candidates
             if techs[i].capacity is None or order.demand <= techs[i].capacity}
    if not roomy:
        return [], (ReasonCode.DEMAND_OVER_CAPACITY,
                    f"demand {order.demand} exceeds every qualified van's capacity")
    groups = []  # (a shift of the group, positions of its qualified shifts)
    for group in fleet.groups:
        ks = tuple(k for k, shift in group if shift.tech_id in roomy)
        if ks:
            groups.append((group[0][1], ks))
    if not groups:
        return [], (ReasonCode.NO_SHIFT, "no qualified technician works that day")
    return groups, None


def _windows_meet_shift(problem: Problem, order: WorkOrder, shift: Shift, *,
                        bound: bool = True) -> bool:
    """Whether a start window meets the shift (``bound=False``: without the lower bound
    of ``parts_ready_at`` and ``created_at``)."""
    begin = to_s(problem, shift.start)
    finish = to_s(problem, shift.end) + int(shift.max_overtime_min * 60)
    if not bound:
        order = replace(order, parts_ready_at=None, created_at=None)
    return any(start <= finish and end >= begin for start, end in windows_s(problem, order))


def _too_late(problem: Problem, order: WorkOrder, when: str) -> tuple[ReasonCode, str]:
    """The reason of an order whose parts arrive (or that was created) ``when``."""
    ready = to_datetime(problem, ready_s(problem, order))
    shown = f"{ready:%H:%M}" if ready.date() == problem.plan_date else f"{ready:%Y-%m-%d %H:%M}"
    parts = order.parts_ready_at is not None and to_s(problem, order.parts_ready_at) == \
        ready_s(problem, order)
    if parts:
        return ReasonCode.PARTS_LATE, f"its parts arrive at {shown}, {when}"
    return ReasonCode.WINDOW_OUTSIDE_SHIFTS, f"requested at {shown}, {when}"
