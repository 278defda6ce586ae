"""An offline geocoder over the addresses of an OSM extract.

:class:`Gazetteer` is a geopy :class:`~geopy.geocoders.base.Geocoder`, so it
plugs in wherever a geopy provider does. Its index is built and cached by
:mod:`optimizer.geo.address_index`.

Matching, in order, each with the confidence recorded in ``Location.raw``:

1. the exact house number on the street (:data:`EXACT_CONFIDENCE`);
2. the nearest house number on the same street (:func:`nearest_confidence`);
3. the street's centroid, snapped to the street (:data:`STREET_CONFIDENCE`).

Queries are normalised as the index is (case, accents, umlaut and street-type
spellings, spaces and hyphens), with the postcode and city in any order. A street
found only by fuzzy matching, or a locality in the query that does not match the
street's, lowers the confidence.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location as GeopyLocation

from optimizer import settings
from optimizer.geo.address_index import (
    GazetteerIndex,
    StreetGroup,
    fold,
    load_index,
    local_xy_m,
    span_key,
    tokens,
)

EXACT_CONFIDENCE = 1.0
STREET_CONFIDENCE = 0.4
#: Factor for a street found only by fuzzy matching, and for a locality mismatch.
FUZZY_FACTOR = 0.9
LOCALITY_MISMATCH_FACTOR = 0.6
#: Several exact hits of one street and locality closer than this are one place.
SAME_PLACE_M = 100.0
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
    xy = local_xy_m(np.array([p.lat for p in pts]), np.array([p.lon for p in pts]), pts[0].lat)
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
        The extract (``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``).
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
