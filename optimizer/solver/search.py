"""How OR-Tools searches: strategies, search parameters, and one search run.

The default search is OR-Tools' iterated local search (ILS): a first solution
from an insertion heuristic, then repeated *ruin and recreate* steps (SISR:
strings of nearby visits are removed and put back in random order at their
cheapest places), each followed by local search and accepted by simulated
annealing. On the 56 Solomon instances this beats the guided local search of
the OR-Tools samples by several percent at the same time limit (see
``docs/benchmarks.md``).

A :class:`Strategy` fixes everything one search process does. Searches in
parallel processes use different strategies (:func:`pick_strategies`) and the
best answer wins (:mod:`.portfolio`).

Measured with OR-Tools 9.15 on this model (see ``docs/benchmarks.md``):

- ILS runs only through ``RoutingModel.SolveWithIteratedLocalSearch``; with
  ``SolveWithParameters`` or ``SolveFromAssignmentWithParameters`` the ILS
  parameters are ignored and a single local search runs. ILS therefore cannot
  start from given routes: a warm start runs guided local search instead.
- The annealing temperatures matter most. OR-Tools' automatic ones are 0.1
  and 0.001 of the mean arc cost (of random node pairs); accepting that much
  worse a solution wastes most iterations. Temperatures of 0.03 down to
  0.00003 of the mean arc cost (``Strategy``) gave a mean distance about 0.4%
  shorter on Solomon instances at 10 s, and anything from 0.003 to 0.03 at
  the start did about as well. Ruins of 20 visits on average (strings of up
  to 15) did a little better than 10.
- Restricting operators to neighbours (``ls_operator_neighbors_ratio`` < 1)
  leaves the local search stuck at the first solution on time-window
  problems, so it stays at 1.
- Operators for pickup-and-delivery pairs, sub-trips, Lin-Kernighan and the
  path-insertion LNS cost time in every local search step and found little:
  they are off. Operators that only act on unperformed orders stay on.
- The SISR ruin draws its seed visit from routing indices ``0..n`` (n = number
  of orders), so the model puts the orders first (:mod:`.build`); with the
  shift starts first it never ruined around the last orders and, with fewer
  orders than shifts, looped forever.
- ILS leaves ``RoutingModel.status()`` at NOT_SOLVED even when it returns a
  solution.
- The time of the first solution cannot be told from the size: 0.05 s for 200
  Solomon-type orders, 4-5 s for 1000, 228 s for a real-road day of 1000 orders and
  70 technicians. The insertion heuristics stop at the search's own time limit (at
  1000 orders about 0.1 s late), but not at a ``Solver.CustomLimit`` monitor (it was
  not consulted while they ran), and ``RoutingModel.UpdateTimeLimit`` called from a
  solution callback does not lengthen a search already running. So the portfolio
  (:mod:`.portfolio`) measures: it first asks for one solution within a share of the
  time, then searches.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.constraint_solver import routing_heuristic_parameters_pb2 as heuristic_pb2
from ortools.util import optional_boolean_pb2

ILS = "ITERATED_LOCAL_SEARCH"
#: First-solution strategy of each extra parallel search, in order.
PORTFOLIO_FIRST_SOLUTIONS = ("SAVINGS", "PARALLEL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC",
                             "LOCAL_CHEAPEST_INSERTION")
SAVINGS_NEIGHBORS_RATIO = 0.1
#: Operators switched off (see the module docstring).
OPERATORS_OFF = (
    "use_lin_kernighan",
    "use_exchange_subtrip",
    "use_relocate_subtrip",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_shortest_path_two_opt",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_exchange_pair",
    "use_relocate_pair",
    "use_light_relocate_pair",
)
#: Also off under ILS, whose ruin and recreate steps already move chains of visits:
#: trying every chain of visits to make inactive was the costliest part of its local
#: search. Single visits can still be left out (``use_make_inactive``), which is how a
#: visit that costs more than its drop penalty leaves the plan.
ILS_OPERATORS_OFF = (
    "use_make_chain_inactive",
    "use_relocate_expensive_chain",
)


@dataclass(frozen=True, slots=True)
class Strategy:
    """Everything one search process does differently from another."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = ILS
    #: SISR ruin: longest string removed from one route, and visits removed on average.
    ruin_max_string: int = 15
    ruin_avg_removed: int = 20
    #: Simulated-annealing temperatures of the ILS acceptance, at the start and at the
    #: end of the time, as fractions of the model's mean arc cost (see the module doc).
    temperature_start: float = 0.03
    temperature_end: float = 0.00003


def pick_strategies(first_solution: str, metaheuristic: str, workers: int, *,
                    seed: int = 0) -> tuple[Strategy, ...]:
    """The strategies of at most ``workers`` parallel searches; the first is the one asked for.

    The others start from the first-solution strategies of ``PORTFOLIO_FIRST_SOLUTIONS``
    other than ``first_solution``, read from position ``seed`` (modulo their number)
    onwards and wrapping around: seed 0 gives savings to the second search by default,
    seed 1 path cheapest arc, seed 2 local cheapest insertion, seed 3 savings again.
    There are as many strategies as distinct ones (4 or 5), even for more workers:
    a second copy of a deterministic search would find the same answer.
    """
    others = [c for c in PORTFOLIO_FIRST_SOLUTIONS if c != first_solution]
    turn = seed % len(others)
    others = others[turn:] + others[:turn]
    return (Strategy(first_solution, metaheuristic),
            *(Strategy(c, metaheuristic) for c in others[:max(0, workers - 1)]))


def search_parameters(
    strategy: Strategy,
    *,
    time_limit_s: float,
    solution_limit: int | None = None,
    log: bool = False,
    warm: bool = False,
    mean_arc_cost: float = 0.0,
):
    """OR-Tools search parameters for one run of ``strategy``.

    ``warm`` means the run starts from given routes; ILS cannot, so guided
    local search takes its place. ``mean_arc_cost`` (the model's, see
    :class:`~optimizer.solver.build.BuiltModel`) scales the ILS temperatures; with
    0, OR-Tools picks them.
    """
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, strategy.first_solution
    )
    # Savings over all pairs is quadratic in memory and slow beyond a few hundred
    # orders; the nearest 10% of the nodes keep its quality on the Solomon instances.
    search.savings_parameters.neighbors_ratio = SAVINGS_NEIGHBORS_RATIO
    meta = strategy.metaheuristic
    if meta == ILS and warm:
        meta = "GUIDED_LOCAL_SEARCH"
    if meta == ILS:
        search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.AUTOMATIC
        search.use_iterated_local_search = True
        _iterated_local_search(search.iterated_local_search_parameters, strategy, mean_arc_cost)
        for name in ILS_OPERATORS_OFF:
            setattr(search.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
    else:
        search.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, meta
        )
    operators = search.local_search_operators
    for name in OPERATORS_OFF:
        setattr(operators, name, optional_boolean_pb2.BOOL_FALSE)
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        search.solution_limit = solution_limit
    search.log_search = log
    return search


def _iterated_local_search(ils, strategy: Strategy, mean_arc_cost: float) -> None:
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    sisr = rr.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = strategy.ruin_max_string
    sisr.avg_num_removed_visits = strategy.ruin_avg_removed
    sisr.bypass_factor = 0.01
    recreate = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    rr.recreate_strategy.heuristic = recreate
    lci = rr.recreate_strategy.parameters.local_cheapest_insertion
    del lci.insertion_sorting_properties[:]
    lci.insertion_sorting_properties.append(
        heuristic_pb2.LocalCheapestInsertionParameters.SORTING_PROPERTY_RANDOM
    )
    ils.improve_perturbed_solution = True
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    sa.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
    if mean_arc_cost > 0:
        sa.automatic_temperatures = False
        sa.initial_temperature = strategy.temperature_start * mean_arc_cost
        sa.final_temperature = strategy.temperature_end * mean_arc_cost
    else:
        sa.automatic_temperatures = True
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()


def run(routing: pywrapcp.RoutingModel, search, initial=None):
    """Solve with ``search``; from the ``initial`` assignment if one is given."""
    if initial is not None:
        return routing.SolveFromAssignmentWithParameters(initial, search)
    if search.use_iterated_local_search:
        return routing.SolveWithIteratedLocalSearch(search)
    return routing.SolveWithParameters(search)
