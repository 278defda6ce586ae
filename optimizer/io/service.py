"""The service-quality columns of the tables (``created_at``, ``parts_ready_at``,
``postcode``, technicians' ``territories``) and the optional territories.geojson.

Each parser reads one cell through a :class:`~optimizer.io.schemas.RowReader`, so a
bad value is reported with its file, row, field and value like any other.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from optimizer.io.schemas import POSTCODE, SLA_MAX_DAYS, TERRITORY, RowReader

#: Optional polygons named by technicians.csv ``territories``, in the scenario folder.
TERRITORIES_FILE = "territories.geojson"


def created_at(r: RowReader) -> datetime | None:
    """When the request came in: up to SLA_MAX_DAYS before the plan date, and not after
    the plan date ends (a request from the future is a typo)."""
    created = r.moment("created_at")
    if created is None:
        return None
    midnight = datetime.combine(r.plan_date, time(0), tzinfo=r.tz)
    if created < midnight - timedelta(days=SLA_MAX_DAYS):
        r.fail("created_at", f"more than {SLA_MAX_DAYS} days before the plan date "
                             f"{r.plan_date} (a wrong year?)")
        return None
    if created > midnight + timedelta(days=1):
        r.fail("created_at", f"after the plan date {r.plan_date} (a request cannot come in "
                             "after the day it is planned for)")
        return None
    return created


def parts_ready_at(r: RowReader) -> datetime | None:
    """When the parts arrive: at most SLA_MAX_DAYS from the plan date."""
    return r.near_moment("parts_ready_at")


def postcode(r: RowReader) -> str:
    value = r.text("postcode").strip()
    if value and not POSTCODE.match(value):
        r.fail("postcode", "not a postcode (letters and digits, inner spaces or hyphens, "
                           "up to 12 characters)")
        return ""
    return value


def territories(r: RowReader) -> frozenset[str]:
    items = r.items("territories")
    bad = sorted(t for t in items if not TERRITORY.match(t))
    if bad:
        r.fail("territories", f"{', '.join(map(repr, bad))} is not a postcode prefix or "
                              "territory name (letters, digits, spaces, _ . -; separate "
                              "several with ;)")
        return frozenset()
    return items


def read_territories(folder: Path, problems: list[str]) -> dict[str, Any]:
    """territories.geojson's polygons by their ``name`` property (empty without the file)."""
    path = folder / TERRITORIES_FILE
    if not path.is_file():
        return {}
    from shapely.geometry import shape  # loaded only for a scenario with the file

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid GeoJSON: {exc}")
        return {}
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        problems.append(f"{path}: must be a GeoJSON FeatureCollection of polygons")
        return {}
    polygons: dict[str, Any] = {}
    for k, feature in enumerate(features, start=1):
        where = f"{path} feature {k}"
        props = feature.get("properties") if isinstance(feature, dict) else None
        name = props.get("name") if isinstance(props, dict) else None
        if not isinstance(name, str) or not TERRITORY.match(name):
            problems.append(f"{where}, name={name!r}: needs a name property (letters, digits, "
                            "spaces, _ . -)")
            continue
        try:
            geometry = shape(feature.get("geometry"))
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            problems.append(f"{where} ({name}): not a geometry: {exc}")
            continue
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
            problems.append(f"{where} ({name}): must be a valid Polygon or MultiPolygon "
                            f"(is {'an invalid ' if not geometry.is_valid else 'a '}"
                            f"{geometry.geom_type})")
            continue
        if name in polygons:
            problems.append(f"{where}, name={name!r}: duplicate territory name")
            continue
        polygons[name] = geometry
    return polygons


def territory_warnings(technicians, polygons: dict[str, Any]) -> list[str]:
    """A territory with no digit that names no polygon is probably a polygon name whose
    polygon is missing (it is used as a postcode prefix, and will match little)."""
    warnings = []
    for tech in technicians:
        for name in sorted(tech.territories):
            if name not in polygons and not any(ch.isdigit() for ch in name):
                warnings.append(f"technician {tech.tech_id}: territory {name!r} is no polygon "
                                f"of {TERRITORIES_FILE}, so it is read as a postcode prefix")
    return warnings
