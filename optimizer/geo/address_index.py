"""The address index of an OSM extract: parsing, normalised keys and the on-disk cache.

:func:`read_osm` streams the ``addr:*`` tags of an extract (``.osm``, ``.osm.bz2``,
``.osm.gz`` or ``.osm.pbf``, see :mod:`.osm_file`) with an XML parser;
:func:`build_index` groups the addresses by street and locality into a
:class:`GazetteerIndex`, and :func:`load_index` pickles it under
``settings.cache_dir``, keyed by the file's SHA-256.

Names are indexed under normalised keys (:func:`name_keys`, from the address rules of
:mod:`.address_rules`): case, accents, umlauts written as ``ä``, ``ae`` or ``a``,
street types and their abbreviations in ten languages, particles, spaces and hyphens.
Each street group knows its extent (for error radii) and the localities it lies in
(``addr:city``, ``addr:suburb``, and ``place=*`` nodes near it, in all their ``name:*``
spellings). A missing postcode or city is taken from the nearest address within
:data:`INFER_LOCALITY_M`. Coordinates of ways are the
mean of their distinct nodes; of relations, the mean of their members.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
import xml.parsers.expat
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from optimizer import settings
from optimizer.errors import GeocodeError
from optimizer.geo.address_rules import AddressRules, fold, load_rules
from optimizer.geo.osm_file import open_osm_xml

logger = logging.getLogger(__name__)

#: Bump when the index layout or the normalisation changes (invalidates disk caches).
#: 2: the index classes moved from ``optimizer.geo.gazetteer`` to this module.
#: 3-4: address rules per language, localities, street extents, road aliases (issue 16).
#: 5: a street is near the nearest place of each rank only (:data:`PLACE_TIERS`).
INDEX_VERSION = 5
#: A missing postcode or city is taken from the nearest address within this distance.
INFER_LOCALITY_M = 3000.0
_M_PER_DEG_LAT = 111_195.0
#: Tags whose value is another name of a road (a street in another language, or as it was).
_ALIAS_TAGS = ("name:", "alt_name", "old_name", "official_name", "short_name", "loc_name")
#: The smallest error radius of a locality-level match (metres).
MIN_LOCALITY_M = 500.0
#: How far a ``place=*`` node's name reaches, by kind (metres): a group of addresses
#: this close to the node may be "in" that place for disambiguation (see
#: :data:`PLACE_TIERS`).
PLACE_RADIUS_M = {"city": 8000.0, "town": 4000.0, "village": 2000.0, "suburb": 1500.0,
                  "borough": 2500.0, "quarter": 1000.0, "neighbourhood": 600.0,
                  "hamlet": 800.0, "isolated_dwelling": 300.0, "locality": 500.0}
#: Kinds of place of one rank. A street is in the nearest place of each rank whose
#: radius reaches it, seen from each of its points, not in every one: in a valley of
#: towns 2-4 km apart (Andorra) the radius of a town reaches the next town's streets,
#: and "Carrer Major 7, Encamp" was placed on the Carrer Major of Canillo, 3.7 km away,
#: as if it were in Encamp.
PLACE_TIERS = (("city", "town"), ("village", "suburb", "borough"),
               ("quarter", "neighbourhood", "hamlet", "isolated_dwelling", "locality"))


# -- normalisation ---------------------------------------------------------------------------


def name_keys(name: str, rules: AddressRules | None = None) -> frozenset[str]:
    """Every key under which a street or place ``name`` is indexed (see
    :meth:`AddressRules.name_keys`)."""
    return (rules or load_rules()).name_keys(name)


def housenumber_keys(value: str) -> list[str]:
    """Keys of a tagged house number: ``"14 A"`` -> ``["14a"]``, a range ``"2-4"`` -> both ends."""
    value = re.sub(r"\s+", "", fold(value))
    ends = re.fullmatch(r"(\d+[a-z]?)[-\u2013/](\d+[a-z]?)", value)
    return list(ends.groups()) if ends else [value]


# -- the index -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """One addressed OSM object. ``locality_inferred`` if postcode or city came from a neighbour."""

    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float
    lon: float
    osm_ref: str
    locality_inferred: bool = False
    suburb: str = ""

    @property
    def number(self) -> int | None:
        match = re.match(r"\d+", self.housenumber)
        return int(match.group()) if match else None


@dataclass(frozen=True, slots=True)
class StreetGroup:
    """A street within one locality: its addresses by house-number key and its centroid.

    ``extent_m`` is the distance from the centroid to the farthest node or address of
    the street (the error radius of a street-level match); ``localities`` are the keys
    of every locality the street lies in (``addr:city``, ``addr:suburb``,
    ``addr:place`` and the ``place=*`` nodes near it, in all their ``name:*`` spellings).
    """

    street: str
    postcode: str
    city: str
    centroid_lat: float
    centroid_lon: float
    points: tuple[int, ...]
    by_housenumber: Mapping[str, tuple[int, ...]]
    extent_m: float = 0.0
    localities: frozenset[str] = frozenset()
    #: Keys of the ``place=*`` nodes near the street (a weaker sign than ``localities``).
    places: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Locality:
    """A named place: its centroid and a radius that holds it (for locality-level matches)."""

    name: str
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class GazetteerIndex:
    """Everything a lookup needs; built by :func:`build_index`, cached by :func:`load_index`."""

    source: str
    sha256: str
    points: tuple[AddressPoint, ...]
    groups: tuple[StreetGroup, ...]
    street_keys: Mapping[str, tuple[int, ...]]
    city_keys: Mapping[str, str]
    postcodes: frozenset[str]
    version: int = INDEX_VERSION
    #: Street keys without their street type ("major" for "Carrer Major"), tried second.
    bare_street_keys: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    #: Locality key -> where it is.
    localities: Mapping[str, Locality] = field(default_factory=dict)
    #: ``addr:country`` codes seen in the extract (lower case).
    countries: frozenset[str] = frozenset()
    rules_digest: str = ""


def read_osm(path: Path) -> tuple[list[tuple[str, dict[str, str], float, float]], list[Any]]:
    """Stream an OSM XML file: ``(osm_ref, tags, lat, lon)`` of every object with
    ``addr:housenumber``, and ``(name, lats, lons)`` of every way with highway and name."""
    addressed, roads, _ = read_osm_places(path)
    return addressed, roads


def read_osm_places(path: Path) -> tuple[list[Any], list[Any], list[Any]]:
    """:func:`read_osm` and ``(kind, names, lat, lon)`` of every ``place=*`` node with a
    name, ``names`` being ``name`` first, then ``name:*``, ``alt_name`` and ``official_name``.

    The other names of roads (``name:*``, ``alt_name``, ``old_name``, ...) come from
    :func:`road_aliases`.
    """
    addressed, roads, places, _ = _read(path)
    return addressed, roads, places


def road_aliases(path: Path) -> list[tuple[str, str]]:
    """``(name, other name)`` of every named road with ``name:*``, ``alt_name``,
    ``old_name``, ``official_name`` or ``short_name`` (a street in another language)."""
    return _read(path)[3]


def _read(path: Path) -> tuple[list[Any], list[Any], list[Any], list[tuple[str, str]]]:
    places: list[Any] = []
    aliases: set[tuple[str, str]] = set()
    nodes: dict[str, tuple[float, float]] = {}
    ways: dict[str, tuple[float, float]] = {}
    addressed: list[tuple[str, dict[str, str], float, float]] = []
    roads: list[Any] = []
    tags: dict[str, str] = {}
    refs: list[str] = []
    current = [""]  # the id of the open node, way or relation

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "nd":
            refs.append(attrs["ref"])
        elif name == "tag":
            tags[attrs["k"]] = attrs["v"]
        elif name == "member" and attrs.get("type") in ("way", "node"):
            refs.append(attrs["type"][0] + attrs["ref"])
        elif name in ("node", "way", "relation"):
            tags.clear()
            refs.clear()
            current[0] = attrs["id"]
            if name == "node":
                nodes[attrs["id"]] = (float(attrs["lat"]), float(attrs["lon"]))

    def end(name: str) -> None:
        if name not in ("node", "way", "relation"):
            return
        ident = current[0]
        if name == "node":
            point: tuple[float, float] | None = nodes[ident]
            if tags.get("place") in PLACE_RADIUS_M and "name" in tags:
                names = [tags["name"], *(v for k, v in sorted(tags.items()) if k.startswith(
                    ("name:", "alt_name", "official_name", "short_name")))]
                places.append((tags["place"], names, *nodes[ident]))
        elif name == "way":
            ids = refs[:-1] if len(refs) > 2 and refs[0] == refs[-1] else refs
            coords = [nodes[r] for r in ids if r in nodes]
            point = _mean(coords)
            if point is not None:
                ways[ident] = point
            if "highway" in tags and "name" in tags and coords:
                roads.append((tags["name"], [c[0] for c in coords], [c[1] for c in coords]))
                aliases.update((tags["name"], v.strip()) for k, value in tags.items()
                               if k.startswith(_ALIAS_TAGS) for v in value.split(";")
                               if v.strip() and v.strip() != tags["name"])
        else:
            coords = [(ways if r[0] == "w" else nodes).get(r[1:]) for r in refs]
            point = _mean([c for c in coords if c is not None])
        if point is not None and "addr:housenumber" in tags:
            addressed.append((f"{name}/{ident}", dict(tags), point[0], point[1]))

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.buffer_text = True
    try:
        with open_osm_xml(path) as stream:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (OSError, EOFError, xml.parsers.expat.ExpatError) as exc:
        raise GeocodeError(f"cannot read OSM file {str(path)!r}: {exc}") from exc
    return addressed, roads, places, sorted(aliases)


def _mean(coords: list[tuple[float, float]]) -> tuple[float, float] | None:
    n = len(coords)
    return (sum(c[0] for c in coords) / n, sum(c[1] for c in coords) / n) if n else None


def local_xy_m(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Local planar metres (equirectangular), fine for nearest-neighbour over a region."""
    return np.column_stack(
        [lon * _M_PER_DEG_LAT * math.cos(math.radians(lat0)), lat * _M_PER_DEG_LAT]
    )


def _nearest(targets: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest source for each target (a k-d tree, so a
    metro area's hundreds of thousands of addresses take seconds, not hours)."""
    if len(sources) == 0 or len(targets) == 0:
        return np.zeros(len(targets), dtype=np.int64), np.full(len(targets), np.inf)
    from scipy.spatial import cKDTree

    dist, index = cKDTree(sources).query(targets)
    return np.asarray(index, dtype=np.int64), np.asarray(dist, dtype=float)


def _medoid(lats: list[float], lons: list[float]) -> tuple[float, float]:
    """The given point nearest to the mean: a centroid that lies on the street."""
    lat0, lon0 = sum(lats) / len(lats), sum(lons) / len(lons)
    scale = math.cos(math.radians(lat0)) ** 2
    best = min(
        range(len(lats)), key=lambda i: (lats[i] - lat0) ** 2 + scale * (lons[i] - lon0) ** 2
    )
    return lats[best], lons[best]


def build_index(path: str | Path, rules: AddressRules | None = None) -> GazetteerIndex:
    """Parse ``path`` and build the lookup index (seconds; prefer :func:`load_index`)."""
    path = Path(path)
    rules = rules or load_rules()
    addressed, roads, places, aliases = _read(path)
    raw = []
    countries: Counter[str] = Counter()
    for ref, tags, lat, lon in addressed:
        street = tags.get("addr:street") or tags.get("addr:place") or ""
        city = tags.get("addr:city", "").strip()
        if not city and tags.get("addr:street") and tags.get("addr:place"):
            city = tags["addr:place"].strip()
        if tags.get("addr:country"):
            countries[tags["addr:country"].strip().lower()] += 1
        for part in re.split(r"[;,]", tags["addr:housenumber"]):
            if street and part.strip():
                raw.append([street, part.strip(), tags.get("addr:postcode", "").strip(),
                            city, lat, lon, ref, False, tags.get("addr:suburb", "").strip()])
    if not raw:
        raise GeocodeError(f"OSM file {str(path)!r} has no addresses (addr:street + housenumber)")
    lat0 = sum(r[4] for r in raw) / len(raw)
    xy = local_xy_m(np.array([r[4] for r in raw]), np.array([r[5] for r in raw]), lat0)
    for field_no in (2, 3):  # postcode, city: take a missing one from the nearest neighbour
        known = np.array([bool(r[field_no]) for r in raw])
        missing = np.flatnonzero(~known)
        source_ids = np.flatnonzero(known)
        nearest, dist = _nearest(xy[missing], xy[source_ids])
        for i, j, d in zip(missing, nearest, dist, strict=True):
            if d <= INFER_LOCALITY_M:
                raw[i][field_no] = raw[source_ids[j]][field_no]
                raw[i][7] = True
    points = tuple(AddressPoint(*r) for r in raw)

    def key_of(name: str) -> str:
        return min(rules.name_keys(name) or {""})

    def locality(p: AddressPoint) -> str:
        return p.postcode or fold(p.city)

    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(points):
        members[(key_of(p.street), locality(p))].append(i)
    road_nodes: dict[tuple[str, str], tuple[list[float], list[float]]] = defaultdict(
        lambda: ([], [])
    )
    road_names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    centres = local_xy_m(np.array([sum(r[1]) / len(r[1]) for r in roads]),
                         np.array([sum(r[2]) / len(r[2]) for r in roads]), lat0)
    nearest, dist = _nearest(centres, xy)
    for (name, lats, lons), j, d in zip(roads, nearest, dist, strict=True):
        # a road joins the locality of the nearest address; it may sit at its edge
        key = (key_of(name), locality(points[j]) if d <= 1000 else "")
        road_nodes[key][0].extend(lats)
        road_nodes[key][1].extend(lons)
        road_names[key][name] += 1
    place_xy = local_xy_m(np.array([p[2] for p in places], dtype=float),
                          np.array([p[3] for p in places], dtype=float), lat0)
    place_radius = np.array([PLACE_RADIUS_M[p[0]] for p in places], dtype=float)
    place_keys = [frozenset().union(*(rules.name_keys(n) for n in p[1])) for p in places]
    spellings: dict[str, frozenset[str]] = {}
    for keys in place_keys:
        for k in keys:
            spellings[k] = spellings.get(k, frozenset()) | keys
    place_tier = [np.array([p[0] in kinds for p in places], dtype=bool) for kinds in PLACE_TIERS]
    groups = []
    for key in sorted(set(members) | set(road_nodes)):
        ids = members.get(key, [])
        lats = [points[i].lat for i in ids]
        lons = [points[i].lon for i in ids]
        if key in road_nodes:
            c_lat, c_lon = _medoid(*road_nodes[key])
            lats, lons = lats + road_nodes[key][0], lons + road_nodes[key][1]
        else:
            c_lat, c_lon = _medoid(lats, lons)
        spread = local_xy_m(np.array(lats), np.array(lons), lat0) - local_xy_m(
            np.array([c_lat]), np.array([c_lon]), lat0)
        extent = float(np.linalg.norm(spread, axis=1).max()) if len(lats) else 0.0
        by_number: dict[str, list[int]] = defaultdict(list)
        for i in ids:
            for hn in housenumber_keys(points[i].housenumber):
                by_number[hn].append(i)
        names = Counter(points[i].street for i in ids) + road_names.get(key, Counter())
        postcodes = Counter(points[i].postcode for i in ids if points[i].postcode)
        cities = Counter(points[i].city for i in ids if points[i].city)
        where: set[str] = set()
        for i in ids:
            for name in (points[i].city, points[i].suburb):
                if name:
                    where |= rules.name_keys(name)
        for name in cities:
            where |= rules.name_keys(name)
        # the addresses' city in the other languages of the place of that name
        where |= frozenset().union(*(spellings.get(k, frozenset()) for k in where))
        near_places: set[str] = set()
        centre = local_xy_m(np.array([c_lat]), np.array([c_lon]), lat0)[0]
        reach = np.flatnonzero(np.linalg.norm(place_xy - centre, axis=1)
                               <= place_radius + extent) if len(places) else []
        if len(reach):
            # from every point of the street (a long avenue runs through two towns), among
            # the places whose radius can reach one of them; at most 200 points a street
            step = max(1, len(lats) // 200)
            where_xy = local_xy_m(np.array(lats[::step] or [c_lat]),
                                  np.array(lons[::step] or [c_lon]), lat0)
            distance = np.linalg.norm(where_xy[:, None, :] - place_xy[None, reach, :], axis=2)
            for tier in place_tier:
                reached = np.where((distance <= place_radius[reach]) & tier[reach], distance,
                                   np.inf)
                found = np.isfinite(reached.min(axis=1))
                for k in set(np.argmin(reached, axis=1)[found].tolist()):
                    near_places |= place_keys[reach[k]]
        groups.append(StreetGroup(
            street=names.most_common(1)[0][0],
            postcode=postcodes.most_common(1)[0][0] if postcodes else "",
            city=cities.most_common(1)[0][0] if cities else "",
            centroid_lat=c_lat, centroid_lon=c_lon, points=tuple(ids),
            by_housenumber={k: tuple(v) for k, v in by_number.items()},
            extent_m=round(extent, 1), localities=frozenset(where),
            places=frozenset(near_places),
        ))
    other_names: dict[str, set[str]] = defaultdict(set)
    for name, alias in aliases:
        other_names[key_of(name)] |= rules.name_keys(alias)
    street_keys: dict[str, list[int]] = defaultdict(list)
    bare_keys: dict[str, list[int]] = defaultdict(list)
    for g, group in enumerate(groups):
        own = rules.name_keys(group.street)
        for key in own | set().union(*(other_names.get(k, set()) for k in own)):
            street_keys[key].append(g)
            bare = rules.bare_key(key)
            if len(bare) >= 3:
                bare_keys[bare].append(g)
    return GazetteerIndex(
        source=path.name, sha256=_sha256(path), points=points, groups=tuple(groups),
        street_keys={k: tuple(v) for k, v in street_keys.items()},
        city_keys=_city_keys(rules, points, places),
        postcodes=frozenset(p.postcode for p in points if p.postcode),
        bare_street_keys={k: tuple(v) for k, v in bare_keys.items() if k not in street_keys},
        localities=_localities(rules, points, places, lat0),
        countries=frozenset(c for c, n in countries.items() if n >= 0.01 * len(points)),
        rules_digest=rules.digest,
    )


def _city_keys(rules: AddressRules, points, places) -> dict[str, str]:
    """Locality key -> the name it stands for (addr:city, addr:suburb, place=* in any language)."""
    keys: dict[str, str] = {}
    for p in points:
        for name in (p.city, p.suburb):
            if name:
                for key in rules.name_keys(name):
                    keys.setdefault(key, name)
    for _kind, names, _lat, _lon in places:
        for name in names:
            for key in rules.name_keys(name):
                keys.setdefault(key, names[0])
    return keys


def _localities(rules: AddressRules, points, places, lat0: float) -> dict[str, Locality]:
    """Where each locality key is: the centroid of its addresses and the radius holding
    95% of them; a place node without addresses: the node and its kind's radius."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(points):
        for name in {p.city, p.suburb} - {""}:
            for key in rules.name_keys(name):
                members[key].append(i)
    out: dict[str, Locality] = {}
    for key, ids in members.items():
        lats = np.array([points[i].lat for i in ids])
        lons = np.array([points[i].lon for i in ids])
        c_lat, c_lon = float(lats.mean()), float(lons.mean())
        d = np.linalg.norm(local_xy_m(lats, lons, lat0)
                           - local_xy_m(np.array([c_lat]), np.array([c_lon]), lat0), axis=1)
        name = points[ids[0]].city if key in rules.name_keys(points[ids[0]].city or "-") \
            else points[ids[0]].suburb
        radius = max(float(np.percentile(d, 95)) + 50, MIN_LOCALITY_M)
        out[key] = Locality(name, c_lat, c_lon, round(radius, 1))
    for kind, names, lat, lon in places:
        for name in names:
            for key in rules.name_keys(name):
                out.setdefault(key, Locality(names[0], lat, lon, PLACE_RADIUS_M[kind]))
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_MEMO: dict[tuple[str, int, int, str], GazetteerIndex] = {}


def load_index(path: str | Path, *, cache_dir: str | Path | None = None,
               rules: AddressRules | None = None) -> GazetteerIndex:
    """The index of ``path``: from memory, else the pickle in ``cache_dir``, else built and saved.

    Parameters
    ----------
    path : str or Path
        An OSM extract (``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``).
    cache_dir : str or Path, optional
        Defaults to ``settings.cache_dir``; the pickle goes to ``<cache_dir>/gazetteer/``.
    rules : AddressRules, optional
        The address rules (default: the built-in ones); part of the cache key.

    Raises
    ------
    GeocodeError
        If the file is missing, unreadable or has no addresses.
    """
    path = Path(path)
    if not path.is_file():
        raise GeocodeError(f"gazetteer: OSM file {str(path)!r} not found")
    rules = rules or load_rules()
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, rules.digest)
    if memo_key in _MEMO:
        return _MEMO[memo_key]
    folder = Path(cache_dir if cache_dir is not None else settings.cache_dir) / "gazetteer"
    pickle_path = folder / f"{_sha256(path)[:24]}-{rules.digest}-v{INDEX_VERSION}.pickle"
    index = None
    if pickle_path.exists():
        try:
            with open(pickle_path, "rb") as stream:
                index = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            logger.warning("ignoring unreadable gazetteer cache %s: %s", pickle_path, exc)
    if not isinstance(index, GazetteerIndex) or index.version != INDEX_VERSION:
        index = build_index(path, rules)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = pickle_path.with_suffix(f".{os.getpid()}.tmp")
            with open(partial, "wb") as stream:
                pickle.dump(index, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, pickle_path)
        except OSError as exc:
            logger.warning("cannot write gazetteer cache %s: %s", pickle_path, exc)
    _MEMO[memo_key] = index
    return index

