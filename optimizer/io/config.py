"""scenario.toml: known sections and keys, and their typed, validated values."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from optimizer.model import GeocodeSettings, ObjectiveWeights, Priority, TravelSettings
from optimizer.solve.params import SolveParams

TOML_KEYS: dict[str, set[str]] = {
    "scenario": {"name", "plan_date", "timezone", "description", "base"},
    "travel": {f for f in TravelSettings.__dataclass_fields__},
    "solver": {f for f in SolveParams.__dataclass_fields__},
    "objective": {f for f in ObjectiveWeights.__dataclass_fields__},
    "geocode": {f for f in GeocodeSettings.__dataclass_fields__},
    "maps": {"tiles", "tile_attribution"},
}


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


def parse_plan_date_and_zone(path: Path, section: dict[str, Any], problems: list[str]):
    plan_date = tz = None
    raw_date = section.get("plan_date")
    if raw_date is None:
        problems.append(f"{path} [scenario]: plan_date is required (YYYY-MM-DD)")
    elif isinstance(raw_date, date) and not isinstance(raw_date, datetime):
        plan_date = raw_date
    else:
        try:
            plan_date = date.fromisoformat(str(raw_date))
        except ValueError:
            problems.append(f"{path} [scenario] plan_date={raw_date!r}: not a date (YYYY-MM-DD)")
    zone = section.get("timezone")
    if zone is None:
        problems.append(f"{path} [scenario]: timezone is required (e.g. 'Europe/Vaduz')")
    else:
        try:
            tz = ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"{path} [scenario] timezone={zone!r}: unknown IANA time zone")
    return plan_date, tz


def parse_settings(path: Path, name: str, kind: type, config: dict[str, Any], problems: list[str]):
    values = {k: v for k, v in config.get(name, {}).items() if k in TOML_KEYS[name]}
    for key in ("bbox", "country_codes"):
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    defaults = kind()
    for key, value in values.items():
        default = getattr(defaults, key)
        if isinstance(default, float) and not (
            isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        ):
            problems.append(f"{path} [{name}] {key}={value!r}: must be a number > 0")
            return defaults
    if name == "travel" and values.get("source", "haversine") not in (
        "haversine", "osm_file", "place", "bbox"
    ):
        problems.append(f"{path} [travel] source={values['source']!r}: use haversine, "
                        "osm_file, place or bbox")
        return defaults
    return kind(**values)


def parse_weights(path: Path, section: dict[str, Any], problems: list[str]) -> ObjectiveWeights:
    defaults = ObjectiveWeights()
    values: dict[str, Any] = {}
    for key, value in section.items():
        default = getattr(defaults, key, None)
        if isinstance(default, dict):
            if not isinstance(value, dict):
                problems.append(f"{path} [objective] {key}: must be a table by priority")
                continue
            merged = dict(default)
            for level, amount in value.items():
                if level not in {p.value for p in Priority}:
                    problems.append(f"{path} [objective.{key}] {level!r}: unknown priority")
                elif not isinstance(amount, int | float) or amount < 0:
                    problems.append(f"{path} [objective.{key}] {level}={amount!r}: must be >= 0")
                else:
                    merged[Priority(level)] = float(amount)
            values[key] = merged
        elif default is not None:
            if not isinstance(value, int | float) or value < 0:
                problems.append(f"{path} [objective] {key}={value!r}: must be a number >= 0")
            else:
                values[key] = float(value)
    return replace(defaults, **values)


def parse_solve_params(path: Path, section: dict[str, Any], problems: list[str]) -> SolveParams:
    try:
        return SolveParams(**{k: v for k, v in section.items() if k in TOML_KEYS["solver"]})
    except (TypeError, ValueError) as exc:
        problems.append(f"{path} [solver]: {exc}")
        return SolveParams()


_FOLDER_UNSAFE = re.compile(r"[^\w.-]+")


def safe_folder_name(name: str) -> str:
    """``name`` (a scenario's) as one folder name that stays inside its parent folder.

    Runs of characters other than letters, digits, ``_``, ``.`` and ``-`` (so
    also ``/`` and ``\\``) become ``_``; leading dots are removed, so the result
    is never ``.``, ``..`` or hidden. An empty result becomes ``scenario``.
    """
    return _FOLDER_UNSAFE.sub("_", name).lstrip(".") or "scenario"
