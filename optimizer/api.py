"""The Python API: the one place that wires load -> geo -> solve -> report -> files."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from optimizer import settings
from optimizer.errors import InputError
from optimizer.geo.geocode import GeocodeResult, geocode_homes, geocode_orders
from optimizer.geo.geocode_report import write_geocode_report, write_geocoded_work_orders
from optimizer.geo.legs import add_leg_geometry
from optimizer.geo.matrix import build_matrix
from optimizer.geo.providers import AddressResolver
from optimizer.io.config import safe_folder_name
from optimizer.io.events import read_events
from optimizer.io.load import LoadedScenario, load_scenario
from optimizer.io.schedule_json import ReplanRecord, read_document, write_json
from optimizer.io.schemas import parse_clock, parse_datetime
from optimizer.io.tables import find_table
from optimizer.maps import render_maps
from optimizer.model import Location, Problem, Schedule, TravelMatrix
from optimizer.outputs import safe_frame, write_outputs
from optimizer.params import SolveParams
from optimizer.replanning import ChangeList, Event, Prepared, change_list, pin_times, prepare
from optimizer.report.changes import OrderChange, order_changes
from optimizer.report.compare import kpi_row
from optimizer.report.html import compare_report, sweep_report
from optimizer.report.kpis import with_kpis
from optimizer.solver import ProgressCallback, solve
from optimizer.solver.verify import verify


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A solved scenario with everything that produced it."""

    scenario: LoadedScenario
    problem: Problem
    matrix: TravelMatrix
    schedule: Schedule
    geocoding: GeocodeResult | None = None


def geocode(
    loaded: LoadedScenario,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Problem, GeocodeResult | None]:
    """Locate every order and technician home given only by address (cached).

    Returns the problem with locations filled in (an order that failed gets
    ``location_issue``; a home that failed raises :class:`InputError`), and the
    geocoding report; ``None`` when nothing needed geocoding.
    """
    problem = loaded.problem
    orders_todo = any(o.location is None and o.address for o in problem.orders)
    homes_todo = any(not t.home.located for t in problem.technicians)
    if not (orders_todo or homes_todo):
        return problem, None
    settings = problem.geocode
    with AddressResolver(settings, base_dir=loaded.folder,
                         max_retries=settings.max_retries) as resolver:
        orders, report = problem.orders, ()
        if orders_todo:
            result = geocode_orders(problem.orders, settings, base_dir=loaded.folder,
                                    progress=progress, resolver=resolver)
            orders, report = result.orders, result.report
        techs, shifts, homes = problem.technicians, problem.shifts, ()
        if homes_todo:
            folder = loaded.base or loaded.folder
            table = find_table(folder, "technicians", required=False) if folder.is_dir() else None
            techs, shifts, homes = geocode_homes(techs, shifts, resolver,
                                                 source=str(table or "technicians"))
        result = GeocodeResult(orders, (*report, *homes), resolver.provider,
                               resolver.requests, resolver.cache_hits)
    return replace(problem, orders=orders, technicians=techs, shifts=shifts), result


def _points(problem: Problem) -> tuple[list[Location], list[str]]:
    points, labels = [], []
    for order in problem.orders:
        if order.location is not None:
            points.append(order.location)
            labels.append(f"order {order.order_id}")
    unlocated = []
    for shift in problem.shifts:
        points += [shift.start_location, shift.end_location]
        labels += [f"shift {shift.shift_id} start", f"shift {shift.shift_id} end"]
        unlocated += [f"shift {shift.shift_id} {end} {place.address!r} is not geocoded yet "
                      "(run geocode() first)"
                      for end, place in (("start", shift.start_location),
                                         ("end", shift.end_location)) if not place.located]
    if unlocated:
        raise InputError(unlocated)
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
    on_geocode: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> PlanResult:
    """Load, geocode, build the matrix, solve and add KPIs.

    Keyword options override scenario.toml's ``[solver]``. ``on_stage`` is told
    when a long step begins: ``"building the travel matrix"`` (roads on a cold
    cache), then ``"solving"``.
    """
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    params = loaded.params
    overrides = {k: v for k, v in (("time_limit_s", time_limit_s), ("seed", seed),
                                   ("solution_limit", solution_limit)) if v is not None}
    params = replace(params, **overrides) if overrides else params
    problem, geocoding = geocode(loaded, progress=on_geocode)
    if on_stage:
        on_stage("building the travel matrix")
    matrix = travel_matrix(problem, base_dir=loaded.folder)
    if on_stage:
        on_stage("solving")
    schedule = solve(problem, matrix, params, on_solution=on_solution)
    schedule = replace(schedule, meta=replace(schedule.meta, scenario=str(loaded.folder)))
    schedule = add_leg_geometry(with_kpis(problem, schedule), problem, base_dir=loaded.folder)
    return PlanResult(loaded, problem, matrix, schedule, geocoding)


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


def write(result: PlanResult, out_dir: Path | None = None, *,
          maps: bool = True) -> dict[str, Path]:
    """Write the schedule's JSON and CSV files and its maps (default
    ``<settings.output_dir>/<scenario>``, the scenario name made a safe folder name by
    :func:`~optimizer.io.config.safe_folder_name`).

    The maps are ``overview.html`` for the dispatcher, ``tech-<id>.html`` per
    technician and ``index.html``; ``[maps]`` in scenario.toml picks the tiles.
    """
    out_dir = out_dir or settings.output_dir / safe_folder_name(result.problem.name)
    paths = write_outputs(result.problem, result.schedule, out_dir)
    if maps:
        pages = render_maps(result.problem, result.schedule, out_dir,
                            **result.scenario.maps)
        paths["maps"] = next(p for p in pages if p.name == "index.html")
    return paths


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
    changes = tuple(tuple(c for c in order_changes(results[0].schedule, r.schedule) if c.changed)
                    for r in results[1:])
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
    safe_frame(frame).to_csv(out_dir / "compare.csv")
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
    from optimizer.sweeps import expand, run_sweep

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
        safe_frame(frame).to_csv(table, index=False)
    report = out_dir / "sweep.html"
    report.write_text(sweep_report(rows, list(parameters)), encoding="utf-8")
    return {"table": table, "report": report}


#: Default search time of a re-plan (the scenario's own limit applies if lower).
REPLAN_TIME_LIMIT_S = 6.0


@dataclass(frozen=True, slots=True)
class ReplanResult:
    """A re-plan: the rest of the day as a problem, its schedule, and what changed.

    ``record`` is what :func:`write_replan` stores in ``schedule.json`` so that
    ``fsopt verify`` (and a later re-plan) can rebuild the re-planned problem.
    """

    scenario: LoadedScenario
    prepared: Prepared
    matrix: TravelMatrix
    schedule: Schedule
    changes: ChangeList
    published: Schedule
    record: ReplanRecord | None = None


def _planned_for(published: Schedule, record: ReplanRecord | None,
                 scenario: str | Path | None) -> tuple[LoadedScenario, Problem, dict[str, str]]:
    """The scenario, the problem ``published`` was planned for (without pins and
    promises) and the orders settled before it: the scenario's own problem for a
    plan made by a solve, else rebuilt from its re-plan record."""
    if record is None:
        loaded = load_scenario(scenario or published.meta.scenario)
        problem, _ = geocode(loaded)
        return loaded, problem, {}
    loaded, _base, prepared, _matrix = _rebuild(record, scenario)
    return loaded, prepared.remaining, dict(prepared.settled)


def _rebuild(record: ReplanRecord, scenario: str | Path | None
             ) -> tuple[LoadedScenario, Problem, Prepared, TravelMatrix]:
    """The re-planned problem a record describes, with its base problem and matrix."""
    loaded, base, settled = _planned_for(record.published, record.before, scenario)
    prepared = prepare(base, record.published, record.events, record.now,
                       freeze_min=record.freeze_min, settled=settled)
    matrix = travel_matrix(prepared.problem, base_dir=loaded.folder)
    return loaded, base, pin_times(prepared, matrix), matrix


def replan(
    schedule: str | Path | Schedule | ReplanResult,
    events: str | Path | Sequence[Event],
    now: datetime | str,
    *,
    scenario: str | Path | None = None,
    freeze_min: float = 0.0,
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
    on_solution: ProgressCallback | None = None,
) -> ReplanResult:
    """Re-plan the rest of the day from a published schedule and events.

    ``schedule`` is a ``schedule.json`` (of a solve or of an earlier re-plan), a
    :class:`Schedule` made by a solve, or an earlier :class:`ReplanResult`. ``now``
    is a datetime or ``"HH:MM"`` on the plan date. ``events`` is a CSV or JSON
    file (see :mod:`optimizer.io.events`) or a list of
    :class:`~optimizer.replanning.Event`. The scenario defaults to the one recorded
    in the schedule. The search starts from the published routes.
    """
    if isinstance(schedule, ReplanResult):
        published, before = schedule.schedule, schedule.record
    elif isinstance(schedule, Schedule):
        published, before = schedule, None
    else:
        published, before = read_document(Path(schedule))
    loaded, problem, settled = _planned_for(published, before, scenario)
    tz = ZoneInfo(problem.timezone)
    if isinstance(now, str):
        moment = parse_clock(now, problem.plan_date, tz) or parse_datetime(now, tz)
        if moment is None:
            raise InputError(f"--now {now!r}: not a time (HH:MM or YYYY-MM-DD HH:MM)")
        now = moment
    now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
    if not isinstance(events, Sequence) or isinstance(events, str):
        events = read_events(Path(events), problem.plan_date, problem.timezone)
    prepared = prepare(problem, published, list(events), now, freeze_min=freeze_min,
                       settled=settled)
    # a dispatcher needs the new plan within seconds: at most REPLAN_TIME_LIMIT_S by default
    params = replace(loaded.params, time_limit_s=time_limit_s or min(
        loaded.params.time_limit_s, REPLAN_TIME_LIMIT_S))
    if solution_limit is not None:
        params = replace(params, solution_limit=solution_limit)
    matrix = travel_matrix(prepared.problem, base_dir=loaded.folder)
    prepared = pin_times(prepared, matrix)
    new = solve(prepared.problem, matrix, params, on_solution=on_solution,
                initial_routes=prepared.initial_routes)
    new = with_kpis(prepared.problem, replace(new, meta=replace(new.meta,
                                                                scenario=str(loaded.folder))))
    new = add_leg_geometry(new, prepared.problem, base_dir=loaded.folder)
    changes = change_list(published, prepared, new,
                          tolerance_min=prepared.problem.weights.retime_tolerance_min)
    record = ReplanRecord(now=now, freeze_min=freeze_min, events=tuple(events),
                          published=published, before=before, frozen=dict(prepared.frozen),
                          cancelled=tuple(sorted(prepared.cancelled)))
    return ReplanResult(loaded, prepared, matrix, new, changes, published, record)


def write_replan(result: ReplanResult, out_dir: Path) -> dict[str, Path]:
    """Write the new schedule (JSON, CSVs, maps) and ``changes.csv`` into ``out_dir``.

    Written into the published plan's folder, the previous ``schedule.json`` is
    kept as ``schedule-before-HHMM.json`` and only the pages of technicians whose
    route changed are rewritten (their links stay the same); the index says what
    changed. ``schedule.json`` gets a ``replan`` section (docs/schedule-format.md),
    so that ``fsopt verify`` checks it with no other input. The warnings of the
    change list are rows of ``changes.csv`` with status ``warning``.
    """
    stamp = f"{result.prepared.now:%H%M}"
    previous = out_dir / "schedule.json"
    if previous.exists():
        shutil.copy2(previous, out_dir / f"schedule-before-{stamp}.json")
    paths = write_outputs(result.prepared.problem, result.schedule, out_dir)
    paths["json"] = write_json(result.schedule, paths["json"], replan=result.record)
    notes = {t: f"changed at {result.prepared.now:%H:%M}" for t in result.changes.changed_techs}
    pages = render_maps(result.prepared.problem, result.schedule, out_dir,
                        changed=notes, **result.scenario.maps)
    paths["maps"] = next(p for p in pages if p.name == "index.html")
    rows = [{
        "order_id": c.order_id, "status": c.status, "old_tech": c.old_tech or "",
        "new_tech": c.new_tech or "",
        "old_start": f"{c.old_start:%H:%M}" if c.old_start else "",
        "new_start": f"{c.new_start:%H:%M}" if c.new_start else "", "reason": c.reason,
    } for c in result.changes.orders]
    rows += [{"order_id": "", "status": "warning", "old_tech": "", "new_tech": "",
              "old_start": "", "new_start": "", "reason": w} for w in result.changes.warnings]
    frame = pd.DataFrame(rows, columns=["order_id", "status", "old_tech", "new_tech",
                                        "old_start", "new_start", "reason"])
    paths["changes"] = out_dir / "changes.csv"
    safe_frame(frame).to_csv(paths["changes"], index=False)
    return paths


def write_geocoding(loaded: LoadedScenario, result: GeocodeResult,
                    out_dir: Path) -> dict[str, Path]:
    """Write ``geocoded_work_orders.csv`` (reviewable, usable as input) and the report."""
    source = find_table(loaded.folder, "work_orders", required=True)
    return {
        "geocoded": write_geocoded_work_orders(out_dir / "geocoded_work_orders.csv", result,
                                               source=source),
        "report": write_geocode_report(out_dir / "geocode_report.csv", result),
    }


def verify_file(schedule_path: str | Path, scenario: str | Path | None = None) -> list[str]:
    """Check a written schedule against its scenario; returns the violations found.

    The scenario defaults to the folder recorded in the schedule's meta. A
    re-planned schedule is checked against the problem rebuilt from its
    ``replan`` section (events, ``now``, freeze horizon, and the published
    schedule it started from, itself checked the same way); every order of that
    problem must then be exactly once on a route, unassigned, completed or in
    progress, or cancelled.
    """
    schedule, record = read_document(Path(schedule_path))
    return _verify_schedule(schedule, record, scenario)


def _verify_schedule(schedule: Schedule, record: ReplanRecord | None,
                     scenario: str | Path | None) -> list[str]:
    if record is None:
        loaded = load_scenario(scenario or schedule.meta.scenario)
        problem, _ = geocode(loaded)
        matrix = travel_matrix(problem, base_dir=loaded.folder)
        return verify(problem, matrix, schedule)
    at = f"the published plan re-planned at {record.now:%H:%M}"
    issues = [f"{at}: {issue}" for issue in
              _verify_schedule(record.published, record.before, scenario)]
    _loaded, base, prepared, matrix = _rebuild(record, scenario)
    issues += verify(prepared.problem, matrix, schedule)
    issues += _accounting(base, prepared, schedule, record)
    return issues


def _accounting(base: Problem, prepared: Prepared, schedule: Schedule,
                record: ReplanRecord) -> list[str]:
    """Every order of the published day once: routed, unassigned, frozen or cancelled,
    and the frozen and cancelled orders recorded are those the events give."""
    issues = []
    for order_id in sorted(set(record.frozen) | set(prepared.frozen)):
        said, found = record.frozen.get(order_id), prepared.frozen.get(order_id)
        if said != found:
            issues.append(f"order {order_id}: recorded as {said or 'open'}, but the events and "
                          f"the published plan make it {found or 'open'}")
    for order_id in sorted(set(record.cancelled) ^ set(prepared.cancelled)):
        where = ("only in the file" if order_id in record.cancelled
                 else "by the events but not recorded")
        issues.append(f"order {order_id}: cancelled {where}")
    seen: dict[str, int] = {}
    places = [*(s.order_id for r in schedule.routes for s in r.stops),
              *(u.order_id for u in schedule.unassigned), *record.frozen, *record.cancelled]
    for order_id in places:
        seen[order_id] = seen.get(order_id, 0) + 1
    new = [e.order.order_id for e in record.events if e.kind == "new_order" and e.order]
    for order_id in [*(o.order_id for o in base.orders), *new]:
        if seen.get(order_id, 0) != 1:
            issues.append(f"order {order_id}: appears {seen.get(order_id, 0)} times on a route, "
                          "unassigned, completed, in progress or cancelled (must be 1)")
    return issues


__all__ = [
    "Comparison",
    "PlanResult",
    "ReplanResult",
    "SolveParams",
    "compare",
    "geocode",
    "plan",
    "replan",
    "solve_scenario",
    "sweep",
    "travel_matrix",
    "verify_file",
    "write",
    "write_comparison",
    "write_geocoding",
    "write_replan",
    "write_sweep",
]
