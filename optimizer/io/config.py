"""scenario.toml: known sections and keys, and their typed, validated values.

Every check appends to ``problems`` (file, table/key, value, rule) and carries
on, so that one run reports the whole file. The allowed range of each number is
in :data:`TOML_RANGES` (and in docs/scenario-format.md).
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.errors import InputError
from optimizer.geo.osm_file import SUFFIXES as _OSM_SUFFIXES
from optimizer.io.schemas import Range
from optimizer.model import (
    DEFAULT_RESPONSE_TARGET_H,
    DEFAULT_SPEED_FACTORS,
    ROAD_CLASSES,
    TERRITORY_MODES,
    GeocodeSettings,
    ObjectiveWeights,
    Peak,
    Priority,
    TravelSettings,
    TravelSource,
)
from optimizer.params import SolveParams

TOML_KEYS: dict[str, set[str]] = {
    "scenario": {"name", "plan_date", "timezone", "description", "base", "start_date", "days",
                 "working_weekdays", "non_working_days"},
    "travel": {f for f in TravelSettings.__dataclass_fields__},
    # ``territories`` is the problem's territory mode, the rest are SolveParams
    "solver": {f for f in SolveParams.__dataclass_fields__} | {"territories"},
    "objective": {f for f in ObjectiveWeights.__dataclass_fields__},
    "geocode": {f for f in GeocodeSettings.__dataclass_fields__},
    "maps": {"tiles", "tile_attribution"},
    "sla": {"response_target_h"},
    "notify": {"eta_margin_min"},
    "privacy": {"phone_pages"},
}

#: The allowed range of every numeric key, by section (``[objective.drop_penalty]`` and
#: ``[objective.sla_late_cost_per_min]`` apply theirs to each priority).
TOML_RANGES: dict[str, dict[str, Range]] = {
    "travel": {
        "speed_kph": Range(1, 300),
        "detour_factor": Range(1, 5),
        "speed_factor": Range(0.1, 10),
        "max_snap_m": Range(1, 100_000),
        "stop_overhead_min": Range(0, 240),
    },
    "geocode": {
        "min_confidence": Range(0, 1),
        "timeout_s": Range(0, 600, low_open=True),
        "min_delay_s": Range(0, 3600),
        "max_retries": Range(0, 20, integer=True),
    },
    "solver": {
        "time_limit_s": Range(0, 86_400, low_open=True),
        "seed": Range(0, 2**31 - 1, integer=True),
        "solution_limit": Range(1, 1_000_000_000, integer=True),
        "workers": Range(1, 64, integer=True),
    },
    "objective": {
        "drop_penalty": Range(0, 10_000_000),
        "sla_late_cost_per_min": Range(0, 100_000),
        "late_cost_per_day": Range(0, 100_000),
        "overtime_cost_per_hour": Range(0, 1_000_000),
        "preferred_tech_bonus": Range(0, 10_000_000),
        "reassign_cost": Range(0, 10_000_000),
        "retime_cost_per_min": Range(0, 100_000),
        "retime_tolerance_min": Range(0, 1440),
        "outside_territory_cost": Range(0, 10_000_000),
        # or "off" (see BALANCE_OFF)
        "balance": Range(0, 1_000_000),
    },
    "sla": {"response_target_h": Range(0, 24 * 366, low_open=True)},
    "notify": {"eta_margin_min": Range(0, 1440)},
}
#: ``[privacy] phone_pages``: "full" (today's pages) or "minimal" (a technician's page shows
#: only their own stops: no other technicians, no prices).
PHONE_PAGES = ("full", "minimal")


@dataclass(frozen=True, slots=True)
class PublishSettings:
    """How a plan is published (``[notify]`` and ``[privacy]``): outputs, not the problem."""

    #: The ETA window of customer_notifications.csv: planned start -/+ this many minutes.
    eta_margin_min: float = 30.0
    #: One of :data:`PHONE_PAGES`.
    phone_pages: str = "full"


#: The range of each factor of ``[travel.speed_factors]``.
SPEED_FACTOR_RANGE = Range(0.05, 2)
#: The range of a ``[[travel.peaks]]`` speed factor (a peak only slows traffic down).
PEAK_FACTOR_RANGE = Range(0.1, 1)


#: ``[objective] balance = "off"``: no workload balance (the default).
BALANCE_OFF = "off"
#: The range of every numeric field of a what-if's ``[[changes]]``, by change type.
CHANGE_RANGES: dict[str, dict[str, Range]] = {
    "add_technician": {"home_lat": Range(-90, 90), "home_lon": Range(-180, 180)},
    "technician_count": {"count": Range(1, 10_000, integer=True)},
    "change_shift": {"lunch_min": Range(0, 1440), "max_overtime_min": Range(0, 1440)},
    "set_sla": {"hours": Range(0, 24 * 366, low_open=True)},
    "change_windows": {"widen_min": Range(-1440, 1440)},
    "travel_speed": {"factor": Range(0.1, 10)},
    "scale_demand": {"percent": Range(0, 10_000), "count": Range(0, 1_000_000, integer=True),
                     "seed": Range(0, 2**31 - 1, integer=True)},
}
#: Weights of ``skills_mix`` and ``priority_mix`` in ``scale_demand``.
MIX_WEIGHT = Range(0, 1_000_000)
#: The values of ``[travel] source`` (members of :class:`~optimizer.model.TravelSource`).
TRAVEL_SOURCES = tuple(TravelSource)
#: File name endings an ``osm_file`` may have (what :mod:`optimizer.geo.osm_file` opens).
OSM_SUFFIXES = (*_OSM_SUFFIXES, ".pbf")
OFFLINE_GEOCODERS = ("gazetteer",)
#: Values of ``[maps] tiles`` that draw no background map.
NO_TILES = ("", "none")
_URL_PARTS = ("{z}", "{x}", "{y}")


def check_toml_keys(path: Path, config: dict[str, Any], problems: list[str]) -> None:
    for name, value in config.items():
        if name == "changes":
            problems.append(f"{path}: [[changes]] need a base scenario ([scenario] base = ...)")
        elif name not in TOML_KEYS:
            problems.append(f"{path}: unknown section [{name}] (known: {', '.join(TOML_KEYS)})")
        elif not isinstance(value, dict):
            problems.append(f"{path}: {name} must be a [{name}] section")
        else:
            for key in value:
                if key not in TOML_KEYS[name]:
                    problems.append(f"{path} [{name}]: unknown key {key!r} "
                                    f"(known: {', '.join(sorted(TOML_KEYS[name]))})")


def _section(config: dict[str, Any], name: str) -> dict[str, Any]:
    value = config.get(name, {})
    return value if isinstance(value, dict) else {}


def number(path: Path, where: str, value: Any, allowed: Range,
           problems: list[str]) -> float | int | None:
    """``value`` if it is a number within ``allowed``; else None and a problem."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "a whole number" if allowed.integer else "a number"
        problems.append(f"{path} {where}={value!r}: must be {kind} ({allowed})")
        return None
    problem = allowed.problem(float(value))
    if problem:
        problems.append(f"{path} {where}={value!r}: {problem}")
        return None
    return int(value) if allowed.integer else value


def _text(path: Path, where: str, value: Any, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{path} {where}={value!r}: must be text (in double quotes)")
        return None
    return value


# -- [scenario] ------------------------------------------------------------------------------


def _date(path: Path, where: str, value: Any, problems: list[str]) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{path} {where}={value!r}: not a date (YYYY-MM-DD)")
        return None


#: ``[scenario] days``: how many calendar days a horizon may span.
HORIZON_DAYS = Range(1, 62, integer=True)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Horizon:
    """The days a scenario plans (``[scenario]``): ``days`` calendar days from the start,
    of which ``working`` get the technicians' default shifts."""

    days: int = 1
    working: tuple[date, ...] = ()


def parse_horizon(path: Path, section: dict[str, Any], start: date | None,
                  problems: list[str]) -> Horizon:
    """``days``, ``working_weekdays`` (default Monday to Friday) and ``non_working_days``
    (a list of dates: public holidays, company closures). A one-day plan (``plan_date``,
    or ``days = 1``) works on its date whatever the weekday."""
    days = 1
    if "days" in section:
        days = number(path, "[scenario] days", section["days"], HORIZON_DAYS, problems) or 1
    weekdays = section.get("working_weekdays", list(WEEKDAYS[:5]))
    if not isinstance(weekdays, list) or not all(
            isinstance(w, str) and w.lower()[:3] in WEEKDAYS for w in weekdays):
        problems.append(f"{path} [scenario] working_weekdays={weekdays!r}: must be a list "
                        f"of weekdays from {', '.join(WEEKDAYS)}")
        weekdays = list(WEEKDAYS[:5])
    numbers = {WEEKDAYS.index(w.lower()[:3]) for w in weekdays}
    closed: set[date] = set()
    raw = section.get("non_working_days", [])
    if not isinstance(raw, list):
        problems.append(f"{path} [scenario] non_working_days={raw!r}: must be a list of "
                        'dates, e.g. ["2026-12-08", "2026-12-25"]')
        raw = []
    for value in raw:
        if (day := _date(path, "[scenario] non_working_days", value, problems)) is not None:
            closed.add(day)
    if start is None:
        return Horizon(days)
    dates = [start + timedelta(days=k) for k in range(days)]
    if days == 1:
        return Horizon(1, tuple(d for d in dates if d not in closed))
    return Horizon(days, tuple(d for d in dates
                               if d.weekday() in numbers and d not in closed))


def parse_plan_date_and_zone(path: Path, section: dict[str, Any], problems: list[str]):
    """The first day planned (``plan_date``, or ``start_date`` of a several-day horizon)
    and the time zone."""
    plan_date = tz = None
    key = "start_date" if "start_date" in section else "plan_date"
    raw_date = section.get(key)
    if "start_date" in section and "plan_date" in section:
        problems.append(f"{path} [scenario]: give plan_date (one day) or start_date and days, "
                        "not both")
    elif "days" in section and key == "plan_date":
        problems.append(f"{path} [scenario] days: needs start_date (plan_date is one day)")
    if raw_date is None:
        problems.append(f"{path} [scenario]: plan_date is required (YYYY-MM-DD), or "
                        "start_date and days")
    else:
        plan_date = _date(path, f"[scenario] {key}", raw_date, problems)
    zone = section.get("timezone")
    if zone is None:
        problems.append(f"{path} [scenario]: timezone is required (e.g. 'Europe/Vaduz')")
    else:
        try:
            tz = ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"{path} [scenario] timezone={zone!r}: unknown IANA time zone")
    return plan_date, tz


def check_name(path: Path, section: dict[str, Any], problems: list[str]) -> None:
    """``[scenario] name`` and ``description`` are text; a name needs a letter or digit.

    A name is display text (it may contain ``/``); the output folder is made from it
    with :func:`safe_folder_name`.
    """
    if "name" in section:
        name = _text(path, "[scenario] name", section["name"], problems)
        if name is not None and not any(c.isalnum() for c in name):
            problems.append(f"{path} [scenario] name={name!r}: must contain a letter or digit "
                            "(leave name out to use the folder's name)")
    if "description" in section:
        _text(path, "[scenario] description", section["description"], problems)


_UNSAFE = re.compile(r"[^\w.-]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def safe_folder_name(name: str) -> str:
    """A file-name slug of ``name``: safe as one folder or file name on any system.

    Letters (any script) and digits are kept; runs of anything else except ``-``,
    ``_`` and single dots become ``-``. The result has no path separator, does not
    start with a dot or ``-`` and holds no ``..``; it is at most 100 characters
    long, and ``"scenario"`` when nothing is left.

    >>> safe_folder_name("../../../../x")
    'x'
    >>> safe_folder_name("Zürich Nord / Süd")
    'Zürich-Nord-Süd'
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _UNSAFE.sub("-", text)            # separators, spaces, control characters
    text = re.sub(r"\.{2,}", ".", text)      # no ".."
    text = re.sub(r"-{2,}", "-", text)
    text = text.strip(".-_ ")[:100].rstrip(".-_ ")
    if _WINDOWS_RESERVED.match(text):
        text = f"{text}_"
    return text or "scenario"


# -- data files ------------------------------------------------------------------------------


def _resolved(toml_path: Path, value: str) -> tuple[Path, Path]:
    """The folder relative paths start from, and ``value`` resolved against it."""
    folder = Path(os.path.abspath(toml_path.parent))
    return folder, Path(os.path.abspath(folder / value))


def check_osm_file(toml_path: Path, section: str, value: Any, problems: list[str]) -> None:
    """An ``osm_file`` must name an existing OSM extract; relative to the scenario.toml."""
    where = f"[{section}] osm_file"
    if _text(toml_path, where, value, problems) is None:
        return
    folder, path = _resolved(toml_path, value)
    if not value.strip() or not value.lower().endswith(OSM_SUFFIXES):
        problems.append(f"{toml_path} {where}={value!r}: not an OSM extract; the file name "
                        f"must end in {', '.join(OSM_SUFFIXES)} (resolved from {folder})")
    elif not path.is_file():
        problems.append(f"{toml_path} {where}={value!r}: no such file {str(path)!r} "
                        f"(resolved from {folder})")


def check_base(toml_path: Path, value: Any, problems: list[str]) -> Path | None:
    """The base scenario's folder (relative to the what-if's scenario.toml), if it exists."""
    where = "[scenario] base"
    if _text(toml_path, where, value, problems) is None:
        return None
    folder, path = _resolved(toml_path, value)
    if not path.is_dir():
        problems.append(f"{toml_path} {where}={value!r}: no such folder {str(path)!r} "
                        f"(resolved from {folder})")
        return None
    if not (path / "scenario.toml").is_file():
        problems.append(f"{toml_path} {where}={value!r}: {str(path)!r} has no scenario.toml "
                        f"(resolved from {folder})")
        return None
    return path


# -- [travel] and [geocode] ------------------------------------------------------------------


def _bbox(path: Path, where: str, value: Any, problems: list[str]):
    try:
        west, south, east, north = (
            float(v) for v in value if not isinstance(v, bool) and isinstance(v, int | float))
    except (TypeError, ValueError):
        problems.append(f"{path} {where}={value!r}: must be [west, south, east, north] "
                        "in degrees")
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        problems.append(f"{path} {where}={value!r}: must be [west, south, east, north] in "
                        "degrees, with -180 <= west < east <= 180 and -90 <= south < north <= 90")
        return None
    return (west, south, east, north)


def _numbers_and_boxes(path: Path, name: str, section: dict[str, Any],
                       problems: list[str]) -> dict[str, Any]:
    """The valid values of ``section`` (only known keys); problems for the others."""
    values: dict[str, Any] = {}
    ranges = TOML_RANGES.get(name, {})
    for key, value in section.items():
        if key not in TOML_KEYS[name]:
            continue  # reported by check_toml_keys
        where = f"[{name}] {key}"
        if key in ranges:
            checked = number(path, where, value, ranges[key], problems)
            if checked is not None:
                values[key] = checked
        elif key == "bbox":
            box = _bbox(path, where, value, problems)
            if box is not None:
                values[key] = box
        else:
            values[key] = value
    return values


def parse_travel(path: Path, config: dict[str, Any], problems: list[str]) -> TravelSettings:
    """``[travel]``: ranges, the source and what it needs (file, place or bbox)."""
    values = _numbers_and_boxes(path, "travel", _section(config, "travel"), problems)
    source = values.get("source", TravelSource.HAVERSINE)
    if source in TRAVEL_SOURCES:
        source = values["source"] = TravelSource(source)
    else:
        problems.append(f"{path} [travel] source={source!r}: use {', '.join(TRAVEL_SOURCES)}")
        values.pop("source")
        source = TravelSource.HAVERSINE
    if "place" in values and _text(path, "[travel] place", values["place"], problems) is None:
        values.pop("place")
    if "osm_file" in values:
        check_osm_file(path, "travel", values["osm_file"], problems)
    needs = {"osm_file": 'osm_file = "<extract>.osm.bz2"',
             "place": 'place = "Vaduz, Liechtenstein"',
             "bbox": "bbox = [west, south, east, north]"}
    if source in needs and source not in values and source not in _section(config, "travel"):
        problems.append(f'{path} [travel] source="{source}": needs {needs[source]}')
    if "speed_factors" in values:
        values["speed_factors"] = _speed_factors(path, values["speed_factors"], problems)
    if "peaks" in values:
        values["peaks"] = _peaks(path, values["peaks"], problems)
    return replace(TravelSettings(), **{k: v for k, v in values.items()
                                       if k in TOML_KEYS["travel"]})


def _speed_factors(path: Path, value: Any, problems: list[str]) -> dict[str, float]:
    """``[travel.speed_factors]``: known road classes, each factor in its range; the
    classes not given keep their :data:`~optimizer.model.DEFAULT_SPEED_FACTORS`."""
    factors = dict(DEFAULT_SPEED_FACTORS)
    if not isinstance(value, dict):
        problems.append(f"{path} [travel] speed_factors={value!r}: must be a table, e.g. "
                        "[travel.speed_factors] with residential = 0.6")
        return factors
    for road_class, factor in value.items():
        where = f"[travel.speed_factors] {road_class}"
        if road_class not in ROAD_CLASSES:
            problems.append(f"{path} {where}: unknown road class (known: "
                            f"{', '.join(ROAD_CLASSES)})")
            continue
        checked = number(path, where, factor, SPEED_FACTOR_RANGE, problems)
        if checked is not None:
            factors[road_class] = float(checked)
    return factors


_PEAK_KEYS = ("start", "end", "speed_factor")


def _peaks(path: Path, value: Any, problems: list[str]) -> tuple[Peak, ...]:
    """``[[travel.peaks]]``: each with ``start`` and ``end`` (``HH:MM``, start before end)
    and a ``speed_factor`` in :data:`PEAK_FACTOR_RANGE`."""
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        problems.append(f"{path} [travel] peaks={value!r}: must be [[travel.peaks]] tables "
                        'with start = "07:00", end = "09:00" and speed_factor = 0.75')
        return ()
    peaks = []
    for k, table in enumerate(value, start=1):
        where = f"[[travel.peaks]] number {k}"
        unknown = sorted(set(table) - set(_PEAK_KEYS))
        if unknown:
            problems.append(f"{path} {where}: unknown key {unknown[0]!r} (known: "
                            f"{', '.join(_PEAK_KEYS)})")
        clocks = []
        for key in ("start", "end"):
            text = table.get(key)
            minutes = _clock_min(text)
            if minutes is None:
                problems.append(f"{path} {where} {key}={text!r}: must be a time of day "
                                '"HH:MM" (00:00..24:00)')
            clocks.append(minutes)
        factor = number(path, f"{where} speed_factor", table.get("speed_factor"),
                        PEAK_FACTOR_RANGE, problems)
        start, end = clocks
        if start is not None and end is not None and end <= start:
            problems.append(f"{path} {where} start={table['start']!r}, end={table['end']!r}: "
                            "ends before it starts")
        elif None not in clocks and factor is not None:
            peaks.append(Peak(start, end, float(factor)))
    return tuple(peaks)


def _clock_min(value: Any) -> int | None:
    """Minutes after midnight of ``HH:MM`` (``24:00`` is 1440), or None."""
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def parse_geocode(path: Path, config: dict[str, Any], problems: list[str]) -> GeocodeSettings:
    """``[geocode]``: ranges, a known provider, options, country codes, osm_file."""
    values = _numbers_and_boxes(path, "geocode", _section(config, "geocode"), problems)
    if "provider" in values:
        provider = _text(path, "[geocode] provider", values["provider"], problems)
        if provider is None:
            values.pop("provider")
        elif not _known_geocoder(provider):
            problems.append(f"{path} [geocode] provider={provider!r}: unknown geocoder (use "
                            f"gazetteer, nominatim or a geopy geocoder name: "
                            f"{', '.join(_geopy_services())})")
            values.pop("provider")
    if "options" in values and not isinstance(values["options"], dict):
        problems.append(f"{path} [geocode] options={values['options']!r}: must be a table, "
                        'e.g. { domain = "nominatim.example.org" }')
        values.pop("options")
    if "country_codes" in values:
        codes = values["country_codes"]
        if not isinstance(codes, list) or not all(
                isinstance(c, str) and len(c) == 2 and c.isalpha() for c in codes):
            problems.append(f"{path} [geocode] country_codes={codes!r}: must be a list of "
                            'two-letter codes, e.g. ["li", "ch"]')
            values.pop("country_codes")
        else:
            values["country_codes"] = tuple(codes)
    if "osm_file" in values:
        check_osm_file(path, "geocode", values["osm_file"], problems)
    if "route_low_confidence" in values and not isinstance(values["route_low_confidence"], bool):
        problems.append(f"{path} [geocode] route_low_confidence="
                        f"{values['route_low_confidence']!r}: must be true or false")
        values.pop("route_low_confidence")
    if "address_rules" in values:
        rules = values["address_rules"]
        if not isinstance(rules, str) or not (path.parent / rules).is_file():
            problems.append(f"{path} [geocode] address_rules={rules!r}: no such file "
                            "(a TOML file of address rules, relative to the scenario)")
            values.pop("address_rules")
        else:
            try:
                from optimizer.geo.address_rules import load_rules

                load_rules(path.parent / rules)
            except InputError as exc:
                problems.extend(exc.problems)
                values.pop("address_rules")
    return replace(GeocodeSettings(), **values)


def _geopy_services() -> list[str]:
    from geopy.geocoders import SERVICE_TO_GEOCODER

    return sorted(SERVICE_TO_GEOCODER)


def _known_geocoder(provider: str) -> bool:
    name = provider.strip().lower()
    return name in OFFLINE_GEOCODERS or name in _geopy_services()


# -- [objective] and [solver] ----------------------------------------------------------------


def parse_weights(path: Path, section: Any, problems: list[str]) -> ObjectiveWeights:
    defaults = ObjectiveWeights()
    if not isinstance(section, dict):
        return defaults
    ranges = TOML_RANGES["objective"]
    values: dict[str, Any] = {}
    for key, value in section.items():
        default = getattr(defaults, key, None)
        if key not in ranges:
            continue  # reported by check_toml_keys
        if key == "balance" and isinstance(value, str):
            if value == BALANCE_OFF:
                values[key] = None
            else:
                problems.append(f"{path} [objective] balance={value!r}: must be "
                                f"{BALANCE_OFF!r} or a cost per hour ({ranges[key]})")
            continue
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{path} [objective] {key}={value!r}: must be a table by "
                                f"priority ([objective.{key}])")
                continue
            merged = dict(default)
            for level, amount in value.items():
                if level not in {p.value for p in Priority}:
                    problems.append(f"{path} [objective.{key}] {level!r}: unknown priority "
                                    f"(use {', '.join(p.value for p in Priority)})")
                    continue
                checked = number(path, f"[objective.{key}] {level}", amount, ranges[key],
                                 problems)
                if checked is not None:
                    merged[Priority(level)] = float(checked)
            values[key] = merged
        else:
            checked = number(path, f"[objective] {key}", value, ranges[key], problems)
            if checked is not None:
                values[key] = float(checked)
    return replace(defaults, **values)


def parse_solve_params(path: Path, section: Any, problems: list[str],
                       base: SolveParams | None = None) -> SolveParams:
    """``[solver]`` over ``base`` (the defaults, or a what-if's base scenario's)."""
    base = base or SolveParams()
    if not isinstance(section, dict):
        return base
    values = _numbers_and_boxes(path, "solver", section, problems)
    values.pop("territories", None)  # the problem's: parse_territory_mode
    if "log_search" in values and not isinstance(values["log_search"], bool):
        problems.append(f"{path} [solver] log_search={values['log_search']!r}: must be "
                        "true or false")
        values.pop("log_search")
    valid = {}
    for key, value in values.items():
        try:
            replace(base, **{key: value})
        except (TypeError, ValueError) as exc:
            problems.append(f"{path} [solver] {exc}")
            continue
        valid[key] = value
    return replace(base, **valid)


def parse_territory_mode(path: Path, section: Any, problems: list[str],
                         default: str = "hard") -> str:
    """``[solver] territories``: "hard" or "soft" (``default`` when absent)."""
    if not isinstance(section, dict) or "territories" not in section:
        return default
    value = section["territories"]
    if value not in TERRITORY_MODES:
        problems.append(f"{path} [solver] territories={value!r}: use "
                        f"{' or '.join(repr(m) for m in TERRITORY_MODES)}")
        return default
    return value


def parse_response_targets(path: Path, config: dict[str, Any], problems: list[str]):
    """``[sla] response_target_h = { critical = 4, ... }``: hours by priority."""
    targets = dict(DEFAULT_RESPONSE_TARGET_H)
    value = _section(config, "sla").get("response_target_h")
    if value is None:
        return targets
    if not isinstance(value, dict):
        problems.append(f"{path} [sla] response_target_h={value!r}: must be a table by "
                        "priority, e.g. { critical = 4, high = 8, normal = 24, low = 72 }")
        return targets
    for level, hours in value.items():
        if level not in {p.value for p in Priority}:
            problems.append(f"{path} [sla] response_target_h.{level}: unknown priority "
                            f"(use {', '.join(p.value for p in Priority)})")
            continue
        checked = number(path, f"[sla] response_target_h.{level}", hours,
                         TOML_RANGES["sla"]["response_target_h"], problems)
        if checked is not None:
            targets[Priority(level)] = float(checked)
    return targets


def parse_publish(path: Path, config: dict[str, Any], problems: list[str]) -> PublishSettings:
    """``[notify] eta_margin_min`` and ``[privacy] phone_pages``."""
    values: dict[str, Any] = {}
    notify = _section(config, "notify")
    if "eta_margin_min" in notify:
        margin = number(path, "[notify] eta_margin_min", notify["eta_margin_min"],
                        TOML_RANGES["notify"]["eta_margin_min"], problems)
        if margin is not None:
            values["eta_margin_min"] = float(margin)
    privacy = _section(config, "privacy")
    if "phone_pages" in privacy:
        if privacy["phone_pages"] in PHONE_PAGES:
            values["phone_pages"] = privacy["phone_pages"]
        else:
            problems.append(f"{path} [privacy] phone_pages={privacy['phone_pages']!r}: use "
                            f"{' or '.join(repr(m) for m in PHONE_PAGES)}")
    return PublishSettings(**values)


def check_change_numbers(path: Path, where: str, spec: Any, problems: list[str]) -> None:
    """The numbers of one ``[[changes]]`` table (``where`` names it) against their ranges."""
    if not isinstance(spec, dict):
        return  # parse_change reports it
    kind = spec.get("type")
    for key, allowed in CHANGE_RANGES.get(kind, {}).items():
        if key in spec:
            number(path, f"{where} ({kind}) {key}", spec[key], allowed, problems)
    for key in ("skills_mix", "priority_mix"):
        if kind == "scale_demand" and isinstance(spec.get(key), dict):
            for name, weight in spec[key].items():
                number(path, f"{where} ({kind}) {key}.{name}", weight, MIX_WEIGHT, problems)
    if kind == "objective" and isinstance(spec.get("weights"), dict):
        ranges = TOML_RANGES["objective"]
        for key, value in spec["weights"].items():
            if key not in ranges:
                continue  # the change reports an unknown weight
            if key == "balance" and value == BALANCE_OFF:
                continue
            for level, amount in (value.items() if isinstance(value, dict) else [("", value)]):
                name = f"{key}.{level}" if level else key
                number(path, f"{where} (objective) weights.{name}", amount, ranges[key],
                       problems)


# -- [maps] ----------------------------------------------------------------------------------


def check_maps(path: Path, section: Any, problems: list[str]) -> dict[str, str]:
    """``[maps]``: ``tiles`` must be "none", a known provider or a URL template.

    The provider names are xyzservices' (what folium's tile layers accept);
    xyzservices is read here without importing folium.
    """
    if not isinstance(section, dict):
        return {}
    maps: dict[str, str] = {}
    for key in ("tiles", "tile_attribution"):
        if key in section and _text(path, f"[maps] {key}", section[key], problems) is not None:
            maps[key] = section[key]
    tiles = maps.get("tiles")
    if tiles is None or tiles.strip().lower() in NO_TILES:
        return maps
    provider = _tile_provider(tiles)
    if provider is not None:
        try:  # what folium does with a provider name
            url = provider.build_url(fill_subdomain=False, scale_factor="{r}")
        except ValueError:
            url = None
        if url is None or "{z}" not in url:
            problems.append(f"{path} [maps] tiles={tiles!r}: this provider needs an API key "
                            "(or has no {z}/{x}/{y} tiles); use a URL template that contains "
                            "the key, with tile_attribution, or another provider")
        return maps
    if "://" in tiles or "{" in tiles:
        missing = [p for p in _URL_PARTS if p not in tiles]
        if missing:
            problems.append(f"{path} [maps] tiles={tiles!r}: a URL template needs "
                            f"{', '.join(_URL_PARTS)} (missing {', '.join(missing)})")
        elif not maps.get("tile_attribution", "").strip():
            problems.append(f"{path} [maps] tiles={tiles!r}: a URL template needs "
                            'tile_attribution = "..." (who provides the tiles)')
        return maps
    names = {name.lower(): name for name in ("OpenStreetMap", *_tile_names())}
    close = [names[c] for c in difflib.get_close_matches(tiles.lower(), names, n=3, cutoff=0.6)]
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    problems.append(
        f"{path} [maps] tiles={tiles!r}: unknown tile provider. Use \"none\", an xyzservices "
        f"provider name (e.g. OpenStreetMap, OpenStreetMap.HOT, OpenTopoMap; all "
        f"{len(_tile_names())} names: python -c \"import xyzservices; "
        f"print(*xyzservices.providers.flatten(), sep=chr(10))\"), or a URL template with "
        f"{{z}}/{{x}}/{{y}} and tile_attribution.{hint}")
    return maps


def _tile_names() -> list[str]:
    import xyzservices

    return sorted(xyzservices.providers.flatten())


def _tile_provider(tiles: str) -> Any:
    """The xyzservices provider named ``tiles`` (as folium finds it), or None."""
    import xyzservices

    if tiles.strip().lower() == "openstreetmap":  # folium's alias
        tiles = "OpenStreetMap Mapnik"
    try:
        return xyzservices.providers.query_name(tiles)
    except ValueError:
        return None


__all__ = [
    "CHANGE_RANGES",
    "HORIZON_DAYS",
    "OSM_SUFFIXES",
    "PHONE_PAGES",
    "TOML_KEYS",
    "TOML_RANGES",
    "Horizon",
    "PublishSettings",
    "check_base",
    "check_change_numbers",
    "check_maps",
    "check_name",
    "check_osm_file",
    "check_toml_keys",
    "number",
    "parse_geocode",
    "parse_horizon",
    "parse_plan_date_and_zone",
    "parse_publish",
    "parse_response_targets",
    "parse_solve_params",
    "parse_territory_mode",
    "parse_travel",
    "parse_weights",
    "safe_folder_name",
]
