"""The portfolio search behind :func:`optimizer.solver.solve`.

This process searches with the first strategy of the portfolio
(:func:`~.search.pick_strategies`), helper processes (:mod:`.parallel`) with the
others, and the best outcome wins: the lowest objective, ties to the lowest
worker number, so that runs under a solution limit are deterministic. Each piece
works on its own:

- :class:`SearchContext` holds what every piece needs (problem, matrix, params,
  pre-check, deadline, start time) and says how much time is left.
- :class:`Progress` passes improving solutions on to the caller's callback.
- :func:`start_helpers`, :func:`send_jobs` and :func:`collect` run the helpers.
- :func:`warm_start` turns given routes, made safe (:mod:`.warm`), into the start
  of this process's search.
- :func:`first_then_search` times OR-Tools' first solution as it comes: if it does
  not come within :data:`FIRST_SHARE` of the time, :func:`greedy_outcome` gives the
  greedy routes of :mod:`.construct` (which serve critical and high orders first)
  in the time left, so that the time limit holds on any size.
- :func:`best_outcome` chooses the winner and :func:`read_back` reads its routes
  into a model of this process.
- :func:`run_portfolio` does all of it, in that order.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp

from optimizer.model import Problem, Route, TravelMatrix
from optimizer.params import PARALLEL_MIN_ORDERS, SolveParams
from optimizer.solver import parallel
from optimizer.solver.build import COST_UNITS, BuildTooSlow, BuiltModel, Frame, build, frame
from optimizer.solver.construct import greedy_routes
from optimizer.solver.costs import drop_cost, route_cost
from optimizer.solver.extract import routes_from_orders
from optimizer.solver.parallel import Helper, Outcome
from optimizer.solver.precheck import Eligibility
from optimizer.solver.search import (
    Strategy,
    pick_strategies,
    run,
    search_parameters,
)
from optimizer.solver.warm import feasible_routes, initial_assignment

#: Search parameters for a model that only reads routes back (no search runs).
READ_BACK = Strategy("PATH_CHEAPEST_ARC", "GREEDY_DESCENT")
READ_BACK_S = 30.0
#: Status and objective rank of the greedy routes of :mod:`.construct`, used when no
#: search found a first solution in time (:func:`first_then_search`).
GREEDY_STATUS = "TIME_LIMIT_GREEDY_ROUTES"
GREEDY_OBJECTIVE = 2**62
#: The OR-Tools status code an :class:`~.parallel.Outcome` of greedy routes carries.
GREEDY_CODE = -1
#: Statuses of a plan whose search stopped on its time limit before it was done: an
#: order left out may simply not have been reached (see :mod:`.diagnose`).
UNFINISHED_STATUSES = (GREEDY_STATUS, "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED")
#: Status of a plan that is OR-Tools' first solution, not improved by any search in time.
FIRST_ONLY_STATUS = UNFINISHED_STATUSES[1]
#: Share of the time left that reading a warm start's routes may take at most.
WARM_READ_SHARE = 0.25
#: Share of the search time OR-Tools' first solution may take; if it has none by then,
#: the greedy routes are the plan (they take 0.1-0.3 s on 1000 orders, and the rest of
#: the time is theirs). The first solution's time is measured, never predicted: it was
#: 4-5 s for 1000 Solomon-type orders and 228 s for a real-road day of 1000 orders.
FIRST_SHARE = 0.5
#: If the first solution took at most this share of the time left after it, the search
#: starts over with iterated local search, which cannot start from given routes but beat
#: guided local search by several percent at the same limit (repeating the first solution
#: costs at most a third of the time then); otherwise it goes on from that solution with
#: guided local search, as a warm start does.
RESTART_SHARE = 0.5
#: Share of the search time building the model may take (timed as it goes, see
#: :func:`~.build.build`); beyond it the greedy routes are the plan, without a model.
BUILD_SHARE = 0.5
#: A first solution that came after this share of its time was cut short by the limit.
CUT_SHARE = 0.95

#: ``on_solution(best_cost, elapsed_s, solutions_found)``; cost in currency units.
ProgressCallback = Callable[[float, float, int], None]

_STATUS = {
    0: "NOT_SOLVED", 1: "SUCCESS", 2: "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED",
    3: "FAIL", 4: "FAIL_TIMEOUT", 5: "INVALID", 6: "INFEASIBLE", 7: "OPTIMAL",
}


@dataclass(frozen=True, slots=True)
class SearchContext:
    """What every piece of the search needs; the clocks are those of one ``solve()`` call."""

    problem: Problem
    matrix: TravelMatrix
    params: SolveParams
    eligibility: Eligibility
    #: Wall clock (``time.time()``) by which the whole call ends; helper processes share it.
    deadline: float
    #: ``time.monotonic()`` when the call began, for the elapsed times of progress reports.
    began: float

    @property
    def reserve_s(self) -> float:
        """Seconds kept back from the search for reading routes and diagnosing drops."""
        return min(0.25, 0.05 * self.params.time_limit_s)

    def search_time_s(self, share: float = 1.0) -> float:
        """``share`` of the seconds left for searching: until the deadline, less the reserve."""
        return share * (self.deadline - clock.time() - self.reserve_s)

    def parameters(self, strategy: Strategy, built: BuiltModel, *, warm: bool,
                   share: float = 1.0):
        """OR-Tools search parameters for ``strategy`` in ``share`` of the time left."""
        return search_parameters(
            strategy,
            time_limit_s=self.search_time_s(share),
            solution_limit=self.params.solution_limit,
            log=self.params.log_search,
            warm=warm,
            mean_arc_cost=built.mean_arc_cost,
        )


@dataclass(frozen=True, slots=True)
class Found:
    """The answer of the portfolio: the model holding it, its assignment and status name.

    The greedy fallback has no assignment (reading its routes into OR-Tools took 15 s
    for 500 orders with breaks): its ``routes`` and ``objective`` come with it instead.
    """

    built: BuiltModel | Frame
    solution: pywrapcp.Assignment | None
    status: str
    routes: list[Route] | None = None
    objective: int | None = None


class Progress:
    """Reports solutions to ``on_solution`` as (cost in currency units, elapsed s, count)."""

    def __init__(self, on_solution: ProgressCallback | None, began: float) -> None:
        self._on_solution = on_solution
        self._began = began
        #: Solutions reported so far, and the cost (model units) of the last one.
        self.found = 0
        self.best_cost: int | None = None

    def watch(self, routing: pywrapcp.RoutingModel) -> None:
        """Offer every solution of ``routing``'s search as it comes (if anyone listens)."""
        if self._on_solution is None:
            return

        def at_solution() -> None:
            self.offer(routing.CostVar().Max())

        routing.AddAtSolutionCallback(at_solution)

    def offer(self, cost: int) -> bool:
        """Report ``cost`` (model units) if it improves on the best so far.

        Iterated local search also reports the (worse) solutions of its perturbed
        searches: only improvements are passed on.
        """
        if self.best_cost is not None and cost >= self.best_cost:
            return False
        self.report(cost)
        return True

    def report(self, cost: int) -> None:
        """Report ``cost`` (model units) as the next solution, whatever came before."""
        self.best_cost = cost
        self.found += 1
        if self._on_solution is not None:
            self._on_solution(cost / COST_UNITS, clock.monotonic() - self._began, self.found)


def start_helpers(problem: Problem, params: SolveParams) -> list[Helper | None]:
    """Helper processes for the extra strategies; they start up while the model is built.

    None in the list stands for a helper that is not running (it could not start, or
    this process may not start any): under a solution limit its strategy is then
    searched here (:func:`collect`).
    """
    if params.workers < 2 or len(problem.orders) < PARALLEL_MIN_ORDERS or not problem.shifts:
        return []
    extra = len(pick_strategies(params.first_solution, params.metaheuristic, params.workers,
                                seed=params.seed)) - 1
    if parallel.inside_pool_worker():
        # Already one of several parallel workers (a sweep, a pool): do not add
        # processes. Under a solution limit the strategies then run one after the other.
        return [None] * extra
    return [parallel.start(k, log=params.log_search) for k in range(1, 1 + extra)]


def send_jobs(context: SearchContext, helpers: Sequence[Helper | None],
              strategies: Sequence[Strategy]) -> list[bool]:
    """Hand each running helper the problem and its strategy; True where the job went out."""
    return [helper is not None and helper.send(
                context.problem, context.matrix, context.eligibility, strategies[helper.worker],
                deadline=context.deadline, reserve_s=context.reserve_s,
                solution_limit=context.params.solution_limit)
            for helper in helpers]


def collect(context: SearchContext, helpers: Sequence[Helper | None], sent: Sequence[bool],
            strategies: Sequence[Strategy]) -> list[Outcome]:
    """The helpers' outcomes, in worker order (a helper that found nothing gives none).

    Under a solution limit the strategy of a helper that did not get its job is
    searched here instead, so that the answer does not depend on where it runs.
    """
    outcomes = []
    for k, (helper, went) in enumerate(zip(helpers, sent, strict=True), start=1):
        outcome = helper.result(context.deadline) if went and helper is not None else None
        if not went and context.params.solution_limit is not None:
            outcome = parallel.search_alone(
                context.problem, context.matrix, strategies[k],
                solution_limit=context.params.solution_limit,
                time_limit_s=context.search_time_s(), worker=k,
                eligibility=context.eligibility)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def warm_start(context: SearchContext, built: BuiltModel, strategy: Strategy,
               initial_routes: Mapping[str, Sequence[str]]) -> pywrapcp.Assignment | None:
    """The safe part of ``initial_routes`` as an assignment of ``built`` (now closed), or None.

    Reading routes is a constraint propagation that can take seconds on a re-plan
    with lunch breaks (all 8 s of a re-plan once): it is capped at ``WARM_READ_SHARE``
    of the time left, since the search needs the rest.
    """
    search = context.parameters(strategy, built, warm=True, share=WARM_READ_SHARE)
    return initial_assignment(context.problem, context.matrix, built, context.eligibility,
                              initial_routes, search)


def checked_greedy_routes(context: SearchContext, built: BuiltModel | Frame
                          ) -> list[list[str]]:
    """The greedy routes of :mod:`.construct` (order ids per shift), re-checked exactly."""
    problem, matrix, eligibility = context.problem, context.matrix, context.eligibility
    by_shift = dict(zip((s.shift_id for s in built.shifts),
                        greedy_routes(problem, matrix, built, eligibility), strict=True))
    return feasible_routes(problem, matrix, built, eligibility, by_shift)


def first_then_search(context: SearchContext, built: BuiltModel, strategy: Strategy):
    """The solution of a search from scratch and a status to report instead of OR-Tools'
    (None: OR-Tools' own), or ``(None, None)``.

    OR-Tools is first asked for one solution within :data:`FIRST_SHARE` of the time
    (its insertion heuristics stop at their time limit). None means it had none by
    then: the caller falls back on the greedy routes in the time left. Otherwise the
    search goes on: over again with iterated local search if the first solution was
    quick (:data:`RESTART_SHARE`), else from that solution with guided local search. If
    the search over again ends dearer than the first solution (cut off by a short limit),
    the first solution is kept, with :data:`FIRST_ONLY_STATUS`. Depends on the clock;
    under a solution limit :func:`run_portfolio` does not use it.
    """
    routing = built.routing
    share_s = context.search_time_s(FIRST_SHARE)
    probe = search_parameters(Strategy(strategy.first_solution, "GREEDY_DESCENT"),
                              time_limit_s=share_s, solution_limit=1,
                              log=context.params.log_search)
    began = clock.monotonic()
    first = run(routing, probe)
    took = clock.monotonic() - began
    if first is None or took >= CUT_SHARE * share_s:
        # Stopped by its time limit, an insertion heuristic still returns its routes so
        # far, the other orders left out (all of them, if stopped early): not a plan.
        return None, None
    first = routing.solver().Assignment(first)  # the next search reuses the model's own
    warm = took > RESTART_SHARE * context.search_time_s()
    search = context.parameters(strategy, built, warm=warm)
    solution = run(routing, search, first if warm else None)
    if solution is None or solution.ObjectiveValue() > first.ObjectiveValue():
        # the search over again was cut off before it caught up with the first solution
        # (on a short time limit): the first solution, not improved at all, is the answer
        return first, FIRST_ONLY_STATUS
    return solution, None


def greedy_outcome(context: SearchContext, built: BuiltModel, worker: int) -> Outcome:
    """The greedy routes as the outcome of ``worker``, ranked after every search's.

    The fallback when not even a first solution came in the time given (OR-Tools'
    insertion heuristics take seconds on 1000 orders); greedy routes take 0.1-0.3 s
    on 1000 orders, so they are built only here, off the normal path.
    """
    routes = checked_greedy_routes(context, built)
    return Outcome(GREEDY_OBJECTIVE, tuple(map(tuple, routes)), GREEDY_CODE, worker)


def greedy_found(context: SearchContext, built: BuiltModel | Frame, routes: Sequence[Sequence[str]],
                 progress: Progress) -> Found:
    """The greedy routes as the answer, timed directly (:func:`.extract.routes_from_orders`);
    the objective in model units, as OR-Tools would count it (with drop penalties)."""
    problem = context.problem
    timed = routes_from_orders(problem, context.matrix, built, routes)
    objective = objective_of(problem, built, timed)
    progress.report(objective)
    return Found(built, None, GREEDY_STATUS, routes=timed, objective=objective)


def objective_of(problem: Problem, built: BuiltModel | Frame, routes: Sequence[Route]) -> int:
    """The objective of routes found or made without OR-Tools, in model units, as OR-Tools
    would count it: the routes' costs and the drop penalties of the orders not on them."""
    routed = {s.order_id for r in routes for s in r.stops}
    money = sum(route_cost(problem, r) for r in routes) + sum(
        drop_cost(problem, o) for o in built.orders if o.order_id not in routed)
    return round(money * COST_UNITS)


def best_outcome(outcomes: Sequence[Outcome]) -> Outcome:
    """The lowest objective; on a tie the lowest worker number, so the answer is repeatable."""
    return min(outcomes, key=lambda o: (o.objective, o.worker))


def read_back(problem: Problem, matrix: TravelMatrix, eligibility: Eligibility,
              routes: Sequence[Sequence[str]]) -> tuple[BuiltModel, pywrapcp.Assignment] | None:
    """``(model, assignment)`` for routes (order ids per shift) found elsewhere, or None.

    The routes are read into a fresh model closed with a solution limit of one.
    ``ReadAssignmentFromRoutes`` runs a search under the model's limits, and without a
    solution limit that search goes on after the first assignment until the time limit:
    on the demo with balance on it took 15 s into the searched model and 15 s more into
    a fresh one, with the same objective as after 0.01 s (the run then took 50 s of
    its 20 s). A searched model cannot be given a solution limit after the fact.
    """
    into = build(problem, matrix, eligibility)
    into.routing.CloseModelWithParameters(
        search_parameters(READ_BACK, time_limit_s=READ_BACK_S, solution_limit=1))
    restored = into.routing.ReadAssignmentFromRoutes(parallel.index_routes(into, routes), True)
    return (into, restored) if restored is not None else None


def status_name(code: int, solved: bool) -> str:
    """The name of OR-Tools' routing status ``code``; SUCCESS for a solved NOT_SOLVED.

    OR-Tools' iterated local search leaves the status at NOT_SOLVED even when it
    returns a solution.
    """
    if code == 0 and solved:
        return "SUCCESS"
    return _STATUS.get(code, str(code))


def run_portfolio(
    context: SearchContext,
    helpers: Sequence[Helper | None],
    *,
    on_solution: ProgressCallback | None = None,
    initial_routes: Mapping[str, Sequence[str]] | None = None,
) -> Found:
    """Search with the first strategy here and the others in ``helpers``; the best wins.

    There is always an answer: if no search has one, the greedy routes are it.
    """
    params = context.params
    strategies = pick_strategies(params.first_solution, params.metaheuristic,
                                 1 + len(helpers), seed=params.seed)
    progress = Progress(on_solution, context.began)
    # Under a solution limit the steps must not depend on the clock; a warm start is kept.
    timed = params.solution_limit is None and not initial_routes
    try:
        built = build(context.problem, context.matrix, context.eligibility,
                      give_up_at=clock.time() + BUILD_SHARE * context.search_time_s()
                      if timed else None)
    except BuildTooSlow:
        bare = frame(context.problem, context.eligibility)
        return greedy_found(context, bare, checked_greedy_routes(context, bare), progress)
    sent = send_jobs(context, helpers, strategies)
    progress.watch(built.routing)
    start = warm_start(context, built, strategies[0], initial_routes) if initial_routes else None
    override = None
    if start is None and params.solution_limit is None:
        solution, override = first_then_search(context, built, strategies[0])
    else:  # a warm start, or a solution limit (the steps must not depend on the clock)
        search = context.parameters(strategies[0], built, warm=start is not None)
        solution = run(built.routing, search, start)
    status = override or status_name(built.routing.status(), solution is not None)
    outcomes = []
    if solution is not None:
        outcomes.append(Outcome(solution.ObjectiveValue(), (), built.routing.status(), 0))
    else:  # no first solution in time: the greedy routes now, while time is left
        outcomes.append(greedy_outcome(context, built, worker=len(strategies)))
    outcomes += collect(context, helpers, sent, strategies)
    best = best_outcome(outcomes)
    if best.status == GREEDY_CODE:
        return greedy_found(context, built, best.routes, progress)
    if best.worker != 0:  # a helper's routes (always, if this process found none)
        # After a failed search here, building a fresh model to read them into would take
        # as long again: they are timed directly, as they are if the read fails.
        read = None if solution is None else read_back(
            context.problem, context.matrix, context.eligibility, best.routes)
        if read is None:
            progress.report(best.objective)
            return Found(built, None, status_name(best.status, True),
                         routes=routes_from_orders(context.problem, context.matrix, built,
                                                   best.routes),
                         objective=best.objective)
        built, solution = read
        status = status_name(best.status, True)
        progress.report(solution.ObjectiveValue())
    return Found(built, solution, status)
