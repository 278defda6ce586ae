"""Scenario folder -> :class:`~optimizer.model.Problem`; every input problem is reported at once."""

from __future__ import annotations

import math
import statistics
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
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
    check_name,
    check_toml_keys,
    parse_horizon,
    parse_plan_date_and_zone,
    parse_publish,
    parse_response_targets,
    parse_solve_params,
    parse_territory_mode,
    parse_weights,
)
from optimizer.io.config_places import check_maps, parse_geocode, parse_travel
from optimizer.io.records import (
    absences_from,
    bookings_from,
    every_working_day,
    extra_shifts,
    orders_from,
    technicians_from,
)
from optimizer.io.tables import Table, encoding_note, find_table, read_table
from optimizer.model import (
    AREA_REACH_KM,
    GeocodeSettings,
    Problem,
)
from optimizer.params import SolveParams
from optimizer.roster import apply_absences
from optimizer.whatif import Change, apply_changes, parse_change


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

    orders = orders_from(tables.get("work_orders"), plan_date, tz, problems, dates)
    booked = []
    if "bookings" in tables:  # appointments booked with `fsopt slots --book`
        booked = bookings_from(tables["bookings"], orders, plan_date, tz, problems, dates)
        orders += booked
    technicians, tech_shifts = technicians_from(tables.get("technicians"), plan_date, tz, problems)
    tech_shifts = every_working_day(tech_shifts, plan_date, horizon.working,
                                     horizon.days > 1)
    tech_ids = {t.tech_id for t in technicians}
    if "shifts" in tables:
        tech_shifts = extra_shifts(tables["shifts"], technicians, tech_shifts, plan_date, tz,
                                    problems, dates, horizon.working)
    absences = (absences_from(tables["absences"], tech_ids, plan_date, tz, problems)
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
    changes, sound = [], []  # sound: the changes whose own fields are good
    for k, spec in enumerate(raw_changes, start=1):
        before = len(problems)
        check_change_numbers(toml_path, f"changes[{k}]", spec, problems)
        try:
            changes.append(parse_change(spec, f"{toml_path} changes[{k}]"))
            sound.append(len(problems) == before)
        except InputError as exc:
            problems.extend(exc.problems)
            changes.append(None)
            sound.append(False)
    if base_dir is None:
        raise InputError(problems)
    if problems:
        # what the sound changes would meet on the base (an unknown technician or order),
        # reported with the field errors: every problem in one run, not one round each
        numbered = [(k, c) for k, (c, ok) in enumerate(zip(changes, sound, strict=True),
                                                       start=1) if ok]
        try:
            base = load_scenario(base_dir, _seen=(*seen, folder.resolve()))
            apply_changes(_anchor_files(base.problem, base.folder), [c for _k, c in numbered],
                          where=f"{toml_path} ", numbers=[k for k, _c in numbered])
        except InputError as exc:
            problems += exc.problems
        except (TypeError, ValueError, OverflowError):
            pass  # a value of the wrong kind: reported once the fields are good
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
    booked = bookings_from(read_table(path), list(problem.orders), problem.plan_date,
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
        if _km(p.lat, p.lon, lat0, lon0) > AREA_REACH_KM:
            hint = ""
            if _km(p.lon, p.lat, lat0, lon0) < AREA_REACH_KM:
                hint = "; lat and lon look swapped"
            warnings.append(f"{label} at lat={p.lat}, lon={p.lon} is over {AREA_REACH_KM:g} km "
                            f"from the scenario's other points{hint}")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)
