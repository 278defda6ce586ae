"""The objective of :mod:`.build` in money, recomputed from a schedule: what a route, a
dropped order and a whole plan cost. The decomposed search compares sub-plans with it.
"""

from __future__ import annotations

from optimizer.model import (
    Problem,
    Route,
    Schedule,
    Shift,
    WorkOrder,
    in_territory,
    late_days,
    order_drop_penalty,
    shift_date,
)
from optimizer.solver.balance import deviation_cost
from optimizer.solver.timing import to_s


def start_costs(problem: Problem, order: WorkOrder) -> list[tuple[int, float, bool]]:
    """The soft bounds on an order's start, as ``(bound_s, money_per_s, late)``: a start
    after a late bound, or before an early one, costs ``money_per_s`` a second.

    SLA lateness is charged from ``sla_due``. When re-planning, a start more than
    ``retime_tolerance_min`` from the promised one costs ``retime_cost_per_min`` either
    way; the promise was made knowing the SLA, so a promised order's SLA is charged from
    the promise plus tolerance on (its rate added there if it is due by then). OR-Tools
    allows one soft upper bound per visit; this keeps to one.
    """
    weights = problem.weights
    sla_per_s = (weights.sla_late_cost_per_min[order.priority] / 60
                 if order.sla_due is not None else 0.0)
    if order.promised_start is None:
        if order.sla_due is None:
            return []
        return [(max(0, to_s(problem, order.sla_due)), sla_per_s, True)]
    promised = to_s(problem, order.promised_start)
    slack = round(weights.retime_tolerance_min * 60)
    per_s = weights.retime_cost_per_min / 60
    due = to_s(problem, order.sla_due) if order.sla_due is not None else None
    extra = sla_per_s if due is not None and due <= promised + slack else 0.0
    return [(max(0, promised - slack), per_s, False), (promised + slack, per_s + extra, True)]


def drop_cost(problem: Problem, order: WorkOrder) -> float:
    """What leaving ``order`` out costs in the objective."""
    return order_drop_penalty(problem, order)


def route_cost(problem: Problem, route: Route) -> float:
    """A route's share of the objective of :mod:`.build`, in money: kilometres and hours at
    the technician's rates, overtime, SLA lateness, days late, preferred, promised technician
    and time, (soft territories) visits outside the technician's territories, and workload
    balance (with the problem's targets)."""
    weights = problem.weights
    tech = problem.technician(route.tech_id)
    start, finish = to_s(problem, route.start), to_s(problem, route.end)
    cost = route.distance_m / 1000 * tech.cost_per_km + (finish - start) / 3600 * \
        tech.cost_per_hour
    shift = next(s for s in problem.shifts if s.shift_id == route.shift_id)
    if shift.max_overtime_min > 0:
        cost += route.overtime_s / 3600 * weights.overtime_cost_per_hour
    cost += deviation_cost(problem, shift, route, problem.work_targets_s)
    for stop in route.stops:
        order = problem.order(stop.order_id)
        if order.preferred_techs and tech.tech_id not in order.preferred_techs:
            cost += weights.preferred_tech_bonus
        if order.promised_tech and tech.tech_id != order.promised_tech:
            cost += weights.reassign_cost
        if problem.territory_mode == "soft" and not in_territory(tech, order):
            cost += weights.outside_territory_cost
        cost += late_days(order, shift_date(shift)) * weights.late_cost_per_day[order.priority]
        begin = to_s(problem, stop.start)
        for bound_s, per_s, late in start_costs(problem, order):
            cost += (max(0, begin - bound_s) if late else max(0, bound_s - begin)) * per_s
    return cost


def shift_cost(problem: Problem, shift: Shift, route: Route | None) -> float:
    """A shift's share of the objective: its route's cost, or, without a route, what
    leaving it idle costs (its balance cost; 0 with balance off)."""
    if route is None or not route.stops:
        return deviation_cost(problem, shift, None, problem.work_targets_s)
    return route_cost(problem, route)


def plan_cost(problem: Problem, schedule: Schedule) -> float:
    """The objective of a whole schedule in money: its routes, its dropped orders, and the
    balance cost of the shifts left without a route."""
    routed = {r.shift_id for r in schedule.routes}
    idle = sum(deviation_cost(problem, s, None, problem.work_targets_s)
               for s in problem.shifts if s.shift_id not in routed)
    return sum(route_cost(problem, r) for r in schedule.routes) + idle + sum(
        drop_cost(problem, problem.order(u.order_id)) for u in schedule.unassigned)
