"""What happened to each order between two schedules: one diff for compare and re-plan.

:func:`order_changes` gives every order of either schedule an :class:`OrderChange`
with one of these statuses (the same words in ``changes.csv``, ``compare.html``
and the command line):

================== ==================================================================
status             the order in the new schedule, against the old one
================== ==================================================================
kept               same technician (and, for a re-plan, a start within the tolerance)
retimed            same technician, start moved by more than the tolerance (re-plan)
moved              another technician
newly assigned     was unassigned, now on a route
newly unassigned   was on a route, now unassigned (the reason says why)
still unassigned   unassigned in both
new, assigned      not in the old schedule, on a route now
new, unassigned    not in the old schedule, unassigned now
cancelled          not in the new schedule: cancelled by an event (re-plan) or removed
                   by the what-if (compare)
completed          done before the re-plan (re-plan only)
in progress        being done at the re-plan (re-plan only)
================== ==================================================================

``old`` is the base scenario's schedule in a comparison and the published one in a
re-plan; ``new`` is the what-if's or the re-planned one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from optimizer.model import ChangeKind, Schedule, elapsed_s


def start_text(moment: datetime | None, *, several_days: bool) -> str:
    """An old or new start as ``changes.csv`` and the command line show it: ``HH:MM``, with
    the date in front in a plan of several days (where a visit may move to another day);
    empty when there is none."""
    if moment is None:
        return ""
    return f"{moment:%Y-%m-%d %H:%M}" if several_days else f"{moment:%H:%M}"


#: Statuses of an order whose technician and start did not change, or that is settled.
UNCHANGED = (ChangeKind.KEPT, ChangeKind.STILL_UNASSIGNED, ChangeKind.COMPLETED,
             ChangeKind.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One order's fate in the new schedule against the old one.

    ``old_tech``/``new_tech`` are None where the order is unassigned or absent;
    ``old_start``/``new_start`` likewise. ``reason`` is why it is unassigned in
    the new schedule, else empty.
    """

    order_id: str
    status: ChangeKind
    old_tech: str | None
    new_tech: str | None
    old_start: datetime | None = None
    new_start: datetime | None = None
    reason: str = ""

    @property
    def changed(self) -> bool:
        """True unless the status is one of :data:`UNCHANGED`."""
        return self.status not in UNCHANGED


def _fates(schedule: Schedule) -> dict[str, tuple[str | None, datetime | None, str]]:
    """Per order: technician, start and reason unassigned (routes first, then unassigned)."""
    fates: dict[str, tuple[str | None, datetime | None, str]] = {}
    for route in schedule.routes:
        for stop in route.stops:
            fates[stop.order_id] = (route.tech_id, stop.start, "")
    for item in schedule.unassigned:
        fates.setdefault(item.order_id, (None, None, item.reason))
    return fates


def order_changes(
    old: Schedule,
    new: Schedule,
    *,
    frozen: Mapping[str, str] | None = None,
    cancelled: Collection[str] = (),
    tolerance_min: float | None = None,
) -> tuple[OrderChange, ...]:
    """Every order of ``old`` or ``new`` with its status (see the module docstring).

    Parameters
    ----------
    old, new : Schedule
        The base and the what-if, or the published plan and the re-plan.
    frozen : mapping of order id to status, optional
        Orders settled before ``new`` was planned (``"completed"``, ``"in progress"``):
        they keep that status.
    cancelled : collection of order ids, optional
        Orders cancelled by an event. An order of ``old`` that is nowhere in ``new``
        is reported as cancelled anyway.
    tolerance_min : float, optional
        A start that moves by more than this, with the same technician, is
        ``retimed``; None (compare) never reports ``retimed``.

    Returns
    -------
    tuple of OrderChange
        In the order of ``old`` (routes, then unassigned), then the orders only in
        ``new``. Filter on :attr:`OrderChange.changed` for the orders that changed.
    """
    frozen = frozen or {}
    before, after = _fates(old), _fates(new)
    changes = []
    for oid in dict.fromkeys([*before, *after]):
        old_tech, old_start, _ = before.get(oid, (None, None, ""))
        new_tech, new_start, reason = after.get(oid, (None, None, ""))
        if oid in frozen:
            status = ChangeKind(frozen[oid])
        elif oid in cancelled or oid not in after:
            status = ChangeKind.CANCELLED
        elif oid not in before:
            status = ChangeKind.NEW_ASSIGNED if new_tech else ChangeKind.NEW_UNASSIGNED
        elif old_tech is None:
            status = ChangeKind.NEWLY_ASSIGNED if new_tech else ChangeKind.STILL_UNASSIGNED
        elif new_tech is None:
            status = ChangeKind.NEWLY_UNASSIGNED
        elif new_tech != old_tech:
            status = ChangeKind.MOVED
        elif tolerance_min is not None and _moved_s(old_start, new_start) > tolerance_min * 60:
            status = ChangeKind.RETIMED
        else:
            status = ChangeKind.KEPT
        changes.append(OrderChange(oid, status, old_tech, new_tech, old_start, new_start,
                                   reason))
    return tuple(changes)


def _moved_s(old: datetime | None, new: datetime | None) -> float:
    """Real seconds between two starts, exact across daylight-saving changes."""
    if old is None or new is None:
        return 0.0
    return abs(elapsed_s(old, new))


def changed_techs(changes: Iterable[OrderChange]) -> tuple[str, ...]:
    """The technicians (sorted) who lose or gain an order, or whose order is retimed."""
    return tuple(sorted({t for c in changes if c.changed
                         for t in (c.old_tech, c.new_tech) if t}))
