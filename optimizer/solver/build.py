"""Problem + matrix -> an OR-Tools routing model.

One vehicle per shift. Nodes are laid out as ``[orders..., depots...]``, one
depot node per distinct start or end point of the shifts; each node maps to a
point of the travel matrix. Orders come first so that their routing indices are
``0..n-1``: OR-Tools' ILS ruin step draws its random seed visit from the low
indices, and with the starts first it never picked the last orders (and looped
forever when there were fewer orders than shifts). Every order is optional (a
disjunction whose penalty grows with priority), so a first solution always exists.

Costs are integers in :data:`COST_UNITS` per currency unit.
"""

from __future__ import annotations

import itertools
import time as clock
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp

from optimizer.model import (
    Problem,
    Shift,
    Technician,
    TravelMatrix,
    WorkOrder,
    in_territory,
    late_days,
    order_drop_penalty,
    shift_date,
)
from optimizer.solver.costs import start_costs
from optimizer.solver.precheck import Eligibility
from optimizer.solver.timing import (
    breaks_s,
    leave_factors,
    max_work_s,
    overhead_s,
    service_s,
    to_s,
    windows_s,
)

#: Integer cost units per currency unit (0.0001 precision).
COST_UNITS = 10_000
TIME = "time"
LOAD = "load"
#: Service plus travel, without waiting or breaks (workload balance and ``max_work_h``).
WORK = "work"


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
    #: Mean cost of one arc between two distinct nodes (travel cost plus time cost) for
    #: the first shift: the scale of one move, for the search's acceptance temperatures.
    mean_arc_cost: float = 0.0

    def order_of_node(self, node: int) -> WorkOrder | None:
        return self.orders[node] if node < len(self.orders) else None

    def index_of_order(self, position: int) -> int:
        """Routing index of ``orders[position]``."""
        return self.manager.NodeToIndex(position)


class BuildTooSlow(Exception):
    """Building the model would not end by the time it was given (see :func:`build`)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """What the greedy routes need of a model, without OR-Tools (see :func:`frame`)."""

    shifts: tuple[Shift, ...]
    techs: tuple[Technician, ...]
    orders: tuple[WorkOrder, ...]


def frame(problem: Problem, eligibility: Eligibility) -> Frame:
    """The shifts, their technicians and the orders of the model :func:`build` would make."""
    return Frame(problem.shifts, tuple(problem.technician(s.tech_id) for s in problem.shifts),
                 tuple(o for o in problem.orders if o.order_id in eligibility.allowed))


class _Stopwatch:
    """Times the transit matrices as they are registered (the slow part of a build: one
    per vehicle class and one per distinct cost of the fleet, each a full matrix) and
    raises :class:`BuildTooSlow` as soon as the rest, at the pace so far, would end
    after ``give_up_at`` (wall clock); never with ``give_up_at=None``."""

    def __init__(self, give_up_at: float | None, total: int) -> None:
        self.give_up_at, self.total, self.done = give_up_at, max(1, total), 0
        self.began = clock.time()

    def tick(self) -> None:
        self.done += 1
        if self.give_up_at is None:
            return
        now = clock.time()
        if now + (now - self.began) / self.done * (self.total - self.done) > self.give_up_at:
            raise BuildTooSlow(f"{self.done} of {self.total} matrices in {now - self.began:.2f} s")


def _submatrix(values, points: np.ndarray, dtype) -> np.ndarray:
    """``values[points][:, points]`` as a numpy array (values may be nested sequences)."""
    return np.asarray(values, dtype=dtype)[np.ix_(points, points)]


def _vehicle_class(tech: Technician) -> tuple[float, float]:
    return (tech.efficiency, tech.speed_factor)


def build(problem: Problem, matrix: TravelMatrix, eligibility: Eligibility, *,
          give_up_at: float | None = None) -> BuiltModel:
    """Build the routing model for the orders that passed the pre-check.

    With ``give_up_at`` (wall clock, ``time.time()``), raises :class:`BuildTooSlow` as
    soon as the build, timed as it goes, would end after it (1000 orders whose preferred
    technicians give each technician a cost matrix of its own took 4-5 s).
    """
    parts = frame(problem, eligibility)
    shifts, techs, orders = parts.shifts, parts.techs, parts.orders
    n_vehicles = len(shifts)
    # Shifts that start (or end) at the same point share one depot node: OR-Tools then
    # treats their vehicles as one class and tries a move into only one of their empty
    # routes, instead of into each of them.
    n_orders = len(orders)
    depots: dict[int, int] = {}
    for s in shifts:
        for location in (s.start_location, s.end_location):
            depots.setdefault(matrix.index(location), n_orders + len(depots))
    node_points = (*(matrix.index(o.location) for o in orders), *depots)
    n_nodes = len(node_points)
    manager = pywrapcp.RoutingIndexManager(
        n_nodes, n_vehicles, [depots[matrix.index(s.start_location)] for s in shifts],
        [depots[matrix.index(s.end_location)] for s in shifts],
    )
    routing = pywrapcp.RoutingModel(manager)

    horizon_s = max(
        [to_s(problem, s.end) + int(s.max_overtime_min * 60) for s in shifts]
        + [e for o in orders for _, e in windows_s(problem, o) if e < 10**9]
        + [0]
    ) + 1
    unreachable_s = 2 * horizon_s + 1

    # Time: one transit matrix (service at the origin + travel at the origin's peak
    # factor + parking at the destination) per vehicle class.
    points = np.asarray(node_points, dtype=np.int64)
    reachable = _submatrix(matrix.reachable, points, bool) if matrix.reachable is not None \
        else None
    base_travel = _submatrix(matrix.travel_s, points, np.int64)
    # parking and access on every arc into an order, except from the same point
    overhead = np.asarray([overhead_s(problem, o) for o in orders] + [0] * len(depots),
                          dtype=np.int64)
    access = np.where(points[:, None] != points[None, :], overhead[None, :], 0)
    node_service_s: dict[int, tuple[int, ...]] = {}
    time_callbacks: dict[tuple, int] = {}
    vehicle_keys = []
    first_rows = None
    surcharges = _surcharges(problem, shifts, techs, orders)
    watch = _Stopwatch(give_up_at, len({_vehicle_class(t) for t in techs})
                       + len(set(zip((t.cost_per_km for t in techs), surcharges, strict=True))))
    for v, tech in enumerate(techs):
        # peak factor of the legs leaving each node on this shift: the orders', then the
        # start's for every depot row (a vehicle leaves only its own start depot)
        start_factor, *factors = leave_factors(problem, shifts[v], tech, [None, *orders])
        row_factor = (*factors, *([start_factor] * len(depots)))
        key = (*_vehicle_class(tech), row_factor if problem.travel.peaks else ())
        vehicle_keys.append(key)
        if key not in time_callbacks:
            service = tuple([service_s(o, tech) for o in orders] + [0] * len(depots))
            speed = tech.speed_factor * np.asarray(row_factor, dtype=np.float64)
            travel = base_travel if (speed == 1.0).all() else \
                np.rint(base_travel / speed[:, None]).astype(np.int64)
            rows = travel + access + np.asarray(service, dtype=np.int64)[:, None]
            if reachable is not None:
                rows = np.where(reachable, rows, unreachable_s)
            if first_rows is None:
                first_rows = np.where(rows < unreachable_s, rows, 0)
            # Depot to depot is only ever an empty route: the technician does nothing, so
            # it takes no time. Otherwise a shift that cannot get from its start to its end
            # (no road, or a re-planned shift that restarts too far from home to be back by
            # its end) would make the whole model infeasible and lose every order.
            rows[n_orders:, n_orders:] = 0
            time_callbacks[key] = routing.RegisterTransitMatrix(rows.tolist())
            node_service_s[v] = service
            watch.tick()
        else:
            first = vehicle_keys.index(key)
            node_service_s[v] = node_service_s[first]
    routing.AddDimensionWithVehicleTransits(
        [time_callbacks[key] for key in vehicle_keys], horizon_s, horizon_s, False, TIME
    )
    time = routing.GetDimensionOrDie(TIME)

    mean_arc_cost = _add_costs(problem, matrix, routing, time, techs, node_points, surcharges,
                               len(orders), watch)
    if first_rows is not None and n_nodes > 1:
        # time on the road and on site, at the first shift's hourly rate
        span_per_s = round(techs[0].cost_per_hour * COST_UNITS / 3600)
        mean_arc_cost += span_per_s * _off_diagonal_mean(first_rows)
    _add_shift_windows(problem, routing, time, shifts)
    _add_order_rules(problem, routing, manager, time, orders, eligibility, n_vehicles)
    breaks = _add_breaks(problem, routing, manager, time, shifts, node_service_s)
    _add_work(problem, matrix, routing, shifts,
              [time_callbacks[key] for key in vehicle_keys], horizon_s)
    if any(o.demand for o in orders):
        _add_capacity(routing, orders, techs)

    for o in range(n_orders):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(manager.NodeToIndex(o)))
    for v in range(n_vehicles):
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))

    return BuiltModel(manager, routing, time, shifts, techs, orders, node_points,
                      node_service_s, breaks, horizon_s, mean_arc_cost)


def _off_diagonal_mean(values: np.ndarray) -> float:
    n = len(values)
    return float((values.sum() - np.trace(values)) / (n * (n - 1))) if n > 1 else 0.0


def _surcharges(problem, shifts, techs, orders) -> list[tuple[int, ...]]:
    """Per shift, what each order costs on top of travel: a preferred technician saves a
    bonus (others pay it), a shift after an order's due date costs its days late, a visit
    outside the technician's territories (soft) costs ``outside_territory_cost``, and
    (when re-planning) another technician than the promised one costs ``reassign_cost``."""
    bonus = round(problem.weights.preferred_tech_bonus * COST_UNITS)
    reassign = round(problem.weights.reassign_cost * COST_UNITS)
    outside = round(problem.weights.outside_territory_cost * COST_UNITS)
    soft = problem.territory_mode == "soft" and any(t.territories for t in techs)
    late_per_day = {p: round(c * COST_UNITS) for p, c in
                    problem.weights.late_cost_per_day.items()}
    no_surcharge = (0,) * len(orders)
    # Only orders with a preferred or promised technician, or a due date (several days),
    # or soft territories, cost more on some shifts.
    if not soft and not any(o.preferred_techs or o.promised_tech or o.due_date
                            for o in orders):
        return [no_surcharge] * len(techs)
    return [tuple((bonus if o.preferred_techs and tech.tech_id not in o.preferred_techs else 0)
                  + (reassign if o.promised_tech and tech.tech_id != o.promised_tech else 0)
                  + (outside if soft and not in_territory(tech, o) else 0)
                  + late_days(o, shift_date(shift)) * late_per_day[o.priority]
                  for o in orders)
            for shift, tech in zip(shifts, techs, strict=True)]


def _add_costs(problem, matrix, routing, time, techs, node_points, surcharges, n_orders,
               watch) -> float:
    """Kilometres and hours at each technician's rates, plus the per-order surcharges
    (:func:`_surcharges`).

    Returns the mean arc cost of the first shift (kilometres and surcharges only)."""
    callbacks: dict[tuple, int] = {}
    points = np.asarray(node_points, dtype=np.int64)
    distance = reachable = None
    mean_arc_cost = 0.0
    for v, (tech, surcharge) in enumerate(zip(techs, surcharges, strict=True)):
        # Per-order surcharges go on the order's outgoing arc (every visited node has one).
        key = (tech.cost_per_km, surcharge)
        if key not in callbacks:
            if distance is None:
                distance = _submatrix(matrix.distance_m, points, np.float64)
                reachable = (_submatrix(matrix.reachable, points, bool)
                             if matrix.reachable is not None else None)
            per_m = tech.cost_per_km * COST_UNITS / 1000.0
            extra = np.asarray(surcharge + (0,) * (len(node_points) - n_orders),
                               dtype=np.int64)
            costs = np.rint(distance * per_m).astype(np.int64) + extra[:, None]
            if reachable is not None:
                costs = np.where(reachable, costs, 0)
            callbacks[key] = routing.RegisterTransitMatrix(costs.tolist())
            if v == 0:
                mean_arc_cost = _off_diagonal_mean(costs)
            watch.tick()
        routing.SetArcCostEvaluatorOfVehicle(callbacks[key], v)
        time.SetSpanCostCoefficientForVehicle(
            round(tech.cost_per_hour * COST_UNITS / 3600), v
        )
    return mean_arc_cost


def _add_shift_windows(problem, routing, time, shifts):
    overtime_per_s = round(problem.weights.overtime_cost_per_hour * COST_UNITS / 3600)
    for v, shift in enumerate(shifts):
        begin, finish = to_s(problem, shift.start), to_s(problem, shift.end)
        time.CumulVar(routing.Start(v)).SetRange(begin, finish)
        end = time.CumulVar(routing.End(v))
        end.SetRange(begin, finish + int(shift.max_overtime_min * 60))
        if shift.max_overtime_min > 0:
            time.SetCumulVarSoftUpperBound(routing.End(v), finish, overtime_per_s)


def _add_order_rules(problem, routing, manager, time, orders, eligibility, n_vehicles):
    for o, order in enumerate(orders):
        index = manager.NodeToIndex(o)
        windows = windows_s(problem, order)
        cumul = time.CumulVar(index)
        cumul.SetRange(max(0, windows[0][0]), windows[-1][1])
        for (_, gap_start), (gap_end, _) in itertools.pairwise(windows):
            if gap_end - gap_start > 1:
                cumul.RemoveInterval(gap_start + 1, gap_end - 1)
        # Soft bounds on the start (SLA, and a re-plan's promise): one rule, in costs.py
        for bound_s, money_per_s, late in start_costs(problem, order):
            per_s = max(1, round(money_per_s * COST_UNITS))
            if late:
                time.SetCumulVarSoftUpperBound(index, bound_s, per_s)
            else:
                time.SetCumulVarSoftLowerBound(index, bound_s, per_s)
        allowed = set(eligibility.allowed[order.order_id])
        banned = [v for v in range(n_vehicles) if v not in allowed]
        if banned:
            routing.VehicleVar(index).RemoveValues(banned)
        # priority's penalty; more for a promised visit, far more for a pinned one
        routing.AddDisjunction([index], round(order_drop_penalty(problem, order) * COST_UNITS))


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
            # The lunch rule (docs/scenario-format.md: a route still under way when a
            # break's window opens takes the break on the route) is not a constraint here:
            # OR-Tools may put a break after the return, and the routes found are made to
            # keep the rule afterwards (:func:`.warm.with_breaks_kept`). As a constraint
            # (the end cumul against each break's end) it made the local search fail on
            # nearly every move of a half-day shift: 32 improving moves in 10 s, not 500.
            if len(intervals) > 1:
                # breaks never overlap one another (a lunch is not taken inside an
                # absence), as the verifier and :func:`.timing.simulate` have it
                solver.Add(solver.DisjunctiveConstraint(intervals, f"breaks:{v}"))
        result[v] = [(iv, b.kind) for iv, b in zip(intervals, spans, strict=True)]
    return result


def _add_work(problem, matrix, routing, shifts, callbacks, horizon_s):
    """Workload dimensions (:mod:`.balance`): ``work`` (the time transits of each
    vehicle, ``callbacks``, with no slack: service, travel and parking) with each shift's
    ``max_work_h`` as its capacity, when a technician has one; and, with balance on, a
    soft lower bound at each shift's target (the shortfall is priced, not the excess)."""
    from optimizer.solver.balance import work_targets

    rate = problem.weights.balance
    caps = [max_work_s(problem, s) for s in shifts]
    capped = any(c is not None for c in caps)
    if capped:
        routing.AddDimensionWithVehicleTransitAndCapacity(
            callbacks, 0, [horizon_s if c is None else c for c in caps], True, WORK)
    if rate is None:
        return
    if not capped:
        routing.AddDimensionWithVehicleTransitAndCapacity(
            callbacks, 0, [horizon_s] * len(shifts), True, WORK)
    work = routing.GetDimensionOrDie(WORK)
    per_s = round(rate * COST_UNITS / 3600)
    targets = problem.work_targets_s or work_targets(problem, matrix)
    for v, shift in enumerate(shifts):
        target = targets.get(shift.shift_id)
        if target is None:
            continue
        work.SetCumulVarSoftLowerBound(routing.End(v), target, per_s)
        # OR-Tools charges no cumul cost on an empty route: without this, a technician
        # with no work at all would cost nothing, and one with a little work more
        routing.SetVehicleUsedWhenEmpty(True, v)


def _add_capacity(routing, orders, techs):
    demand = [o.demand for o in orders] + [0] * (routing.nodes() - len(orders))
    callback = routing.RegisterUnaryTransitVector(demand)
    total = sum(demand)
    routing.AddDimensionWithVehicleCapacity(
        callback, 0, [t.capacity if t.capacity is not None else total for t in techs], True, LOAD
    )
