"""An offline background map read from the scenario's own OSM extract.

:func:`read_basemap` keeps what a dispatcher needs to find their way when no tile
server answers: main roads (``motorway`` to ``tertiary`` and their links), rivers
and canals, lakes and riverbanks drawn as closed ways, and the names of cities,
towns, villages and suburbs, all inside a box around the plan. Lines are
simplified (shapely, about 15 m) and the result is cached under
``settings.cache_dir/basemaps``, keyed by the extract's hash and the box.
Water mapped only as multipolygon relations is not drawn (only closed ways are).
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from optimizer import settings
from optimizer.errors import InputError
from optimizer.geo.osm_file import open_osm_xml
from optimizer.model import Basemap, BasemapLine, BasemapPlace, Location, Problem, Schedule

#: Road classes drawn, most important first.
ROAD_KINDS = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: Place classes whose names are drawn.
PLACE_KINDS = ("city", "town", "village", "suburb")
#: Degrees added around the plan's points on each side (about 3 km).
MARGIN_DEG = 0.03
#: Douglas-Peucker tolerance in degrees (about 15 m).
SIMPLIFY_DEG = 0.00015
CACHE_VERSION = 1

BBox = tuple[float, float, float, float]  # south, west, north, east


def _kind(tags: dict[str, str]) -> str | None:
    road = tags.get("highway", "").removesuffix("_link")
    if road in ROAD_KINDS:
        return road
    if tags.get("waterway") in ("river", "canal"):
        return tags["waterway"]
    if tags.get("natural") == "water" or tags.get("waterway") == "riverbank" \
            or tags.get("landuse") == "reservoir":
        return "water"
    return None


def _inside(lat: float, lon: float, box: BBox) -> bool:
    return box[0] <= lat <= box[2] and box[1] <= lon <= box[3]


def _parse(path: Path, box: BBox) -> tuple[list[BasemapLine], list[BasemapPlace]]:
    coords: dict[str, tuple[float, float]] = {}
    places: list[BasemapPlace] = []
    lines: list[BasemapLine] = []
    with open_osm_xml(path) as stream:
        for _event, elem in ET.iterparse(stream, events=("end",)):
            if elem.tag == "node":
                lat, lon = float(elem.get("lat")), float(elem.get("lon"))
                coords[elem.get("id")] = (lat, lon)
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                if tags.get("place") in PLACE_KINDS and tags.get("name") \
                        and _inside(lat, lon, box):
                    places.append(BasemapPlace(tags["name"], tags["place"], Location(lat, lon)))
                elem.clear()
            elif elem.tag == "way":
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                kind = _kind(tags)
                if kind is not None:
                    pts = [coords[n.get("ref")] for n in elem.iter("nd") if n.get("ref") in coords]
                    if len(pts) >= 2 and any(_inside(a, b, box) for a, b in pts):
                        lines.append(_simplified(kind, pts))
                elem.clear()
            elif elem.tag == "relation":
                elem.clear()
    return lines, places


def _simplified(kind: str, pts: list[tuple[float, float]]) -> BasemapLine:
    import shapely  # only when an extract is read (its import takes a while)

    line = shapely.LineString([(lon, lat) for lat, lon in pts]).simplify(SIMPLIFY_DEG)
    return BasemapLine(kind, tuple(Location(round(lat, 5), round(lon, 5))
                                   for lon, lat in line.coords))


def plan_box(points: Iterable[Location], margin_deg: float = MARGIN_DEG) -> BBox | None:
    """(south, west, north, east) around ``points`` plus ``margin_deg``; ``None`` if empty."""
    pts = list(points)
    if not pts:
        return None
    return (min(p.lat for p in pts) - margin_deg, min(p.lon for p in pts) - margin_deg,
            max(p.lat for p in pts) + margin_deg, max(p.lon for p in pts) + margin_deg)


def _key(path: Path, box: BBox) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    request = {"sha256": digest.hexdigest(), "box": [round(x, 4) for x in box],
               "version": CACHE_VERSION, "roads": ROAD_KINDS, "simplify": SIMPLIFY_DEG}
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:20]


def read_basemap(path: str | Path, box: BBox, *, cache_dir: Path | None = None) -> Basemap:
    """The background of ``box`` (south, west, north, east) from the extract at ``path``.

    Raises
    ------
    InputError
        The file is missing or is not a readable OSM extract.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"osm_file {str(path)!r}: no such file")
    cache = Path(cache_dir or settings.cache_dir) / "basemaps" / f"{_key(path, box)}.json"
    if cache.is_file():
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            return Basemap(
                tuple(BasemapLine(k, tuple(Location(a, b) for a, b in pts))
                      for k, pts in data["lines"]),
                tuple(BasemapPlace(n, k, Location(a, b)) for n, k, a, b in data["places"]),
                path.name)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    try:
        lines, places = _parse(path, box)
    except (ET.ParseError, OSError, EOFError) as exc:
        raise InputError(f"osm_file {str(path)!r}: not a readable OSM file ({exc})") from exc
    order = {k: i for i, k in enumerate(("water", "river", "canal", *reversed(ROAD_KINDS)))}
    lines.sort(key=lambda line: order[line.kind])  # water first, the biggest roads on top
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps({
        "lines": [[ln.kind, [[p.lat, p.lon] for p in ln.points]] for ln in lines],
        "places": [[p.name, p.kind, p.location.lat, p.location.lon] for p in places],
    }), encoding="utf-8")
    tmp.replace(cache)
    return Basemap(tuple(lines), tuple(places), path.name)


def scenario_extract(problem: Problem, base_dir: Path | None) -> Path | None:
    """The scenario's OSM extract (``[travel] osm_file``, else ``[geocode] osm_file``),
    resolved against ``base_dir``; ``None`` when it names none or the file is missing."""
    for name in (problem.travel.osm_file, problem.geocode.osm_file):
        if name:
            path = Path(name)
            if not path.is_absolute() and base_dir is not None:
                path = Path(base_dir) / path
            if path.is_file():
                return path
    return None


def basemap_for(problem: Problem, schedule: Schedule, base_dir: Path | None, *,
                cache_dir: Path | None = None) -> Basemap | None:
    """The background around every place of ``schedule`` from the scenario's extract, or
    ``None`` when the scenario has no extract."""
    path = scenario_extract(problem, base_dir)
    points = [p for r in schedule.routes
              for p in (r.start_location, r.end_location, *(s.location for s in r.stops))]
    points += [o.location for o in problem.orders if o.location is not None]
    box = plan_box(points)
    if path is None or box is None:
        return None
    return read_basemap(path, box, cache_dir=cache_dir)
