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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from optimizer.model import (
    ChangeKind,
    Problem,
    ReasonCode,
    Schedule,
    Shift,
    TimeWindow,
    TravelMatrix,
    WorkOrder,
)
from optimizer.replan_events import EVENT_KINDS, ORDER_KINDS, Event, Facts, check_events
from optimizer.replan_restart import ON_SITE_M, restart_shift
from optimizer.report.changes import OrderChange, changed_techs, order_changes
from optimizer.solver.timing import (
    Visit,
    add_s,
    breaks_s,
    leave_factors,
    overhead_s,
    service_s,
    simulate,
    to_datetime,
    to_s,
    travel_s,
)


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
        restart = restart_shift(problem, shift, routes.get(shift.shift_id), facts, frozen, warnings)
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
