"""What the API returns: a solved plan, a comparison of what-ifs, a re-plan.

Plain frozen records made by :mod:`optimizer.api` and written by
:mod:`optimizer.outputs`. Importing this module loads no solver, pandas or map library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optimizer.geo.geocode import GeocodeResult
    from optimizer.io.load import LoadedScenario
    from optimizer.io.schedule_json import ReplanRecord
    from optimizer.model import Problem, Schedule, TravelMatrix
    from optimizer.replanning import ChangeList, Prepared
    from optimizer.report.changes import OrderChange


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A solved scenario with everything that produced it.

    ``geocoding`` is the geocoding report, ``None`` when every order and home
    already had coordinates. ``problem`` is the problem solved: with a previous plan,
    its orders carry the previous technician and start as promises.
    """

    scenario: LoadedScenario
    problem: Problem
    matrix: TravelMatrix
    schedule: Schedule
    geocoding: GeocodeResult | None = None
    #: With a previous plan (``--previous``): every order's fate against it.
    changes: tuple[OrderChange, ...] | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A base and its what-ifs, solved: KPI rows (base first) and per-what-if order changes.

    ``changes[k]`` lists the orders that moved between the base and what-if ``k + 1``.
    """

    results: tuple[PlanResult, ...]
    rows: tuple[dict[str, float], ...]
    changes: tuple[tuple[OrderChange, ...], ...]

    @property
    def names(self) -> list[str]:
        """The scenarios' names, base first; a name two scenarios share gets its folder
        (a copied scenario showed as a second "liechtenstein")."""
        names = [r.problem.name for r in self.results]
        return [f"{n} ({r.scenario.folder.name})" if names.count(n) > 1 else n
                for n, r in zip(names, self.results, strict=True)]


@dataclass(frozen=True, slots=True)
class ReplanResult:
    """A re-plan: the rest of the day as a problem, its schedule, and what changed.

    ``record`` is what :func:`optimizer.outputs.write_replan` stores in
    ``schedule.json`` so that ``fsopt verify`` (and a later re-plan) can rebuild
    the re-planned problem.
    """

    scenario: LoadedScenario
    prepared: Prepared
    matrix: TravelMatrix
    schedule: Schedule
    changes: ChangeList
    published: Schedule
    record: ReplanRecord | None = None
