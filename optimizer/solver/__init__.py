"""The solver: ``solve(problem, matrix, params) -> Schedule``. Pure: no files, no network.

:func:`solve` checks the orders (:mod:`.precheck`), runs the portfolio search
(:mod:`.portfolio`), reads the routes (:mod:`.extract`) and says why each order
left out was left out (:mod:`.diagnose`).
"""

from __future__ import annotations

import time as clock
from collections.abc import Mapping, Sequence
from dataclasses import replace

from optimizer.model import Problem, ReasonCode, Schedule, TravelMatrix, Unassigned
from optimizer.params import SolveParams
from optimizer.solver import decompose, parallel
from optimizer.solver.balance import with_targets
from optimizer.solver.diagnose import NOT_CHECKED, Screen, reason_for_dropped
from optimizer.solver.extract import routes_from
from optimizer.solver.meta import solve_meta
from optimizer.solver.portfolio import (
    GREEDY_STATUS,
    UNFINISHED_STATUSES,
    ProgressCallback,
    SearchContext,
    objective_of,
    read_back,
    run_portfolio,
    start_helpers,
)
from optimizer.solver.precheck import check
from optimizer.solver.warm import with_breaks_kept

#: Dropped orders from which the diagnosis screens insertion positions in one numpy pass.
SCREEN_FROM = 20
#: Dropped orders diagnosed whatever the time (see ``_reasons``).
DIAGNOSE_ALWAYS = 10

__all__ = [
    "GREEDY_STATUS",
    "UNFINISHED_STATUSES",
    "ProgressCallback",
    "SolveParams",
    "parallel",
    "read_back",
    "solve",
]


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
    # workload balance: the team's targets, fixed once for every search and region
    problem = with_targets(problem, matrix)
    if decompose.wanted(problem, params):  # a large day: many small problems
        schedule = decompose.solve_large(problem, matrix, params, on_solution=on_solution,
                                         initial_routes=initial_routes)
        return replace(schedule, meta=replace(schedule.meta,
                                              work_targets_s=dict(problem.work_targets_s)))
    began = clock.monotonic()
    deadline = clock.time() + params.time_limit_s  # wall clock, shared with helper processes
    helpers = start_helpers(problem, params)
    try:
        eligibility = check(problem, matrix)
        unassigned = dict(eligibility.reasons)  # order_id -> (code, reason)
        routes = []
        status, objective = "NO_ORDERS", 0
        if eligibility.allowed and problem.shifts:
            context = SearchContext(problem, matrix, params, eligibility, deadline, began)
            found = run_portfolio(context, helpers, on_solution=on_solution,
                                  initial_routes=initial_routes)
            built, status = found.built, found.status
            if found.routes is not None:  # the greedy fallback, timed without OR-Tools
                routes, objective = found.routes, found.objective
            else:
                objective = found.solution.ObjectiveValue()
                routes = routes_from(problem, matrix, built, found.solution)
                kept = with_breaks_kept(problem, matrix, built, eligibility, routes)
                if kept is not None:  # a route left a lunch off that it must take
                    routes, objective = kept, objective_of(problem, built, kept)
            unassigned.update(_reasons(problem, matrix, built, eligibility, routes,
                                       finished=status not in UNFINISHED_STATUSES,
                                       deadline=deadline))
        elif not problem.shifts:
            for order_id in eligibility.allowed:
                unassigned[order_id] = (ReasonCode.NO_SHIFT, "no technician works that day")
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
        unassigned=tuple(Unassigned(oid, unassigned[oid][1], unassigned[oid][0])
                         for oid in order_ids if oid in unassigned),
        meta=replace(solve_meta(params, matrix.source, status, objective, began),
                     work_targets_s=dict(problem.work_targets_s)),
    )


def _reasons(problem, matrix, built, eligibility, routes, *, finished: bool, deadline: float):
    """A reason for every order of the model not on a route, true of the final routes.

    On a large day this takes seconds (1000 orders, 500 dropped: 14 s one by one), so it
    stops at ``deadline`` (wall clock): orders still waiting then are said not to be
    checked, which keeps the time limit. The first :data:`DIAGNOSE_ALWAYS` are always
    checked (milliseconds each)."""
    by_shift = {r.shift_id: r for r in routes}
    routed = {s.order_id for r in routes for s in r.stops}
    dropped = [o for o in built.orders if o.order_id not in routed]
    screen = Screen(problem, matrix, by_shift) if len(dropped) > SCREEN_FROM else None
    reasons = {}
    for n, order in enumerate(dropped):
        if n >= DIAGNOSE_ALWAYS and clock.time() > deadline:
            reasons[order.order_id] = NOT_CHECKED
            continue
        reasons[order.order_id] = reason_for_dropped(
            problem, matrix, order, eligibility.allowed[order.order_id], by_shift,
            finished=finished, screen=screen)
    return reasons
