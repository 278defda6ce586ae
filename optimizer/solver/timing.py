"""Integer-second arithmetic shared by the model builder, the extractor and the verifier.

Time 0 is midnight of the plan date in the scenario's time zone; times are real
seconds from there (a daylight-saving day has 23 or 25 hours).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from optimizer.model import (
    Problem,
    Shift,
    Technician,
    TravelMatrix,
    WorkOrder,
    add_s,  # noqa: F401  (defined with elapsed_s in model; used from here)
    elapsed_s,
)


def to_s(problem: Problem, moment: datetime) -> int:
    """Real seconds elapsed since the plan's day start (may be negative).

    Counted in UTC, so that a day with a daylight-saving change has 23 or 25
    hours and every pair of moments is exact whatever their tzinfo (Python
    subtracts two datetimes of the *same* tzinfo by wall clock).
    """
    return round(elapsed_s(problem.day_start, moment))


def to_datetime(problem: Problem, seconds: int) -> datetime:
    """The local time ``seconds`` real seconds after the plan's day start."""
    start = problem.day_start
    return (start.astimezone(UTC) + timedelta(seconds=int(seconds))).astimezone(start.tzinfo)


def service_s(order: WorkOrder, tech: Technician) -> int:
    """Time on site for this technician: ``service_min`` scaled by efficiency."""
    return math.ceil(order.service_min * 60 * tech.efficiency - 1e-9)


def overhead_s(problem: Problem, order: WorkOrder) -> int:
    """Parking and access seconds before work starts at ``order``: its own
    ``stop_overhead_min`` or the scenario's ``[travel] stop_overhead_min``."""
    minutes = order.stop_overhead_min
    if minutes is None:
        minutes = problem.travel.stop_overhead_min
    return round(minutes * 60)


def access_s(overhead: int, prev_point: int, point: int) -> int:
    """The overhead paid on arriving at ``point``: none when the previous stop was at the
    same point (the technician is already parked there)."""
    return overhead if prev_point != point else 0


def travel_s(matrix: TravelMatrix, i: int, j: int, tech: Technician,
             factor: float = 1.0) -> int:
    """Travel time between matrix points for this technician (their speed factor applied),
    on a leg whose peak-hour factor is ``factor`` (:func:`leave_factors`)."""
    base = int(matrix.travel_s[i][j])
    speed = tech.speed_factor * factor
    return base if speed == 1.0 else round(base / speed)


def peaks_s(problem: Problem) -> tuple[tuple[int, int, float], ...]:
    """The scenario's peak hours as ``(start_s, end_s, speed_factor)`` in solver seconds,
    on every day of the plan (wall-clock times of each day, so a daylight-saving day moves
    them right)."""
    first = problem.day_start
    return tuple((to_s(problem, day + timedelta(minutes=p.start_min)),
                  to_s(problem, day + timedelta(minutes=p.end_min)), p.speed_factor)
                 for day in (first + timedelta(days=d) for d in range(problem.days))
                 for p in problem.travel.peaks)


def leave_factors(problem: Problem, shift: Shift, tech: Technician,
                  orders: Sequence[WorkOrder | None]) -> list[float]:
    """The peak factor of every leg that leaves each of ``orders`` (None: the shift's start)
    on this shift: the slowest peak that overlaps the time the leg may be driven in.

    OR-Tools' time dimension needs one transit per arc, fixed before the search, so a
    leg's factor cannot depend on when the plan happens to drive it. The leg from an order
    is driven after its service ends and before the route ends, so inside
    ``[first window start + service, shift end + max overtime]`` (the leg from the start
    inside ``[shift start, ...]``): a leg takes the slowest factor of the peaks that
    overlap that span, an upper bound of its time whenever it is driven. Legs from orders
    whose windows open after a peak are spared it. 1.0 without peaks.
    """
    peaks = peaks_s(problem)
    if not peaks:
        return [1.0] * len(orders)
    begin = to_s(problem, shift.start)
    end = to_s(problem, shift.end) + int(shift.max_overtime_min * 60)
    factors = []
    for order in orders:
        lo = begin if order is None else max(
            begin, windows_s(problem, order)[0][0] + service_s(order, tech))
        hi = max(end, lo + 1)
        factors.append(min((f for a, b, f in peaks if a < hi and lo < b), default=1.0))
    return factors


def windows_s(problem: Problem, order: WorkOrder) -> tuple[tuple[int, int], ...]:
    """The order's start windows in seconds: sorted, disjoint, and never touching.

    Windows that overlap, nest or touch are merged into one (their union), so every
    user of this function (the model, the pre-check, the diagnosis, the greedy
    routes, the warm start and the verifier) sees the same set of allowed starts. With
    ``09:00-17:00;10:00-11:00`` any start from 09:00 to 17:00 is allowed. An order
    without windows gets one unbounded window.

    ``parts_ready_at`` and ``created_at`` are lower bounds on the start (no job starts
    before its parts arrive, or before it was requested): windows are cut at the later
    one (:func:`ready_s`), and those that end before it are left out. An order whose
    parts arrive after its last window gets no window at all (the pre-check leaves it
    out with ``PARTS_LATE``).
    """
    if not order.time_windows:
        merged = [(0, 10**9)]
    else:
        spans = sorted((to_s(problem, w.start), to_s(problem, w.end))
                       for w in order.time_windows)
        merged = [spans[0]]
        for start, end in spans[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end + 1:  # overlapping or touching (ends are inclusive seconds)
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
    ready = ready_s(problem, order)
    if ready is not None:
        merged = [(max(start, ready), end) for start, end in merged if end >= ready]
    return tuple(merged)


def ready_s(problem: Problem, order: WorkOrder) -> int | None:
    """The earliest start ``parts_ready_at`` and ``created_at`` allow (None: no bound)."""
    bounds = [to_s(problem, m) for m in (order.parts_ready_at, order.created_at)
              if m is not None]
    return max(bounds) if bounds else None


@dataclass(frozen=True, slots=True)
class BreakSpan:
    """A break in seconds: it must lie in ``[earliest_s, latest_end_s]``."""

    earliest_s: int
    latest_end_s: int
    duration_s: int
    kind: str


def matched_breaks(problem: Problem, shift: Shift, taken: Sequence[tuple[int, int, str]]
                   ) -> tuple[list[tuple[int, int, str]], list[BreakSpan]]:
    """The breaks a route took (``(start_s, end_s, kind)``) against the shift's: those that
    match none (outside every window of their kind, or of another length), and the shift's
    breaks left untaken (each must then be one :func:`off_route` allows)."""
    spans = list(breaks_s(problem, shift))
    unmatched = []
    for b_start, b_end, kind in taken:
        match = next((s for s in spans if s.kind == kind and s.duration_s == b_end - b_start
                      and s.earliest_s <= b_start and b_end <= s.latest_end_s), None)
        if match is None:
            unmatched.append((b_start, b_end, kind))
        else:
            spans.remove(match)
    return unmatched, spans


def off_route(b: BreakSpan, route_start_s: int, route_end_s: int) -> bool:
    """Whether a route from ``route_start_s`` to ``route_end_s`` may leave break ``b`` out
    (the lunch rule of docs/scenario-format.md): only if the technician could have taken
    it whole before leaving (the route starts at or after ``earliest_s + duration_s``), or
    is back before its window opens (the route ends at or before ``earliest_s``). A route
    still under way when the window opens takes the break on the route, even if it ends
    inside the window or just after it.
    """
    return (b.earliest_s + b.duration_s <= route_start_s
            or route_end_s <= b.earliest_s)


def breaks_s(problem: Problem, shift: Shift) -> tuple[BreakSpan, ...]:
    """The shift's breaks in seconds, in time order, as every part of the solver and the
    verifier sees them. Breaks never overlap one another (docs/scenario-format.md), so:
    fixed breaks (absences: no room to move) that overlap are one break, their union,
    named by the first; and a break with room to move (a lunch) that cannot be taken
    whole outside the fixed ones is left out (the technician is away through it)."""
    spans = sorted((BreakSpan(to_s(problem, b.earliest_start), to_s(problem, b.latest_end),
                              round(b.duration_min * 60), b.kind) for b in shift.breaks),
                   key=lambda b: (b.earliest_s, b.latest_end_s))
    fixed: list[BreakSpan] = []
    for b in (b for b in spans if _is_fixed(b)):
        if fixed and b.earliest_s < fixed[-1].latest_end_s:
            last = fixed[-1]
            end = max(last.latest_end_s, b.latest_end_s)
            fixed[-1] = BreakSpan(last.earliest_s, end, end - last.earliest_s, last.kind)
        else:
            fixed.append(b)
    free = [b for b in spans if not _is_fixed(b) and _fits_between(b, fixed)]
    return tuple(sorted([*fixed, *free], key=lambda b: (b.earliest_s, b.latest_end_s)))


def _is_fixed(b: BreakSpan) -> bool:
    """A break whose length fills its window (an absence)."""
    return b.duration_s >= b.latest_end_s - b.earliest_s


def _fits_between(b: BreakSpan, fixed: Sequence[BreakSpan]) -> bool:
    """Whether ``b`` can be taken whole in its window without overlapping ``fixed``
    (sorted, disjoint): it may start at its window's opening or where one ends."""
    for begin in (b.earliest_s, *(f.latest_end_s for f in fixed)):
        begin = max(begin, b.earliest_s)
        end = begin + b.duration_s
        if end <= b.latest_end_s and not any(f.earliest_s < end and begin < f.latest_end_s
                                             for f in fixed):
            return True
    return False


def earliest_start(windows: tuple[tuple[int, int], ...], ready_s: int) -> int | None:
    """The first time at or after ``ready_s`` inside a window, or None."""
    for start, end in windows:
        if ready_s <= end:
            return max(ready_s, start)
    return None


@dataclass(frozen=True, slots=True)
class Visit:
    """What :func:`simulate` needs of one stop."""

    point: int
    service_s: int
    windows: tuple[tuple[int, int], ...]
    #: Parking and access before the start (:func:`overhead_s`), unless the previous
    #: point is the same.
    overhead_s: int = 0
    #: Peak-hour factor of the leg that leaves this visit (:func:`leave_factors`).
    leave_factor: float = 1.0


def simulate(
    visits: list[Visit],
    *,
    start_point: int,
    end_point: int,
    start_s: int,
    latest_end_s: int,
    breaks: tuple[BreakSpan, ...],
    leg_s: Callable[[int, int, float], int],
    start_factor: float = 1.0,
    ends: list[int] | None = None,
) -> list[int] | None:
    """Feasible service starts for ``visits`` in this order, or None if there are none.

    Each break is taken whole in one gap between visits (or before the first),
    never during a service or another break, in any order, or left out where
    :func:`off_route` allows it (the route is back before its window opens); the search
    tries every placement.
    ``leg_s(i, j, factor)`` gives travel seconds between matrix points on a leg of that
    peak factor (``start_factor`` for the first leg, then each visit's ``leave_factor``);
    a visit's parking and access time is added to the leg that reaches it.
    The arrival back at the end point of the starts found is appended to ``ends``.
    """
    points = [start_point, *(v.point for v in visits), end_point]
    factors = [start_factor, *(v.leave_factor for v in visits)]

    def walk(k: int, free_s: int, pending: tuple[BreakSpan, ...], starts: list[int]):
        # free_s: when the technician is free at points[k]; gap k leads to points[k + 1].
        travel_k = leg_s(points[k], points[k + 1], factors[k])
        if k < len(visits):
            travel_k += access_s(visits[k].overhead_s, points[k], points[k + 1])
        options = []
        # take any of the pending breaks in this gap, one after the other in any order
        # (they never overlap; a wide lunch window may come after a fixed absence)
        for chosen in _break_sequences(len(pending)):
            taken = [pending[i] for i in chosen]
            t = free_s
            ok = True
            for b in taken:
                begin = max(t, b.earliest_s)
                if begin + b.duration_s > b.latest_end_s:
                    ok = False
                    break
                t = begin + b.duration_s
            if not ok:
                continue
            # breaks may be taken while the travel time passes, but not overlap it
            ready = free_s + travel_k + sum(b.duration_s for b in taken)
            ready = max(ready, t)
            options.append((ready, tuple(b for i, b in enumerate(pending) if i not in chosen)))
        for ready, rest in options:
            if k + 1 == len(points) - 1:
                # breaks still pending may be left out only if the route is back before
                # their windows open (the lunch rule, :func:`off_route`)
                if ready <= latest_end_s and all(off_route(b, start_s, ready) for b in rest):
                    if ends is not None:
                        ends.append(ready)
                    return starts
                continue
            visit = visits[k]
            start = earliest_start(visit.windows, ready)
            if start is None:
                continue
            found = walk(k + 1, start + visit.service_s, rest, [*starts, start])
            if found is not None:
                return found
        return None

    return walk(0, start_s, breaks, [])


def _break_sequences(n: int):
    """Every sequence of distinct positions among ``n`` pending breaks, shortest first
    (none, one, two, ...)."""
    for k in range(n + 1):
        yield from itertools.permutations(range(n), k)


#: Travel time of a leg with no road (longer than any day, so nothing after it fits).
UNREACHABLE_S = 10**12


def max_work_s(problem: Problem, shift: Shift) -> int | None:
    """Seconds of work (service, travel and parking) ``shift`` may still hold: the
    technician's ``max_work_h`` less the work done before a re-plan restarted it
    (``Shift.work_done_s``); None without a limit."""
    limit = problem.technician(shift.tech_id).max_work_h
    return None if limit is None else max(0, round(limit * 3600 - shift.work_done_s))


def shift_fits(problem: Problem, matrix: TravelMatrix, shift: Shift,
               orders: Sequence[WorkOrder]) -> bool:
    """Whether ``shift`` can serve ``orders`` in this sequence, with its breaks and within
    the technician's ``max_work_h`` of service plus travel.

    A leg the road network cannot drive (``matrix.reachable``) never fits.
    """
    return visit_times(problem, matrix, shift, orders) is not None


def route_points(matrix: TravelMatrix, shift: Shift, orders: Sequence[WorkOrder]) -> list[int]:
    """Matrix points of a route: the shift's start, each order's place, the shift's end."""
    return [matrix.index(shift.start_location), *(matrix.index(o.location) for o in orders),
            matrix.index(shift.end_location)]


def visit_times(problem: Problem, matrix: TravelMatrix, shift: Shift,
                orders: Sequence[WorkOrder]) -> tuple[list[int], int] | None:
    """Service starts of ``orders`` in this sequence on ``shift`` leaving at its start, and
    the arrival back at its end point; None if they do not fit (as :func:`shift_fits`)."""
    tech = problem.technician(shift.tech_id)
    start_factor, *factors = leave_factors(problem, shift, tech, [None, *orders])
    visits = [Visit(matrix.index(o.location), service_s(o, tech), windows_s(problem, o),
                    overhead_s(problem, o), f) for o, f in zip(orders, factors, strict=True)]
    if matrix.reachable is None:
        def leg_s(i: int, j: int, factor: float) -> int:
            return travel_s(matrix, i, j, tech, factor)
    else:
        def leg_s(i: int, j: int, factor: float) -> int:
            return travel_s(matrix, i, j, tech, factor) if matrix.is_reachable(i, j) \
                else UNREACHABLE_S
    start_point, end_point = matrix.index(shift.start_location), matrix.index(shift.end_location)
    cap = max_work_s(problem, shift)
    if cap is not None:  # a hard limit on service, travel and parking
        path = [start_point, *(v.point for v in visits), end_point]
        legs = zip(path[:-1], path[1:], [start_factor, *factors], strict=True)
        work = sum(v.service_s for v in visits) + sum(leg_s(a, b, f) for a, b, f in legs)
        work += sum(access_s(v.overhead_s, a, v.point) for v, a in zip(visits, path, strict=False))
        if work > cap:
            return None
    ends: list[int] = []
    starts = simulate(
        visits,
        start_point=start_point,
        end_point=end_point,
        start_s=to_s(problem, shift.start),
        latest_end_s=to_s(problem, shift.end) + int(shift.max_overtime_min * 60),
        breaks=breaks_s(problem, shift),
        leg_s=leg_s,
        start_factor=start_factor,
        ends=ends,
    )
    return None if starts is None else (starts, ends[-1])
