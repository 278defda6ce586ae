"""Side-by-side KPIs of several schedules (which orders moved: :mod:`optimizer.report.changes`)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from optimizer.model import Kpis, Priority

#: (column, label, unit, higher is better?) in display order.
METRICS: tuple[tuple[str, str, str, bool], ...] = (
    ("scheduled", "orders scheduled", "", True),
    *((f"scheduled_{p.value}", f"  {p.value}", "", True) for p in Priority),
    ("unassigned", "orders unassigned", "", False),
    *((f"unassigned_{p.value}", f"  {p.value}", "", False) for p in Priority),
    ("sla_on_time_all_pct", "SLA on time, of all SLA orders", "%", True),
    ("sla_on_time_pct", "SLA on time, of scheduled", "%", True),
    ("sla_unassigned", "SLA orders unassigned", "", False),
    *((f"response_on_target_{p.value}_pct", f"response on target, {p.value}", "%", True)
      for p in Priority),
    ("visits_avoided", "visits avoided (remote)", "", True),
    ("outside_territory_visits", "visits outside territory", "", False),
    ("travel_km", "travel", "km", False),
    ("travel_h", "travel", "h", False),
    ("service_h", "service", "h", True),
    ("overtime_min", "overtime", "min", False),
    ("overhead_h", "parking and access", "h", False),
    ("late_orders", "orders served after their due date", "", False),
    ("late_days", "days late, summed", "", False),
    ("territory_cost", "cost of visits outside territory", "", False),
    ("late_cost", "cost of days late", "", False),
    ("travel_cost", "travel and labour cost", "", False),
    ("cost", "cost with overtime and SLA lateness", "", False),
    ("drop_penalty_cost", "drop penalties of unassigned", "", False),
    ("balance_cost", "workload balance cost", "", False),
    ("objective_cost", "full objective (cost + drop penalties + balance)", "", False),
    ("utilisation_mean_pct", "utilisation mean", "%", True),
    ("utilisation_spread_pct", "utilisation spread (max-min)", "pp", False),
    ("utilisation_std_pct", "utilisation standard deviation", "pp", False),
)


def number_text(value: float, *, sign: bool = False) -> str:
    """A KPI value for a table: up to 10 significant digits with thousands separators,
    so a full objective of 1,234,567.89 is not shown as ``1.23457e+06``."""
    return format(value, "+,.10g" if sign else ",.10g")


def kpi_row(kpis: Kpis) -> dict[str, float]:
    """The comparable figures of one schedule, flat: every key of :data:`METRICS`, plus the
    counts behind the SLA percentages and the parts of the cost.

    ``kpis`` must come from :func:`optimizer.report.kpis.compute` (not from a
    schedule.json old enough to lack the full-objective and SLA fields).
    """
    row: dict[str, float] = {
        "scheduled": kpis.scheduled,
        "unassigned": kpis.unassigned,
        "sla_orders_all": kpis.sla_orders_all,
        "sla_on_time": kpis.sla_on_time,
        "sla_on_time_all_pct": kpis.sla_on_time_all_pct,
        "sla_orders": kpis.sla_orders,
        "sla_on_time_pct": kpis.sla_on_time_pct,
        "sla_unassigned": kpis.sla_unassigned,
        "travel_km": kpis.travel_km,
        "travel_h": kpis.travel_h,
        "service_h": kpis.service_h,
        "overtime_min": kpis.overtime_min,
        "travel_cost": kpis.travel_cost,
        "overtime_cost": kpis.overtime_cost,
        "sla_late_cost": kpis.sla_late_cost,
        "cost": kpis.cost,
        "drop_penalty_cost": kpis.drop_penalty_cost,
        "objective_cost": kpis.objective_cost,
        "balance_cost": kpis.balance_cost or 0.0,
    }
    response = {r.priority: r for r in kpis.response or ()}
    row["visits_avoided"] = kpis.visits_avoided or 0
    row["outside_territory_visits"] = kpis.outside_territory_visits or 0
    row["territory_cost"] = kpis.territory_cost or 0.0
    # several days and city travel: parts of ``cost`` and of the working span
    row["overhead_h"] = kpis.overhead_h or 0.0
    row["late_orders"] = kpis.late_orders or 0
    row["late_days"] = kpis.late_days or 0
    row["late_cost"] = kpis.late_cost or 0.0
    for p in Priority:
        row[f"response_on_target_{p.value}_pct"] = (
            response[p.value].on_target_pct if p.value in response else 100.0)
        row[f"scheduled_{p.value}"] = kpis.scheduled_by_priority.get(p.value, 0)
        row[f"unassigned_{p.value}"] = kpis.unassigned_by_priority.get(p.value, 0)
    use = [t.utilisation_pct for t in kpis.technicians if t.shift_h > 0]
    row["utilisation_mean_pct"] = round(statistics.fmean(use), 1) if use else 0.0
    row["utilisation_spread_pct"] = round(max(use) - min(use), 1) if use else 0.0
    row["utilisation_std_pct"] = round(statistics.pstdev(use), 1) if use else 0.0
    return row


def deltas(rows: Sequence[dict[str, float]]) -> list[dict[str, float]]:
    """Each row minus the first (the base)."""
    base = rows[0]
    return [{k: round(v - base.get(k, 0), 2) for k, v in row.items()} for row in rows]
