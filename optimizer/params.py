"""Search settings: how long and how the solver looks for a schedule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

FIRST_SOLUTION_STRATEGIES = (
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "PATH_CHEAPEST_ARC",
    "SAVINGS",
    "AUTOMATIC",
)
#: Below this many routable orders one search is enough: no helper processes.
PARALLEL_MIN_ORDERS = 20
#: ``SolveParams.decompose``: split a large day into regions solved as small problems
#: (:mod:`optimizer.solver.decompose`); "auto" decides by size.
DECOMPOSE_MODES = ("auto", "on", "off")
METAHEURISTICS = ("ITERATED_LOCAL_SEARCH", "GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING",
                  "TABU_SEARCH", "GREEDY_DESCENT")


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How to search.

    ``time_limit_s`` bounds the wall-clock time. ``solution_limit`` stops after that
    many solutions: with it, runs are repeatable whatever the machine's speed.

    ``metaheuristic`` defaults to OR-Tools' iterated local search (ruin and
    recreate with simulated-annealing acceptance; see :mod:`optimizer.solver.search`).
    ``workers`` is the number of searches run side by side, one per process,
    each with a different first-solution strategy; the best answer wins (ties go
    to the first). There are 4 or 5 distinct strategies, so more workers than
    that are not started. Problems with fewer than ``PARALLEL_MIN_ORDERS``
    orders use one search; processes that may not start children (pool workers)
    run the strategies one after the other under a solution limit, one search
    otherwise.

    ``seed`` chooses the first-solution strategies of the searches after the first
    (:func:`optimizer.solver.search.pick_strategies`): it rotates the list savings,
    path cheapest arc, local cheapest insertion (parallel cheapest insertion too if
    ``first_solution`` is another), so that with two workers seeds 0, 1 and 2 give
    the second search a different start, and seed 3 is seed 0 again. OR-Tools 9.15
    has no random seed for its routing search (its iterated local search draws from
    a fixed one), so the seed changes nothing with one search (``workers=1`` or a
    small problem). It is recorded in the schedule's meta; the same seed and
    solution limit give the same plan, and seed 0 is the default portfolio.
    """

    time_limit_s: float = 30.0
    seed: int = 0
    solution_limit: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "ITERATED_LOCAL_SEARCH"
    log_search: bool = False
    workers: int = 2
    #: "auto" (decompose a day of ``optimizer.solver.decompose.AUTO_MIN_ORDERS`` orders
    #: or more, under a limit of ``AUTO_MIN_TIME_S`` or more), "on" or "off"; see
    #: :mod:`optimizer.solver.decompose`.
    decompose: str = "auto"

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s={self.time_limit_s!r}: must be > 0")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValueError(f"solution_limit={self.solution_limit!r}: must be >= 1")
        if self.workers < 1:
            raise ValueError(f"workers={self.workers!r}: must be >= 1")
        if self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise ValueError(f"first_solution={self.first_solution!r}: use one of "
                             f"{', '.join(FIRST_SOLUTION_STRATEGIES)}")
        if self.decompose not in DECOMPOSE_MODES:
            raise ValueError(f"decompose={self.decompose!r}: use one of "
                             f"{', '.join(DECOMPOSE_MODES)}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"metaheuristic={self.metaheuristic!r}: use one of "
                             f"{', '.join(METAHEURISTICS)}")

    def with_overrides(self, **overrides: Any) -> SolveParams:
        """A copy with the given fields changed; ``None`` values are ignored.

        So an unset option keeps the scenario's value:
        ``params.with_overrides(time_limit_s=None, seed=3)`` changes only the seed.
        An unknown field is a ``TypeError``; a bad value a ``ValueError``.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given) if given else self
