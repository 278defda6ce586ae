"""Before solving: which shifts may serve which order, and why an order fits none.

Every hard rule that can be decided for one order and one shift alone is
decided here, so that an order no shift can take is reported with the rule
that excludes it, in the words a dispatcher uses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

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
    max_work_s,
    overhead_s,
    peaks_s,
    ready_s,
    shift_fits,
    to_datetime,
    to_s,
    windows_s,
)

#: The reason of every remote-resolvable order.
REMOTE_REASON = "remote: resolvable by remote diagnosis or video support (visit avoided)"

#: Start times no window allows (a visit "starting" then never fits).
_NEVER = np.int64(1) << 50


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
    fleet.lone = _LoneVisits(problem, matrix, fleet)
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
                   tech.efficiency, tech.speed_factor, max_work_s(problem, shift))
            groups.setdefault(key, []).append((k, shift))
        self.groups = tuple(groups.values())
        self.keys = tuple(groups)
        self.group_index = {g[0][1].shift_id: i for i, g in enumerate(self.groups)}
        self.by_needs: dict[tuple, tuple[list, tuple[ReasonCode, str] | None]] = {}
        self.lone: _LoneVisits | None = None


class _LoneVisits:
    """Whether each order fits each shift group as its only visit, decided for all pairs at
    once with numpy where that is sure, so that the exact check (:func:`shift_fits`, a
    search over break placements) runs only for the few pairs in between (on 5,000 orders
    and 300 shifts, one by one, it took 12-16 s).

    ``never[i, g]``: it does not fit even with no breaks at all (parking paid, peaks
    ignored: a lower bound of its time). ``sure[i, g]``: it fits at the slowest peak
    factor with every break left for after the return where the lunch rule allows that
    (:func:`~optimizer.solver.timing.off_route`), or every break taken before the drive
    (two of the placements :func:`~optimizer.solver.timing.simulate` tries). A group whose
    technician has ``max_work_h`` is never sure: the exact check decides.
    """

    def __init__(self, problem: Problem, matrix: TravelMatrix, fleet: _Fleet) -> None:
        orders = problem.orders
        self.row = {o.order_id: i for i, o in enumerate(orders)}
        n, g = len(orders), len(fleet.groups)
        self.sure = np.zeros((n, g), dtype=bool)
        self.never = np.zeros((n, g), dtype=bool)
        #: ``meets[i, g]``: one of the order's windows meets the group's shift (overtime in).
        self.meets = np.zeros((n, g), dtype=bool)
        located = [i for i, o in enumerate(orders) if o.location is not None]
        if not located or not g:
            return
        travel = np.asarray(matrix.travel_s)
        points = np.array([matrix.index(orders[i].location) for i in located], dtype=np.int64)
        spans = [windows_s(problem, orders[i]) for i in located]
        width = max(len(w) for w in spans)
        win_start = np.full((len(located), width), _NEVER, dtype=np.int64)
        win_end = np.full((len(located), width), -1, dtype=np.int64)
        for r, windows in enumerate(spans):
            for c, (a, b) in enumerate(windows):
                win_start[r, c], win_end[r, c] = a, b
        service_min = np.array([orders[i].service_min for i in located], dtype=np.float64)
        overhead = np.array([overhead_s(problem, orders[i]) for i in located], dtype=np.int64)
        rows = np.array(located, dtype=np.int64)
        # the slowest peak factor bounds every leg's time from above (1.0 without peaks)
        slowest = min((f for *_, f in peaks_s(problem)), default=1.0)
        for gi, key in enumerate(fleet.keys):
            (start_point, end_point, start_s, end_s, overtime_s, breaks, efficiency, speed,
             max_work_h) = key
            base_there = travel[start_point, points].astype(np.int64)
            base_back = travel[points, end_point].astype(np.int64)
            park = np.where(points != start_point, overhead, 0)
            fast_there, fast_back = _at_speed(base_there, speed), _at_speed(base_back, speed)
            there = _at_speed(base_there, speed * slowest) + park
            back = _at_speed(base_back, speed * slowest)
            service = np.ceil(service_min * 60 * efficiency - 1e-9).astype(np.int64)
            latest = end_s + overtime_s
            self.meets[rows, gi] = ((win_start <= latest) & (win_end >= start_s)).any(axis=1)
            fastest = _lone_return(start_s + fast_there + park, win_start, win_end, service,
                                   fast_back)
            self.never[rows, gi] = fastest > latest
            if max_work_h is not None:
                continue  # never sure: the exact check weighs the work too
            plain = _lone_return(start_s + there, win_start, win_end, service, back)
            # every break after the return, where the lunch rule allows it
            after = plain <= latest
            for b in breaks:
                after &= (b.earliest_s + b.duration_s <= start_s) | (plain <= b.earliest_s)
            # every break before leaving
            t, ok = start_s, True
            for b in breaks:
                begin = max(t, b.earliest_s)
                ok = ok and begin + b.duration_s <= b.latest_end_s
                t = begin + b.duration_s
            before = np.zeros(len(located), dtype=bool)
            if ok:
                ready = np.maximum(start_s + there + sum(b.duration_s for b in breaks), t)
                before = _lone_return(ready, win_start, win_end, service, back) <= latest
            self.sure[rows, gi] = after | before


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
    lone, row = fleet.lone, fleet.lone.row[order.order_id]
    met = [(shift, ks) for shift, ks in groups
           if lone.meets[row, fleet.group_index[shift.shift_id]]]
    if not met:
        if ready_s(problem, order) is not None and any(
                _windows_meet_shift(problem, order, shift, bound=False) for shift, _ in groups):
            return (), _too_late(problem, order, "after every qualified shift ends")
        return (), (ReasonCode.WINDOW_OUTSIDE_SHIFTS, "appointment window outside every shift")
    groups = met
    # A visit pinned by a re-plan was timed in its chain on its own shift (replanning.
    # pin_times); alone it may miss its exact start by the second that rounded travel
    # times lose against the triangle inequality. The model decides it, not this test.

    def fits_alone(shift: Shift) -> bool:
        gi = fleet.group_index[shift.shift_id]
        if lone.sure[row, gi]:
            return True
        return not lone.never[row, gi] and shift_fits(problem, matrix, shift, [order])

    fitting = [ks for shift, ks in groups if order.pinned or fits_alone(shift)]
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


def _at_speed(travel_s, speed: float):
    """Travel seconds at ``speed`` (a technician's speed factor times a peak factor),
    rounded as :func:`~optimizer.solver.timing.travel_s` rounds them."""
    return travel_s if speed == 1.0 else np.rint(travel_s / speed).astype(np.int64)


def _lone_return(ready, win_start, win_end, service, back):
    """Arrival back at the end point of lone visits ready at ``ready`` (per order), each
    started in its first window that is still open; :data:`_NEVER` where none is."""
    start = np.full(len(ready), _NEVER, dtype=np.int64)
    for c in range(win_start.shape[1]):
        free = (start == _NEVER) & (ready <= win_end[:, c])
        start = np.where(free, np.maximum(ready, win_start[:, c]), start)
    return np.where(start == _NEVER, _NEVER, start + service + back)
