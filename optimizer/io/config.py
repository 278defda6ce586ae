"""scenario.toml: known sections and keys, and their typed, validated values.

Every check appends to ``problems`` (file, table/key, value, rule) and carries
on, so that one run reports the whole file. The allowed range of each number is
in :data:`TOML_RANGES` (and in docs/scenario-format.md).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.io.schemas import Range
from optimizer.model import (
    DEFAULT_RESPONSE_TARGET_H,
    TERRITORY_MODES,
    GeocodeSettings,
    ObjectiveWeights,
    Priority,
    TravelSettings,
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


def table_of(config: dict[str, Any], name: str) -> dict[str, Any]:
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


def text_value(path: Path, where: str, value: Any, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{path} {where}={value!r}: must be text (in double quotes)")
        return None
    return value


def bbox(path: Path, where: str, value: Any, problems: list[str]):
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


def section_values(path: Path, name: str, section: dict[str, Any],
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
            box = bbox(path, where, value, problems)
            if box is not None:
                values[key] = box
        else:
            values[key] = value
    return values


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
        name = text_value(path, "[scenario] name", section["name"], problems)
        if name is not None and not any(c.isalnum() for c in name):
            problems.append(f"{path} [scenario] name={name!r}: must contain a letter or digit "
                            "(leave name out to use the folder's name)")
    if "description" in section:
        text_value(path, "[scenario] description", section["description"], problems)


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


def resolved_path(toml_path: Path, value: str) -> tuple[Path, Path]:
    """The folder relative paths start from, and ``value`` resolved against it."""
    folder = Path(os.path.abspath(toml_path.parent))
    return folder, Path(os.path.abspath(folder / value))


def check_base(toml_path: Path, value: Any, problems: list[str]) -> Path | None:
    """The base scenario's folder (relative to the what-if's scenario.toml), if it exists."""
    where = "[scenario] base"
    if text_value(toml_path, where, value, problems) is None:
        return None
    folder, path = resolved_path(toml_path, value)
    if not path.is_dir():
        problems.append(f"{toml_path} {where}={value!r}: no such folder {str(path)!r} "
                        f"(resolved from {folder})")
        return None
    if not (path / "scenario.toml").is_file():
        problems.append(f"{toml_path} {where}={value!r}: {str(path)!r} has no scenario.toml "
                        f"(resolved from {folder})")
        return None
    return path


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
    values = section_values(path, "solver", section, problems)
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
    value = table_of(config, "sla").get("response_target_h")
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
    notify = table_of(config, "notify")
    if "eta_margin_min" in notify:
        margin = number(path, "[notify] eta_margin_min", notify["eta_margin_min"],
                        TOML_RANGES["notify"]["eta_margin_min"], problems)
        if margin is not None:
            values["eta_margin_min"] = float(margin)
    privacy = table_of(config, "privacy")
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


__all__ = [
    "CHANGE_RANGES",
    "HORIZON_DAYS",
    "PHONE_PAGES",
    "TOML_KEYS",
    "TOML_RANGES",
    "Horizon",
    "PublishSettings",
    "bbox",
    "check_base",
    "check_change_numbers",
    "check_name",
    "check_toml_keys",
    "number",
    "parse_horizon",
    "parse_plan_date_and_zone",
    "parse_publish",
    "parse_response_targets",
    "parse_solve_params",
    "parse_territory_mode",
    "parse_weights",
    "resolved_path",
    "safe_folder_name",
    "section_values",
    "table_of",
    "text_value",
]
