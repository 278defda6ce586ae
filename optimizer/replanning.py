"""Re-plan during the day: keep what happened, move as little as possible of the rest.

:func:`prepare` turns a published schedule, a "now" and events into a new
:class:`~optimizer.model.Problem` for the rest of the day: each shift restarts
from where its technician is at "now" (the reported position, the job in
progress, the visit they are driving to, or the last visit done); completed and
in-progress visits are frozen (taken out of the problem); visits inside the
freeze horizon are pinned to their technician and time (:func:`pin_times` moves
a pin that can no longer be made to the earliest start its technician can make,
so that a pinned visit is never dropped for timing); every still-open order
carries the technician and start it was promised, which the objective charges
to change (``reassign_cost``, ``retime_cost_per_min`` beyond
``retime_tolerance_min``). :func:`change_list` says, per order and per
technician, what changed, and lists the warnings about events that were
overridden or had no effect. The events themselves, and their check, are in
:mod:`optimizer.replan_events`.

In a plan of several days "now" may be on any of its days: the shifts of the days
before are over (their visits done as planned, unless events say otherwise), the day of
"now" restarts as above, and the later days are re-planned with it.

Times are added as real elapsed time (:func:`~optimizer.solver.timing.add_s`), so a
re-plan on a daylight-saving day promises the right times.

Pure: no files, no network, no solver (the caller solves).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from optimizer.model import (
    Break,
    ChangeKind,
    Location,
    Problem,
    ReasonCode,
    Route,
    Schedule,
    ScheduledBreak,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    WorkOrder,
)
from optimizer.replan_events import EVENT_KINDS, ORDER_KINDS, Event, Facts, check_events
from optimizer.report.changes import OrderChange, changed_techs, order_changes
from optimizer.solver.timing import (
    Visit,
    add_s,
    breaks_s,
    elapsed_s,
    leave_factors,
    max_work_s,
    overhead_s,
    service_s,
    simulate,
    to_datetime,
    to_s,
    travel_s,
)

#: A position reported this close to the job in progress counts as being at the job.
ON_SITE_M = 200.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """The rest of the day as a problem, a warm start, and what is already settled.

    ``pinned`` maps each visit kept as it is (freeze horizon, or the visit a
    technician is already driving to) to its technician and promised start.
    ``remaining`` is the same problem without pins and promises: the base of a
    later re-plan. ``settled`` holds every order completed, in progress or
    cancelled at this or an earlier re-plan. ``warnings`` name the events that
    were overridden or had no effect.
    """

    problem: Problem
    initial_routes: Mapping[str, tuple[str, ...]]
    frozen: Mapping[str, str]
    cancelled: frozenset[str]
    now: datetime
    pinned: Mapping[str, tuple[str, datetime]] = field(default_factory=dict)
    remaining: Problem | None = None
    settled: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeList:
    """Every order's fate (:func:`~optimizer.report.changes.order_changes`), the
    technicians whose route changed, and the warnings about the events."""

    orders: tuple[OrderChange, ...]
    changed_techs: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def count(self, *statuses: str) -> int:
        return sum(c.status in statuses for c in self.orders)


def prepare(
    problem: Problem,
    published: Schedule,
    events: Sequence[Event],
    now: datetime,
    *,
    freeze_min: float = 0.0,
    settled: Mapping[str, str] | None = None,
) -> Prepared:
    """The problem for the rest of the day after ``events``, as seen at ``now``.

    ``problem`` is the problem ``published`` was planned for, without pins and
    promises (the scenario's, or the ``remaining`` of the re-plan that made it);
    ``settled`` the orders settled at earlier re-plans (events about them are
    ignored with a warning). Without an event, a visit whose planned end is
    before ``now`` counts as completed, and one that started before ``now`` as
    in progress. Call :func:`pin_times` with the travel matrix before solving.
    """
    settled = dict(settled or {})
    tz = ZoneInfo(problem.timezone)
    # local time, so that messages and file stamps show the clock of the scenario
    now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
    facts = Facts(now=now, freeze_until=add_s(now, freeze_min * 60))
    warnings: list[str] = []
    check_events(problem, published, events, now, settled, facts, warnings)
    routes = {r.shift_id: r for r in published.routes}

    frozen: dict[str, str] = {}
    pinned: dict[str, tuple[str, datetime]] = {}
    promised: dict[str, tuple[str, datetime]] = {}
    shifts: list[Shift] = []
    initial: dict[str, tuple[str, ...]] = {}
    for shift in problem.shifts:
        restart = _restart(problem, shift, routes.get(shift.shift_id), facts, frozen, warnings)
        if restart is None:
            continue
        new_shift, open_stops, pins = restart
        shifts.append(new_shift)
        initial[shift.shift_id] = tuple(s.order_id for s in open_stops)
        for stop in open_stops:
            promised[stop.order_id] = (shift.tech_id, stop.start)
        pinned.update({s.order_id: (shift.tech_id, s.start) for s in pins})
    for order_id in facts.completed:
        frozen.setdefault(order_id, ChangeKind.COMPLETED)
    for order_id, (_finish, where) in facts.resumed.items():
        if order_id not in frozen:  # its technician has nothing left that day
            warnings.append(f"{where}, order_id={order_id!r}: ignored: the technician of "
                            "this job, in progress at an earlier re-plan, has no more work "
                            "planned today")
    cancelled = frozenset(facts.cancelled)

    techs = {t.tech_id for t in problem.technicians}
    open_orders, plain_orders = [], []
    for order in [*problem.orders, *facts.new_orders]:
        oid = order.order_id
        if oid in frozen or oid in cancelled:
            continue
        if oid in facts.durations:
            order = replace(order, service_min=facts.durations[oid][0])
        plain_orders.append(order)
        if oid in promised:
            tech_id, start = promised[oid]
            order = replace(order, promised_tech=tech_id, promised_start=start)
        if oid in pinned:
            tech_id, start = pinned[oid]
            order = replace(order, excluded_techs=frozenset(techs - {tech_id}),
                            time_windows=(TimeWindow(start, start),), pinned=True)
        open_orders.append(order)
    # the restarted shifts stand on their own (no roster: what-ifs start from a scenario)
    rest = replace(problem, orders=tuple(open_orders), shifts=tuple(shifts), roster=(),
                   absences=())
    remaining = replace(rest, orders=tuple(plain_orders))
    settled.update(frozen)
    settled.update({oid: ChangeKind.CANCELLED for oid in cancelled})
    return Prepared(rest, initial, frozen, cancelled, now, pinned, remaining, settled,
                    tuple(warnings))


def _restart(problem: Problem, shift: Shift, route: Route | None, facts: Facts,
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


def explain_no_shift(base: Problem, prepared: Prepared, schedule: Schedule) -> Schedule:
    """``schedule`` with a true reason for its ``NO_SHIFT`` orders: in a re-plan, a
    qualified technician whose shift the re-plan ended (over, taken to its end by a job in
    progress, away, or at ``max_work_h``) does work that day, so "no qualified technician
    works that day" was false and its advice (add a shift) wrong. The code stays."""
    ended = sorted({s.tech_id for s in base.shifts}
                   - {s.tech_id for s in prepared.problem.shifts})
    if not ended:
        return schedule
    orders = {o.order_id: o for o in prepared.problem.orders}
    out = []
    for u in schedule.unassigned:
        order = orders.get(u.order_id)
        if u.code == ReasonCode.NO_SHIFT and order is not None:
            able = [t for t in ended if order.required_skills
                    <= base.technician(t).skills and t not in order.excluded_techs]
            if able:
                u = replace(u, reason=f"no qualified technician has time left today "
                                      f"({', '.join(able)}: shift over, away, or taken to "
                                      "its end)")
        out.append(u)
    return replace(schedule, unassigned=tuple(out))


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


def pin_times(prepared: Prepared, matrix: TravelMatrix) -> Prepared:
    """Pin each kept visit at its promised start, or the earliest start its technician
    can still make from where the shift restarts (a late in-progress job, a reported
    position, a longer duration), so that a pinned visit is never dropped for timing.

    ``matrix`` must cover the points of ``prepared.problem``. When even the earliest
    starts do not fit the shift, the visits are released to the search, with a warning.
    """
    if not prepared.pinned:
        return prepared
    problem = prepared.problem
    orders = {o.order_id: o for o in problem.orders}
    plain = {o.order_id: o for o in prepared.remaining.orders}
    pinned = dict(prepared.pinned)
    warnings = list(prepared.warnings)
    changed: dict[str, WorkOrder] = {}
    for shift in problem.shifts:
        chain = [orders[oid] for oid in prepared.initial_routes.get(shift.shift_id, ())
                 if oid in pinned]
        if not chain:
            continue
        tech = problem.technician(shift.tech_id)
        # the longest run of kept visits that still fits, each at its earliest start
        starts, kept = None, len(chain)
        while starts is None and kept:
            starts = _earliest_starts(problem, matrix, shift, tech, chain[:kept], pinned)
            kept -= starts is None
        for o, start_s in zip(chain, starts or (), strict=False):
            moment = to_datetime(problem, start_s)
            changed[o.order_id] = replace(o, time_windows=(TimeWindow(moment, moment),))
        released = chain[kept:]
        for o in released:
            base = plain[o.order_id]
            changed[o.order_id] = replace(o, time_windows=base.time_windows,
                                          excluded_techs=base.excluded_techs, pinned=False)
            del pinned[o.order_id]
        if released:
            warnings.append(f"{shift.tech_id}: {', '.join(o.order_id for o in released)} "
                            "inside the freeze horizon no longer fit the shift, even at the "
                            "earliest; re-planned like the other orders")
    rest = replace(problem, orders=tuple(changed.get(o.order_id, o) for o in problem.orders))
    return replace(prepared, problem=rest, pinned=pinned, warnings=tuple(warnings))


def _earliest_starts(problem: Problem, matrix: TravelMatrix, shift: Shift, tech, chain,
                     pinned) -> list[int] | None:
    """Starts (s) of ``chain`` in order, none before its promised start, or None."""
    # peak factors from the orders as they are now: pinned later at or after these starts,
    # their legs can only get the same factor or a faster one
    start_factor, *factors = leave_factors(problem, shift, tech, [None, *chain])
    return simulate(
        [Visit(matrix.index(o.location), service_s(o, tech),
               ((to_s(problem, pinned[o.order_id][1]), 10**9),), overhead_s(problem, o), f)
         for o, f in zip(chain, factors, strict=True)],
        start_point=matrix.index(shift.start_location),
        end_point=matrix.index(shift.end_location),
        start_s=to_s(problem, shift.start),
        latest_end_s=to_s(problem, shift.end) + int(shift.max_overtime_min * 60),
        breaks=breaks_s(problem, shift),
        leg_s=lambda i, j, factor: travel_s(matrix, i, j, tech, factor),
        start_factor=start_factor,
    )


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


def change_list(published: Schedule, prepared: Prepared, new: Schedule, *,
                tolerance_min: float) -> ChangeList:
    """Per order: completed, in progress, cancelled, kept, retimed, moved, newly
    assigned or unassigned, or new (the statuses of :mod:`optimizer.report.changes`)."""
    changes = order_changes(published, new, frozen=prepared.frozen,
                            cancelled=prepared.cancelled, tolerance_min=tolerance_min)
    techs = set(changed_techs(changes)) | _rescheduled(published, new, prepared.now)
    return ChangeList(changes, tuple(sorted(techs)), prepared.warnings)


def _rescheduled(published: Schedule, new: Schedule, now: datetime) -> set[str]:
    """The technicians whose visits or breaks from ``now`` on start at other times (or are
    others) than published, also within the re-plan tolerance: their pages show those
    times, so they are rewritten (a visit 'kept' 26 minutes later is still a change)."""
    def ahead(schedule: Schedule) -> dict[str, list]:
        plan: dict[str, list] = {}
        for route in schedule.routes:
            plan.setdefault(route.tech_id, []).extend(
                [(s.order_id, s.start) for s in route.stops if s.start >= now]
                + [(b.kind, b.start) for b in route.breaks if b.start >= now])
        return {tech_id: sorted(items) for tech_id, items in plan.items()}
    before, after = ahead(published), ahead(new)
    return {t for t in before.keys() | after.keys() if before.get(t, []) != after.get(t, [])}


# Event and its kinds live in optimizer.replan_events; they are part of this module's API.
__all__ = ["EVENT_KINDS", "ON_SITE_M", "ORDER_KINDS", "ChangeList", "Event", "Prepared",
           "change_list", "explain_no_shift", "pin_times", "prepare"]
