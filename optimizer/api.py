"""The Python API: the one place that wires load -> geo -> solve -> report -> files."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from optimizer.geo.matrix import build_matrix
from optimizer.io.load import LoadedScenario, load_scenario
from optimizer.io.schedule_json import read_json
from optimizer.io.write import write_outputs
from optimizer.model import Location, Problem, Schedule, TravelMatrix
from optimizer.report.kpis import with_kpis
from optimizer.solve import ProgressCallback, solve
from optimizer.solve.params import SolveParams
from optimizer.solve.verify import verify


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A solved scenario with everything that produced it."""

    scenario: LoadedScenario
    problem: Problem
    matrix: TravelMatrix
    schedule: Schedule


def _points(problem: Problem) -> tuple[list[Location], list[str]]:
    points, labels = [], []
    for order in problem.orders:
        if order.location is not None:
            points.append(order.location)
            labels.append(f"order {order.order_id}")
    for shift in problem.shifts:
        points += [shift.start_location, shift.end_location]
        labels += [f"shift {shift.shift_id} start", f"shift {shift.shift_id} end"]
    return points, labels


def travel_matrix(problem: Problem, *, base_dir: Path | None = None) -> TravelMatrix:
    """The travel matrix over every order location and shift start and end."""
    points, labels = _points(problem)
    return build_matrix(points, problem.travel, base_dir=base_dir, labels=labels)


def solve_scenario(
    scenario: str | Path | LoadedScenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    on_solution: ProgressCallback | None = None,
) -> PlanResult:
    """Load, build the matrix, solve and add KPIs; keyword options override scenario.toml."""
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    params = loaded.params
    overrides = {k: v for k, v in (("time_limit_s", time_limit_s), ("seed", seed),
                                   ("solution_limit", solution_limit)) if v is not None}
    params = replace(params, **overrides) if overrides else params
    problem = loaded.problem
    matrix = travel_matrix(problem, base_dir=loaded.folder)
    schedule = solve(problem, matrix, params, on_solution=on_solution)
    schedule = replace(schedule, meta=replace(schedule.meta, scenario=str(loaded.folder)))
    return PlanResult(loaded, problem, matrix, with_kpis(problem, schedule))


def plan(
    scenario: str | Path | LoadedScenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
) -> Schedule:
    """Plan the day for a scenario folder and return the :class:`Schedule`.

    Examples
    --------
    >>> schedule = plan("scenarios/liechtenstein", time_limit_s=10)  # doctest: +SKIP
    >>> len(schedule.unassigned)  # doctest: +SKIP
    3
    """
    return solve_scenario(scenario, time_limit_s=time_limit_s, seed=seed,
                          solution_limit=solution_limit).schedule


def write(result: PlanResult, out_dir: Path | None = None) -> dict[str, Path]:
    """Write the schedule's JSON and CSV files (default ``maps_output/<scenario>``)."""
    out_dir = out_dir or Path("maps_output") / result.problem.name
    return write_outputs(result.problem, result.schedule, out_dir)


def verify_file(schedule_path: str | Path, scenario: str | Path | None = None) -> list[str]:
    """Check a written schedule against its scenario; returns the violations found.

    The scenario defaults to the folder recorded in the schedule's meta.
    """
    schedule = read_json(Path(schedule_path))
    loaded = load_scenario(scenario or schedule.meta.scenario)
    matrix = travel_matrix(loaded.problem, base_dir=loaded.folder)
    return verify(loaded.problem, matrix, schedule)


__all__ = ["PlanResult", "SolveParams", "plan", "solve_scenario", "travel_matrix",
           "verify_file", "write"]
