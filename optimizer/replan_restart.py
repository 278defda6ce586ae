"""Where and when each shift continues at a re-plan (:func:`restart_shift`).

From the published route, the events (:class:`~optimizer.replan_events.Facts`) and "now":
which visits are done or in progress (frozen), where the technician is and from when they
are free (the job in progress, the visit they are driving to, a reported position, a
break or an absence), the breaks still to take, the visits to pin inside the freeze
horizon, and the work already done that day (``Shift.work_done_s``, which counts against
``max_work_h``; ``Shift.busy_with``, the job a later re-plan may hear ended early or runs
late). :func:`optimizer.replanning.prepare` calls it once per shift.

Pure: no files, no network, no solver.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from optimizer.model import (
    Break,
    ChangeKind,
    Location,
    Problem,
    Route,
    ScheduledBreak,
    Shift,
    Stop,
)
from optimizer.replan_events import Facts
from optimizer.solver.timing import add_s, elapsed_s, max_work_s

#: A position reported this close to the job in progress counts as being at the job.
ON_SITE_M = 200.0


def restart_shift(problem: Problem, shift: Shift, route: Route | None, facts: Facts,
                  frozen: dict[str, str], warnings: list[str]
                  ) -> tuple[Shift, list[Stop], list[Stop]] | None:
    """Where and when ``shift`` continues after ``facts.now``, its open visits and its pins.

    None when nothing of the shift is left (the technician is away, or the job in
    progress ends after the shift and its overtime).
    """
    now, tech = facts.now, problem.technician(shift.tech_id)
    stops = route.stops if route else ()
    shift = _resumed(shift, stops, facts, frozen, warnings)
    away_at, back_at = _absence(shift, facts.away.get(shift.tech_id))
    position = facts.positions.get(shift.tech_id)
    place, free = shift.start_location, max(now, shift.start)
    current: tuple[Stop, datetime] | None = None
    done_s = shift.work_done_s  # work of the visits settled here (max_work_h counts it)
    last = -1
    guessed: list[tuple[int, str]] = []  # counted completed by the plan alone
    opened: list[tuple[int, Stop, datetime]] = []
    # a job reported in progress: the technician is on it, so no other visit of the plan
    # is going on now (one before it is done, one after it has not started)
    reported = next((i for i, s in enumerate(stops) if s.order_id in facts.in_progress
                     and s.order_id not in facts.cancelled), None)
    for i, stop in enumerate(stops):
        oid = stop.order_id
        if oid in facts.cancelled:
            continue
        end = stop.end
        duration = facts.durations.get(oid)
        if duration is not None:
            end = add_s(stop.start, math.ceil(duration[0] * 60 * tech.efficiency - 1e-9))
        # without an event, the plan says what happened (not after the technician left)
        planned = away_at is None or stop.start < away_at
        if oid in facts.completed or (oid not in facts.in_progress and planned and end <= now):
            frozen[oid] = ChangeKind.COMPLETED
            if duration is not None:
                why = ("it is completed" if oid in facts.completed
                       else f"the visit ended at {end:%H:%M}, before now")
                warnings.append(f"{duration[1]}, order_id={oid!r}: ignored: {why}")
            place, free, last = stop.location, max(now, shift.start), i
            done_s += _visit_work_s(stop, end)
            if oid not in facts.completed:
                guessed.append((i, oid))
        elif (oid not in facts.in_progress and reported is not None and planned
              and stop.start <= now):
            other = stops[reported].order_id
            given = facts.in_progress[other][1]
            if i < reported:
                frozen[oid] = ChangeKind.COMPLETED
                place, free, last = stop.location, max(now, shift.start), i
                done_s += _visit_work_s(stop, end)
                guessed.append((i, oid))
                warnings.append(f"{given}, order_id={other!r}: {oid}, which the plan has in "
                                f"progress until {end:%H:%M}, comes before it and counts as "
                                "completed (send an event for it if it is not)")
            else:
                opened.append((i, stop, end))
                warnings.append(f"{given}, order_id={other!r}: {oid}, which the plan has in "
                                f"progress until {end:%H:%M}, comes after it and counts as "
                                "not started: it is re-planned")
        elif oid in facts.in_progress or (planned and stop.start <= now):
            off_m = _distance_m(position[0], stop.location) if position else 0.0
            if oid not in facts.in_progress and off_m > ON_SITE_M:
                # the plan says in progress, the reported position says elsewhere
                warnings.append(
                    f"{position[1]}, tech_id={shift.tech_id!r}: the technician is "
                    f"{off_m / 1000:.1f} km from {oid}, which the plan has in progress until "
                    f"{end:%H:%M}: the position wins over the plan, so {oid} counts as not "
                    "started and is re-planned (send 'in_progress' or 'completed' for it if "
                    "that is wrong)")
                opened.append((i, stop, end))
                continue
            frozen[oid] = ChangeKind.IN_PROGRESS
            finish = end
            given = facts.in_progress.get(oid, (None, ""))
            if given[0] is not None and duration is None:
                finish = given[0]
            elif given[0] is not None and abs(elapsed_s(given[0], end)) >= 60:
                warnings.append(f"{given[1]}, order_id={oid!r}: its finish {given[0]:%H:%M} is "
                                f"overridden by {duration[1]}: the visit ends at {end:%H:%M}")
            place, free, last = stop.location, max(now, finish), i
            # on site since its planned start, or since now at the latest (a job reported
            # in progress that the plan had later counted nothing)
            done_s += _visit_work_s(stop, max(finish, now), since=min(stop.start, now))
            if finish > now and (current is None or finish > current[1]):
                current = (stop, finish)
        else:
            opened.append((i, stop, end))

    busy = current is not None
    if busy:
        # a job still going on keeps the technician there, whatever the plan has after it
        place, free = current[0].location, current[1]
        k = stops.index(current[0])
        after = [oid for i, oid in guessed if i > k]
        if after and current[0].order_id in facts.in_progress:
            warnings.append(
                f"{facts.in_progress[current[0].order_id][1]}, "
                f"order_id={current[0].order_id!r}: {', '.join(after)} come after it in the "
                "plan but count as completed, since the plan has them done before now (send "
                "events for them if they are not)")
    if position is not None and busy:
        # only a job reported in progress by an event gets here when the position is far off
        stop, finish = current
        off_m = _distance_m(position[0], stop.location)
        if off_m > ON_SITE_M:
            warnings.append(
                f"{position[1]}, tech_id={shift.tech_id!r}: position ignored: the job "
                f"reported in progress ({stop.order_id}, until {finish:%H:%M}) is "
                f"{off_m / 1000:.1f} km away; the route restarts there when it ends, because "
                "a job in progress keeps the technician on site (send 'completed' for "
                f"{stop.order_id} if the technician has left)")
    elif position is not None:
        place = position[0]
    heading = None
    if position is None and not busy and opened and opened[0][0] == last + 1:
        # driving to (or waiting at) the next visit: restart there, on arrival
        _i, nxt, nxt_end = opened[0]
        # it leaves by arrival - travel - the breaks planned in this gap (a break may be
        # taken before driving, as the plan's arrival allows)
        prev_end = stops[last].end if last >= 0 else (route.start if route else None)
        in_gap = sum(elapsed_s(b.start, b.end) for b in (route.breaks if route else ())
                     if prev_end is not None and prev_end <= b.start and b.end <= nxt.start)
        leaves = add_s(nxt.arrival, -nxt.travel_s - in_gap)
        if (away_at is None or nxt_end <= away_at) and leaves <= now:
            # restart there once parked: the visit's parking is then already paid
            place, free, heading = (nxt.location, max(free, add_s(nxt.arrival, nxt.overhead_s)),
                                    nxt.order_id)
            done_s += nxt.travel_s + nxt.overhead_s
    taken = _taken_breaks(shift, route)
    for b in taken:
        if b.start < now < b.end:  # on a break right now
            free = max(free, b.end)

    end, overtime = shift.end, shift.max_overtime_min
    away_break: tuple[Break, ...] = ()
    if away_at is not None and busy and away_at < current[1]:
        warnings.append(
            f"{facts.away[shift.tech_id][1]}, tech_id={shift.tech_id!r}: away from "
            f"{away_at:%H:%M}, while {current[0].order_id} is in progress until "
            f"{current[1]:%H:%M}: the job is kept to its end (send 'completed' or a "
            f"'duration' for {current[0].order_id} if it was cut short)")
    if away_at is not None and back_at is None:
        end, overtime = min(end, away_at), 0.0
    elif away_at is not None and away_at <= free:  # away at the restart: on when back
        free = max(free, back_at)
    elif away_at is not None:  # away later in the shift: a break it cannot move
        away_break = (Break(away_at, back_at, elapsed_s(away_at, back_at) / 60, "unavailable"),)
    cap = max_work_s(problem, replace(shift, work_done_s=done_s))
    if busy and cap == 0:
        warnings.append(_overrun(facts, current, shift, "the technician's max_work_h="
                                 f"{tech.max_work_h:g} h is used up ({done_s / 3600:.2f} h "
                                 "of work by its end)"))
    if free > add_s(end, overtime * 60):  # a job may still start at the very end
        if busy and away_at is None:
            warnings.append(_overrun(facts, current, shift, "it ends after the shift and "
                                     f"its overtime ({add_s(end, overtime * 60):%H:%M})"))
        return None
    pins = [stop for i, stop, stop_end in opened if i > last
            and (stop.start < facts.freeze_until or stop.order_id == heading)
            and (away_at is None or stop_end <= away_at
                 or (back_at is not None and stop.start >= back_at))]
    # still on a job at the restart: this one's, or an earlier re-plan's not yet over
    busy_with = (current[0].order_id if busy else
                 shift.busy_with if shift.busy_with and free == shift.start > now else "")
    new_shift = replace(
        shift, start=free, start_location=place, end=max(end, free), max_overtime_min=overtime,
        breaks=(*_remaining_breaks(shift.breaks, taken, now, free, end), *away_break),
        work_done_s=done_s, busy_with=busy_with)
    return new_shift, [stop for _i, stop, _end in opened], pins


def _resumed(shift: Shift, stops: Sequence[Stop], facts: Facts, frozen: dict[str, str],
             warnings: list[str]) -> Shift:
    """``shift`` after what the events say of the job an earlier re-plan left it on
    (``Shift.busy_with``, until ``shift.start``): ended now (``completed``, or another of
    its jobs reported in progress: one technician, one job), or running to a new finish
    (``in_progress`` with a time). Its work done changes by the difference."""
    job, now = shift.busy_with, facts.now
    if not job:
        return shift
    finish: datetime | None = None
    if job in facts.resumed:
        given, _where = facts.resumed[job]
        finish = now if given is None or given < now else given
    elif shift.start > now:
        other = next((s.order_id for s in stops if s.order_id in facts.in_progress), None)
        if other is None:
            return shift
        finish = now
        warnings.append(f"{facts.in_progress[other][1]}, order_id={other!r}: {job}, in "
                        f"progress until {shift.start:%H:%M} at an earlier re-plan, counts as "
                        f"completed: {shift.tech_id} is on {other} now")
    if finish is None:
        return shift
    frozen[job] = ChangeKind.IN_PROGRESS if finish > now else ChangeKind.COMPLETED
    return replace(shift, start=max(finish, now), busy_with=job if finish > now else "",
                   work_done_s=max(0, round(shift.work_done_s + elapsed_s(shift.start,
                                                                           finish))))


def _overrun(facts: Facts, current: tuple[Stop, datetime], shift: Shift, why: str) -> str:
    """The warning for a job in progress that leaves its technician no more work today."""
    stop, finish = current
    source = (facts.in_progress.get(stop.order_id) or (None, ""))[1] or \
        (facts.durations.get(stop.order_id) or (None, ""))[1]
    where = f"{source}, order_id={stop.order_id!r}" if source else f"order {stop.order_id}"
    return (f"{where}: in progress until {finish:%H:%M}, {why}: nothing more is planned for "
            f"{shift.tech_id} today")


def _visit_work_s(stop: Stop, end: datetime, since: datetime | None = None) -> int:
    """Work of a visit settled by a re-plan, on site from ``since`` (default: its planned
    start) to ``end``, with the drive to it and its parking."""
    on_site = max(0, elapsed_s(since or stop.start, end))
    return round(stop.travel_s + stop.overhead_s + on_site)


def _absence(shift: Shift, away: tuple[tuple[datetime, datetime | None], str] | None
             ) -> tuple[datetime | None, datetime | None]:
    """What an ``unavailable`` event means for ``shift``: (away from, back at), back at
    None when the technician is away to the end of the shift; (None, None) when the
    absence lies outside it (an absence with no end runs to the end of the plan)."""
    if away is None:
        return None, None
    (start, until), _where = away
    latest = add_s(shift.end, shift.max_overtime_min * 60)
    if until is None:
        return start, None
    if until <= shift.start or start >= latest:
        return None, None
    return start, (None if until >= latest else until)


def _distance_m(a: Location, b: Location) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def _taken_breaks(shift: Shift, route: Route | None) -> tuple[ScheduledBreak, ...]:
    """The breaks the published plan gives this shift: those on its route, and those that
    fitted before the technician left, which the route does not show (OR-Tools may place
    a break off the route): taken one after the other just before leaving, as late as
    their windows allow.
    """
    if route is None:
        return ()
    shown = list(route.breaks)
    missing = []
    for b in shift.breaks:
        match = next((t for t in shown if _is_placement(t, b)), None)
        if match is not None:
            shown.remove(match)
        else:
            missing.append(b)
    implied = []
    cursor = route.start  # placed one after the other, backwards from leaving
    for b in sorted(missing, key=lambda b: (b.latest_end, b.earliest_start), reverse=True):
        end = min(cursor, b.latest_end)
        begin = add_s(end, -b.duration_min * 60)
        if begin >= b.earliest_start:
            implied.append(ScheduledBreak(b.kind, begin, end))
            cursor = begin
    return (*route.breaks, *sorted(implied, key=lambda t: t.start))


def _is_placement(taken: ScheduledBreak, b: Break) -> bool:
    """Whether ``taken`` is a placement of the shift's break ``b`` (kind, length, window)."""
    return (taken.kind == b.kind and abs(elapsed_s(taken.start, taken.end) - b.duration_min * 60)
            < 1 and b.earliest_start <= taken.start and taken.end <= b.latest_end)


def _remaining_breaks(breaks: Sequence[Break], taken, now: datetime, start: datetime,
                      end: datetime) -> tuple[Break, ...]:
    """Breaks still to take: not already taken, and still fitting after ``start``.

    Each break taken before ``now`` settles the one break of the shift it was planned
    for (same kind and length, inside its window), not every break of its kind: a
    technician with two absences who has had the first still has the second. An absence
    that the restart falls inside keeps its remaining part.
    """
    started = [b for b in taken if b.start < now]
    kept = []
    for b in breaks:
        match = next((t for t in started if _is_placement(t, b)), None)
        if match is not None:
            started.remove(match)
            continue
        earliest = max(b.earliest_start, start)
        if add_s(earliest, b.duration_min * 60) <= min(b.latest_end, end):
            kept.append(replace(b, earliest_start=earliest))
        elif _fixed(b) and earliest < b.latest_end:
            # an absence under way at the restart: what is left of it still blocks
            kept.append(replace(b, earliest_start=earliest,
                                duration_min=elapsed_s(earliest, b.latest_end) / 60))
    return tuple(kept)


def _fixed(b: Break) -> bool:
    """A break with no room to move (an absence): its length fills its window."""
    return b.duration_min * 60 >= elapsed_s(b.earliest_start, b.latest_end) - 1
