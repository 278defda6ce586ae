"""The portfolio search, piece by piece (context, progress, helpers, seed, warm start,
greedy routes, the winner) and as a whole (determinism, degenerate sizes).

Problems are tiny (points on a line, 5 or 10 minutes and 1 km apart; see
``tests/factories.py``); helpers that are "not running" stand in for processes
where a test needs no real one (``tests/solver/test_parallel.py`` has those).
"""

from __future__ import annotations

import time

import pytest
from factories import line_matrix, order, problem, shift, tech

from optimizer.params import PARALLEL_MIN_ORDERS, SolveParams
from optimizer.solver import parallel, portfolio, solve
from optimizer.solver.build import COST_UNITS, build
from optimizer.solver.parallel import Outcome
from optimizer.solver.precheck import check
from optimizer.solver.search import ILS, Strategy, pick_strategies
from optimizer.solver.verify import verify

M = line_matrix(8, minutes_per_step=5)
M6 = line_matrix(6)
PCI = "PARALLEL_CHEAPEST_INSERTION"


def _problem(n=PARALLEL_MIN_ORDERS + 4, shifts=3):
    return problem([order(f"o{k}", 1 + k % 7, 15) for k in range(n)],
                   [tech(f"t{k}") for k in range(shifts)], [shift(f"t{k}") for k in range(shifts)])


def _context(p, params, seconds=10.0):
    return portfolio.SearchContext(p, M, params, check(p, M), time.time() + seconds,
                                   time.monotonic())


def _stops(schedule):
    return {r.shift_id: [s.order_id for s in r.stops] for r in schedule.routes}


@pytest.fixture
def in_a_pool(monkeypatch):
    """Run as a pool worker: no helper processes; each strategy's search_alone() is recorded."""
    searched = []
    real = parallel.search_alone

    def spy(problem, matrix, strategy, **kw):
        searched.append(strategy.first_solution)
        return real(problem, matrix, strategy, **kw)

    monkeypatch.setattr(parallel, "inside_pool_worker", lambda: True)
    monkeypatch.setattr(parallel, "search_alone", spy)
    return searched


def test_two_seeds_under_a_solution_limit_search_different_strategies(in_a_pool):
    """Seed 0 runs savings beside the first search, seed 1 path cheapest arc; the seed reaches
    the search (it used to be recorded only)."""
    p = _problem()
    for seed in (0, 1):
        s = solve(p, M, SolveParams(time_limit_s=20, solution_limit=30, workers=2, seed=seed))
        assert verify(p, M, s) == [] and s.meta.seed == seed
    assert in_a_pool == ["SAVINGS", "PATH_CHEAPEST_ARC"]


@pytest.mark.parametrize("seed", [0, 2])
def test_portfolio_is_deterministic_under_a_solution_limit(seed):
    """Two processes (a real helper), each stopped by the solution limit: the same seed gives
    the same answer twice, and valid."""
    p = _problem()
    params = SolveParams(time_limit_s=20, solution_limit=30, workers=2, seed=seed)
    first, second = solve(p, M, params), solve(p, M, params)
    assert verify(p, M, first) == []
    assert _stops(first) == _stops(second)
    assert first.meta.objective == second.meta.objective


def test_more_workers_than_strategies_search_each_strategy_once(in_a_pool):
    """workers=8 used to raise IndexError; now the 3 other strategies run once each."""
    p = _problem()
    s = solve(p, M, SolveParams(time_limit_s=20, solution_limit=5, workers=8))
    assert verify(p, M, s) == []
    assert in_a_pool == ["SAVINGS", "PATH_CHEAPEST_ARC", "LOCAL_CHEAPEST_INSERTION"]


@pytest.mark.parametrize(("orders", "params"), [
    (PARALLEL_MIN_ORDERS + 4, SolveParams(workers=1)),
    (PARALLEL_MIN_ORDERS - 1, SolveParams(workers=2)),
], ids=["one-worker", "small-problem"])
def test_no_helpers_where_one_search_is_all(orders, params):
    """One worker, or fewer than PARALLEL_MIN_ORDERS orders: none."""
    assert portfolio.start_helpers(_problem(orders), params) == []


def test_a_pool_worker_gets_stand_ins_not_processes(in_a_pool):
    """Inside a pool worker each extra strategy gets a None (no process is started)."""
    assert portfolio.start_helpers(_problem(), SolveParams(workers=3)) == [None, None]


def test_context_keeps_a_reserve_for_reading_routes():
    """5% of the limit (at most 0.25 s) is kept back; a share of the rest goes to a search."""
    short = _context(_problem(), SolveParams(time_limit_s=2))
    assert short.reserve_s == pytest.approx(0.1)
    long = _context(_problem(), SolveParams(time_limit_s=30), seconds=10)
    assert long.reserve_s == 0.25
    assert 9.5 < long.search_time_s() <= 9.75
    assert 0.25 * 9.5 < long.search_time_s(0.25) <= 0.25 * 9.75


def test_progress_reports_improvements_only_and_counts_them():
    """Worse and equal costs are not passed on; report() always is; costs in currency units."""
    seen = []
    progress = portfolio.Progress(lambda cost, elapsed, n: seen.append((cost, n)),
                                  time.monotonic())
    offered = [progress.offer(c * COST_UNITS) for c in (50, 60, 50, 40)]
    progress.report(45 * COST_UNITS)
    assert offered == [True, False, False, True]
    assert seen == [(50, 1), (40, 2), (45, 3)]
    assert progress.found == 3 and progress.best_cost == 45 * COST_UNITS


def test_best_outcome_is_the_lowest_objective_and_ties_go_to_the_lower_worker():
    """Lowest objective wins; between equals, the lower worker number (this process is 0)."""
    outcomes = [Outcome(7, (), 1, 2), Outcome(5, (), 1, 3), Outcome(5, (), 1, 1)]
    assert portfolio.best_outcome(outcomes).worker == 1
    assert portfolio.best_outcome([Outcome(5, (), 1, 1), Outcome(5, (), 1, 0)]).worker == 0


@pytest.mark.parametrize(("code", "solved", "name"), [
    (0, True, "SUCCESS"), (0, False, "NOT_SOLVED"), (4, False, "FAIL_TIMEOUT"), (99, True, "99"),
])
def test_status_names(code, solved, name):
    """Iterated local search's NOT_SOLVED with a solution reads SUCCESS; unknown codes as is."""
    assert portfolio.status_name(code, solved) == name


def test_collect_searches_a_missing_helpers_strategy_only_under_a_solution_limit():
    """A helper that is not running: under a solution limit its strategy is searched here (as
    worker 1); under a time limit alone it is simply not used."""
    p = _problem()
    strategies = pick_strategies(PCI, ILS, 2)
    limited = _context(p, SolveParams(time_limit_s=20, solution_limit=5))
    outcomes = portfolio.collect(limited, [None], [False], strategies)
    savings = parallel.search_alone(p, M, Strategy("SAVINGS"), time_limit_s=20, solution_limit=5,
                                    worker=1)
    assert outcomes == [savings]
    assert portfolio.collect(_context(p, SolveParams(time_limit_s=20)), [None], [False],
                             strategies) == []


def test_greedy_routes_as_an_outcome_rank_after_every_search():
    """The greedy fallback carries the greedy marker and an objective no search reaches."""
    p = _problem()
    context = _context(p, SolveParams())
    built = build(p, M, context.eligibility)
    greedy = portfolio.greedy_outcome(context, built, worker=2)
    assert (greedy.objective, greedy.status, greedy.worker) == (
        portfolio.GREEDY_OBJECTIVE, portfolio.GREEDY_CODE, 2)
    assert sorted(oid for r in greedy.routes for oid in r) == sorted(o.order_id for o in p.orders)


class _FakeHelper:
    """A helper that answers with a given outcome (and says whether it got a job)."""

    def __init__(self, outcome):
        self.worker = outcome.worker
        self.outcome = outcome
        self.jobs = []

    def send(self, problem, matrix, eligibility, strategy, **kw):
        self.jobs.append(strategy.first_solution)
        return True

    def result(self, deadline):
        return self.outcome


def test_a_better_helper_outcome_is_read_back_and_reported():
    """The helper's routes win on objective: they are the plan, its status is named, and the
    read-back is reported as one more solution."""
    p = _problem(8, shifts=2)
    context = _context(p, SolveParams(time_limit_s=5, solution_limit=5))
    routes = (("o0", "o1", "o2", "o3"), ("o4", "o5", "o6", "o7"))
    helper = _FakeHelper(Outcome(0, routes, 1, 1))
    seen = []
    found = portfolio.run_portfolio(context, [helper],
                                    on_solution=lambda cost, s, n: seen.append(n))
    assert helper.jobs == ["SAVINGS"]
    assert parallel.routes_of(found.built, found.solution) == routes
    assert found.status == "SUCCESS"
    assert seen and seen == list(range(1, len(seen) + 1))


def test_no_search_at_all_leaves_the_greedy_routes_timed_without_an_assignment(monkeypatch):
    """If no search finds anything, the greedy routes are the answer: timed directly (no
    OR-Tools assignment to read), every order on them, and the objective reported."""
    p = _problem(4, shifts=1)
    monkeypatch.setattr(portfolio, "run", lambda routing, search, start=None: None)
    seen = []
    found = portfolio.run_portfolio(_context(p, SolveParams(time_limit_s=1)), [],
                                    on_solution=lambda cost, s, n: seen.append(cost))
    assert (found.status, found.solution) == (portfolio.GREEDY_STATUS, None)
    assert sorted(s.order_id for r in found.routes for s in r.stops) == ["o0", "o1", "o2", "o3"]
    assert seen == [found.objective / COST_UNITS] and found.objective > 0


def test_a_helper_answer_when_this_process_has_none_is_timed_directly(monkeypatch):
    """This process found nothing and a helper did: its routes are the plan, timed without
    reading them into OR-Tools (which can take longer than the limit after a failed
    search), with the helper's objective and status."""
    p = _problem(4, shifts=1)
    monkeypatch.setattr(portfolio, "run", lambda routing, search, start=None: None)
    monkeypatch.setattr(portfolio, "read_back", lambda *a, **kw: pytest.fail("read back"))
    helper = _FakeHelper(Outcome(123, (("o0", "o1"),), 1, 1))
    found = portfolio.run_portfolio(_context(p, SolveParams(time_limit_s=1)), [helper])
    assert (found.status, found.solution, found.objective) == ("SUCCESS", None, 123)
    assert [[s.order_id for s in r.stops] for r in found.routes] == [["o0", "o1"]]


def test_fewer_orders_than_shifts_finishes_on_time():
    """One order and three shifts: the iterated local search ends at its time limit
    (OR-Tools' ruin step looped forever on this layout before orders came first)."""
    p = problem([order("A", 2)], [tech(f"t{k}") for k in range(3)],
                [shift(f"t{k}") for k in range(3)])
    began = time.monotonic()
    s = solve(p, M6, SolveParams(time_limit_s=1))
    assert time.monotonic() - began < 3
    assert verify(p, M6, s) == [] and s.unassigned == ()


def test_reading_a_warm_start_gets_a_quarter_of_the_time_at_most(monkeypatch):
    """Reading routes can take seconds on a re-plan with breaks; once it took the whole
    limit and the search never ran. The read is closed with a quarter of the time."""
    seen = []
    real = portfolio.initial_assignment

    def spy(problem, matrix, built, eligibility, initial_routes, search):
        seen.append(search.time_limit.ToTimedelta().total_seconds())
        return real(problem, matrix, built, eligibility, initial_routes, search)

    monkeypatch.setattr(portfolio, "initial_assignment", spy)
    p = problem([order(f"o{k}", 1 + k % 5) for k in range(6)], [tech("t1"), tech("t2")],
                [shift("t1"), shift("t2")])
    s = solve(p, M6, SolveParams(time_limit_s=4, workers=1),
              initial_routes={"t1": ["o0", "o1", "o2"], "t2": ["o3", "o4", "o5"]})
    assert verify(p, M6, s) == []
    assert len(seen) == 1 and 0 < seen[0] <= 0.25 * 4
