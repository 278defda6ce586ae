"""The search around the model: warm starts, the parallel portfolio, degenerate sizes.

Problems are tiny and hand-checkable (points on a line, 10 minutes and 1 km
apart; see ``tests/factories.py``); every schedule goes through the verifier.
"""

from __future__ import annotations

import time

import pytest
from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer.params import PARALLEL_MIN_ORDERS, SolveParams
from optimizer.solver import portfolio, solve
from optimizer.solver.search import first_solution_too_slow
from optimizer.solver.verify import verify

M = line_matrix(6)
ONE = SolveParams(time_limit_s=2, solution_limit=1, workers=1)


def stops(schedule):
    return {r.shift_id: [s.order_id for s in r.stops] for r in schedule.routes}


def test_warm_start_is_kept_as_given():
    """With a solution limit of 1 the given routes come back as they are, on their shifts."""
    p = problem([order(f"o{k}", 1 + k % 5) for k in range(6)], [tech("t1"), tech("t2")],
                [shift("t1"), shift("t2")])
    start = {"t1": ["o4", "o0", "o2"], "t2": ["o1", "o5", "o3"]}
    s = solve(p, M, ONE, initial_routes=start)
    assert verify(p, M, s) == []
    assert stops(s) == start


def test_warm_start_leaves_out_what_would_break_a_rule():
    """An order whose window the given sequence misses, an unknown order, a repeated one and
    an unknown shift are left out of the start; the result still verifies and serves all."""
    p = problem([order("A", 1), order("B", 2, time_windows=(window("08:00", "08:30"),)),
                 order("C", 3)], [tech("t1")], [shift("t1")])
    start = {"t1": ["A", "C", "B", "ghost", "A"], "nobody": ["C"]}
    first = solve(p, M, ONE, initial_routes=start)
    assert verify(p, M, first) == []
    assert stops(first) == {"t1": ["A", "C"]}  # B cannot start by 08:30 after A and C
    best = solve(p, M, FAST, initial_routes=start)
    assert verify(p, M, best) == []
    assert best.unassigned == ()


def test_warm_start_over_capacity_is_trimmed():
    """A start that overloads the van keeps only what fits; the search places the rest."""
    p = problem([order(f"o{k}", 1, 20, demand=2) for k in range(4)],
                [tech("t1", capacity=4), tech("t2", capacity=4)], [shift("t1"), shift("t2")])
    first = solve(p, M, ONE, initial_routes={"t1": ["o0", "o1", "o2", "o3"]})
    assert verify(p, M, first) == []
    assert stops(first)["t1"] == ["o0", "o1"]


def test_fewer_orders_than_shifts_finishes_on_time():
    """One order and three shifts: the iterated local search ends at its time limit
    (OR-Tools' ruin step looped forever on this layout before orders came first)."""
    p = problem([order("A", 2)], [tech(f"t{k}") for k in range(3)],
                [shift(f"t{k}") for k in range(3)])
    began = time.monotonic()
    s = solve(p, M, SolveParams(time_limit_s=1))
    assert time.monotonic() - began < 3
    assert verify(p, M, s) == [] and s.unassigned == ()


def test_portfolio_is_deterministic_under_a_solution_limit():
    """Two processes, each stopped by the solution limit: the same answer twice, and valid."""
    n = PARALLEL_MIN_ORDERS + 4
    matrix = line_matrix(8, minutes_per_step=5)
    p = problem([order(f"o{k}", 1 + k % 7, 15) for k in range(n)],
                [tech(f"t{k}") for k in range(3)], [shift(f"t{k}") for k in range(3)])
    params = SolveParams(time_limit_s=20, solution_limit=30, workers=2)
    first, second = solve(p, matrix, params), solve(p, matrix, params)
    assert verify(p, matrix, first) == []
    assert stops(first) == stops(second)
    assert first.meta.objective == second.meta.objective


def test_annealing_temperatures_follow_the_models_arc_cost():
    """The ILS acceptance temperatures are fractions of the model's mean arc cost (travel
    at the technician's rates); without a cost scale OR-Tools chooses them."""
    from optimizer.solver.build import COST_UNITS, build
    from optimizer.solver.precheck import check
    from optimizer.solver.search import Strategy, search_parameters

    p = problem([order("A", 1), order("B", 3)], [tech("t1", cost_per_km=2.0, cost_per_hour=0.0)],
                [shift("t1")])
    built = build(p, M, check(p, M))
    # nodes: A (point 1), B (point 3), depot (point 0); km between them 2, 1, 3 each way
    assert built.mean_arc_cost == pytest.approx((2 + 1 + 3) / 3 * 2.0 * COST_UNITS)
    strategy = Strategy()
    sa = search_parameters(strategy, time_limit_s=1, mean_arc_cost=built.mean_arc_cost) \
        .iterated_local_search_parameters.reference_solution_acceptance_strategy \
        .simulated_annealing
    assert not sa.automatic_temperatures
    assert sa.initial_temperature == pytest.approx(strategy.temperature_start
                                                   * built.mean_arc_cost)
    assert sa.final_temperature == pytest.approx(strategy.temperature_end * built.mean_arc_cost)
    unscaled = search_parameters(strategy, time_limit_s=1).iterated_local_search_parameters
    assert unscaled.reference_solution_acceptance_strategy.simulated_annealing \
        .automatic_temperatures


@pytest.mark.parametrize(("orders", "limit_s", "too_slow"), [
    (100, 1, False), (500, 1, False), (700, 1, True), (1000, 1, True),
    (1000, 10, False), (1400, 10, True), (2000, 30, True),
])
def test_first_solution_too_slow_follows_the_measured_cubic_growth(orders, limit_s, too_slow):
    """4.5 s for 1000 orders, growing with the cube of the count; a Solomon instance (100
    orders) never skips the search, even at 1 s."""
    assert first_solution_too_slow(orders, limit_s) is too_slow


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
    s = solve(p, M, SolveParams(time_limit_s=4, workers=1),
              initial_routes={"t1": ["o0", "o1", "o2"], "t2": ["o3", "o4", "o5"]})
    assert verify(p, M, s) == []
    assert len(seen) == 1 and 0 < seen[0] <= 0.25 * 4
