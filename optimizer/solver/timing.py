"""Integer-second arithmetic shared by the model builder, the extractor and the verifier.

Time 0 is midnight of the plan date in the scenario's time zone; times are real
seconds from there (a daylight-saving day has 23 or 25 hours).
"""

from __future__ import annotations

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


def travel_s(matrix: TravelMatrix, i: int, j: int, tech: Technician) -> int:
    """Travel time between matrix points for this technician (their speed factor applied)."""
    base = int(matrix.travel_s[i][j])
    return base if tech.speed_factor == 1.0 else round(base / tech.speed_factor)


def windows_s(problem: Problem, order: WorkOrder) -> tuple[tuple[int, int], ...]:
    """The order's start windows in seconds: sorted, disjoint, and never touching.

    Windows that overlap, nest or touch are merged into one (their union), so every
    user of this function (the model, the pre-check, the diagnosis, the greedy
    routes, the warm start and the verifier) sees the same set of allowed starts. With
    ``09:00-17:00;10:00-11:00`` any start from 09:00 to 17:00 is allowed. An order
    without windows gets one unbounded window.
    """
    if not order.time_windows:
        return ((0, 10**9),)
    spans = sorted((to_s(problem, w.start), to_s(problem, w.end)) for w in order.time_windows)
    merged = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end + 1:  # overlapping or touching (ends are inclusive seconds)
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class BreakSpan:
    """A break in seconds: it must lie in ``[earliest_s, latest_end_s]``."""

    earliest_s: int
    latest_end_s: int
    duration_s: int
    kind: str


def breaks_s(problem: Problem, shift: Shift) -> tuple[BreakSpan, ...]:
    return tuple(
        BreakSpan(
            to_s(problem, b.earliest_start),
            to_s(problem, b.latest_end),
            round(b.duration_min * 60),
            b.kind,
        )
        for b in sorted(shift.breaks, key=lambda b: b.earliest_start)
    )


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


def simulate(
    visits: list[Visit],
    *,
    start_point: int,
    end_point: int,
    start_s: int,
    latest_end_s: int,
    breaks: tuple[BreakSpan, ...],
    leg_s: Callable[[int, int], int],
    ends: list[int] | None = None,
) -> list[int] | None:
    """Feasible service starts for ``visits`` in this order, or None if there are none.

    Each break is taken whole in one gap between visits (or before the first,
    or after the return, off duty), never during a service; the search tries
    every placement. ``leg_s(i, j)`` gives travel seconds between matrix points.
    The arrival back at the end point of the starts found is appended to ``ends``.
    """
    points = [start_point, *(v.point for v in visits), end_point]

    def walk(k: int, free_s: int, pending: tuple[BreakSpan, ...], starts: list[int]):
        # free_s: when the technician is free at points[k]; gap k leads to points[k + 1].
        travel_k = leg_s(points[k], points[k + 1])
        options = []
        # take 0, 1, ... of the pending breaks (in time order) in this gap
        for taken in range(len(pending) + 1):
            t = free_s
            ok = True
            for b in pending[:taken]:
                begin = max(t, b.earliest_s)
                if begin + b.duration_s > b.latest_end_s:
                    ok = False
                    break
                t = begin + b.duration_s
            if not ok:
                break
            # breaks may be taken while the travel time passes, but not overlap it
            ready = free_s + travel_k + sum(b.duration_s for b in pending[:taken])
            ready = max(ready, t)
            options.append((ready, pending[taken:]))
        for ready, rest in options:
            if k + 1 == len(points) - 1:
                # breaks still pending are taken after the return, off duty
                if ready <= latest_end_s and all(
                    max(ready, b.earliest_s) + b.duration_s <= b.latest_end_s for b in rest
                ):
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


#: Travel time of a leg with no road (longer than any day, so nothing after it fits).
UNREACHABLE_S = 10**12


def shift_fits(problem: Problem, matrix: TravelMatrix, shift: Shift,
               orders: Sequence[WorkOrder]) -> bool:
    """Whether ``shift`` can serve ``orders`` in this sequence, with its breaks.

    A leg the road network cannot drive (``matrix.reachable``) never fits.
    """
    return visit_times(problem, matrix, shift, orders) is not None


def visit_times(problem: Problem, matrix: TravelMatrix, shift: Shift,
                orders: Sequence[WorkOrder]) -> tuple[list[int], int] | None:
    """Service starts of ``orders`` in this sequence on ``shift`` leaving at its start, and
    the arrival back at its end point; None if they do not fit (as :func:`shift_fits`)."""
    tech = problem.technician(shift.tech_id)
    visits = [Visit(matrix.index(o.location), service_s(o, tech), windows_s(problem, o))
              for o in orders]
    if matrix.reachable is None:
        def leg_s(i: int, j: int) -> int:
            return travel_s(matrix, i, j, tech)
    else:
        def leg_s(i: int, j: int) -> int:
            return travel_s(matrix, i, j, tech) if matrix.is_reachable(i, j) else UNREACHABLE_S
    ends: list[int] = []
    starts = simulate(
        visits,
        start_point=matrix.index(shift.start_location),
        end_point=matrix.index(shift.end_location),
        start_s=to_s(problem, shift.start),
        latest_end_s=to_s(problem, shift.end) + int(shift.max_overtime_min * 60),
        breaks=breaks_s(problem, shift),
        leg_s=leg_s,
        ends=ends,
    )
    return None if starts is None else (starts, ends[-1])
