"""The Python API: the one place that wires load -> geocode -> matrix -> solve -> KPIs.

Each function returns a record of :mod:`optimizer.results`; :mod:`optimizer.outputs`
writes them as files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.geo.geocode import GeocodeResult, geocode_problem
from optimizer.geo.legs import add_leg_geometry
from optimizer.geo.matrix import build_matrix, check_roads, problem_points
from optimizer.geo.territories import with_territories
from optimizer.io.events import parse_moment, read_events
from optimizer.io.load import LoadedScenario, load_scenario
from optimizer.io.records import read_request
from optimizer.io.schedule_json import ReplanRecord, read_document
from optimizer.io.tables import find_table
from optimizer.model import Problem, Schedule, TravelMatrix, WorkOrder
from optimizer.replanning import (
    Event,
    Prepared,
    change_list,
    explain_no_shift,
    pin_times,
    prepare,
)
from optimizer.report.changes import order_changes
from optimizer.report.claims import kpi_issues, reason_issues, record_issues
from optimizer.report.compare import kpi_row
from optimizer.report.kpis import with_kpis
from optimizer.results import Comparison, PlanResult, ReplanResult
from optimizer.slots import Offer, Offers
from optimizer.slots import book as slots_book
from optimizer.slots import offer as slots_offer
from optimizer.solver import ProgressCallback, solve
from optimizer.solver.decompose import on_dask
from optimizer.solver.precheck import check
from optimizer.solver.verify import verify, verify_day
from optimizer.stability import changes_from, promise_previous

#: Default search time of a re-plan (the scenario's own limit applies if lower).
REPLAN_TIME_LIMIT_S = 6.0
#: ... and this much more per open order, so that a large day gets a search (and a
#: diagnosis of what it leaves out) worth having: 6 s for 120 open orders, 28 s for 560.
#: On a day of 560 orders the 6 s search left 137 of 251 orders without a real reason
#: ("no time was left to check it") and dropped promised appointments.
REPLAN_S_PER_ORDER = 0.05


def geocode(
    loaded: LoadedScenario,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Problem, GeocodeResult | None]:
    """Locate every order and technician home given only by address (cached).

    Returns the problem with locations filled in (an order that failed gets
    ``location_issue``; a home that failed raises :class:`InputError`), and the
    geocoding report; ``None`` when nothing needed geocoding. Each order also gets
    its postcode from its address (if none was given) and the territory polygons
    it lies in (:func:`~optimizer.geo.territories.with_territories`).
    """
    folder = loaded.base or loaded.folder
    table = find_table(folder, "technicians", required=False) if folder.is_dir() else None
    problem, report = geocode_problem(loaded.problem, base_dir=loaded.folder,
                                      homes_source=str(table or "technicians"),
                                      progress=progress)
    return with_territories(problem, loaded.territories), report


def check_places(
    loaded: LoadedScenario,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> GeocodeResult | None:
    """Refuse what :func:`solve_scenario` would refuse after loading, without solving.

    Geocodes as :func:`geocode` does (cached: the solve that follows asks nothing twice),
    so a technician home whose address is not found is an :class:`InputError`; on road
    sources, every order and shift place must lie within ``[travel] max_snap_m`` of a
    road (all listed, as the travel matrix would). Returns the geocoding report (None
    when nothing needed geocoding). ``fsopt check`` runs it after loading.
    """
    problem, report = geocode(loaded, progress=progress)
    points, labels = problem_points(problem)
    check_roads(points, problem.travel, base_dir=loaded.folder, labels=labels)
    return report


def travel_matrix(problem: Problem, *, base_dir: Path | None = None,
                  also: Sequence[Problem] = ()) -> TravelMatrix:
    """The travel matrix over every order location and shift start and end.

    ``also`` adds the points of more problems (the runs of a sweep share one matrix).
    """
    points, labels = problem_points(problem, *also)
    return build_matrix(points, problem.travel, base_dir=base_dir, labels=labels)


def _finish(problem: Problem, schedule: Schedule, folder: Path) -> Schedule:
    """The solver's schedule made ready to publish: the scenario folder in its meta,
    its KPIs, and the road geometry of every leg (for the maps)."""
    schedule = replace(schedule, meta=replace(schedule.meta, scenario=str(folder)))
    return add_leg_geometry(with_kpis(problem, schedule), problem, base_dir=folder)


def solve_scenario(
    scenario: str | Path | LoadedScenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    on_solution: ProgressCallback | None = None,
    on_geocode: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    scheduler: str | None = None,
    previous: str | Path | Schedule | None = None,
) -> PlanResult:
    """Load, geocode, build the matrix, solve and add KPIs.

    Keyword options override scenario.toml's ``[solver]``. ``on_stage`` is told
    when a long step begins: ``"building the travel matrix"`` (roads on a cold
    cache), then ``"solving"``. ``scheduler`` (``tcp://host:8786``) runs the regions
    of a decomposed large day on that Dask cluster instead of local processes.
    ``previous`` (a schedule.json or a :class:`Schedule` of the same day) makes the
    plan start from it, and each change away from it cost what a re-plan charges
    (:mod:`optimizer.stability`); the result then holds the change list.
    """
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    params = loaded.params.with_overrides(time_limit_s=time_limit_s, seed=seed,
                                          solution_limit=solution_limit)
    problem, geocoding = geocode(loaded, progress=on_geocode)
    before, initial, source = None, None, ""
    if previous is not None:
        before, source = _previous_schedule(previous)
        problem, initial = promise_previous(problem, before, source=source or "previous")
    if on_stage:
        on_stage("building the travel matrix")
    matrix = travel_matrix(problem, base_dir=loaded.folder)
    if on_stage:
        on_stage("solving")
    with on_dask(scheduler):
        schedule = solve(problem, matrix, params, on_solution=on_solution,
                         initial_routes=initial)
    schedule = _finish(problem, schedule, loaded.folder)
    changes = None
    if before is not None:
        schedule = replace(schedule, meta=replace(schedule.meta, previous=source))
        changes = changes_from(before, schedule, problem)
    return PlanResult(loaded, problem, matrix, schedule, geocoding, changes)


def _previous_schedule(previous: str | Path | Schedule) -> tuple[Schedule, str]:
    """The previous plan and how to name it (its path, or "" for a Schedule object)."""
    if isinstance(previous, Schedule):
        return previous, ""
    path = Path(previous)
    if not path.is_file():
        raise InputError(f"--previous {str(path)!r}: no such file (give the schedule.json "
                         "of an earlier `fsopt solve`)")
    schedule, _record = read_document(path)
    return schedule, str(path)


def plan(
    scenario: str | Path | LoadedScenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    previous: str | Path | Schedule | None = None,
) -> Schedule:
    """Plan the day for a scenario folder and return the :class:`Schedule`.

    ``previous`` (a schedule.json or a :class:`Schedule` of the same day) keeps that plan
    as far as it stays good: see :func:`solve_scenario`. Without it, the same seed and
    ``solution_limit`` give the same plan; a time limit alone does not (it stops the
    search at a different point on each run).

    Examples
    --------
    >>> schedule = plan("scenarios/liechtenstein", time_limit_s=10)  # doctest: +SKIP
    >>> len(schedule.unassigned)  # doctest: +SKIP
    3
    """
    return solve_scenario(scenario, time_limit_s=time_limit_s, seed=seed,
                          solution_limit=solution_limit, previous=previous).schedule


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
    from optimizer.sweeps import expand, matrix_speed, run_sweep

    loaded = load_scenario(base)
    params = loaded.params.with_overrides(time_limit_s=time_limit_s,
                                          solution_limit=solution_limit)
    # located and in their territories as a solve has them (the runs' figures were those
    # of a day without territories, and an address-only scenario could not be swept)
    problem, _ = geocode(loaded)
    runs = expand(problem, axes)
    matrix = travel_matrix(problem, base_dir=loaded.folder,
                           also=[r.problem for r in runs if r.problem is not None])
    return run_sweep(runs, matrix, params, scheduler=scheduler, n_workers=n_workers,
                     on_row=on_row, speeds=matrix_speed(runs, problem))


def _planned_for(published: Schedule, record: ReplanRecord | None,
                 scenario: str | Path | None) -> tuple[LoadedScenario, Problem, dict[str, str]]:
    """The scenario, the problem ``published`` was planned for (without pins and
    promises) and the orders settled before it: the scenario's own problem for a
    plan made by a solve, else rebuilt from its re-plan record."""
    if record is None:
        loaded, problem = _solved_for(published, scenario)
        return loaded, problem, {}
    loaded, _base, prepared = _prepared(record, scenario)
    return loaded, prepared.remaining, dict(prepared.settled)


def _solved_for(published: Schedule, scenario: str | Path | None
                ) -> tuple[LoadedScenario, Problem]:
    """The scenario of a plan made by a solve and the problem it was planned for: the
    scenario's orders less the appointments booked after the plan was written (rows of
    bookings.csv that the plan neither routes nor lists unassigned; every plan made or
    booked into since then holds them, on a route or with a reason)."""
    loaded = load_scenario(scenario or published.meta.scenario)
    problem, _ = geocode(loaded)
    known = {s.order_id for r in published.routes for s in r.stops}
    later = loaded.booked - known - {u.order_id for u in published.unassigned}
    if later:
        problem = replace(problem, orders=tuple(o for o in problem.orders
                                                if o.order_id not in later))
    return loaded, problem


def _placed(prepared: Prepared, loaded: LoadedScenario) -> Prepared:
    """``prepared`` with the postcode and territory polygons of the orders that arrived
    with the events (the others have theirs from :func:`geocode`)."""
    remaining = prepared.remaining
    return replace(prepared, problem=with_territories(prepared.problem, loaded.territories),
                   remaining=None if remaining is None
                   else with_territories(remaining, loaded.territories))


def _prepared(record: ReplanRecord, scenario: str | Path | None
              ) -> tuple[LoadedScenario, Problem, Prepared]:
    """The re-planned problem a record describes, with its base problem, before its pins
    are timed (:func:`pin_times`, which needs a matrix; ``remaining`` and ``settled`` do
    not)."""
    loaded, base, settled = _planned_for(record.published, record.before, scenario)
    return loaded, base, _placed(prepare(base, record.published, record.events, record.now,
                                         freeze_min=record.freeze_min, settled=settled),
                                 loaded)


def _rebuild(record: ReplanRecord, scenario: str | Path | None
             ) -> tuple[LoadedScenario, Problem, Prepared, TravelMatrix]:
    """The re-planned problem a record describes, with its base problem and matrix."""
    loaded, base, prepared = _prepared(record, scenario)
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
    is a datetime or ``"HH:MM"`` (on the day of the re-plan ``schedule`` comes from, else
    on the plan date); in a plan of several days it may be on any of its days. ``events``
    is a CSV or JSON file (see :mod:`optimizer.io.events`; its ``HH:MM`` times are on the
    day of ``now``) or a list of
    :class:`~optimizer.replanning.Event`. The scenario defaults to the one recorded
    in the schedule. The search starts from the published routes and lasts at most
    :func:`replan_time_limit_s` of the open orders (6 s up to 120 orders; never more than
    the scenario's own limit) unless ``time_limit_s`` says otherwise.
    """
    if isinstance(schedule, ReplanResult):
        published, before = schedule.schedule, schedule.record
    elif isinstance(schedule, Schedule):
        published, before = schedule, None
    else:
        published, before = read_document(Path(schedule))
    loaded, problem, settled = _planned_for(published, before, scenario)
    # "HH:MM" is on the day of the re-plan this one continues, else on the plan date
    day = before.now.date() if before is not None else problem.plan_date
    now = parse_moment(now, day, ZoneInfo(problem.timezone))
    if before is not None and now < before.now:
        raise InputError(f"now={now:%Y-%m-%d %H:%M}: before the re-plan this schedule comes "
                         f"from ({before.now:%Y-%m-%d %H:%M}); a re-plan goes on from there "
                         "(give a later time, with its date for another day)")
    bad_rows: list[str] = []  # reported with what the good rows' check finds: all at once
    if not isinstance(events, Sequence) or isinstance(events, str):
        events = read_events(Path(events), now.date(), problem.timezone, problems=bad_rows)
    try:
        prepared = prepare(problem, published, list(events), now, freeze_min=freeze_min,
                           settled=settled)
    except InputError as exc:
        raise InputError([*bad_rows, *exc.problems]) from None
    if bad_rows:
        raise InputError(bad_rows)
    prepared = _placed(prepared, loaded)
    # a dispatcher needs the new plan within seconds, a large day within half a minute:
    # by default at most the scenario's own limit
    quick = min(loaded.params.time_limit_s, replan_time_limit_s(len(prepared.problem.orders)))
    params = loaded.params.with_overrides(time_limit_s=time_limit_s or quick,
                                          solution_limit=solution_limit)
    points, labels = problem_points(prepared.problem)
    matrix = build_matrix(points, prepared.problem.travel, base_dir=loaded.folder,
                          labels=_event_labels(prepared.problem, labels, events))
    prepared = pin_times(prepared, matrix)
    new = solve(prepared.problem, matrix, params, on_solution=on_solution,
                initial_routes=prepared.initial_routes)
    new = _finish(prepared.problem, explain_no_shift(problem, prepared, new), loaded.folder)
    changes = change_list(published, prepared, new,
                          tolerance_min=prepared.problem.weights.retime_tolerance_min)
    record = ReplanRecord(now=now, freeze_min=freeze_min, events=tuple(events),
                          published=published, before=before, frozen=dict(prepared.frozen),
                          cancelled=tuple(sorted(prepared.cancelled)))
    return ReplanResult(loaded, prepared, matrix, new, changes, published, record)


def replan_time_limit_s(open_orders: int) -> float:
    """The default search time of a re-plan of ``open_orders`` orders (before the cap of
    the scenario's own time limit): :data:`REPLAN_TIME_LIMIT_S`, or
    :data:`REPLAN_S_PER_ORDER` seconds per open order when that is longer."""
    return max(REPLAN_TIME_LIMIT_S, REPLAN_S_PER_ORDER * open_orders)


def _event_labels(problem: Problem, labels: list[str], events: Sequence[Event]) -> list[str]:
    """``labels`` of :func:`problem_points` with the events' rows named: a new order's
    place and a reported position are the events file's, so a place the roads cannot
    reach is reported against its row."""
    rows = {f"order {e.order_id}": f"{e.source}, new order {e.order_id}"
            for e in events if e.kind == "new_order" and e.source}
    positions = {e.tech_id: e.source for e in events if e.kind == "position" and e.source}
    for shift in problem.shifts:
        if shift.tech_id in positions and shift.start_location.address == "reported position":
            rows[f"shift {shift.shift_id} start"] = (f"{positions[shift.tech_id]}, position "
                                                     f"of {shift.tech_id}")
    return [rows.get(label, label) for label in labels]


def anonymise(scenario: str | Path, out_dir: str | Path, *,
              left_out: list[Path] | None = None) -> list[Path]:
    """Write a copy of ``scenario`` without personal data into ``out_dir`` (see
    :mod:`optimizer.io.anonymise`), check that it loads, and return the files written.

    The scenario is loaded first, so that its problems name its own files, not the copy's.
    Files that are not scenario data are not copied; they are added to ``left_out``.
    """
    from optimizer.io.anonymise import anonymise_scenario

    load_scenario(scenario)
    written = anonymise_scenario(scenario, out_dir, left_out=left_out)
    load_scenario(out_dir)
    return written
@dataclass(frozen=True, slots=True)
class SlotContext:
    """What slot offers are computed on: the published plan, its problem with the request
    among the orders, and a matrix that holds the request's point. For a re-planned plan,
    ``problem`` is the rest of the day as re-planned (each technician from where they were
    at the re-plan) and ``record`` its re-plan record."""

    loaded: LoadedScenario
    problem: Problem
    matrix: TravelMatrix
    schedule: Schedule
    request: WorkOrder
    path: Path | None = None
    record: ReplanRecord | None = None
    #: Why the request's address has no point, in full (the geocoding report's reason and
    #: its candidates), for the answer to a caller; empty when it has one.
    address_note: str = ""


def slot_context(plan_or_scenario: str | Path | PlanResult | ReplanResult,
                 request: WorkOrder | str | Path) -> SlotContext:
    """The plan (a :class:`PlanResult`, a :class:`ReplanResult`, a schedule.json of a
    solve or a re-plan, or a scenario folder, which is planned first) and the request (a
    :class:`WorkOrder` or a one-row CSV in the columns of work_orders.csv; an address is
    geocoded with the scenario's geocoder). On a re-planned plan the offers start after
    the re-plan's time."""
    path, record, unpinned = None, None, None
    if isinstance(plan_or_scenario, PlanResult):
        loaded, problem = plan_or_scenario.scenario, plan_or_scenario.problem
        schedule = plan_or_scenario.schedule
    elif isinstance(plan_or_scenario, ReplanResult):
        loaded, problem = plan_or_scenario.scenario, plan_or_scenario.prepared.problem
        schedule, record = plan_or_scenario.schedule, plan_or_scenario.record
    elif Path(plan_or_scenario).is_dir():
        result = solve_scenario(plan_or_scenario)
        loaded, problem, schedule = result.scenario, result.problem, result.schedule
    else:
        path = Path(plan_or_scenario)
        schedule, record = read_document(path)
        if record is None:
            loaded, problem = _solved_for(schedule, None)
        else:  # its pins are timed below, on the matrix that also holds the request
            loaded, _base, unpinned = _prepared(record, None)
            problem = unpinned.problem
    if not isinstance(request, WorkOrder):
        request = read_request(request, problem)
    note = ""
    if request.location is None and request.address:
        located, geocoded = geocode_problem(replace(problem, orders=(request,), technicians=(),
                                                    shifts=()), base_dir=loaded.folder)
        request = located.orders[0]
        if request.location is None and geocoded.report:
            row = geocoded.report[0]
            found = "; ".join(f"{c.address} ({c.match}, about {c.error_m:.0f} m)"
                              if c.error_m is not None else c.address
                              for c in row.candidates)
            note = row.reason + (f"; found: {found}" if found else "")
    # its postcode from the address and its territory polygons, as the loader gives the
    # orders (hard territories decide who may take it)
    request = with_territories(replace(problem, orders=(request,)),
                               loaded.territories).orders[0]
    problem = replace(problem, orders=tuple(o for o in problem.orders
                                            if o.order_id != request.order_id))
    both = replace(problem, orders=(*problem.orders, request))
    matrix = travel_matrix(both, base_dir=loaded.folder)
    if unpinned is not None:
        problem = pin_times(unpinned, matrix).problem
    return SlotContext(loaded, problem, matrix, schedule, request, path, record, note)


def offer_slots(plan_or_scenario: str | Path | PlanResult | SlotContext,
                request: WorkOrder | str | Path | None = None, *, slots: int = 3,
                days: int = 5, window_h: float = 2.0) -> Offers:
    """Appointment windows for a new visit, cheapest first (:mod:`optimizer.slots`).

    Parameters
    ----------
    plan_or_scenario
        The published plan: a :class:`PlanResult`, a schedule.json written by a solve,
        a scenario folder (planned first), or a :class:`SlotContext` made once by
        :func:`slot_context` (then ``request`` is taken from it).
    request
        The visit to place: a :class:`WorkOrder` or a one-row CSV of work_orders.csv
        columns; its own window, if any, is ignored.
    slots, days, window_h
        How many offers, over how many working days of the plan, of windows how
        many hours long.

    Returns
    -------
    Offers
        A list of :class:`~optimizer.slots.Offer`; empty with ``.reason`` (code, text)
        when nobody can take the visit in the horizon.
    """
    context = plan_or_scenario if isinstance(plan_or_scenario, SlotContext) else \
        slot_context(plan_or_scenario, request)
    offers = slots_offer(context.problem, context.matrix, context.schedule, context.request,
                         slots=slots, days=days, window_h=window_h)
    if not offers and context.address_note:  # the caller hears what was found, and how far
        offers.reason = (offers.reason[0], context.address_note)
    return offers


def book_slot(context: SlotContext, chosen: Offer) -> tuple[WorkOrder, Schedule]:
    """Write ``chosen`` into the plan: the visit on its technician's route and the
    booking in the scenario's ``bookings.csv`` (a promised window that the next plan and
    re-plan keep). Returns the booked order and the new schedule, its KPIs recomputed."""
    from optimizer.outputs import append_booking

    order, schedule = slots_book(context.problem, context.matrix, context.schedule,
                                 context.request, chosen)
    append_booking(context.loaded.folder, order)
    problem = replace(context.problem, orders=(*context.problem.orders, order))
    return order, _finish(problem, schedule, context.loaded.folder)


def booked_record(context: SlotContext, order: WorkOrder) -> ReplanRecord | None:
    """What the schedule.json of a plan booked into records: for a re-planned plan, its
    re-plan record with the booked visit as one more new order (so that `fsopt verify` and
    the next re-plan rebuild the day with it); None for a plan made by a solve, whose
    scenario holds the visit in bookings.csv."""
    if context.record is None:
        return None
    event = Event("new_order", order_id=order.order_id, order=order,
                  source=f"booked with fsopt slots into {context.path or 'the re-planned plan'}")
    return replace(context.record, events=(*context.record.events, event))


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
                     scenario: str | Path | None, *, published: bool = False) -> list[str]:
    if record is None:
        loaded, problem = _solved_for(schedule, scenario)
        if published:
            problem = _at_planned_places(problem, schedule)
        matrix = travel_matrix(problem, base_dir=loaded.folder)
        return (verify(problem, matrix, schedule)
                + kpi_issues(problem, schedule, money=not schedule.meta.previous)
                + reason_issues(schedule, check(problem, matrix).reasons))
    at = f"the published plan re-planned at {record.now:%H:%M}"
    issues = [f"{at}: {issue}" for issue in
              _verify_schedule(record.published, record.before, scenario, published=True)]
    _loaded, base, prepared, matrix = _rebuild(record, scenario)
    issues += verify(prepared.problem, matrix, schedule)
    issues += kpi_issues(prepared.problem, schedule)
    issues += reason_issues(schedule, check(prepared.problem, matrix).reasons)
    issues += record_issues(record, prepared)
    new = [e.order.order_id for e in record.events if e.kind == "new_order" and e.order]
    return issues + verify_day([*(o.order_id for o in base.orders), *new], schedule,
                               [*record.frozen, *record.cancelled])


def _at_planned_places(problem: Problem, schedule: Schedule) -> Problem:
    """``problem`` with each routed order, and each routed shift's start and end, where
    ``schedule`` planned them. A dispatcher may correct a place after publishing (an
    address under review given its lat/lon) and re-plan: the published plan is then
    checked at the places it was made for, not failed for legs to a place it never knew."""
    stops = {s.order_id: s.location for r in schedule.routes for s in r.stops}
    routes = {r.shift_id: r for r in schedule.routes}
    orders = tuple(replace(o, location=stops[o.order_id]) if o.order_id in stops else o
                   for o in problem.orders)
    shifts = tuple(replace(s, start_location=routes[s.shift_id].start_location,
                           end_location=routes[s.shift_id].end_location)
                   if s.shift_id in routes else s for s in problem.shifts)
    return replace(problem, orders=orders, shifts=shifts)


__all__ = ["REPLAN_S_PER_ORDER", "REPLAN_TIME_LIMIT_S", "SlotContext", "anonymise",
           "book_slot", "booked_record", "compare", "geocode", "offer_slots", "plan", "replan",
           "replan_time_limit_s", "slot_context", "solve_scenario", "sweep", "travel_matrix",
           "verify_file"]
