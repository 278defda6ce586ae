"""Problem + matrix -> an OR-Tools routing model.

One vehicle per shift, with its own start and end node. Nodes are laid out as
``[shift starts..., shift ends..., orders...]``; each node maps to a point of
the travel matrix. Every order is optional (a disjunction whose penalty grows
with priority), so a first solution always exists.

Costs are integers in :data:`COST_UNITS` per currency unit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp

from optimizer.model import Problem, Shift, Technician, TravelMatrix, WorkOrder
from optimizer.solve.precheck import Eligibility
from optimizer.solve.timing import breaks_s, service_s, to_s, travel_s, windows_s

#: Integer cost units per currency unit (0.0001 precision).
COST_UNITS = 10_000
TIME = "time"
LOAD = "load"


@dataclass(slots=True)
class BuiltModel:
    """The routing model and what is needed to read a solution back."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    shifts: tuple[Shift, ...]
    techs: tuple[Technician, ...]
    orders: tuple[WorkOrder, ...]
    node_points: tuple[int, ...]
    node_service_s: dict[int, tuple[int, ...]]
    breaks: dict[int, list[tuple[pywrapcp.IntervalVar, str]]]
    horizon_s: int

    def order_of_node(self, node: int) -> WorkOrder | None:
        offset = 2 * len(self.shifts)
        return self.orders[node - offset] if node >= offset else None


def _vehicle_class(tech: Technician) -> tuple[float, float]:
    return (tech.efficiency, tech.speed_factor)


def build(problem: Problem, matrix: TravelMatrix, eligibility: Eligibility) -> BuiltModel:
    """Build the routing model for the orders that passed the pre-check."""
    shifts = problem.shifts
    techs = tuple(problem.technician(s.tech_id) for s in shifts)
    orders = tuple(o for o in problem.orders if o.order_id in eligibility.allowed)
    n_vehicles = len(shifts)
    node_points = (
        *(matrix.index(s.start_location) for s in shifts),
        *(matrix.index(s.end_location) for s in shifts),
        *(matrix.index(o.location) for o in orders),
    )
    n_nodes = len(node_points)
    offset = 2 * n_vehicles
    manager = pywrapcp.RoutingIndexManager(
        n_nodes, n_vehicles, list(range(n_vehicles)), list(range(n_vehicles, offset))
    )
    routing = pywrapcp.RoutingModel(manager)

    horizon_s = max(
        [to_s(problem, s.end) + int(s.max_overtime_min * 60) for s in shifts]
        + [e for o in orders for _, e in windows_s(problem, o) if e < 10**9]
        + [0]
    ) + 1
    unreachable_s = 2 * horizon_s + 1

    # Time: one transit matrix (service at the origin + travel) per vehicle class.
    node_service_s: dict[int, tuple[int, ...]] = {}
    time_callbacks: dict[tuple[float, float], int] = {}
    for v, tech in enumerate(techs):
        key = _vehicle_class(tech)
        if key not in time_callbacks:
            service = tuple([0] * offset + [service_s(o, tech) for o in orders])
            rows = [
                [
                    service[a] + travel_s(matrix, pa, pb, tech)
                    if matrix.is_reachable(pa, pb) else unreachable_s
                    for pb in node_points
                ]
                for a, pa in enumerate(node_points)
            ]
            time_callbacks[key] = routing.RegisterTransitMatrix(rows)
            node_service_s[v] = service
        else:
            first = next(u for u in range(v) if _vehicle_class(techs[u]) == key)
            node_service_s[v] = node_service_s[first]
    routing.AddDimensionWithVehicleTransits(
        [time_callbacks[_vehicle_class(t)] for t in techs], horizon_s, horizon_s, False, TIME
    )
    time = routing.GetDimensionOrDie(TIME)

    _add_costs(problem, matrix, routing, manager, time, shifts, techs, orders, node_points)
    _add_shift_windows(problem, routing, time, shifts)
    _add_order_rules(problem, routing, manager, time, orders, eligibility, offset, n_vehicles)
    breaks = _add_breaks(problem, routing, manager, time, shifts, node_service_s)
    if any(o.demand for o in orders):
        _add_capacity(routing, manager, orders, techs, offset)

    for o in range(len(orders)):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(manager.NodeToIndex(offset + o)))
    for v in range(n_vehicles):
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))

    return BuiltModel(manager, routing, time, shifts, techs, orders, node_points,
                      node_service_s, breaks, horizon_s)


def _add_costs(problem, matrix, routing, manager, time, shifts, techs, orders, node_points):
    """Kilometres and hours at each technician's rates; a preferred technician saves a bonus,
    and (when re-planning) another technician than the promised one costs ``reassign_cost``."""
    offset = 2 * len(shifts)
    bonus = round(problem.weights.preferred_tech_bonus * COST_UNITS)
    reassign = round(problem.weights.reassign_cost * COST_UNITS)
    callbacks: dict[tuple, int] = {}
    for v, (_shift, tech) in enumerate(zip(shifts, techs, strict=True)):
        # Per-order surcharges go on the order's outgoing arc (every visited node has one).
        surcharge = tuple(
            (bonus if o.preferred_techs and tech.tech_id not in o.preferred_techs else 0)
            + (reassign if o.promised_tech and tech.tech_id != o.promised_tech else 0)
            for o in orders
        )
        key = (tech.cost_per_km, surcharge)
        if key not in callbacks:
            per_m = tech.cost_per_km * COST_UNITS / 1000.0
            extra = (0,) * offset + surcharge
            callbacks[key] = routing.RegisterTransitMatrix([
                [round(float(matrix.distance_m[pa][pb]) * per_m) + extra[a]
                 if matrix.is_reachable(pa, pb) else 0 for pb in node_points]
                for a, pa in enumerate(node_points)
            ])
        routing.SetArcCostEvaluatorOfVehicle(callbacks[key], v)
        time.SetSpanCostCoefficientForVehicle(
            round(tech.cost_per_hour * COST_UNITS / 3600), v
        )


def _add_shift_windows(problem, routing, time, shifts):
    overtime_per_s = round(problem.weights.overtime_cost_per_hour * COST_UNITS / 3600)
    for v, shift in enumerate(shifts):
        begin, finish = to_s(problem, shift.start), to_s(problem, shift.end)
        time.CumulVar(routing.Start(v)).SetRange(begin, finish)
        end = time.CumulVar(routing.End(v))
        end.SetRange(begin, finish + int(shift.max_overtime_min * 60))
        if shift.max_overtime_min > 0:
            time.SetCumulVarSoftUpperBound(routing.End(v), finish, overtime_per_s)


def _add_order_rules(problem, routing, manager, time, orders, eligibility, offset, n_vehicles):
    weights = problem.weights
    for o, order in enumerate(orders):
        index = manager.NodeToIndex(offset + o)
        windows = windows_s(problem, order)
        cumul = time.CumulVar(index)
        cumul.SetRange(max(0, windows[0][0]), windows[-1][1])
        for (_, gap_start), (gap_end, _) in itertools.pairwise(windows):
            if gap_end - gap_start > 1:
                cumul.RemoveInterval(gap_start + 1, gap_end - 1)
        # Soft upper bound (one per variable in OR-Tools): SLA lateness and, when
        # re-planning, a start later than promised plus tolerance; the earlier bound
        # applies, at the higher of the two rates.
        bounds = []
        if order.sla_due is not None:
            per_s = weights.sla_late_cost_per_min[order.priority] * COST_UNITS / 60
            bounds.append((max(0, to_s(problem, order.sla_due)), max(1, round(per_s))))
        if order.promised_start is not None:
            promised = to_s(problem, order.promised_start)
            slack = round(weights.retime_tolerance_min * 60)
            per_s = max(1, round(weights.retime_cost_per_min * COST_UNITS / 60))
            bounds.append((promised + slack, per_s))
            time.SetCumulVarSoftLowerBound(index, max(0, promised - slack), per_s)
        if bounds:
            time.SetCumulVarSoftUpperBound(index, min(b for b, _ in bounds),
                                           max(c for _, c in bounds))
        allowed = set(eligibility.allowed[order.order_id])
        banned = [v for v in range(n_vehicles) if v not in allowed]
        if banned:
            routing.VehicleVar(index).RemoveValues(banned)
        penalty = round(weights.drop_penalty[order.priority] * COST_UNITS)
        routing.AddDisjunction([index], penalty)


def _add_breaks(problem, routing, manager, time, shifts, node_service_s):
    solver = routing.solver()
    n_indices = routing.Size() + routing.vehicles()
    result: dict[int, list] = {}
    for v, shift in enumerate(shifts):
        spans = breaks_s(problem, shift)
        intervals = [
            solver.FixedDurationIntervalVar(
                b.earliest_s, b.latest_end_s - b.duration_s, b.duration_s, False,
                f"break:{v}:{k}",
            )
            for k, b in enumerate(spans)
        ]
        if intervals:
            service = node_service_s[v]
            visit_s = [service[manager.IndexToNode(i)] for i in range(n_indices)]
            time.SetBreakIntervalsOfVehicle(intervals, v, visit_s)
        result[v] = [(iv, b.kind) for iv, b in zip(intervals, spans, strict=True)]
    return result


def _add_capacity(routing, manager, orders, techs, offset):
    demand = [0] * offset + [o.demand for o in orders]
    callback = routing.RegisterUnaryTransitVector(demand)
    total = sum(demand)
    routing.AddDimensionWithVehicleCapacity(
        callback, 0, [t.capacity if t.capacity is not None else total for t in techs], True, LOAD
    )
