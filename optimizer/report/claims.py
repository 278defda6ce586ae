"""What a written schedule claims against what its own routes and its re-plan record give.

`fsopt verify` (:func:`optimizer.api.verify_file`) checks the rules with
:mod:`optimizer.solver.verify`; these check the file's own figures: its KPIs (recomputed
from its routes and unassigned orders) and, for a re-plan, the orders it records as
frozen or cancelled (derived again from its events and the published plan).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace

from optimizer.io.schedule_json import ReplanRecord
from optimizer.model import Problem, ReasonCode, Schedule
from optimizer.replanning import Prepared
from optimizer.report.kpis import with_kpis

#: KPIs in money, which :func:`kpi_issues` compares only where verify rebuilds every
#: promise: what a promise (a re-plan, or ``fsopt solve --previous``) adds to a dropped
#: order's penalty or a visit's cost depends on the plan it was made from, which verify
#: rebuilds for re-plans, not for ``--previous``.
MONEY_KPIS = frozenset({"travel_cost", "overtime_cost", "sla_late_cost", "cost",
                        "drop_penalty_cost", "objective_cost", "territory_cost", "late_cost",
                        "balance_cost"})


def kpi_issues(problem: Problem, schedule: Schedule, *, money: bool = True) -> list[str]:
    """Where the KPIs a file states differ from those of its own routes and unassigned
    orders (recomputed by :func:`~optimizer.report.kpis.with_kpis`): the counts, SLA and
    response figures, hours, kilometres and utilisation, and with ``money`` the costs
    (:data:`MONEY_KPIS`: not for a plan made with ``--previous``, whose promises verify
    does not rebuild); figures a file written before they existed does not state are
    not compared."""
    if schedule.kpis is None:
        return []
    found = with_kpis(problem, replace(schedule, kpis=None)).kpis
    issues = []
    for name in (f.name for f in fields(found)):
        said, true = getattr(schedule.kpis, name), getattr(found, name)
        if said is None or (name in MONEY_KPIS and not money):
            continue
        if name in MONEY_KPIS and isinstance(said, float | int) and \
                isinstance(true, float | int):
            if abs(said - true) <= 0.011:  # money to the cent: one rounding of one figure
                continue
        elif same(said, true):
            continue
        issues.append(f"kpis.{name} differs from what the routes and unassigned orders give"
                      if isinstance(true, tuple | Mapping) else
                      f"kpis.{name} is {said!r}, but the routes and unassigned orders give "
                      f"{true!r}")
    return issues


def same(a, b) -> bool:
    """Equal: whole numbers exactly, others to the cent or 0.5 % (the file rounds them, and
    versions before 2026-12-05 summed some totals from rounded figures); the money of a
    technician's figures is left out as in :func:`kpi_issues`."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if isinstance(a, float | int) and isinstance(b, float | int):
        return abs(a - b) <= max(0.011, 0.005 * abs(b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if is_dataclass(a) and is_dataclass(b):
        return all(f.name == "cost" or getattr(a, f.name) is None
                   or same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    return a == b


def record_issues(record: ReplanRecord, prepared: Prepared) -> list[str]:
    """Where the frozen and cancelled orders a file records differ from those its
    events and published plan give."""
    issues = []
    for order_id in sorted(set(record.frozen) | set(prepared.frozen)):
        said, found = record.frozen.get(order_id), prepared.frozen.get(order_id)
        if said != found:
            issues.append(f"order {order_id}: recorded as {said or 'open'}, but the events and "
                          f"the published plan make it {found or 'open'}")
    for order_id in sorted(set(record.cancelled) ^ set(prepared.cancelled)):
        where = ("only in the file" if order_id in record.cancelled
                 else "by the events but not recorded")
        issues.append(f"order {order_id}: cancelled {where}")
    return issues


#: Codes an order gets only after solving; every other code is decided before the search
#: (:func:`optimizer.solver.precheck.check`), from the problem alone.
AFTER_SOLVING = frozenset({ReasonCode.NO_TIME, ReasonCode.VAN_FULL, ReasonCode.NO_ROOM,
                           ReasonCode.UNREACHABLE_FROM_JOBS, ReasonCode.DROPPED_FOR_COST,
                           ReasonCode.NOT_REACHED})


def reason_issues(schedule: Schedule, before_solving: Mapping[str, tuple[ReasonCode, str]]
                  ) -> list[str]:
    """Where the reason code of an unassigned order differs from what the problem alone
    decides (``before_solving``: the pre-check's codes): an order no technician may serve
    must say why, and one that some technician could serve must not say otherwise (a
    hand-edited REMOTE turned into NO_TIME passed verify)."""
    issues = []
    for u in schedule.unassigned:
        decided = before_solving.get(u.order_id)
        if decided is not None and u.code != decided[0]:
            issues.append(f"unassigned {u.order_id}: code {u.code}, but the scenario gives "
                          f"{decided[0]} ({decided[1]})")
        elif decided is None and u.code not in AFTER_SOLVING:
            issues.append(f"unassigned {u.order_id}: code {u.code}, but some technician may "
                          "serve it (a code of a search's outcome was expected)")
    return issues
