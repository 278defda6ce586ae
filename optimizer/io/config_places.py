"""scenario.toml sections about places: ``[travel]`` (where travel times come from),
``[geocode]`` (how addresses become places) and ``[maps]`` (the background of the maps).

Like :mod:`optimizer.io.config`, every check appends to ``problems`` and carries on.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from optimizer.errors import InputError
from optimizer.geo.osm_file import SUFFIXES as _OSM_SUFFIXES
from optimizer.io.config import (
    TOML_KEYS,
    number,
    resolved_path,
    section_values,
    table_of,
    text_value,
)
from optimizer.io.schemas import Range
from optimizer.model import (
    DEFAULT_SPEED_FACTORS,
    ROAD_CLASSES,
    GeocodeSettings,
    Peak,
    TravelSettings,
    TravelSource,
)

#: The range of each factor of ``[travel.speed_factors]``.
SPEED_FACTOR_RANGE = Range(0.05, 2)
#: The range of a ``[[travel.peaks]]`` speed factor (a peak only slows traffic down).
PEAK_FACTOR_RANGE = Range(0.1, 1)
#: The values of ``[travel] source`` (members of :class:`~optimizer.model.TravelSource`).
TRAVEL_SOURCES = tuple(TravelSource)
#: File name endings an ``osm_file`` may have (what :mod:`optimizer.geo.osm_file` opens).
OSM_SUFFIXES = (*_OSM_SUFFIXES, ".pbf")
OFFLINE_GEOCODERS = ("gazetteer",)
#: Values of ``[maps] tiles`` that draw no background map.
NO_TILES = ("", "none")
_URL_PARTS = ("{z}", "{x}", "{y}")


def check_osm_file(toml_path: Path, section: str, value: Any, problems: list[str]) -> None:
    """An ``osm_file`` must name an existing OSM extract; relative to the scenario.toml."""
    where = f"[{section}] osm_file"
    if text_value(toml_path, where, value, problems) is None:
        return
    folder, path = resolved_path(toml_path, value)
    if not value.strip() or not value.lower().endswith(OSM_SUFFIXES):
        problems.append(f"{toml_path} {where}={value!r}: not an OSM extract; the file name "
                        f"must end in {', '.join(OSM_SUFFIXES)} (resolved from {folder})")
    elif not path.is_file():
        problems.append(f"{toml_path} {where}={value!r}: no such file {str(path)!r} "
                        f"(resolved from {folder})")


# -- [travel] and [geocode] ------------------------------------------------------------------


def parse_travel(path: Path, config: dict[str, Any], problems: list[str]) -> TravelSettings:
    """``[travel]``: ranges, the source and what it needs (file, place or bbox)."""
    values = section_values(path, "travel", table_of(config, "travel"), problems)
    source = values.get("source", TravelSource.HAVERSINE)
    if source in TRAVEL_SOURCES:
        source = values["source"] = TravelSource(source)
    else:
        problems.append(f"{path} [travel] source={source!r}: use {', '.join(TRAVEL_SOURCES)}")
        values.pop("source")
        source = TravelSource.HAVERSINE
    if "place" in values and text_value(path, "[travel] place", values["place"], problems) is None:
        values.pop("place")
    if "osm_file" in values:
        check_osm_file(path, "travel", values["osm_file"], problems)
    needs = {"osm_file": 'osm_file = "<extract>.osm.bz2"',
             "place": 'place = "Vaduz, Liechtenstein"',
             "bbox": "bbox = [west, south, east, north]"}
    if source in needs and source not in values and source not in table_of(config, "travel"):
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
    for k, peak in enumerate(value, start=1):
        where = f"[[travel.peaks]] number {k}"
        unknown = sorted(set(peak) - set(_PEAK_KEYS))
        if unknown:
            problems.append(f"{path} {where}: unknown key {unknown[0]!r} (known: "
                            f"{', '.join(_PEAK_KEYS)})")
        clocks = []
        for key in ("start", "end"):
            text = peak.get(key)
            minutes = _clock_min(text)
            if minutes is None:
                problems.append(f"{path} {where} {key}={text!r}: must be a time of day "
                                '"HH:MM" (00:00..24:00)')
            clocks.append(minutes)
        factor = number(path, f"{where} speed_factor", peak.get("speed_factor"),
                        PEAK_FACTOR_RANGE, problems)
        start, end = clocks
        if start is not None and end is not None and end <= start:
            problems.append(f"{path} {where} start={peak['start']!r}, end={peak['end']!r}: "
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
    values = section_values(path, "geocode", table_of(config, "geocode"), problems)
    if "provider" in values:
        provider = text_value(path, "[geocode] provider", values["provider"], problems)
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
        if key in section and text_value(path, f"[maps] {key}", section[key], problems) is not None:
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
    "NO_TILES",
    "OFFLINE_GEOCODERS",
    "OSM_SUFFIXES",
    "PEAK_FACTOR_RANGE",
    "SPEED_FACTOR_RANGE",
    "TRAVEL_SOURCES",
    "check_maps",
    "check_osm_file",
    "parse_geocode",
    "parse_travel",
]
