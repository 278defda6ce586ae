"""Helper processes: a real one searches and answers; one that cannot start is not used.

Problems are tiny (points on a line, 5 minutes and 1 km apart; see ``tests/factories.py``).
"""

from __future__ import annotations

import subprocess
import time

from factories import line_matrix, order, problem, shift, tech

from optimizer.params import PARALLEL_MIN_ORDERS, SolveParams
from optimizer.solver import parallel, solve
from optimizer.solver.build import build
from optimizer.solver.precheck import check
from optimizer.solver.search import Strategy
from optimizer.solver.verify import verify

M = line_matrix(8, minutes_per_step=5)


def _problem(n=8):
    return problem([order(f"o{k}", 1 + k % 7, 15) for k in range(n)],
                   [tech(f"t{k}") for k in range(2)], [shift(f"t{k}") for k in range(2)])


def test_a_helper_process_searches_and_sends_back_its_routes():
    """A real helper gets a job and answers with the same routes and objective as the same
    search run here (under a solution limit both are deterministic)."""
    p = _problem()
    eligibility = check(p, M)
    helper = parallel.start(1)
    assert helper is not None
    deadline = time.time() + 30
    assert helper.send(p, M, eligibility, Strategy("SAVINGS"), deadline=deadline, reserve_s=0.1,
                       solution_limit=10)
    outcome = helper.result(deadline)
    here = parallel.search_alone(p, M, Strategy("SAVINGS"), time_limit_s=30, solution_limit=10,
                                 worker=1, eligibility=eligibility)
    assert outcome is not None and outcome.worker == 1
    assert sorted(oid for route in outcome.routes for oid in route) == sorted(
        o.order_id for o in p.orders)
    assert (outcome.routes, outcome.objective) == (here.routes, here.objective)


def test_a_helper_whose_job_fails_gives_no_outcome():
    """A job the helper cannot search (no problem at all) ends in None, not in a hang."""
    helper = parallel.start(1)
    deadline = time.time() + 10
    assert helper.send(None, M, None, Strategy(), deadline=deadline, reserve_s=0.1,
                       solution_limit=1)
    began = time.monotonic()
    assert helper.result(deadline) is None
    assert time.monotonic() - began < 10


def test_a_stopped_helper_takes_no_job_and_gives_no_outcome():
    """Sending to a helper that has ended says False; asking it for a result gives None."""
    helper = parallel.start(1)
    helper.stop()
    assert helper.send(_problem(), M, None, Strategy(), deadline=time.time() + 5, reserve_s=0.1,
                       solution_limit=1) is False
    assert helper.result(time.time() + 5) is None


def test_a_helper_that_cannot_start_is_not_used(monkeypatch):
    """Where no process can start, start() gives None and solve() plans alone: a valid
    plan serving everything, with no search of the helper's strategy in this process."""
    def no_process(*_args, **_kw):
        raise OSError("no processes here")

    def no_second_search(*_args, **_kw):
        raise AssertionError("the helper's strategy was searched although no limit asks it")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert parallel.start(1) is None
    monkeypatch.setattr(parallel, "search_alone", no_second_search)
    p = _problem(PARALLEL_MIN_ORDERS + 4)
    p = problem(p.orders, [tech(f"t{k}") for k in range(3)], [shift(f"t{k}") for k in range(3)])
    s = solve(p, M, SolveParams(time_limit_s=1, workers=2))
    assert verify(p, M, s) == []
    assert s.unassigned == ()


def test_routes_are_read_as_order_ids_and_back_as_indices():
    """index_routes maps order ids to routing indices (skipping unknown ids) per shift."""
    p = _problem(3)
    built = build(p, M, check(p, M))
    indices = parallel.index_routes(built, [["o2", "ghost", "o0"], ["o1"]])
    assert [[built.order_of_node(built.manager.IndexToNode(i)).order_id for i in route]
            for route in indices] == [["o2", "o0"], ["o1"]]
