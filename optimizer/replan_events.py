"""The events of a re-plan: what happened since the published plan, checked against it.

:func:`check_events` validates every event at once (one :class:`InputError` lists all the
bad ones, naming the file and row each came from) and sorts the good ones into
:class:`Facts` by kind; a later event of the same kind and key overrides an earlier one
with a warning. :func:`optimizer.replanning.prepare` turns the facts into the rest of
the day. Pure: no files, no network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.model import ChangeKind, Location, Problem, Schedule, WorkOrder

EVENT_KINDS = ("completed", "in_progress", "position", "unavailable", "new_order", "cancelled",
               "duration")
#: Kinds of event about one existing order.
ORDER_KINDS = ("completed", "in_progress", "cancelled", "duration")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened. ``time`` is the expected finish for ``in_progress``,
    the start of absence for ``unavailable`` and ``until`` its end (None: the rest of the
    plan); ``order`` is set for ``new_order``; ``source`` says where the event came from
    (``events.csv row 3``) for messages."""

    kind: str
    order_id: str = ""
    tech_id: str = ""
    time: datetime | None = None
    location: Location | None = None
    service_min: float | None = None
    order: WorkOrder | None = None
    source: str = field(default="", compare=False)
    until: datetime | None = None


def _where(k: int, e: Event) -> str:
    return f"{e.source} ({e.kind})" if e.source else f"event {k} ({e.kind})"


@dataclass(slots=True)
class Facts:
    """The events, by kind; a later event of the same kind and key overrides an earlier one."""

    now: datetime
    freeze_until: datetime
    completed: dict[str, str] = field(default_factory=dict)
    in_progress: dict[str, tuple[datetime | None, str]] = field(default_factory=dict)
    cancelled: dict[str, str] = field(default_factory=dict)
    durations: dict[str, tuple[float, str]] = field(default_factory=dict)
    positions: dict[str, tuple[Location, str]] = field(default_factory=dict)
    #: tech id -> ((away from, back at or None), where)
    away: dict[str, tuple[tuple[datetime, datetime | None], str]] = field(default_factory=dict)
    new_orders: list[WorkOrder] = field(default_factory=list)
    #: A job in progress since an earlier re-plan: its new finish (None: completed now).
    resumed: dict[str, tuple[datetime | None, str]] = field(default_factory=dict)


def check_events(problem: Problem, published: Schedule, events: Sequence[Event],
                 now: datetime, settled: Mapping[str, str], facts: Facts,
                 warnings: list[str]) -> None:
    """Fill ``facts`` from the events; every bad event is reported in one InputError."""
    orders = {o.order_id for o in problem.orders}
    techs = {t.tech_id for t in problem.technicians}
    routed = {s.order_id for r in published.routes for s in r.stops}
    problems: list[str] = []
    local = now.astimezone(ZoneInfo(problem.timezone))
    if local.date() not in problem.dates:
        days = (f"the plan date {problem.plan_date}" if problem.days == 1 else
                f"the plan's days {problem.plan_date} to {problem.end_date}")
        problems.append(f"now={local:%Y-%m-%d %H:%M}: not on {days} (a re-plan continues "
                        "the published plan)")
    new_ids: dict[str, str] = {}
    states: dict[str, dict[str, str]] = {}
    for k, e in enumerate(events, start=1):
        where = _where(k, e)
        if e.kind not in EVENT_KINDS:
            problems.append(f"{where}: unknown kind (use {', '.join(EVENT_KINDS)})")
            continue
        if e.kind == "new_order":
            _check_new_order(where, e, orders, settled, techs, new_ids, problems, facts)
            continue
        if e.kind in ORDER_KINDS:
            label = f"{where}, order_id={e.order_id!r}"
            if e.order_id in settled:
                ongoing = settled[e.order_id] == ChangeKind.IN_PROGRESS
                if ongoing and (e.kind == "completed" or
                                (e.kind == "in_progress" and e.time is not None)):
                    # the job of an earlier re-plan ended early, or runs late
                    facts.resumed[e.order_id] = (e.time if e.kind == "in_progress" else None,
                                                 where)
                    continue
                hint = (" (send in_progress with its new finish time)"
                        if ongoing and e.kind in ("duration", "in_progress") else "")
                warnings.append(f"{label}: ignored: the order was already "
                                f"{settled[e.order_id]} at an earlier re-plan{hint}")
                continue
            if e.order_id not in orders:
                problems.append(f"{label}: unknown order")
                continue
            if e.kind == "in_progress" and e.order_id not in routed:
                problems.append(f"{label}: the order is on no route of the published plan, so "
                                "no technician is known to be doing it")
                continue
            if e.kind == "completed" and e.order_id not in routed:
                warnings.append(f"{label}: the order was on no route of the published plan; "
                                "counted as completed")
            if e.kind == "duration" and (e.service_min is None or e.service_min < 0):
                problems.append(f"{label}: service_min must be given and >= 0")
                continue
            states.setdefault(e.order_id, {})[e.kind] = where
        if e.kind in ("position", "unavailable"):
            label = f"{where}, tech_id={e.tech_id!r}"
            if e.tech_id not in techs:
                problems.append(f"{label}: unknown technician")
                continue
            if e.kind == "position" and e.location is None:
                problems.append(f"{label}: a position needs lat and lon")
                continue
            if e.kind == "unavailable" and e.time is None:
                problems.append(f"{label}: needs the time from which the technician is away")
                continue
            if e.kind == "unavailable" and e.until is not None and e.until <= max(e.time, now):
                problems.append(f"{label}, until={e.until:%Y-%m-%d %H:%M}: must be after "
                                f"the time ({e.time:%Y-%m-%d %H:%M}) and after now (an "
                                "absence already over changes nothing)")
                continue
        _record(e, where, facts, warnings)
    for order_id, kinds in states.items():
        for other in ("completed", "in_progress"):
            if "cancelled" in kinds and other in kinds:
                problems.append(f"{kinds['cancelled']} and {kinds[other]}: order {order_id} "
                                f"cannot be both cancelled and {other.replace('_', ' ')}")
        if "completed" in kinds and "in_progress" in kinds and "cancelled" not in kinds:
            warnings.append(f"{kinds['in_progress']}, order_id={order_id!r}: ignored: "
                            f"{kinds['completed']} says the order is completed")
            del facts.in_progress[order_id]
    tech_of = {s.order_id: r.tech_id for r in published.routes for s in r.stops}
    doing: dict[str, list[tuple[str, str]]] = {}
    for order_id, (_time, where) in facts.in_progress.items():
        doing.setdefault(tech_of[order_id], []).append((order_id, where))
    for tech_id, jobs in doing.items():
        if len(jobs) > 1:
            problems.append(f"{' and '.join(w for _, w in jobs)}: {tech_id} cannot have "
                            f"{len(jobs)} jobs in progress at once "
                            f"({', '.join(o for o, _ in jobs)}); mark the finished ones "
                            "completed")
    if problems:
        raise InputError(problems)


def _check_new_order(where, e, orders, settled, techs, new_ids, problems, facts) -> None:
    order = e.order
    if order is None:
        problems.append(f"{where}: a new order needs its order fields")
        return
    label = f"{where}, order_id={order.order_id!r}"
    bad = [] if order.order_id else ["order_id"]
    if order.location is None or not order.location.located:
        bad.append("lat and lon")
    if bad:
        problems.append(f"{label}: a new order needs {' and '.join(bad)}")
        return
    if order.order_id in orders or order.order_id in settled:
        problems.append(f"{label}: the order already exists")
        return
    if order.order_id in new_ids:
        problems.append(f"{label}: also given by {new_ids[order.order_id]}")
        return
    new_ids[order.order_id] = where
    fine = True
    for column, names in (("preferred_techs", order.preferred_techs),
                          ("excluded_techs", order.excluded_techs)):
        unknown = sorted(names - techs)
        if unknown:
            problems.append(f"{where}, {column}={';'.join(sorted(names))!r}: unknown "
                            f"technician {', '.join(unknown)}")
            fine = False
    if fine:
        facts.new_orders.append(order)


def _record(e: Event, where: str, facts: Facts, warnings: list[str]) -> None:
    """Store one valid event; say so when it overrides an earlier one with another value."""
    keyed = {
        "in_progress": (facts.in_progress, e.order_id, e.time),
        "duration": (facts.durations, e.order_id, e.service_min),
        "position": (facts.positions, e.tech_id, e.location),
        "unavailable": (facts.away, e.tech_id, (e.time, e.until)),
    }
    if e.kind in keyed:
        table, key, value = keyed[e.kind]
        if key in table and table[key][0] != value:
            warnings.append(f"{where}: overrides {table[key][1]} (the later row wins)")
        table[key] = (value, where)
    elif e.kind == "completed":
        facts.completed.setdefault(e.order_id, where)
    elif e.kind == "cancelled":
        facts.cancelled.setdefault(e.order_id, where)


__all__ = ["EVENT_KINDS", "ORDER_KINDS", "Event", "Facts", "check_events"]
