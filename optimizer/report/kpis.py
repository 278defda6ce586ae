"""The day's KPIs, computed from a schedule and its problem."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date

from optimizer.model import (
    Kpis,
    Priority,
    Problem,
    ResponseKpis,
    Schedule,
    Stop,
    TechnicianKpis,
    WorkOrder,
    elapsed_s,
    in_territory,
    order_drop_penalty,
    shift_date,
)
from optimizer.solver.balance import balance_cost


def compute(problem: Problem, schedule: Schedule) -> Kpis:
    """Orders by priority, SLA compliance, travel, utilisation, overtime and cost.

    An unassigned order with an SLA counts as missed in ``sla_on_time_all_pct``;
    ``sla_on_time_pct`` looks at scheduled orders only. ``objective_cost`` is
    ``cost`` plus the drop penalties of the unassigned orders. A remote-resolvable
    order is a visit avoided, not a miss: it is left out of the SLA and response
    figures and costs no drop penalty (it still counts in ``unassigned``). ``cost`` includes the
    lateness of orders served after their ``due_date`` (several-day plans). With workload
    balance on, ``objective_cost`` adds ``balance_cost`` (from the shifts' targets in the
    schedule's meta). The utilisation spread (lowest, highest, standard deviation) is over
    every technician with a shift, idle ones included.
    """
    orders = {o.order_id: o for o in problem.orders}
    weights = problem.weights
    routes_by_shift = {r.shift_id: r for r in schedule.routes}
    scheduled = {p.value: 0 for p in Priority}
    unassigned = {p.value: 0 for p in Priority}
    sla_orders = sla_on_time = 0
    sla_cost = late_cost = 0.0
    late_orders = late_days = 0
    outside = 0
    for route in schedule.routes:
        tech = problem.technician(route.tech_id)
        for stop in route.stops:
            order = orders[stop.order_id]
            outside += problem.territory_mode == "soft" and not in_territory(tech, order)
            scheduled[order.priority.value] += 1
            late_orders += stop.late_days > 0
            late_days += stop.late_days
            late_cost += stop.late_days * weights.late_cost_per_day[order.priority]
            if order.sla_due is not None:
                sla_orders += 1
                sla_on_time += stop.sla_late_s == 0
                sla_cost += stop.sla_late_s / 60 * weights.sla_late_cost_per_min[order.priority]
    sla_unassigned = 0
    drop_cost = 0.0
    for item in schedule.unassigned:
        order = orders[item.order_id]
        unassigned[order.priority.value] += 1
        sla_unassigned += order.sla_due is not None and not order.remote_resolvable
        drop_cost += order_drop_penalty(problem, order)

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
    territory_cost = outside * weights.outside_territory_cost
    day_cost = round(travel_cost + overtime_cost + sla_cost + territory_cost + late_cost, 2)
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
        # totals from the exact figures, not from the technicians' rounded ones
        travel_km=round(sum(a["distance_m"] for a in per_tech.values()) / 1000, 2),
        travel_h=round(sum(r.travel_s for r in schedule.routes) / 3600, 2),
        service_h=round(sum(a["service_s"] for a in per_tech.values()) / 3600, 2),
        overtime_min=round(sum(a["overtime_s"] for a in per_tech.values()) / 60, 1),
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
        response=response_kpis(problem, schedule),
        visits_avoided=sum(o.remote_resolvable for o in problem.orders),
        outside_territory_visits=outside,
        territory_cost=round(territory_cost, 2),
        late_orders=late_orders,
        late_days=late_days,
        late_cost=round(late_cost, 2),
        overhead_h=round(sum(s.overhead_s for r in schedule.routes for s in r.stops) / 3600, 2),
        balance_cost=round(balance, 2),
        utilisation_min_pct=min(use) if use else 0.0,
        utilisation_max_pct=max(use) if use else 0.0,
        utilisation_std_pct=round(statistics.pstdev(use), 1) if use else 0.0,
    )


def response_h(order: WorkOrder, stop: Stop) -> float | None:
    """Hours from the request (``created_at``) to the planned arrival (None without one)."""
    if order.created_at is None:
        return None
    return elapsed_s(order.created_at, stop.arrival) / 3600


def response_kpis(problem: Problem, schedule: Schedule) -> tuple[ResponseKpis, ...]:
    """Response time by priority against ``problem.response_target_h``.

    Counted over the orders with a ``created_at`` that are not resolved remotely; an
    unassigned one has no arrival and counts as missing its target. Mean and 90th
    percentile (inclusive method) are over the routed ones.
    """
    stops = {s.order_id: s for r in schedule.routes for s in r.stops}
    result = []
    for priority in Priority:
        target = problem.response_target_h[priority]
        asked = [o for o in problem.orders if o.priority is priority
                 and o.created_at is not None and not o.remote_resolvable]
        hours = [response_h(o, stops[o.order_id]) for o in asked if o.order_id in stops]
        on_target = sum(h <= target for h in hours)
        result.append(ResponseKpis(
            priority=priority.value, target_h=target, orders=len(asked), scheduled=len(hours),
            on_target=on_target,
            on_target_pct=round(100 * on_target / len(asked), 1) if asked else 100.0,
            mean_h=round(statistics.fmean(hours), 2) if hours else None,
            p90_h=round(_p90(hours), 2) if hours else None,
        ))
    return tuple(result)


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def by_day(problem: Problem, schedule: Schedule) -> dict[date, Kpis]:
    """The KPIs of each working day of the horizon: that day's shifts and the orders on
    their routes (an unassigned order belongs to no day; it counts in the horizon's
    :func:`compute`)."""
    result = {}
    for day in sorted({shift_date(s) for s in problem.shifts}):
        shifts = tuple(s for s in problem.shifts if shift_date(s) == day)
        ids = {s.shift_id for s in shifts}
        routes = tuple(r for r in schedule.routes if r.shift_id in ids)
        on_day = {stop.order_id for r in routes for stop in r.stops}
        sub = replace(problem, orders=tuple(o for o in problem.orders if o.order_id in on_day),
                      shifts=shifts)
        result[day] = compute(sub, replace(schedule, routes=routes, unassigned=()))
    return result


def with_kpis(problem: Problem, schedule: Schedule) -> Schedule:
    """The same schedule with its :class:`~optimizer.model.Kpis` filled in."""
    return replace(schedule, kpis=compute(problem, schedule))
