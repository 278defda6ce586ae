"""An offline geocoder built from the ``addr:*`` tags of an OSM extract.

:class:`Gazetteer` is a geopy :class:`~geopy.geocoders.base.Geocoder`, so it
plugs in wherever a geopy provider does. The index is built once per extract
with a streaming XML parser (``.osm``, ``.osm.bz2`` or ``.osm.gz``) and pickled
under ``settings.cache_dir``, keyed by the file's SHA-256.

Matching, in order, each with the confidence recorded in ``Location.raw``:

1. the exact house number on the street (:data:`EXACT_CONFIDENCE`);
2. the nearest house number on the same street (:func:`nearest_confidence`);
3. the street's centroid, snapped to the street (:data:`STREET_CONFIDENCE`).

Queries are normalised: case, accents, umlauts written as ``ä``, ``ae`` or ``a``,
``Str.``/``Strasse``/``Straße``, ``St``/``Street``, spaces and hyphens, and the
postcode and city in any order. A street found only by fuzzy matching, or a
locality in the query that does not match the street's, lowers the confidence.
Coordinates of ways are the mean of their distinct nodes; of relations, the mean
of their members.
"""

from __future__ import annotations

import bz2
import difflib
import functools
import gzip
import hashlib
import logging
import math
import os
import pickle
import re
import unicodedata
import xml.parsers.expat
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location as GeopyLocation

from optimizer import settings
from optimizer.errors import GeocodeError

logger = logging.getLogger(__name__)

#: Bump when the index layout or the normalisation changes (invalidates disk caches).
INDEX_VERSION = 1
EXACT_CONFIDENCE = 1.0
STREET_CONFIDENCE = 0.4
#: Factor for a street found only by fuzzy matching, and for a locality mismatch.
FUZZY_FACTOR = 0.9
LOCALITY_MISMATCH_FACTOR = 0.6
#: Several exact hits of one street and locality closer than this are one place.
SAME_PLACE_M = 100.0
#: A missing postcode or city is taken from the nearest address within this distance.
INFER_LOCALITY_M = 3000.0
_M_PER_DEG_LAT = 111_195.0
_ABBREVIATIONS = {"st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "str": "strasse"}
_HOUSENUMBER = re.compile(r"^(\d+)([a-z]?)$")
_POSTCODE = re.compile(r"^\d{4,5}$")


def nearest_confidence(housenumber_gap: int) -> float:
    """Confidence of a nearest-house-number match ``housenumber_gap`` numbers away.

    0.85 for the same number with another letter (14 for 14a), 0.75 for 1-2 away,
    then 0.05 less per 2 numbers, never below 0.55.
    """
    if housenumber_gap == 0:
        return 0.85
    return max(0.55, 0.8 - 0.05 * math.ceil(housenumber_gap / 2))


# -- normalisation ---------------------------------------------------------------------------


def fold(text: str, *, umlaut_e: bool = False) -> str:
    """Case-fold ``text`` and strip accents; ``umlaut_e`` writes ä, ö, ü as ae, oe, ue."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if umlaut_e:
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded text -> word tokens, with ``str``/``str.`` expanded to ``strasse``; commas kept."""
    text = re.sub(r"str\b\.?", "strasse", text)
    text = re.sub(r"\s*[,;]\s*", " , ", text)
    return re.sub(r"[^\w,]+", " ", text).split()


def span_key(words: list[str]) -> str:
    """The key of a street or city written as ``words``: joined, with a last-word
    abbreviation expanded (``st`` -> ``street``) and a first ``st`` read as ``sankt``."""
    words = list(words)
    if len(words) > 1:
        words[0] = "sankt" if words[0] == "st" else words[0]
        words[-1] = _ABBREVIATIONS.get(words[-1], words[-1])
    return "".join(words)


@functools.lru_cache(maxsize=65536)
def name_keys(name: str) -> frozenset[str]:
    """Every key under which a street or city ``name`` is indexed (both umlaut spellings)."""
    keys = {span_key([t for t in tokens(fold(name, umlaut_e=e)) if t != ","]) for e in (0, 1)}
    return frozenset(keys - {""})


def housenumber_keys(value: str) -> list[str]:
    """Keys of a tagged house number: ``"14 A"`` -> ``["14a"]``, a range ``"2-4"`` -> both ends."""
    value = re.sub(r"\s+", "", fold(value))
    ends = re.fullmatch(r"(\d+[a-z]?)[-\u2013](\d+[a-z]?)", value)
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

    @property
    def number(self) -> int | None:
        match = re.match(r"\d+", self.housenumber)
        return int(match.group()) if match else None


@dataclass(frozen=True, slots=True)
class StreetGroup:
    """A street within one locality: its addresses by house-number key and its centroid."""

    street: str
    postcode: str
    city: str
    centroid_lat: float
    centroid_lon: float
    points: tuple[int, ...]
    by_housenumber: Mapping[str, tuple[int, ...]]


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


def _open(path: Path):
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_osm(path: Path) -> tuple[list[tuple[str, dict[str, str], float, float]], list[Any]]:
    """Stream an OSM XML file: ``(osm_ref, tags, lat, lon)`` of every object with
    ``addr:housenumber``, and ``(name, lats, lons)`` of every way with highway and name."""
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
        elif name == "way":
            ids = refs[:-1] if len(refs) > 2 and refs[0] == refs[-1] else refs
            coords = [nodes[r] for r in ids if r in nodes]
            point = _mean(coords)
            if point is not None:
                ways[ident] = point
            if "highway" in tags and "name" in tags and coords:
                roads.append((tags["name"], [c[0] for c in coords], [c[1] for c in coords]))
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
        with _open(path) as stream:
            while chunk := stream.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (OSError, EOFError, xml.parsers.expat.ExpatError) as exc:
        raise GeocodeError(f"cannot read OSM file {str(path)!r}: {exc}") from exc
    return addressed, roads


def _mean(coords: list[tuple[float, float]]) -> tuple[float, float] | None:
    n = len(coords)
    return (sum(c[0] for c in coords) / n, sum(c[1] for c in coords) / n) if n else None


def _xy_m(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Local planar metres (equirectangular), fine for nearest-neighbour over a region."""
    return np.column_stack(
        [lon * _M_PER_DEG_LAT * math.cos(math.radians(lat0)), lat * _M_PER_DEG_LAT]
    )


def _nearest(targets: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest source for each target (chunked brute force)."""
    index = np.zeros(len(targets), dtype=np.int64)
    dist = np.full(len(targets), np.inf)
    if len(sources) == 0:
        return index, dist
    for lo in range(0, len(targets), 512):
        d = np.linalg.norm(targets[lo : lo + 512, None, :] - sources[None, :, :], axis=2)
        index[lo : lo + 512] = d.argmin(axis=1)
        dist[lo : lo + 512] = d.min(axis=1)
    return index, dist


def _medoid(lats: list[float], lons: list[float]) -> tuple[float, float]:
    """The given point nearest to the mean: a centroid that lies on the street."""
    lat0, lon0 = sum(lats) / len(lats), sum(lons) / len(lons)
    scale = math.cos(math.radians(lat0)) ** 2
    best = min(
        range(len(lats)), key=lambda i: (lats[i] - lat0) ** 2 + scale * (lons[i] - lon0) ** 2
    )
    return lats[best], lons[best]


def build_index(path: str | Path) -> GazetteerIndex:
    """Parse ``path`` and build the lookup index (seconds; prefer :func:`load_index`)."""
    path = Path(path)
    addressed, roads = read_osm(path)
    raw = []
    for ref, tags, lat, lon in addressed:
        street = tags.get("addr:street") or tags.get("addr:place") or ""
        for part in re.split(r"[;,]", tags["addr:housenumber"]):
            if street and part.strip():
                raw.append([street, part.strip(), tags.get("addr:postcode", "").strip(),
                            tags.get("addr:city", "").strip(), lat, lon, ref, False])
    if not raw:
        raise GeocodeError(f"OSM file {str(path)!r} has no addresses (addr:street + housenumber)")
    lat0 = sum(r[4] for r in raw) / len(raw)
    xy = _xy_m(np.array([r[4] for r in raw]), np.array([r[5] for r in raw]), lat0)
    for field in (2, 3):  # postcode, city: take a missing one from the nearest neighbour
        known = np.array([bool(r[field]) for r in raw])
        missing = np.flatnonzero(~known)
        source_ids = np.flatnonzero(known)
        nearest, dist = _nearest(xy[missing], xy[source_ids])
        for i, j, d in zip(missing, nearest, dist, strict=True):
            if d <= INFER_LOCALITY_M:
                raw[i][field] = raw[source_ids[j]][field]
                raw[i][7] = True
    points = tuple(AddressPoint(*r) for r in raw)

    def locality(p: AddressPoint) -> str:
        return p.postcode or fold(p.city)

    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(points):
        members[(min(name_keys(p.street)), locality(p))].append(i)
    road_nodes: dict[tuple[str, str], tuple[list[float], list[float]]] = defaultdict(
        lambda: ([], [])
    )
    road_names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    centres = _xy_m(np.array([sum(r[1]) / len(r[1]) for r in roads]),
                    np.array([sum(r[2]) / len(r[2]) for r in roads]), lat0)
    nearest, dist = _nearest(centres, xy)
    for (name, lats, lons), j, d in zip(roads, nearest, dist, strict=True):
        key = (min(name_keys(name) or {""}), locality(points[j]) if d <= 1000 else "")
        road_nodes[key][0].extend(lats)
        road_nodes[key][1].extend(lons)
        road_names[key][name] += 1
    groups = []
    for key in sorted(set(members) | set(road_nodes)):
        ids = members.get(key, [])
        if key in road_nodes:
            c_lat, c_lon = _medoid(*road_nodes[key])
        else:
            c_lat, c_lon = _medoid([points[i].lat for i in ids], [points[i].lon for i in ids])
        by_number: dict[str, list[int]] = defaultdict(list)
        for i in ids:
            for hn in housenumber_keys(points[i].housenumber):
                by_number[hn].append(i)
        names = Counter(points[i].street for i in ids) + road_names.get(key, Counter())
        postcodes = Counter(points[i].postcode for i in ids if points[i].postcode)
        cities = Counter(points[i].city for i in ids if points[i].city)
        groups.append(StreetGroup(
            street=names.most_common(1)[0][0],
            postcode=postcodes.most_common(1)[0][0] if postcodes else "",
            city=cities.most_common(1)[0][0] if cities else "",
            centroid_lat=c_lat, centroid_lon=c_lon, points=tuple(ids),
            by_housenumber={k: tuple(v) for k, v in by_number.items()},
        ))
    street_keys: dict[str, list[int]] = defaultdict(list)
    for g, group in enumerate(groups):
        for key in name_keys(group.street):
            street_keys[key].append(g)
    city_keys = {key: p.city for p in points if p.city for key in name_keys(p.city)}
    return GazetteerIndex(
        source=path.name, sha256=_sha256(path), points=points, groups=tuple(groups),
        street_keys={k: tuple(v) for k, v in street_keys.items()}, city_keys=city_keys,
        postcodes=frozenset(p.postcode for p in points if p.postcode),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_MEMO: dict[tuple[str, int, int], GazetteerIndex] = {}


def load_index(path: str | Path, *, cache_dir: str | Path | None = None) -> GazetteerIndex:
    """The index of ``path``: from memory, else the pickle in ``cache_dir``, else built and saved.

    Parameters
    ----------
    path : str or Path
        An OSM XML extract (``.osm``, ``.osm.bz2``, ``.osm.gz``).
    cache_dir : str or Path, optional
        Defaults to ``settings.cache_dir``; the pickle goes to ``<cache_dir>/gazetteer/``.

    Raises
    ------
    GeocodeError
        If the file is missing, unreadable or has no addresses.
    """
    path = Path(path)
    if not path.is_file():
        raise GeocodeError(f"gazetteer: OSM file {str(path)!r} not found")
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if memo_key in _MEMO:
        return _MEMO[memo_key]
    folder = Path(cache_dir if cache_dir is not None else settings.cache_dir) / "gazetteer"
    pickle_path = folder / f"{_sha256(path)[:24]}-v{INDEX_VERSION}.pickle"
    index = None
    if pickle_path.exists():
        try:
            with open(pickle_path, "rb") as stream:
                index = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            logger.warning("ignoring unreadable gazetteer cache %s: %s", pickle_path, exc)
    if not isinstance(index, GazetteerIndex) or index.version != INDEX_VERSION:
        index = build_index(path)
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


# -- lookups ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into its parts, with the street groups its street name matches."""

    housenumber: str
    groups: tuple[int, ...]
    fuzzy: bool = False
    postcodes: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    unknown_postcode: bool = False


def parse_query(index: GazetteerIndex, query: str) -> ParsedQuery | None:
    """Find the house number, street, postcode and city in ``query`` (any order).

    Returns None if no street of the index is named in the query, even fuzzily.
    """
    variants = {tuple(tokens(fold(query, umlaut_e=e))) for e in (False, True)}
    parsed = [_parse(index, list(words), fuzzy=False) for words in sorted(variants)]
    found = [p for p in parsed if p is not None]
    if not found:
        parsed = [_parse(index, list(words), fuzzy=True) for words in sorted(variants)]
        found = [p for p in parsed if p is not None]
    return found[0] if found else None


def _parse(index: GazetteerIndex, words: list[str], *, fuzzy: bool) -> ParsedQuery | None:
    roles = ["," if w == "," else "" for w in words]
    for i, word in enumerate(words):
        if _POSTCODE.match(word) and word in index.postcodes:
            roles[i] = "postcode"
    numbers = [i for i, w in enumerate(words) if not roles[i] and _HOUSENUMBER.match(w)]
    short = [i for i in numbers if not _POSTCODE.match(words[i])]
    housenumber = ""
    if numbers:
        at = (short or numbers)[0]
        housenumber, roles[at] = words[at], "number"
        following = words[at + 1] if at + 1 < len(words) else ""
        if words[at].isdigit() and len(following) == 1 and following.isalpha():
            housenumber, roles[at + 1] = housenumber + following, "number"
    unknown = any(not roles[i] and _POSTCODE.match(words[i]) for i in range(len(words)))
    spans = [
        (i, j)
        for i in range(len(words))
        for j in range(i + 1, min(len(words), i + 6) + 1)
        if not any(roles[i:j])
    ]
    best, score, groups = None, None, ()
    for i, j in spans:
        key = span_key(words[i:j])
        if fuzzy:
            close = _close_street(index, key) if len(key) >= 5 and j - i <= 3 else None
            if close is None:
                continue
            key, ratio = close
        elif key not in index.street_keys:
            continue
        else:
            ratio = 1.0
        adjacent = "number" in (roles[i - 1] if i else "", roles[j] if j < len(roles) else "")
        candidate = (ratio, j - i, adjacent, -i)
        if score is None or candidate > score:
            best, score, groups = (i, j), candidate, index.street_keys[key]
    if best is None:
        return None
    for i in range(best[0], best[1]):
        roles[i] = "street"
    cities = {
        index.city_keys[span_key(words[i:j])]
        for i, j in spans
        if not any(roles[i:j]) and span_key(words[i:j]) in index.city_keys
    }
    postcodes = frozenset(w for w, r in zip(words, roles, strict=True) if r == "postcode")
    return ParsedQuery(housenumber, tuple(groups), fuzzy, postcodes, frozenset(cities), unknown)


_FUZZY: dict[tuple[str, str], tuple[str, float] | None] = {}


def _close_street(index: GazetteerIndex, key: str) -> tuple[str, float] | None:
    """The most similar street key (difflib ratio >= 0.85) and its ratio, memoised."""
    memo_key = (index.sha256, key)
    if memo_key not in _FUZZY:
        if len(_FUZZY) > 100_000:
            _FUZZY.clear()
        close = difflib.get_close_matches(key, index.street_keys, n=1, cutoff=0.85)
        _FUZZY[memo_key] = (
            (close[0], difflib.SequenceMatcher(None, key, close[0]).ratio()) if close else None
        )
    return _FUZZY[memo_key]


def lookup(index: GazetteerIndex, query: str) -> list[tuple[float, float, str, dict[str, Any]]]:
    """Every match of ``query``, best first: ``(lat, lon, address, raw)``; ``raw["confidence"]``.

    Only the best tier is returned: exact house numbers if any, else the nearest
    house number of each matching street, else the street centroids. Several
    results mean several places (for example the same street in two villages).
    """
    parsed = parse_query(index, query)
    if parsed is None:
        return []
    groups = [index.groups[g] for g in parsed.groups]
    factor = FUZZY_FACTOR if parsed.fuzzy else 1.0
    if parsed.postcodes or parsed.cities or parsed.unknown_postcode:
        scores = [(g.postcode in parsed.postcodes) + (g.city in parsed.cities) for g in groups]
        if max(scores) > 0:
            groups = [g for g, s in zip(groups, scores, strict=True) if s == max(scores)]
        else:
            factor *= LOCALITY_MISMATCH_FACTOR
    hn = parsed.housenumber
    results = []
    for group in groups if hn else ():
        for ids in _places(index, group.by_housenumber.get(hn, ())):
            results.append(_result(index, group, ids, "exact", EXACT_CONFIDENCE * factor))
    if hn and not results:
        wanted = int(_HOUSENUMBER.match(hn).group(1))
        for group in groups:
            numbered = [i for i in group.points if index.points[i].number is not None]
            if not numbered:
                continue
            best = min(numbered, key=lambda i: (
                abs(index.points[i].number - wanted), (index.points[i].number - wanted) % 2, i))
            gap = abs(index.points[best].number - wanted)
            results.append(_result(index, group, [best], "nearest_housenumber",
                                   nearest_confidence(gap) * factor, gap=gap))
    if not results:
        results = [_result(index, g, [], "street", STREET_CONFIDENCE * factor) for g in groups]
    results.sort(key=lambda r: -r[3]["confidence"])
    return results


def _places(index: GazetteerIndex, ids: tuple[int, ...]) -> list[list[int]]:
    """Exact hits as places: one if they all lie within SAME_PLACE_M, else one each."""
    if len(ids) <= 1:
        return [list(ids)] if ids else []
    pts = [index.points[i] for i in ids]
    xy = _xy_m(np.array([p.lat for p in pts]), np.array([p.lon for p in pts]), pts[0].lat)
    spread = np.linalg.norm(xy - xy.mean(axis=0), axis=1)
    if spread.max() <= SAME_PLACE_M / 2:
        return [[ids[int(spread.argmin())]]]
    return [[i] for i in ids]


def _result(index, group: StreetGroup, ids, match: str, confidence: float, gap: int = 0):
    if ids:
        point = index.points[ids[0]]
        lat, lon, number, ref = point.lat, point.lon, point.housenumber, point.osm_ref
        inferred = point.locality_inferred
    else:
        lat, lon, number, ref, inferred = group.centroid_lat, group.centroid_lon, "", "", False
    locality = " ".join(x for x in (group.postcode, group.city) if x)
    address = ", ".join(x for x in (f"{group.street} {number}".strip(), locality) if x)
    raw = {
        "confidence": round(confidence, 3), "match": match, "street": group.street,
        "housenumber": number, "postcode": group.postcode, "city": group.city,
        "osm_ref": ref, "housenumber_gap": gap, "locality_inferred": inferred,
        "source": index.source, "lat": lat, "lon": lon, "display_name": address,
    }
    return lat, lon, address, raw


class Gazetteer(Geocoder):
    """Offline geopy geocoder over the addresses of an OSM extract.

    Parameters
    ----------
    osm_file : str or Path
        The extract (``.osm``, ``.osm.bz2`` or ``.osm.gz``).
    cache_dir : str or Path, optional
        Where the index pickle lives; defaults to ``settings.cache_dir``.

    Examples
    --------
    >>> Gazetteer("liechtenstein-2021-01.osm.bz2").geocode("Städtle 5, Vaduz")  # doctest: +SKIP
    Location(Städtle 5, 9490 Vaduz, (47.1411..., 9.5220..., 0.0))
    """

    def __init__(self, osm_file: str | Path, *, cache_dir: str | Path | None = None) -> None:
        super().__init__(user_agent=settings.user_agent, proxies={})
        self.osm_file = Path(osm_file)
        self.index = load_index(self.osm_file, cache_dir=cache_dir)
        self._memo: dict[str, list[GeopyLocation]] = {}

    def geocode(
        self,
        query: str | Mapping[str, str],
        *,
        exactly_one: bool = True,
        timeout: Any = DEFAULT_SENTINEL,
        limit: int | None = None,
    ) -> GeopyLocation | list[GeopyLocation] | None:
        """Resolve an address (see :func:`lookup`); ``timeout`` is accepted and ignored.

        ``query`` may be a mapping of address parts. Returns the best match, or with
        ``exactly_one=False`` up to ``limit`` of them best first, or None. Their
        ``raw["confidence"]`` and ``raw["match"]`` (``exact``, ``nearest_housenumber``,
        ``street``) say how good each is.
        """
        if isinstance(query, Mapping):
            query = ", ".join(str(v) for v in query.values() if v)
        if query not in self._memo:
            if len(self._memo) > 100_000:
                self._memo.clear()
            self._memo[query] = [
                GeopyLocation(address, (lat, lon), raw)
                for lat, lon, address, raw in lookup(self.index, query)
            ]
        found = self._memo[query]
        if not found:
            return None
        return found[0] if exactly_one else found[: limit or None]
