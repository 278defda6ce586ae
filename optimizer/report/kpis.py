"""The day's KPIs, computed from a schedule and its problem."""

from __future__ import annotations

import statistics
from dataclasses import replace

from optimizer.model import Kpis, Priority, Problem, Schedule, TechnicianKpis, drop_penalty
from optimizer.solver.balance import balance_cost


def compute(problem: Problem, schedule: Schedule) -> Kpis:
    """Orders by priority, SLA compliance, travel, utilisation, overtime and cost.

    An unassigned order with an SLA counts as missed in ``sla_on_time_all_pct``;
    ``sla_on_time_pct`` looks at scheduled orders only. ``objective_cost`` is
    ``cost`` plus the drop penalties of the unassigned orders and, with workload balance
    on, ``balance_cost`` (from the shifts' targets in the schedule's meta). The
    utilisation spread (lowest, highest, standard deviation) is over every technician
    with a shift, idle ones included.
    """
    orders = {o.order_id: o for o in problem.orders}
    weights = problem.weights
    routes_by_shift = {r.shift_id: r for r in schedule.routes}
    scheduled = {p.value: 0 for p in Priority}
    unassigned = {p.value: 0 for p in Priority}
    sla_orders = sla_on_time = 0
    sla_cost = 0.0
    for route in schedule.routes:
        for stop in route.stops:
            order = orders[stop.order_id]
            scheduled[order.priority.value] += 1
            if order.sla_due is not None:
                sla_orders += 1
                sla_on_time += stop.sla_late_s == 0
                sla_cost += stop.sla_late_s / 60 * weights.sla_late_cost_per_min[order.priority]
    sla_unassigned = 0
    drop_cost = 0.0
    for item in schedule.unassigned:
        order = orders[item.order_id]
        unassigned[order.priority.value] += 1
        sla_unassigned += order.sla_due is not None
        drop_cost += drop_penalty(weights, order)

    per_tech: dict[str, dict[str, float]] = {}
    overtime_cost = 0.0
    travel_cost = 0.0
    for shift in problem.shifts:
        tech = problem.technician(shift.tech_id)
        acc = per_tech.setdefault(tech.tech_id, dict.fromkeys(
            ("orders", "service_s", "travel_s", "distance_m", "shift_s", "overtime_s", "cost"),
            0.0))
        acc["shift_s"] += (shift.end - shift.start).total_seconds()
        route = routes_by_shift.get(shift.shift_id)
        if route is None:
            continue
        span_h = (route.end - route.start).total_seconds() / 3600
        cost = route.distance_m / 1000 * tech.cost_per_km + span_h * tech.cost_per_hour
        acc["orders"] += len(route.stops)
        acc["service_s"] += sum((s.end - s.start).total_seconds() for s in route.stops)
        acc["travel_s"] += route.travel_s
        acc["distance_m"] += route.distance_m
        acc["overtime_s"] += route.overtime_s
        acc["cost"] += cost
        travel_cost += cost
        overtime_cost += route.overtime_s / 3600 * weights.overtime_cost_per_hour

    technicians = tuple(
        TechnicianKpis(
            tech_id=tech_id,
            orders=int(acc["orders"]),
            service_h=round(acc["service_s"] / 3600, 2),
            travel_h=round(acc["travel_s"] / 3600, 2),
            travel_km=round(acc["distance_m"] / 1000, 2),
            shift_h=round(acc["shift_s"] / 3600, 2),
            utilisation_pct=round(100 * acc["service_s"] / acc["shift_s"], 1)
            if acc["shift_s"] else 0.0,
            overtime_min=round(acc["overtime_s"] / 60, 1),
            cost=round(acc["cost"], 2),
            work_h=round((acc["service_s"] + acc["travel_s"]) / 3600, 2),
        )
        for tech_id, acc in per_tech.items()
    )
    total_scheduled = sum(scheduled.values())
    sla_all = sla_orders + sla_unassigned
    day_cost = round(travel_cost + overtime_cost + sla_cost, 2)
    balance = balance_cost(problem, schedule)
    use = [t.utilisation_pct for t in technicians if t.shift_h > 0]
    return Kpis(
        orders_total=len(problem.orders),
        scheduled=total_scheduled,
        unassigned=sum(unassigned.values()),
        scheduled_by_priority=scheduled,
        unassigned_by_priority=unassigned,
        sla_orders=sla_orders,
        sla_on_time=sla_on_time,
        sla_on_time_pct=round(100 * sla_on_time / sla_orders, 1) if sla_orders else 100.0,
        travel_km=round(sum(t.travel_km for t in technicians), 2),
        travel_h=round(sum(r.travel_s for r in schedule.routes) / 3600, 2),
        service_h=round(sum(t.service_h for t in technicians), 2),
        overtime_min=round(sum(t.overtime_min for t in technicians), 1),
        travel_cost=round(travel_cost, 2),
        overtime_cost=round(overtime_cost, 2),
        sla_late_cost=round(sla_cost, 2),
        cost=day_cost,
        technicians=technicians,
        sla_orders_all=sla_all,
        sla_unassigned=sla_unassigned,
        sla_on_time_all_pct=round(100 * sla_on_time / sla_all, 1) if sla_all else 100.0,
        drop_penalty_cost=round(drop_cost, 2),
        objective_cost=round(day_cost + drop_cost + balance, 2),
        balance_cost=round(balance, 2),
        utilisation_min_pct=min(use) if use else 0.0,
        utilisation_max_pct=max(use) if use else 0.0,
        utilisation_std_pct=round(statistics.pstdev(use), 1) if use else 0.0,
    )


def with_kpis(problem: Problem, schedule: Schedule) -> Schedule:
    """The same schedule with its :class:`~optimizer.model.Kpis` filled in."""
    return replace(schedule, kpis=compute(problem, schedule))
