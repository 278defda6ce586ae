"""The Python API: the one place that wires load -> geo -> solve -> report -> files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from optimizer.geo.matrix import build_matrix
from optimizer.io.load import LoadedScenario, load_scenario
from optimizer.io.schedule_json import read_json
from optimizer.io.write import write_outputs
from optimizer.model import Location, Problem, Schedule, TravelMatrix
from optimizer.report.compare import OrderChange, kpi_row, order_changes
from optimizer.report.html import compare_report, sweep_report
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


def travel_matrix(problem: Problem, *, base_dir: Path | None = None,
                  also: Sequence[Problem] = ()) -> TravelMatrix:
    """The travel matrix over every order location and shift start and end.

    ``also`` adds the points of more problems (the runs of a sweep share one matrix).
    """
    points, labels = _points(problem)
    for other in also:
        more, more_labels = _points(other)
        points += more
        labels += more_labels
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


@dataclass(frozen=True, slots=True)
class Comparison:
    """A base and its what-ifs, solved: KPI rows (base first) and per-what-if order changes."""

    results: tuple[PlanResult, ...]
    rows: tuple[dict[str, float], ...]
    changes: tuple[tuple[OrderChange, ...], ...]

    @property
    def names(self) -> list[str]:
        return [r.problem.name for r in self.results]


def compare(
    base: str | Path,
    whatifs: Sequence[str | Path],
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    on_solved: Callable[[PlanResult], None] | None = None,
) -> Comparison:
    """Solve a base scenario and its what-ifs with the same search settings and compare them."""
    results = []
    for scenario in (base, *whatifs):
        result = solve_scenario(scenario, time_limit_s=time_limit_s, seed=seed,
                                solution_limit=solution_limit)
        results.append(result)
        if on_solved:
            on_solved(result)
    rows = tuple(kpi_row(r.schedule.kpis) for r in results)
    changes = tuple(tuple(order_changes(results[0].schedule, r.schedule)) for r in results[1:])
    return Comparison(tuple(results), rows, changes)


def write_comparison(comparison: Comparison, out_dir: Path) -> Path:
    """Write ``compare.html`` (table, charts, moved orders) and ``compare.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = compare_report(comparison.names, [r.schedule for r in comparison.results],
                          comparison.rows, comparison.changes)
    path = out_dir / "compare.html"
    path.write_text(page, encoding="utf-8")
    frame = pd.DataFrame(comparison.rows, index=comparison.names)
    frame.index.name = "scenario"
    frame.to_csv(out_dir / "compare.csv")
    return path


def sweep(
    base: str | Path,
    axes: dict[str, Sequence[float]],
    *,
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    on_row: Callable[[dict, int, int], None] | None = None,
) -> list[dict]:
    """Run every combination of ``axes`` on the base scenario on a Dask cluster.

    Returns one tidy row per run (axis values, status, KPIs), in grid order.
    """
    from optimizer.sweep import expand, run_sweep

    loaded = load_scenario(base)
    params = loaded.params
    overrides = {k: v for k, v in (("time_limit_s", time_limit_s),
                                   ("solution_limit", solution_limit)) if v is not None}
    params = replace(params, **overrides) if overrides else params
    runs = expand(loaded.problem, axes)
    matrix = travel_matrix(loaded.problem, base_dir=loaded.folder,
                           also=[r.problem for r in runs if r.problem is not None])
    return run_sweep(runs, matrix, params, scheduler=scheduler, n_workers=n_workers,
                     on_row=on_row)


def write_sweep(rows: list[dict], parameters: Sequence[str], out_dir: Path, *,
                fmt: str = "csv") -> dict[str, Path]:
    """Write the tidy table (``sweep.csv`` or ``sweep.parquet``) and ``sweep.html``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    table = out_dir / f"sweep.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(table, index=False)
    else:
        frame.to_csv(table, index=False)
    report = out_dir / "sweep.html"
    report.write_text(sweep_report(rows, list(parameters)), encoding="utf-8")
    return {"table": table, "report": report}


def verify_file(schedule_path: str | Path, scenario: str | Path | None = None) -> list[str]:
    """Check a written schedule against its scenario; returns the violations found.

    The scenario defaults to the folder recorded in the schedule's meta.
    """
    schedule = read_json(Path(schedule_path))
    loaded = load_scenario(scenario or schedule.meta.scenario)
    matrix = travel_matrix(loaded.problem, base_dir=loaded.folder)
    return verify(loaded.problem, matrix, schedule)


__all__ = ["Comparison", "PlanResult", "SolveParams", "compare", "plan", "solve_scenario",
           "sweep", "travel_matrix", "verify_file", "write", "write_comparison", "write_sweep"]
