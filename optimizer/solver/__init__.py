"""The solver: ``solve(problem, matrix, params) -> Schedule``. Pure: no files, no network."""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata

from optimizer.errors import SolveError
from optimizer.model import Problem, Schedule, SolveMeta, TravelMatrix, Unassigned
from optimizer.params import PARALLEL_MIN_ORDERS, SolveParams
from optimizer.solver import decompose, parallel
from optimizer.solver.build import COST_UNITS, BuiltModel, build
from optimizer.solver.construct import greedy_routes
from optimizer.solver.diagnose import reason_for_dropped
from optimizer.solver.extract import routes_from
from optimizer.solver.precheck import Eligibility, check
from optimizer.solver.search import (
    Strategy,
    first_solution_too_slow,
    portfolio,
    run,
    search_parameters,
)
from optimizer.solver.warm import feasible_routes, initial_assignment

__all__ = ["SolveParams", "solve"]

#: Search parameters for a model that only reads routes back (no search runs).
READ_BACK = Strategy("PATH_CHEAPEST_ARC", "GREEDY_DESCENT")
READ_BACK_S = 30.0
#: Status and objective rank of the greedy routes of :mod:`.construct`, used when no
#: search found a first solution within the time limit, and instead of a search when
#: the problem is too large for OR-Tools' first solution in that time
#: (:func:`~optimizer.solver.search.first_solution_too_slow`).
GREEDY_STATUS = "TIME_LIMIT_GREEDY_ROUTES"
GREEDY_OBJECTIVE = 2**62
#: Statuses of a plan whose search stopped on its time limit before it was done: an
#: order left out may simply not have been reached (see :mod:`.diagnose`).
UNFINISHED_STATUSES = (GREEDY_STATUS, "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED")
#: Share of the time limit that reading a warm start's routes may take at most.
WARM_READ_SHARE = 0.25

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
        Search settings (time limit, solution limit, strategies, parallel workers).
        ``time_limit_s`` bounds the whole call, model building included.
    on_solution
        Called at every improving solution with (cost, elapsed seconds, count).
    initial_routes
        A warm start: ``shift_id -> order ids`` in visiting order (for example the
        published plan when re-planning). Orders that are unknown, not allowed on that
        shift, repeated, or that would break a window, break, shift end or capacity
        are left out of the start (:mod:`optimizer.solver.warm`); the search may still
        place them. A warm start never makes the result infeasible. It is searched
        with guided local search (iterated local search cannot start from routes);
        helper processes, if any, search from scratch, and the best answer wins.

    Returns
    -------
    Schedule
        Routes, unassigned orders with reasons, and meta. KPIs are added by
        :func:`optimizer.report.kpis.with_kpis`.
    """
    params = params or SolveParams()
    if decompose.wanted(problem, params):  # a large day: many small problems
        return decompose.solve_large(problem, matrix, params, on_solution=on_solution,
                                     initial_routes=initial_routes)
    began = clock.monotonic()
    deadline = clock.time() + params.time_limit_s  # wall clock, shared with helper processes
    helpers = _start_helpers(problem, params)
    try:
        eligibility = check(problem, matrix)
        unassigned = {oid: reason for oid, reason in eligibility.reasons.items()}
        routes = []
        status, objective = "NO_ORDERS", 0
        if eligibility.allowed and problem.shifts:
            found = _search(problem, matrix, params, eligibility, deadline, began,
                            on_solution, initial_routes, helpers)
            built, solution, status = found.built, found.solution, found.status
            objective = solution.ObjectiveValue()
            routes = routes_from(problem, matrix, built, solution)
            by_shift = {r.shift_id: r for r in routes}
            routed = {s.order_id for r in routes for s in r.stops}
            finished = status not in UNFINISHED_STATUSES
            for order in built.orders:
                if order.order_id not in routed:
                    unassigned[order.order_id] = reason_for_dropped(
                        problem, matrix, order, eligibility.allowed[order.order_id], by_shift,
                        finished=finished,
                    )
        elif not problem.shifts:
            for order_id in eligibility.allowed:
                unassigned[order_id] = "no technician works that day"
    finally:
        for helper in helpers:
            if helper is not None:
                helper.stop()
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


@dataclass(slots=True)
class _Found:
    built: BuiltModel
    solution: object
    status: str


def _reserve_s(params: SolveParams) -> float:
    """Seconds kept back from the search for reading routes and diagnosing drops."""
    return min(0.25, 0.05 * params.time_limit_s)


def _start_helpers(problem: Problem, params: SolveParams) -> list:
    """Helper processes for the extra strategies (they start up while the model is built)."""
    if params.workers < 2 or len(problem.orders) < PARALLEL_MIN_ORDERS or not problem.shifts:
        return []
    if first_solution_too_slow(len(problem.orders), params.time_limit_s):
        return []  # their insertion heuristics would not finish in time
    if parallel.inside_pool_worker():
        # Already one of several parallel workers (a sweep, a pool): do not add
        # processes. Under a solution limit the strategies then run one after the other.
        return [None] * (params.workers - 1)
    return [parallel.start(k, log=params.log_search) for k in range(1, params.workers)]


def _search(problem, matrix, params: SolveParams, eligibility: Eligibility, deadline: float,
            began: float, on_solution, initial_routes, helpers) -> _Found:
    """Run the portfolio: this process searches with the first strategy, helpers with the rest."""
    strategies = portfolio(params.first_solution, params.metaheuristic, 1 + len(helpers))
    built = build(problem, matrix, eligibility)
    sent = [helper is not None and helper.send(
                problem, matrix, eligibility, strategies[helper.worker], deadline=deadline,
                reserve_s=_reserve_s(params), solution_limit=params.solution_limit)
            for helper in helpers]
    routing = built.routing
    found, best_cost = [0], [None]
    if on_solution is not None:
        def _report() -> None:
            # ILS also reports the (worse) solutions of its perturbed searches: pass on
            # improvements only.
            cost = routing.CostVar().Max()
            if best_cost[0] is None or cost < best_cost[0]:
                best_cost[0] = cost
                found[0] += 1
                on_solution(cost / COST_UNITS, clock.monotonic() - began, found[0])
        routing.AddAtSolutionCallback(_report)
    if not initial_routes and first_solution_too_slow(len(built.orders), params.time_limit_s):
        # OR-Tools' insertion heuristics would overrun this limit and then find nothing
        # (1000 orders at 1 s): keep the greedy routes, within the time.
        greedy = _greedy_plan(problem, matrix, built, eligibility)
        if greedy is not None:
            if on_solution is not None:
                on_solution(greedy.solution.ObjectiveValue() / COST_UNITS,
                            clock.monotonic() - began, 1)
            return greedy
    start = None
    if initial_routes:
        # Reading routes is a constraint propagation that can take seconds on a re-plan
        # with lunch breaks (all 8 s of a re-plan once): cap it, the search needs the rest.
        search = _parameters(strategies[0], params, deadline, built, warm=True,
                             share=WARM_READ_SHARE)
        start = initial_assignment(problem, matrix, built, eligibility, initial_routes, search)
    search = _parameters(strategies[0], params, deadline, built, warm=start is not None)
    solution = run(routing, search, start)
    status = _status(routing.status(), solution is not None)
    outcomes = []
    if solution is not None:
        outcomes.append(parallel.Outcome(solution.ObjectiveValue(), (), routing.status(), 0))
    for k, helper in enumerate(helpers, start=1):
        outcome = helper.result(deadline) if sent[k - 1] else None
        if not sent[k - 1] and params.solution_limit is not None:
            # No helper process here: run its strategy now, so that the answer of a
            # solution-limited solve does not depend on where it runs.
            outcome = parallel.search_alone(
                problem, matrix, strategies[k], solution_limit=params.solution_limit,
                time_limit_s=deadline - clock.time() - _reserve_s(params), worker=k,
                eligibility=eligibility)
        if outcome is not None:
            outcomes.append(outcome)
    if not outcomes:
        # Not even a first solution in the time given (OR-Tools' insertion heuristics
        # take seconds on 1000 orders): fall back on greedy routes (0.1-0.3 s on 1000
        # orders, so built only here, off the normal path), which are read back below.
        greedy = _checked_greedy_routes(problem, matrix, built, eligibility)
        outcomes.append(parallel.Outcome(GREEDY_OBJECTIVE, tuple(map(tuple, greedy)), -1,
                                         len(strategies)))
    best = min(outcomes, key=lambda o: (o.objective, o.worker))
    if best.worker != 0:
        read = read_back(problem, matrix, eligibility, built, best.routes,
                         reuse=solution is None or search.use_iterated_local_search)
        if read is not None:
            built, solution = read
            status = GREEDY_STATUS if best.status == -1 else _status(best.status, True)
            if on_solution is not None:
                on_solution(solution.ObjectiveValue() / COST_UNITS, clock.monotonic() - began,
                            found[0] + 1)
    if solution is None:
        raise SolveError(f"the solver found no schedule at all (status {status})")
    return _Found(built, solution, status)


def read_back(problem, matrix, eligibility, built: BuiltModel,
              routes: Sequence[Sequence[str]], *, reuse: bool):
    """``(model, assignment)`` for routes (order ids per shift) found elsewhere, or None.

    With ``reuse`` the routes are read into ``built`` (whose search has run) first;
    otherwise, or if that fails, into a fresh model.
    """
    if reuse:
        restored = built.routing.ReadAssignmentFromRoutes(
            parallel.index_routes(built, routes), True)
        if restored is not None:
            return built, restored
    # After guided local search reading routes back is slow (over a second on the
    # demo), and after a failed search it may fail: then use a fresh model.
    into = build(problem, matrix, eligibility)
    into.routing.CloseModelWithParameters(search_parameters(READ_BACK, time_limit_s=READ_BACK_S))
    restored = into.routing.ReadAssignmentFromRoutes(parallel.index_routes(into, routes), True)
    return (into, restored) if restored is not None else None


def _checked_greedy_routes(problem, matrix, built: BuiltModel, eligibility) -> list[list[str]]:
    """The greedy routes of :mod:`.construct` (order ids per shift), re-checked exactly."""
    by_shift = dict(zip((s.shift_id for s in built.shifts),
                        greedy_routes(problem, matrix, built, eligibility), strict=True))
    return feasible_routes(problem, matrix, built, eligibility, by_shift)


def _greedy_plan(problem, matrix, built: BuiltModel, eligibility) -> _Found | None:
    """The greedy routes, read into the unsolved ``built`` (no search runs)."""
    routes = _checked_greedy_routes(problem, matrix, built, eligibility)
    built.routing.CloseModelWithParameters(search_parameters(READ_BACK, time_limit_s=READ_BACK_S))
    solution = built.routing.ReadAssignmentFromRoutes(parallel.index_routes(built, routes), True)
    return _Found(built, solution, GREEDY_STATUS) if solution is not None else None


def _status(code: int, solved: bool) -> str:
    # OR-Tools' iterated local search leaves the status at NOT_SOLVED even when it
    # returns a solution.
    if code == 0 and solved:
        return "SUCCESS"
    return _STATUS.get(code, str(code))


def _parameters(strategy: Strategy, params: SolveParams, deadline: float, built: BuiltModel, *,
                warm: bool, share: float = 1.0):
    """Search parameters for ``share`` of the time left before the deadline."""
    return search_parameters(
        strategy,
        time_limit_s=share * (deadline - clock.time() - _reserve_s(params)),
        solution_limit=params.solution_limit,
        log=params.log_search,
        warm=warm,
        mean_arc_cost=built.mean_arc_cost,
    )
