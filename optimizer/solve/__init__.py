"""The solver: ``solve(problem, matrix, params) -> Schedule``. Pure: no files, no network."""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.errors import SolveError
from optimizer.model import Problem, Schedule, SolveMeta, TravelMatrix, Unassigned
from optimizer.solve.build import COST_UNITS, build
from optimizer.solve.diagnose import reason_for_dropped
from optimizer.solve.extract import routes_from
from optimizer.solve.params import SolveParams
from optimizer.solve.precheck import check

__all__ = ["SolveParams", "solve"]

#: ``on_solution(best_cost, elapsed_s, solutions_found)``; cost in currency units.
ProgressCallback = Callable[[float, float, int], None]

_STATUS = {
    0: "NOT_SOLVED", 1: "SUCCESS", 2: "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED",
    3: "FAIL", 4: "FAIL_TIMEOUT", 5: "INVALID", 6: "INFEASIBLE", 7: "OPTIMAL",
}


def _versions() -> dict[str, str]:
    out = {}
    for name in ("field-service-optimizer", "ortools"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def search_parameters(params: SolveParams):
    """OR-Tools search parameters for ``params``."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    search.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
    )
    search.time_limit.FromMilliseconds(int(params.time_limit_s * 1000))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = params.log_search
    return search


def _warm_start(built, eligibility, initial_routes: Mapping[str, Sequence[str]], search):
    """An assignment from ``shift_id -> order ids``, or None if OR-Tools rejects it."""
    offset = 2 * len(built.shifts)
    node_of = {o.order_id: offset + k for k, o in enumerate(built.orders)}
    used: set[str] = set()
    routes = []
    for v, shift in enumerate(built.shifts):
        indices = []
        for order_id in initial_routes.get(shift.shift_id, ()):
            allowed = eligibility.allowed.get(order_id, ())
            if order_id in node_of and order_id not in used and v in allowed:
                indices.append(built.manager.NodeToIndex(node_of[order_id]))
                used.add(order_id)
        routes.append(indices)
    built.routing.CloseModelWithParameters(search)
    return built.routing.ReadAssignmentFromRoutes(routes, True)


def solve(
    problem: Problem,
    matrix: TravelMatrix,
    params: SolveParams | None = None,
    *,
    on_solution: ProgressCallback | None = None,
    initial_routes: Mapping[str, Sequence[str]] | None = None,
) -> Schedule:
    """Plan the day: route what can be routed, give a reason for everything else.

    Parameters
    ----------
    problem
        Orders, technicians, shifts and weights.
    matrix
        Travel between every location of the problem.
    params
        Search settings (time limit, solution limit, strategies).
    on_solution
        Called at every improving solution with (cost, elapsed seconds, count).
    initial_routes
        A warm start: ``shift_id -> order ids`` in visiting order (for example the
        published plan when re-planning). Orders that are unknown or not allowed on
        that shift are skipped; if the rest is infeasible, the search starts afresh.

    Returns
    -------
    Schedule
        Routes, unassigned orders with reasons, and meta. KPIs are added by
        :func:`optimizer.report.kpis.with_kpis`.
    """
    params = params or SolveParams()
    began = clock.monotonic()
    eligibility = check(problem, matrix)
    unassigned = {oid: reason for oid, reason in eligibility.reasons.items()}
    routes = []
    status, objective = "NO_ORDERS", 0
    if eligibility.allowed and problem.shifts:
        built = build(problem, matrix, eligibility)
        routing = built.routing
        found = [0]
        if on_solution is not None:
            def _report() -> None:
                found[0] += 1
                on_solution(routing.CostVar().Max() / COST_UNITS,
                            clock.monotonic() - began, found[0])
            routing.AddAtSolutionCallback(_report)
        search = search_parameters(params)
        start = (_warm_start(built, eligibility, initial_routes, search)
                 if initial_routes else None)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, search)
        else:
            solution = routing.SolveWithParameters(search)
        status = _STATUS.get(routing.status(), str(routing.status()))
        if solution is None:
            raise SolveError(f"the solver found no schedule at all (status {status})")
        objective = solution.ObjectiveValue()
        routes = routes_from(problem, matrix, built, solution)
        by_shift = {r.shift_id: r for r in routes}
        routed = {s.order_id for r in routes for s in r.stops}
        for order in built.orders:
            if order.order_id not in routed:
                unassigned[order.order_id] = reason_for_dropped(
                    problem, matrix, order, eligibility.allowed[order.order_id], by_shift
                )
    elif not problem.shifts:
        for order_id in eligibility.allowed:
            unassigned[order_id] = "no technician works that day"
    order_ids = [o.order_id for o in problem.orders]
    return Schedule(
        problem_name=problem.name,
        plan_date=problem.plan_date,
        timezone=problem.timezone,
        routes=tuple(routes),
        unassigned=tuple(Unassigned(oid, unassigned[oid]) for oid in order_ids
                         if oid in unassigned),
        meta=SolveMeta(
            seed=params.seed,
            time_limit_s=params.time_limit_s,
            solution_limit=params.solution_limit,
            matrix_source=matrix.source,
            status=status,
            objective=objective,
            wall_s=round(clock.monotonic() - began, 3),
            versions=_versions(),
        ),
    )
