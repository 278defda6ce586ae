"""Scenario folder -> :class:`~optimizer.model.Problem`; every input problem is reported at once."""

from __future__ import annotations

import math
import statistics
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.io import service
from optimizer.io.config import (
    TOML_KEYS,
    TOML_RANGES,
    PublishSettings,
    check_base,
    check_change_numbers,
    check_maps,
    check_name,
    check_toml_keys,
    parse_geocode,
    parse_horizon,
    parse_plan_date_and_zone,
    parse_publish,
    parse_response_targets,
    parse_solve_params,
    parse_territory_mode,
    parse_travel,
    parse_weights,
)
from optimizer.io.schemas import (
    ABSENCE_COLUMNS,
    SHIFT_COLUMNS,
    SLA_MAX_DAYS,
    TECHNICIAN_COLUMNS,
    WORK_ORDER_COLUMNS,
    RowReader,
    check_columns,
)
from optimizer.io.tables import Table, encoding_note, find_table, read_table
from optimizer.model import (
    LOCATION_ISSUES,
    Absence,
    Break,
    GeocodeSettings,
    Location,
    Problem,
    ReasonCode,
    Shift,
    Technician,
    WorkOrder,
    shift_date,
)
from optimizer.params import SolveParams
from optimizer.roster import apply_absences
from optimizer.whatif import Change, apply_changes, parse_change

#: A point further than this from the scenario's median point is suspicious.
FAR_POINT_KM = 150.0

@dataclass(frozen=True, slots=True)
class LoadedScenario:
    """A loaded scenario: the problem, how to solve it, and what looked odd."""

    folder: Path
    problem: Problem
    params: SolveParams
    warnings: tuple[str, ...] = ()
    maps: dict[str, str] = field(default_factory=dict)
    description: str = ""
    #: For a what-if: the base scenario's folder and the changes applied to it.
    base: Path | None = None
    changes: tuple[Change, ...] = ()
    #: ``[notify]`` and ``[privacy]``: how the plan is published.
    publish: PublishSettings = field(default_factory=PublishSettings)
    #: territories.geojson's polygons by name (shapely geometries; empty without the file).
    territories: dict[str, Any] = field(default_factory=dict)
    #: Ids of the orders read from bookings.csv (appointments booked with `fsopt slots`).
    booked: frozenset[str] = frozenset()


def load_scenario(folder: str | Path, *, _seen: tuple[Path, ...] = ()) -> LoadedScenario:
    """Read ``folder/scenario.toml`` and its tables.

    A what-if scenario names a ``base`` scenario folder (relative to its own)
    and lists ``[[changes]]`` (see :mod:`optimizer.whatif`); it needs no tables.

    Raises
    ------
    InputError
        Listing every problem found (file, row, field and value for each).
    """
    folder = Path(folder)
    toml_path = folder / "scenario.toml"
    if not folder.is_dir():
        raise InputError(f"{folder}: scenario folder not found")
    if not toml_path.exists():
        raise InputError(f"{toml_path}: file not found (a scenario folder needs scenario.toml)")
    try:
        config = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{toml_path}: not valid TOML: {exc}") from None

    section = config.get("scenario", {})
    if not isinstance(section, dict):
        section = {}  # reported by check_toml_keys
    if "base" in section:
        return _load_overlay(folder, toml_path, config, _seen or ())

    problems: list[str] = []
    warnings: list[str] = []
    check_toml_keys(toml_path, config, problems)
    check_name(toml_path, section, problems)
    plan_date, tz = parse_plan_date_and_zone(toml_path, section, problems)
    travel = parse_travel(toml_path, config, problems)
    geocode = parse_geocode(toml_path, config, problems)
    weights = parse_weights(toml_path, config.get("objective", {}), problems)
    params = parse_solve_params(toml_path, config.get("solver", {}), problems)
    maps = check_maps(toml_path, config.get("maps", {}), problems)
    territory_mode = parse_territory_mode(toml_path, config.get("solver", {}), problems)
    response_targets = parse_response_targets(toml_path, config, problems)
    publish = parse_publish(toml_path, config, problems)
    territories = service.read_territories(folder, problems)
    horizon = parse_horizon(toml_path, section, plan_date, problems)
    if plan_date is None or tz is None:
        raise InputError(problems)
    dates = tuple(plan_date + timedelta(days=k) for k in range(horizon.days))

    tables: dict[str, Table] = {}
    for base, required in (("work_orders", True), ("technicians", True),
                           ("shifts", False), ("absences", False), ("bookings", False)):
        try:
            path = find_table(folder, base, required=required)
            if path is not None:
                tables[base] = read_table(path)
        except InputError as exc:
            problems.extend(exc.problems)
    warnings += [note for table in tables.values() if (note := encoding_note(table))]

    orders = _orders(tables.get("work_orders"), plan_date, tz, problems, dates)
    booked = []
    if "bookings" in tables:  # appointments booked with `fsopt slots --book`
        booked = _bookings(tables["bookings"], orders, plan_date, tz, problems, dates)
        orders += booked
    technicians, tech_shifts = _technicians(tables.get("technicians"), plan_date, tz, problems)
    tech_shifts = _every_working_day(tech_shifts, plan_date, horizon.working,
                                     horizon.days > 1)
    tech_ids = {t.tech_id for t in technicians}
    if "shifts" in tables:
        tech_shifts = _extra_shifts(tables["shifts"], technicians, tech_shifts, plan_date, tz,
                                    problems, dates, horizon.working)
    absences = (_absences(tables["absences"], tech_ids, plan_date, tz, problems)
                if "absences" in tables else [])
    _check_references(tables.get("work_orders"), orders, technicians, problems, warnings)
    _check_geocoding_source(toml_path, geocode, orders, technicians, problems)
    if problems:
        raise InputError(problems)

    roster = [s for shifts in tech_shifts.values() for s in shifts]
    all_shifts, whole = apply_absences(roster, [a for a, _row in absences])
    row_of = {id(a): row for a, row in absences}
    for absence, shift in whole:
        warnings.append(f"{tables['absences'].path} row {row_of[id(absence)]}: "
                        f"{absence.tech_id} is away for the whole shift {shift.shift_id} "
                        f"({absence.reason})")
    lifted = [t.tech_id for t in technicians if t.min_work_h is not None]
    if lifted and weights.balance is None:
        warnings.append(f"{tables['technicians'].path}: min_work_h of {', '.join(lifted)} has "
                        "no effect while [objective] balance is off (it raises the balance "
                        "target; set balance to a cost per hour)")
    _warn_orders(tables["work_orders"], orders, technicians, all_shifts, tz, warnings)
    _warn_far_points(orders, technicians, warnings)
    warnings += service.territory_warnings(technicians, territories)
    problem = Problem(
        name=str(section.get("name") or folder.name),
        plan_date=plan_date,
        timezone=tz.key,
        orders=tuple(orders),
        technicians=tuple(technicians),
        shifts=all_shifts,
        absences=tuple(a for a, _row in absences),
        roster=tuple(roster) if absences else (),
        weights=weights,
        travel=travel,
        geocode=geocode,
        territory_mode=territory_mode,
        response_target_h=response_targets,
        days=horizon.days,
    )
    return LoadedScenario(
        folder=folder,
        problem=problem,
        params=params,
        warnings=tuple(warnings),
        maps=maps,
        description=str(section.get("description", "")),
        publish=publish,
        territories=territories,
        booked=frozenset(o.order_id for o in booked),
    )


# -- what-if overlays ------------------------------------------------------------------------

_OVERLAY_SECTIONS = {"scenario", "solver", "maps", "changes"}


def _load_overlay(folder: Path, toml_path: Path, config: dict[str, Any],
                  seen: tuple[Path, ...]) -> LoadedScenario:
    section = config["scenario"]
    problems: list[str] = []
    base_dir = check_base(toml_path, section["base"], problems)
    if base_dir is not None and (base_dir.resolve() in seen
                                 or base_dir.resolve() == folder.resolve()):
        raise InputError(f"{toml_path} [scenario] base={section['base']!r}: circular base")
    for name in config:
        if name not in _OVERLAY_SECTIONS:
            problems.append(f"{toml_path}: [{name}] is not allowed in a what-if scenario "
                            "(express it as a [[changes]] entry)")
    check_toml_keys(toml_path, {k: v for k, v in config.items()
                                 if k in TOML_KEYS}, problems)
    check_name(toml_path, section, problems)
    solver = config.get("solver", {})
    parse_solve_params(toml_path, solver, problems)  # ranges, before the base is read
    parse_territory_mode(toml_path, solver, problems)
    maps = check_maps(toml_path, config.get("maps", {}), problems)
    raw_changes = config.get("changes", [])
    if not isinstance(raw_changes, list):
        problems.append(f"{toml_path}: changes must be an array of tables ([[changes]])")
        raw_changes = []
    changes = []
    for k, spec in enumerate(raw_changes, start=1):
        check_change_numbers(toml_path, f"changes[{k}]", spec, problems)
        try:
            changes.append(parse_change(spec, f"{toml_path} changes[{k}]"))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems or base_dir is None:
        raise InputError(problems)
    base = load_scenario(base_dir, _seen=(*seen, folder.resolve()))
    try:
        problem = apply_changes(_anchor_files(base.problem, base.folder), changes,
                                where=f"{toml_path} ")
    except (TypeError, ValueError, OverflowError) as exc:  # a value of the wrong kind
        raise InputError(f"{toml_path} [[changes]]: {exc}") from None
    _check_changed(toml_path, problem)
    problem = replace(problem, name=str(section.get("name") or folder.name),
                      territory_mode=parse_territory_mode(toml_path, solver, [],
                                                          problem.territory_mode))
    params = parse_solve_params(toml_path, solver, [], base=base.params)
    problem, own = _overlay_bookings(folder, problem)
    return LoadedScenario(
        folder=folder, problem=problem, params=params, warnings=base.warnings,
        maps={**base.maps, **maps},
        description=str(section.get("description", "")), base=base.folder,
        changes=tuple(changes), publish=base.publish, territories=base.territories,
        booked=base.booked | own,
    )


def _overlay_bookings(folder: Path, problem: Problem) -> tuple[Problem, frozenset[str]]:
    """A what-if's own bookings.csv (slots booked on its plan; they stay hypothetical, out
    of the base scenario): its orders, after the changes, and their ids."""
    path = find_table(folder, "bookings", required=False)
    if path is None:
        return problem, frozenset()
    problems: list[str] = []
    booked = _bookings(read_table(path), list(problem.orders), problem.plan_date,
                       ZoneInfo(problem.timezone), problems, problem.dates)
    if problems:
        raise InputError(problems)
    return (replace(problem, orders=(*problem.orders, *booked)),
            frozenset(o.order_id for o in booked))


def _check_changed(toml_path: Path, problem: Problem) -> None:
    """What the changes made must stay in the ranges the files are held to."""
    problems: list[str] = []
    where = f"{toml_path} [[changes]]: afterwards"
    factor = TOML_RANGES["travel"]["speed_factor"]
    if message := factor.problem(problem.travel.speed_factor):
        problems.append(f"{where} the travel speed_factor={problem.travel.speed_factor:g} "
                        f"{message}")
    for key, allowed in TOML_RANGES["objective"].items():
        value = getattr(problem.weights, key)
        if value is None:  # balance off
            continue
        for level, amount in (value.items() if isinstance(value, dict) else [("", value)]):
            if message := allowed.problem(float(amount)):
                name = f"{key}.{level}" if level else key
                problems.append(f"{where} the weight {name}={amount:g} {message}")
    if problems:
        raise InputError(problems)


def _anchor_files(problem: Problem, folder: Path) -> Problem:
    """The base's data files (OSM extracts) as absolute paths, valid from any folder."""
    def absolute(name: str | None) -> str | None:
        return None if name is None else str((folder / name).resolve())
    return replace(problem,
                   travel=replace(problem.travel, osm_file=absolute(problem.travel.osm_file)),
                   geocode=replace(problem.geocode, osm_file=absolute(problem.geocode.osm_file)))


# -- tables ----------------------------------------------------------------------------------


def _rows(table: Table | None, spec, plan_date, tz, problems):
    if table is None or not check_columns(table, spec, problems):
        return
    for row in table.rows:
        yield RowReader(table, row, plan_date, tz, problems)


def _orders(table, plan_date, tz, problems, dates=()) -> list[WorkOrder]:
    orders = []
    for r in _rows(table, WORK_ORDER_COLUMNS, plan_date, tz, problems):
        if len(dates) > 1:
            r.dates = dates
        orders.append(order_from_row(r))
    return orders


def _bookings(table, orders, plan_date, tz, problems, dates) -> list[WorkOrder]:
    """bookings.csv: orders in the columns of work_orders.csv, each id new."""
    known = {o.order_id for o in orders}
    booked = []
    for r in _rows(table, WORK_ORDER_COLUMNS, plan_date, tz, problems):
        r.dates = dates if len(dates) > 1 else ()
        order = order_from_row(r)
        if order.order_id in known:
            r.fail("order_id", "already an order (in work_orders or an earlier booking)")
            continue
        known.add(order.order_id)
        booked.append(order)
    return booked


def read_request(path: str | Path, problem: Problem) -> WorkOrder:
    """The one work order of a request file (``fsopt slots``), in the columns of
    work_orders.csv; any window it gives is ignored by the offers."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    table = read_table(path)
    problems: list[str] = []
    tz = problem.day_start.tzinfo
    rows = list(_rows(table, WORK_ORDER_COLUMNS, problem.plan_date, tz, problems))
    orders = [order_from_row(r) for r in rows]
    if not problems and len(orders) != 1:
        problems.append(f"{path}: must hold exactly one work order row (found {len(orders)})")
    if not problems and orders[0].order_id in {o.order_id for o in problem.orders}:
        problems.append(f"{path} row 2, order_id={orders[0].order_id!r}: already an order "
                        "of the plan")
    if problems:
        raise InputError(problems)
    return orders[0]


def order_from_row(r: RowReader) -> WorkOrder:
    """A work order from the columns of ``work_orders.csv`` (problems go to ``r.problems``)."""
    coordinates = r.coordinates("lat", "lon")
    address = r.text("address")
    location = Location(coordinates[0], coordinates[1], address) if coordinates else None
    confidence = r.number("geocode_confidence")
    error_m = r.number("geocode_error_m")
    return WorkOrder(
        order_id=r.required_text("order_id"),
        customer=r.text("customer"),
        location=location,
        address=address,
        service_min=r.number("service_min", 0.0, required=True),
        required_skills=r.items("required_skills"),
        priority=r.priority(),
        time_windows=r.windows(),
        sla_due=r.near_moment("sla_due"),
        preferred_techs=r.items("preferred_techs"),
        excluded_techs=r.items("excluded_techs"),
        required_parts=r.items("required_parts"),
        demand=r.integer("demand", 0),
        phone=r.text("phone"),
        notes=r.text("notes"),
        earliest_date=(earliest := _order_date(r, "earliest_date")),
        due_date=_due_date(r, earliest),
        stop_overhead_min=r.number("stop_overhead_min"),
        geocode_confidence=confidence if location else None,
        geocode_error_m=error_m if location else None,
        location_issue="" if location else LOCATION_ISSUES[
            ReasonCode.NOT_GEOCODED if address else ReasonCode.NO_ADDRESS],
        created_at=service.created_at(r),
        remote_resolvable=r.boolean("remote_resolvable"),
        parts_ready_at=service.parts_ready_at(r),
        postcode=service.postcode(r),
    )


def _order_date(r: RowReader, column: str) -> date | None:
    day = r.day(column)
    if day is not None and abs((day - r.plan_date).days) > SLA_MAX_DAYS:
        r.fail(column, f"more than {SLA_MAX_DAYS} days from the plan date {r.plan_date} "
                       "(a wrong year?)")
        return None
    return day


def _due_date(r: RowReader, earliest: date | None) -> date | None:
    due = _order_date(r, "due_date")
    if due is not None and earliest is not None and due < earliest:
        r.fail("due_date", f"before its earliest_date {earliest}")
        return None
    return due


def _lunch(r: RowReader, shift_start, shift_end) -> tuple[Break, ...]:
    earliest, latest = r.clock("lunch_earliest"), r.clock("lunch_latest")
    minutes = r.number("lunch_min")
    if r.text("lunch_min") and minutes is None:
        return ()  # not a number or out of range: reported
    if earliest is None and latest is None and not minutes:
        return ()
    if earliest is None or latest is None or minutes is None:
        r.fail("lunch_min", "lunch needs lunch_earliest, lunch_latest and lunch_min together")
        return ()
    if latest - earliest < timedelta(minutes=minutes):
        r.fail("lunch_latest", f"the lunch window is shorter than lunch_min={minutes:g}")
        return ()
    if shift_start and shift_end and (earliest < shift_start or latest > shift_end):
        r.fail("lunch_earliest", "the lunch window must lie inside the shift")
        return ()
    return (Break(earliest, latest, minutes, "lunch"),) if minutes else ()


def _shift_times(r: RowReader):
    start, end = r.clock("shift_start", required=True), r.clock("shift_end", required=True)
    if start and end and end <= start:
        r.fail("shift_end", f"the shift ends before it starts ({r.text('shift_start')})")
        return None, None
    return start, end


def _technicians(table, plan_date, tz, problems):
    technicians, shifts = [], {}
    first_row: dict[str, int] = {}
    for r in _rows(table, TECHNICIAN_COLUMNS, plan_date, tz, problems):
        tech_id = r.required_text("tech_id")
        if tech_id in first_row:
            r.fail("tech_id", f"duplicate (first in row {first_row[tech_id]})")
        elif tech_id:
            first_row[tech_id] = r.row.number
        home_xy = r.coordinates("home_lat", "home_lon")
        address = r.text("home_address")
        given = r.text("home_lat") or r.text("home_lon")
        if home_xy is not None:
            home = Location(*home_xy, address)
        elif address and not given:
            home = Location.to_geocode(address)  # located by the geocoding step
        else:
            if not given:
                r.fail("home_lat", "give home_lat and home_lon, or a home_address to geocode")
            home = Location(0.0, 0.0, address)
        end_xy = r.coordinates("end_lat", "end_lon")
        end = Location(*end_xy) if end_xy else home
        technicians.append(Technician(
            tech_id=tech_id,
            name=r.text("name", tech_id),
            skills=r.items("skills"),
            home=home,
            efficiency=r.number("efficiency", 1.0),
            cost_per_km=r.number("cost_per_km", 0.35),
            cost_per_hour=r.number("cost_per_hour", 35.0),
            van_stock=r.items("van_stock"),
            capacity=r.integer("capacity"),
            speed_factor=r.number("speed_factor", 1.0),
            territories=service.territories(r),
            min_work_h=r.number("min_work_h"),
            max_work_h=r.number("max_work_h"),
        ))
        low, high = technicians[-1].min_work_h, technicians[-1].max_work_h
        if low is not None and high is not None and low > high:
            r.fail("min_work_h", f"must be <= max_work_h={high:g}")
        start_at, end_at = _shift_times(r)
        breaks = _lunch(r, start_at, end_at)
        overtime = r.number("max_overtime_min", 0.0)
        if start_at and end_at:
            shifts[tech_id] = [Shift(tech_id, tech_id, start_at, end_at, home, end, breaks,
                                     overtime)]
    return technicians, shifts


def _moved(shift: Shift, days: int, shift_id: str) -> Shift:
    """``shift`` ``days`` days later at the same wall-clock times (local time)."""
    if days == 0:
        return replace(shift, shift_id=shift_id)
    step = timedelta(days=days)  # wall clock: 08:00 stays 08:00 across a DST change
    return replace(shift, shift_id=shift_id, start=shift.start + step, end=shift.end + step,
                   breaks=tuple(replace(b, earliest_start=b.earliest_start + step,
                                        latest_end=b.latest_end + step) for b in shift.breaks))


def _day_id(tech_id: str, day: date, several: bool) -> str:
    """A shift's id: the technician's id on a one-day plan, ``T01@2026-12-01`` on several."""
    return f"{tech_id}@{day.isoformat()}" if several else tech_id


def _every_working_day(tech_shifts, plan_date: date, working: tuple[date, ...],
                       several: bool):
    """The technicians' default shifts (given on the plan date) on every working day."""
    return {tech_id: [_moved(shift, (day - plan_date).days, _day_id(tech_id, day, several))
                      for shift in shifts for day in working]
            for tech_id, shifts in tech_shifts.items()}


def _extra_shifts(table, technicians, tech_shifts, plan_date, tz, problems, dates=(),
                  working=()):
    """shifts.csv: a row with a ``date`` replaces the technician's default shift on that
    day; a row without one, on the plan date (one day) or on every working day that has
    no dated row for the technician."""
    by_id = {t.tech_id: t for t in technicians}
    several = len(dates) > 1
    replaced: dict[tuple[str, date], list[Shift]] = {}
    booked: dict[str, list[tuple[RowReader, Shift]]] = {}
    parsed = []
    for r in _rows(table, SHIFT_COLUMNS, plan_date, tz, problems):
        tech = by_id.get(r.required_text("tech_id"))
        if tech is None:
            r.fail("tech_id", "unknown technician (not in technicians)")
            continue
        day = r.day("date")
        if day is not None and day not in (dates or (plan_date,)):
            r.fail("date", f"outside the plan ({plan_date} to "
                           f"{(dates or (plan_date,))[-1]})")
            continue
        start_at, end_at = _shift_times(r)
        breaks = _lunch(r, start_at, end_at)
        start_xy = r.coordinates("start_lat", "start_lon")
        end_xy = r.coordinates("end_lat", "end_lon")
        default_end = tech_shifts.get(tech.tech_id, [None])[0]
        overtime = r.number("max_overtime_min", 0.0)
        if start_at and end_at:
            shift = Shift(
                tech.tech_id, tech.tech_id, start_at, end_at,
                Location(*start_xy) if start_xy else tech.home,
                Location(*end_xy) if end_xy else (
                    default_end.end_location if default_end else tech.home),
                breaks, overtime)
            parsed.append((r, tech.tech_id, day, shift))
    dated = {(tech_id, day) for _, tech_id, day, _ in parsed if day is not None}
    for r, tech_id, day, shift in parsed:
        days = [day] if day is not None else [
            on for on in (working if several else [plan_date]) if (tech_id, on) not in dated]
        for on in days:
            own = replaced.setdefault((tech_id, on), [])
            own.append(_moved(shift, (on - plan_date).days,
                              f"{_day_id(tech_id, on, several)}#{len(own) + 1}"))
            booked.setdefault(tech_id, []).append((r, own[-1]))
    for tech_id, shifts in booked.items():
        _check_overlaps(tech_id, shifts)
    result = {tech_id: [s for s in shifts if (tech_id, shift_date(s)) not in replaced]
              for tech_id, shifts in tech_shifts.items()}
    for (tech_id, day), own in replaced.items():
        if len(own) == 1:
            own[0] = replace(own[0], shift_id=_day_id(tech_id, day, several))
        result.setdefault(tech_id, []).extend(own)
    return result


def _check_overlaps(tech_id: str, booked: list[tuple[RowReader, Shift]]) -> None:
    """One technician's shifts (shifts.csv rows) must not overlap, overtime included."""
    booked = sorted(booked, key=lambda rs: rs[1].start)

    def span(shift: Shift) -> str:
        return f"{shift.start:%H:%M}-{shift.end:%H:%M}"  # same day: the rows' own times

    for k, (r1, first) in enumerate(booked):
        until = first.end + timedelta(minutes=first.max_overtime_min)
        for r2, second in booked[k + 1:]:
            if second.start < first.end:
                r2.fail("shift_start", f"technician {tech_id}'s shift {span(second)} overlaps "
                                       f"the shift in row {r1.row.number} ({span(first)}); "
                                       "one person cannot work both")
            elif second.start < until:
                r1.fail("max_overtime_min",
                        f"with overtime technician {tech_id}'s shift {span(first)} may run "
                        f"until {until:%H:%M}, into the shift in row {r2.row.number} "
                        f"({span(second)}); lower max_overtime_min or move the shifts apart")


def _absences(table, tech_ids, plan_date, tz, problems) -> list[tuple[Absence, int]]:
    """absences.csv: an :class:`Absence` and its row number per good row; every bad row is
    reported."""
    absences = []
    for r in _rows(table, ABSENCE_COLUMNS, plan_date, tz, problems):
        tech_id = r.required_text("tech_id")
        start, end = r.moment("start"), r.moment("end")
        if tech_id and tech_id not in tech_ids:
            r.fail("tech_id", "unknown technician (not in technicians)")
            continue
        if start is None or end is None:
            if not (r.text("start") and r.text("end")):
                r.fail("start" if not r.text("start") else "end", "is required")
            continue
        if end <= start:
            r.fail("end", f"the absence ends before it starts ({r.text('start')})")
            continue
        absences.append((Absence(tech_id, start, end, r.text("reason", "absence")),
                         r.row.number))
    return absences


def _check_references(table, orders, technicians, problems, warnings) -> None:
    tech_ids = [t.tech_id for t in technicians]
    if table is None:
        return
    rows = {}
    for row, order in zip(table.rows, orders, strict=False):
        where = f"{table.path} row {row.number}"
        if order.order_id in rows:
            problems.append(f"{where}, order_id={order.order_id!r}: duplicate "
                            f"(first in row {rows[order.order_id]})")
        rows.setdefault(order.order_id, row.number)
        for column, ids in (("preferred_techs", order.preferred_techs),
                            ("excluded_techs", order.excluded_techs)):
            unknown = sorted(ids - set(tech_ids))
            if unknown:
                problems.append(f"{where}, {column}={row.cells.get(column, '')!r}: unknown "
                                f"technician {', '.join(map(repr, unknown))}")
    known_skills = {s for t in technicians for s in t.skills}
    for order in orders:
        missing = order.required_skills - known_skills
        if missing:
            warnings.append(f"order {order.order_id}: no technician has the skill"
                            f"{'s' if len(missing) > 1 else ''} {', '.join(sorted(missing))} "
                            "(it will be unassigned)")


def _check_geocoding_source(toml_path: Path, geocode: GeocodeSettings, orders, technicians,
                            problems: list[str]) -> None:
    """Addresses to geocode with the offline gazetteer need an OSM extract to look them up."""
    if geocode.provider.strip().lower() != "gazetteer" or geocode.osm_file:
        return
    todo = [f"order {o.order_id}" for o in orders if o.location is None and o.address]
    todo += [f"technician {t.tech_id}'s home" for t in technicians
             if not t.home.located and t.home.address]
    if todo:
        problems.append(f"{toml_path} [geocode] provider='gazetteer': needs osm_file = "
                        f'"<extract>.osm.bz2" to geocode {len(todo)} address'
                        f"{'es' if len(todo) != 1 else ''} (first: {todo[0]}), or give lat/lon")


def _warn_orders(table: Table, orders, technicians, shifts, tz, warnings: list[str]) -> None:
    """Orders that `solve` will leave out for a missing part, or find already late."""
    stocked = {p for t in technicians for p in t.van_stock}
    plan_start = min((s.start for s in shifts), default=None)
    for row, order in zip(table.rows, orders, strict=False):
        where = f"{table.path} row {row.number}: order {order.order_id}"
        absent = sorted(order.required_parts - stocked)
        if absent:
            parts = "part" if len(absent) == 1 else "parts"
            warnings.append(f"{where}: no van carries the {parts} {', '.join(absent)} "
                            "(it will be unassigned)")
        if order.sla_due is not None and plan_start is not None and order.sla_due < plan_start:
            due, start = order.sla_due.astimezone(tz), plan_start.astimezone(tz)
            shown = f"{due:%H:%M}" if due.date() == start.date() else f"{due:%Y-%m-%d %H:%M}"
            warnings.append(f"{where}: the SLA was already due at {shown}, before the plan "
                            f"starts at {start:%H:%M} (it will be late whenever it is served)")


def _warn_far_points(orders, technicians, warnings) -> None:
    points = [(f"order {o.order_id}", o.location) for o in orders if o.location]
    points += [(f"technician {t.tech_id} home", t.home) for t in technicians if t.home.located]
    if len(points) < 3:
        return
    lat0 = statistics.median(p.lat for _, p in points)
    lon0 = statistics.median(p.lon for _, p in points)
    for label, p in points:
        if _km(p.lat, p.lon, lat0, lon0) > FAR_POINT_KM:
            hint = ""
            if _km(p.lon, p.lat, lat0, lon0) < FAR_POINT_KM:
                hint = "; lat and lon look swapped"
            warnings.append(f"{label} at lat={p.lat}, lon={p.lon} is over {FAR_POINT_KM:g} km "
                            f"from the scenario's other points{hint}")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)
