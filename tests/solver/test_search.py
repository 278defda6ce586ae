"""How OR-Tools searches: the strategies (and the seed), search parameters, first-solution time.

Problems are tiny and hand-checkable (points on a line, 10 minutes and 1 km
apart; see ``tests/factories.py``).
"""

from __future__ import annotations

import pytest
from factories import line_matrix, order, problem, shift, tech

from optimizer.solver.search import ILS, pick_strategies

M = line_matrix(6)
PCI = "PARALLEL_CHEAPEST_INSERTION"


def _names(strategies):
    return [s.first_solution for s in strategies]


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


def test_seed_zero_is_the_default_portfolio():
    """Seed 0 (the default) gives today's order: the strategy asked for, then savings, path
    cheapest arc, local cheapest insertion."""
    assert _names(pick_strategies(PCI, ILS, 4, seed=0)) == _names(pick_strategies(PCI, ILS, 4)) \
        == [PCI, "SAVINGS", "PATH_CHEAPEST_ARC", "LOCAL_CHEAPEST_INSERTION"]


@pytest.mark.parametrize(("seed", "second"), [
    (0, "SAVINGS"), (1, "PATH_CHEAPEST_ARC"), (2, "LOCAL_CHEAPEST_INSERTION"), (3, "SAVINGS"),
])
def test_the_seed_rotates_the_strategies_of_the_other_searches(seed, second):
    """With two workers the seed picks the second search's start; the first stays as asked."""
    assert _names(pick_strategies(PCI, ILS, 2, seed=seed)) == [PCI, second]


def test_a_first_solution_outside_the_list_leaves_four_others_to_rotate():
    """AUTOMATIC is not in the rotated list, so parallel cheapest insertion joins it: 5 in all,
    and seed 5 starts one place along (5 modulo 4)."""
    assert _names(pick_strategies("AUTOMATIC", ILS, 9, seed=5)) == [
        "AUTOMATIC", PCI, "PATH_CHEAPEST_ARC", "LOCAL_CHEAPEST_INSERTION", "SAVINGS"]
