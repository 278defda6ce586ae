"""Re-plan during the day: keep what happened, move as little as possible of the rest.

:func:`prepare` turns a published schedule, a "now" and events into a new
:class:`~optimizer.model.Problem` for the rest of the day: each shift restarts
from where its technician is at "now"; completed and in-progress visits are
frozen (taken out of the problem); visits inside the freeze horizon are pinned
to their technician and time; every still-open order carries the technician
and start it was promised, which the objective charges to change
(``reassign_cost``, ``retime_cost_per_min`` beyond ``retime_tolerance_min``).
:func:`change_list` says, per order and per technician, what changed.

Pure: no files, no network, no solver (the caller solves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from optimizer.errors import InputError
from optimizer.model import (
    Break,
    Location,
    Problem,
    Schedule,
    Shift,
    Stop,
    TimeWindow,
    WorkOrder,
)

EVENT_KINDS = ("completed", "in_progress", "position", "unavailable", "new_order", "cancelled",
               "duration")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened. ``time`` is the expected finish for ``in_progress``,
    the start of absence for ``unavailable``; ``order`` is set for ``new_order``."""

    kind: str
    order_id: str = ""
    tech_id: str = ""
    time: datetime | None = None
    location: Location | None = None
    service_min: float | None = None
    order: WorkOrder | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """The rest of the day as a problem, a warm start, and what is already settled."""

    problem: Problem
    initial_routes: Mapping[str, tuple[str, ...]]
    frozen: Mapping[str, str]
    cancelled: frozenset[str]
    now: datetime


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One order's fate in the new plan compared with the published one."""

    order_id: str
    status: str
    old_tech: str | None
    new_tech: str | None
    old_start: datetime | None
    new_start: datetime | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ChangeList:
    orders: tuple[OrderChange, ...]
    changed_techs: tuple[str, ...]

    def count(self, *statuses: str) -> int:
        return sum(c.status in statuses for c in self.orders)


def _check_events(problem: Problem, published: Schedule, events: Sequence[Event]) -> None:
    orders = {o.order_id for o in problem.orders}
    techs = {t.tech_id for t in problem.technicians}
    problems = []
    new_ids = set()
    for k, e in enumerate(events, start=1):
        where = f"event {k} ({e.kind})"
        if e.kind not in EVENT_KINDS:
            problems.append(f"{where}: unknown kind (use {', '.join(EVENT_KINDS)})")
        elif e.kind == "new_order":
            if e.order is None or e.order.location is None:
                problems.append(f"{where}: a new order needs order_id, lat, lon and service_min")
            elif e.order.order_id in orders or e.order.order_id in new_ids:
                problems.append(f"{where}: order_id={e.order.order_id!r} already exists")
            else:
                new_ids.add(e.order.order_id)
        elif e.kind in ("completed", "in_progress", "cancelled", "duration"):
            if e.order_id not in orders:
                problems.append(f"{where}: unknown order_id={e.order_id!r}")
            if e.kind == "duration" and (e.service_min is None or e.service_min < 0):
                problems.append(f"{where}: service_min must be given and >= 0")
        if e.kind in ("position", "unavailable") and e.tech_id not in techs:
            problems.append(f"{where}: unknown tech_id={e.tech_id!r}")
        if e.kind == "position" and e.location is None:
            problems.append(f"{where}: a position needs lat and lon")
        if e.kind == "unavailable" and e.time is None:
            problems.append(f"{where}: needs the time from which the technician is away")
    if problems:
        raise InputError(problems)


def prepare(
    problem: Problem,
    published: Schedule,
    events: Sequence[Event],
    now: datetime,
    *,
    freeze_min: float = 0.0,
) -> Prepared:
    """The problem for the rest of the day after ``events``, as seen at ``now``.

    Without an event, a visit whose planned end is before ``now`` counts as
    completed, and one that started before ``now`` as in progress.
    """
    _check_events(problem, published, events)
    by_kind: dict[str, list[Event]] = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)
    completed = {e.order_id for e in by_kind.get("completed", [])}
    in_progress = {e.order_id: e.time for e in by_kind.get("in_progress", [])}
    cancelled = frozenset(e.order_id for e in by_kind.get("cancelled", []))
    durations = {e.order_id: e.service_min for e in by_kind.get("duration", [])}
    positions = {e.tech_id: e.location for e in by_kind.get("position", [])}
    away = {e.tech_id: e.time for e in by_kind.get("unavailable", [])}
    freeze_until = now + timedelta(minutes=freeze_min)
    orders = {o.order_id: o for o in problem.orders}
    routes = {r.shift_id: r for r in published.routes}

    frozen: dict[str, str] = {}
    pinned: dict[str, tuple[str, datetime]] = {}
    promised: dict[str, tuple[str, datetime]] = {}
    shifts: list[Shift] = []
    initial: dict[str, tuple[str, ...]] = {}
    for shift in problem.shifts:
        route = routes.get(shift.shift_id)
        stops = route.stops if route else ()
        anchor_place, anchor_time = shift.start_location, max(now, shift.start)
        open_ids: list[str] = []
        for stop in stops:
            oid = stop.order_id
            if oid in cancelled:
                continue
            if oid in completed or (oid not in in_progress and stop.end <= now):
                frozen[oid] = "completed"
                anchor_place, anchor_time = stop.location, max(now, stop.end)
            elif oid in in_progress or stop.start <= now:
                frozen[oid] = "in progress"
                finish = in_progress.get(oid) or stop.end
                if oid in durations:
                    finish = stop.start + timedelta(minutes=durations[oid] * _efficiency(
                        problem, shift))
                anchor_place, anchor_time = stop.location, max(now, finish)
            else:
                open_ids.append(oid)
                promised[oid] = (shift.tech_id, stop.start)
                if stop.start < freeze_until:
                    pinned[oid] = (shift.tech_id, stop.start)
        if shift.tech_id in positions:
            anchor_place = positions[shift.tech_id]
        end = shift.end
        overtime = shift.max_overtime_min
        if shift.tech_id in away:
            end, overtime = min(end, away[shift.tech_id]), 0.0
        if anchor_time >= end + timedelta(minutes=overtime):
            continue
        taken = route.breaks if route else ()
        shifts.append(replace(
            shift, start=anchor_time, start_location=anchor_place, end=max(end, anchor_time),
            max_overtime_min=overtime,
            breaks=_remaining_breaks(shift.breaks, taken, now, anchor_time, end)))
        initial[shift.shift_id] = tuple(open_ids)

    new_orders = []
    for oid, order in orders.items():
        if oid in frozen or oid in cancelled:
            continue
        if oid in durations:
            order = replace(order, service_min=durations[oid])
        if oid in promised:
            tech_id, start = promised[oid]
            order = replace(order, promised_tech=tech_id, promised_start=start)
        if oid in pinned:
            tech_id, start = pinned[oid]
            others = {t.tech_id for t in problem.technicians} - {tech_id}
            order = replace(order, excluded_techs=frozenset(others),
                            time_windows=(TimeWindow(start, start),))
        new_orders.append(order)
    new_orders += [e.order for e in by_kind.get("new_order", [])]
    rest = replace(problem, orders=tuple(new_orders), shifts=tuple(shifts))
    return Prepared(rest, initial, frozen, cancelled, now)


def _efficiency(problem: Problem, shift: Shift) -> float:
    return problem.technician(shift.tech_id).efficiency


def _remaining_breaks(breaks: Sequence[Break], taken, now: datetime, start: datetime,
                      end: datetime) -> tuple[Break, ...]:
    """Breaks still to take: not already taken, and still fitting after ``start``."""
    done_kinds = {b.kind for b in taken if b.start < now}
    kept = []
    for b in breaks:
        if b.kind in done_kinds:
            continue
        earliest = max(b.earliest_start, start)
        if earliest + timedelta(minutes=b.duration_min) <= min(b.latest_end, end):
            kept.append(replace(b, earliest_start=earliest))
    return tuple(kept)


def _fates(schedule: Schedule) -> dict[str, tuple[str, Stop]]:
    return {s.order_id: (r.tech_id, s) for r in schedule.routes for s in r.stops}


def change_list(published: Schedule, prepared: Prepared, new: Schedule, *,
                tolerance_min: float) -> ChangeList:
    """Per order: frozen, kept, retimed, moved, newly assigned/unassigned, cancelled or new."""
    old, fresh = _fates(published), _fates(new)
    reasons = {u.order_id: u.reason for u in new.unassigned}
    tolerance = timedelta(minutes=tolerance_min)
    changes = []
    all_ids = list(dict.fromkeys([*old, *(u.order_id for u in published.unassigned),
                                  *fresh, *reasons]))
    for oid in all_ids:
        before = old.get(oid)
        after = fresh.get(oid)
        old_tech, old_start = (before[0], before[1].start) if before else (None, None)
        new_tech, new_start = (after[0], after[1].start) if after else (None, None)
        if oid in prepared.frozen:
            status = prepared.frozen[oid]
        elif oid in prepared.cancelled:
            status = "cancelled"
        elif before is None and oid not in {u.order_id for u in published.unassigned}:
            status = "new, assigned" if after else "new, unassigned"
        elif before is None:
            status = "newly assigned" if after else "still unassigned"
        elif after is None:
            status = "newly unassigned"
        elif new_tech != old_tech:
            status = "moved"
        elif abs(new_start - old_start) > tolerance:
            status = "retimed"
        else:
            status = "kept"
        changes.append(OrderChange(oid, status, old_tech, new_tech, old_start, new_start,
                                   reasons.get(oid, "")))
    changed = sorted({t for c in changes if c.status not in ("kept", "completed", "in progress",
                                                             "still unassigned")
                      for t in (c.old_tech, c.new_tech) if t})
    return ChangeList(tuple(changes), tuple(changed))
