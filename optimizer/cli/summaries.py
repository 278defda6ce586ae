"""What ``fsopt`` prints after a plan: its KPIs, technicians, unassigned orders and the
geocoding summary."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.table import Table

from optimizer.cli.terminal import out

if TYPE_CHECKING:
    from optimizer.results import PlanResult


def geocode_summary(result) -> None:
    counts = Counter(row.status for row in result.report)
    out.print(f"Geocoded {len(result.report)} addresses with {result.provider}: "
              + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
              + f" ({result.requests} requests, {result.cache_hits} from cache)")
    review = result.review
    if review:
        out.print(f"{len(review)} order{'s' if len(review) != 1 else ''} need review "
                  "(below min_confidence or ambiguous): see geocode_report.csv for the "
                  "candidates")
    else:
        out.print("0 orders need review")
    flagged = [row for row in result.report if row.status != "ok"]
    if flagged:
        table = Table(title="Addresses to review")
        for column in ("order", "address", "status", "confidence", "error", "matched / reason"):
            table.add_column(column)
        for row in flagged:
            table.add_row(row.order_id, row.query, row.status,
                          f"{row.confidence:.2f}" if row.confidence is not None else "",
                          f"±{row.error_m:.0f} m" if row.error_m is not None else "",
                          row.matched_address or row.reason)
        out.print(table)


def sla_text(k) -> str:
    """``114 / 250 (45.6%); of scheduled 114 / 118 (96.6%)``: unassigned SLA orders are missed."""
    scheduled = f"{k.sla_on_time} / {k.sla_orders} ({k.sla_on_time_pct:.1f}%)"
    if k.sla_orders_all is None:
        return f"of scheduled {scheduled}"
    return (f"{k.sla_on_time} / {k.sla_orders_all} ({k.sla_on_time_all_pct:.1f}%); "
            f"of scheduled {scheduled}")


def plan_summary(result: PlanResult) -> None:
    k = result.schedule.kpis
    plan = result.problem
    days = f"{plan.plan_date} to {plan.end_date}" if plan.days > 1 else f"{plan.plan_date}"
    table = Table(title=f"{plan.name} — {days}", show_header=False)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    by_priority = ", ".join(f"{p} {n}" for p, n in k.scheduled_by_priority.items() if n)
    table.add_row("orders scheduled", f"{k.scheduled} / {k.orders_total} ({by_priority})")
    table.add_row("orders unassigned", str(k.unassigned))
    table.add_row("SLA on time", sla_text(k))
    for r in k.response or ():
        if r.orders:
            mean = f"mean {r.mean_h:.1f} h, p90 {r.p90_h:.1f} h" if r.mean_h is not None \
                else "none routed"
            table.add_row(f"response {r.priority} (target {r.target_h:g} h)",
                          f"{r.on_target} / {r.orders} on target ({r.on_target_pct:.1f}%); "
                          f"{mean}")
    if k.visits_avoided:
        table.add_row("visits avoided", f"{k.visits_avoided} resolved remotely "
                                        "(listed unassigned with code REMOTE)")
    if k.outside_territory_visits:
        table.add_row("outside territory", f"{k.outside_territory_visits} visits, cost "
                                           f"{k.territory_cost:,.2f}")
    if plan.days > 1:
        table.add_row("late (after due date)", f"{k.late_orders or 0} orders, "
                                               f"{k.late_days or 0} days in all")
    table.add_row("travel", f"{k.travel_km:.1f} km, {k.travel_h:.2f} h")
    table.add_row("service", f"{k.service_h:.2f} h")
    if k.overhead_h:
        table.add_row("parking and access", f"{k.overhead_h:.2f} h")
    table.add_row("overtime", f"{k.overtime_min:.0f} min")
    territory = f", territory {k.territory_cost:,.2f}" if k.territory_cost else ""
    table.add_row("cost", f"{k.cost:,.2f} (travel and labour {k.travel_cost:,.2f}, overtime "
                          f"{k.overtime_cost:,.2f}, SLA {k.sla_late_cost:,.2f}{territory})")
    if k.objective_cost is not None:
        balance = f", balance {k.balance_cost:,.2f}" if k.balance_cost else ""
        table.add_row("full objective", f"{k.objective_cost:,.2f} (cost + drop penalties "
                                        f"{k.drop_penalty_cost:,.2f} of {k.unassigned} unassigned"
                                        f"{balance})")
    if k.utilisation_min_pct is not None:
        table.add_row("utilisation", f"{k.utilisation_min_pct:.0f}% to "
                                     f"{k.utilisation_max_pct:.0f}% (std "
                                     f"{k.utilisation_std_pct:.1f} pp)")
    table.add_row("matrix / solver", f"{result.matrix.source} / {result.schedule.meta.status}, "
                                     f"{result.schedule.meta.wall_s:.1f} s")
    out.print(table)

    techs = Table(title="Technicians")
    for column in ("tech", "orders", "service h", "travel km", "utilisation", "overtime min"):
        techs.add_column(column, justify="left" if column == "tech" else "right")
    for t in k.technicians:
        techs.add_row(t.tech_id, str(t.orders), f"{t.service_h:.2f}", f"{t.travel_km:.1f}",
                      f"{t.utilisation_pct:.0f}%", f"{t.overtime_min:.0f}")
    out.print(techs)
    if result.changes is not None:
        counts = Counter(str(c.status) for c in result.changes)
        out.print(f"Against the previous plan ({result.schedule.meta.previous or 'given'}): "
                  + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))

    if result.schedule.unassigned:
        orders = {o.order_id: o for o in result.problem.orders}
        missed = Table(title="Unassigned orders")
        for column in ("order", "priority", "reason"):
            missed.add_column(column)
        for item in result.schedule.unassigned:
            missed.add_row(item.order_id, orders[item.order_id].priority.value, item.reason)
        out.print(missed)
