"""An offline geocoder over the addresses of an OSM extract.

:class:`Gazetteer` is a geopy :class:`~geopy.geocoders.base.Geocoder`, so it
plugs in wherever a geopy provider does. Its index is built and cached by
:mod:`optimizer.geo.address_index`; the spellings it knows (street types and their
abbreviations per language, postcode formats per country) are the data of
:mod:`optimizer.geo.address_rules`.

A query is read by :mod:`optimizer.geo.address_query`: postcodes of the extract's
countries kept whole, the longest run of words (numbers included: "Avenida 25 de
Abril") that names a street of the extract is the street, and the number next to it
is the house number.
The postcode and the locality words (``addr:city``, ``addr:suburb``, ``addr:place``,
``place=*`` names in every language) choose among streets of the same name in
several places; if they cannot, every place is returned and the address is reported
ambiguous, never silently picked.

Every match has an estimated error radius in metres (``raw["error_m"]``) by its kind
(``raw["match"]``), and a confidence derived from it (:func:`confidence_of`):

=================  ============================================================
``exact``          the house number on the street: :data:`EXACT_ERROR_M`
``number``         the number without its letter (14 for 14a): :data:`NUMBER_ERROR_M`
``interpolated``   between the nearest numbers on either side, half their distance
``nearest``        past the end of the numbering: the last house, plus the gap
``street``         the street's centroid: its extent (farthest node) plus 20 m
``locality``       the locality's centroid: the radius holding 95% of its addresses
=================  ============================================================
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location as GeopyLocation

from optimizer import settings
from optimizer.geo.address_index import (
    GazetteerIndex,
    StreetGroup,
    housenumber_keys,
    load_index,
    local_xy_m,
)
from optimizer.geo.address_query import ParsedQuery, parse_query
from optimizer.geo.address_rules import AddressRules, load_rules

#: Error radii (metres) of the match kinds with a fixed one.
EXACT_ERROR_M = 15.0
NUMBER_ERROR_M = 30.0
STREET_MARGIN_M = 20.0
#: A match with this error radius has confidence 0.5.
HALF_CONFIDENCE_M = 250.0
#: Factor for a street found only by fuzzy matching, and for a locality mismatch.
FUZZY_FACTOR = 0.9
LOCALITY_MISMATCH_FACTOR = 0.45
#: Factor when words of the query are left unexplained (part of the street may be missing).
LEFTOVER_FACTOR = 0.5
#: Several exact hits of one street and locality closer than this are one place.
SAME_PLACE_M = 100.0
#: Groups of one street name closer than their extents plus this are one street.
SAME_STREET_GAP_M = 300.0
#: Metres per house number when a street's own spacing cannot be measured.
DEFAULT_PER_NUMBER_M = 10.0
_NUMBER = re.compile(r"^(\d+)([a-z]*)")


def confidence_of(error_m: float, factor: float = 1.0) -> float:
    """Confidence in [0, 1] of a match with error radius ``error_m``:
    ``factor / (1 + (error_m / 250)**2)``, so 15 m -> 0.996, 100 m -> 0.86,
    250 m -> 0.5, 500 m -> 0.2. ``factor`` < 1 when the street itself is in doubt."""
    return factor / (1.0 + (max(0.0, error_m) / HALF_CONFIDENCE_M) ** 2)


def error_of(confidence: float) -> float:
    """The error radius that :func:`confidence_of` maps to ``confidence`` (inverse)."""
    c = min(max(confidence, 1e-6), 1.0)
    return HALF_CONFIDENCE_M * math.sqrt(1.0 / c - 1.0)


# -- matching --------------------------------------------------------------------------------


def lookup(index: GazetteerIndex, query: str, rules: AddressRules | None = None
           ) -> list[tuple[float, float, str, dict[str, Any]]]:
    """Every match of ``query``, best first: ``(lat, lon, address, raw)``.

    ``raw`` has ``confidence``, ``error_m`` and ``match``. Only the best tier is
    returned: exact house numbers if any, else the interpolated number on each
    matching street, else the street centroids, else the locality. Several results
    mean several places (for example the same street in two villages).
    """
    rules = rules or load_rules()
    parsed = parse_query(index, query, rules)
    if parsed is None:
        return []
    factor = FUZZY_FACTOR if parsed.fuzzy else 1.0
    if parsed.leftover:
        factor *= LEFTOVER_FACTOR
    if not parsed.groups:
        return _locality_results(index, parsed)
    groups = [index.groups[g] for g in parsed.groups]
    if parsed.postcodes or parsed.localities or parsed.unknown_postcode:
        # a place node near the street is weaker evidence than the addresses' own city,
        # and no more than that when both agree
        scores = [4 * (g.postcode in parsed.postcodes)
                  + (2 if g.localities & parsed.localities else
                     1 if g.places & parsed.localities else 0) for g in groups]
        if max(scores) > 0:
            groups = [g for g, s in zip(groups, scores, strict=True) if s == max(scores)]
        else:
            factor *= LOCALITY_MISMATCH_FACTOR
    groups = _merge_same_street(groups, rules)
    hn = parsed.housenumber
    results = []
    keys = [hn, *housenumber_keys(hn)] if hn else []
    for group in groups:
        for key in dict.fromkeys(keys):
            hits = group.by_housenumber.get(key, ())
            # "50" itself before the range "50-78" that merely starts there
            own = tuple(i for i in hits if housenumber_keys(index.points[i].housenumber) == [key])
            if hits:
                for ids, spread in _places(index, own or hits):
                    results.append(_result(index, group, ids, "exact",
                                           EXACT_ERROR_M + 2 * spread, factor))
                break
    if hn and not results:
        for group in groups:
            found = _same_number(index, group, hn)
            if found is not None:
                ids, spread = found
                results.append(_result(index, group, ids, "number",
                                       NUMBER_ERROR_M + spread, factor))
    if hn and not results:
        wanted = int(_NUMBER.match(hn).group(1))
        for group in groups:
            estimate = _interpolate(index, group, wanted)
            if estimate is not None:
                lat, lon, radius, kind, house = estimate
                results.append(_result(index, group, [house] if house is not None else [],
                                       kind, radius, factor, at=(lat, lon)))
    if not results:
        results = [_result(index, g, [], "street", g.extent_m + STREET_MARGIN_M, factor)
                   for g in groups]
        towns = _places_named(index, rules, parsed.street) if not hn else []
        if towns:
            # a bare name that is a street and a town ("Ordino"): which one is meant nobody
            # can tell, so no answer is surer than the town's
            results = [*_capped(results, max(t[3]["confidence"] for t in towns)), *towns]
    results.sort(key=lambda r: -r[3]["confidence"])
    return results


def _places_named(index: GazetteerIndex, rules: AddressRules, name: str):
    """Locality-level results of the places (``place=*``, ``addr:city``...) called
    ``name``."""
    places = {index.localities[k] for k in rules.name_keys(name) if k in index.localities}
    return [_raw_result(index, p.lat, p.lon, p.name, "locality", p.radius_m, 1.0)
            for p in sorted(places, key=lambda p: p.radius_m)]


def _capped(results, confidence: float):
    """``results`` no surer than ``confidence`` (their error radius grown to match)."""
    out = []
    for lat, lon, address, raw in results:
        if raw["confidence"] > confidence:
            raw = {**raw, "confidence": confidence,
                   "error_m": round(max(raw["error_m"], error_of(confidence)), 1)}
        out.append((lat, lon, address, raw))
    return out


def _merge_same_street(groups: list[StreetGroup], rules: AddressRules) -> list[StreetGroup]:
    """One street split by postcodes (a long city street) is one place again.

    Groups of the same name whose extents touch (centroids closer than both extents
    plus :data:`SAME_STREET_GAP_M`) are merged: their addresses pooled, the centroid the
    member centroid from which the farthest end is nearest, the extent reaching every end.
    """
    if len(groups) < 2:
        return groups
    by_name: dict[str, list[StreetGroup]] = {}
    for g in groups:
        by_name.setdefault(min(rules.name_keys(g.street) or {g.street}), []).append(g)
    out = []
    for same in by_name.values():
        clusters: list[list[StreetGroup]] = []
        for g in same:
            joined = [c for c in clusters if any(
                _metres(g.centroid_lat, g.centroid_lon, h.centroid_lat, h.centroid_lon)
                <= g.extent_m + h.extent_m + SAME_STREET_GAP_M for h in c)]
            merged = [g]
            for c in joined:
                merged.extend(c)
                clusters.remove(c)
            clusters.append(merged)
        for c in clusters:
            out.append(c[0] if len(c) == 1 else _merged(c))
    return out


def _merged(groups: list[StreetGroup]) -> StreetGroup:
    def reach(centre: StreetGroup) -> float:
        return max(_metres(centre.centroid_lat, centre.centroid_lon, g.centroid_lat,
                           g.centroid_lon) + g.extent_m for g in groups)

    centre = min(groups, key=reach)
    by_number: dict[str, tuple[int, ...]] = {}
    for g in groups:
        for key, ids in g.by_housenumber.items():
            by_number[key] = by_number.get(key, ()) + ids
    postcodes = sorted({g.postcode for g in groups if g.postcode})
    return StreetGroup(
        street=centre.street, postcode=" / ".join(postcodes), city=centre.city,
        centroid_lat=centre.centroid_lat, centroid_lon=centre.centroid_lon,
        points=tuple(i for g in groups for i in g.points), by_housenumber=by_number,
        extent_m=round(reach(centre), 1),
        localities=frozenset().union(*(g.localities for g in groups)),
        places=frozenset().union(*(g.places for g in groups)))


def _locality_results(index: GazetteerIndex, parsed: ParsedQuery):
    places = {index.localities[k] for k in parsed.localities if k in index.localities}
    if not places and parsed.postcodes:
        # a known postcode alone: the centroid of its streets
        groups = [g for g in index.groups if g.postcode in parsed.postcodes and g.points]
        if groups:
            lat = float(np.mean([g.centroid_lat for g in groups]))
            lon = float(np.mean([g.centroid_lon for g in groups]))
            far = max(_metres(lat, lon, g.centroid_lat, g.centroid_lon) + g.extent_m
                      for g in groups)
            return [_raw_result(index, lat, lon, ", ".join(sorted(parsed.postcodes)),
                                "locality", far, 1.0)]
    return [_raw_result(index, p.lat, p.lon, p.name, "locality", p.radius_m, 1.0)
            for p in sorted(places, key=lambda p: p.radius_m)]


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_008.8 * math.hypot(math.radians(lat2 - lat1), dx)


def _places(index: GazetteerIndex, ids: tuple[int, ...]) -> list[tuple[list[int], float]]:
    """Exact hits as places with their spread: one if within SAME_PLACE_M, else one each."""
    if len(ids) <= 1:
        return [(list(ids), 0.0)] if ids else []
    pts = [index.points[i] for i in ids]
    xy = local_xy_m(np.array([p.lat for p in pts]), np.array([p.lon for p in pts]), pts[0].lat)
    spread = np.linalg.norm(xy - xy.mean(axis=0), axis=1)
    if spread.max() <= SAME_PLACE_M / 2:
        return [([ids[int(spread.argmin())]], float(spread.max()))]
    return [([i], 0.0) for i in ids]


def _same_number(index: GazetteerIndex, group: StreetGroup, hn: str):
    """The number without its letter, or with any letter (14 for 14a; 14a for 14)."""
    digits = _NUMBER.match(hn).group(1)
    hits = list(group.by_housenumber.get(digits, ()))
    if not hits:
        hits = [i for key, ids in group.by_housenumber.items()
                if _NUMBER.match(key) and _NUMBER.match(key).group(1) == digits for i in ids]
    if not hits:
        return None
    places = _places(index, tuple(hits))
    if len(places) == 1:
        return places[0]
    pts = [index.points[i] for i in hits]
    xy = local_xy_m(np.array([p.lat for p in pts]), np.array([p.lon for p in pts]), pts[0].lat)
    spread = float(np.linalg.norm(xy - xy.mean(axis=0), axis=1).max())
    return ([hits[0]], spread * 2) if spread <= SAME_PLACE_M * 2 else None


def _interpolate(index: GazetteerIndex, group: StreetGroup, wanted: int):
    """``(lat, lon, error_m, kind, house)`` for a number missing from the street, or None
    (``house``: the point used past the end of the numbering).

    Between the nearest numbers below and above on the same side (same parity when the
    street has both), the position is interpolated and the radius is half their distance
    plus 20 m; past the end of the numbering, the last house with 20 m plus the street's
    metres per number times the gap, at most the street's extent.
    """
    numbered = [(index.points[i].number, i) for i in group.points
                if index.points[i].number is not None]
    if not numbered:
        return None
    parities = {n % 2 for n, _ in numbered}
    side = [(n, i) for n, i in numbered if n % 2 == wanted % 2] if len(parities) == 2 else []
    pool = side if len(side) >= 2 else numbered
    lower = max((x for x in pool if x[0] < wanted), default=None)
    upper = min((x for x in pool if x[0] > wanted), default=None)

    def doubt(n: int, i: int) -> float:
        """How far apart the houses numbered ``n`` are (0 when it is one house)."""
        p = index.points[i]
        return max(_metres(p.lat, p.lon, index.points[k].lat, index.points[k].lon)
                   for m, k in pool if m == n)

    if lower is not None and upper is not None:
        a, b = index.points[lower[1]], index.points[upper[1]]
        t = (wanted - lower[0]) / (upper[0] - lower[0])
        lat, lon = a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon)
        gap_m = _metres(a.lat, a.lon, b.lat, b.lon)
        radius = min(20.0 + gap_m / 2 + doubt(*lower) + doubt(*upper),
                     group.extent_m + STREET_MARGIN_M)
        return lat, lon, radius, "interpolated", None
    end = lower or upper
    assert end is not None
    p = index.points[end[1]]
    # past the end of the numbering the street may go on: all of it stays possible
    to_far_end = _metres(p.lat, p.lon, group.centroid_lat, group.centroid_lon) + group.extent_m
    pool.sort()
    steps = [_metres(index.points[i].lat, index.points[i].lon,
                     index.points[k].lat, index.points[k].lon) / (m - n)
             for (n, i), (m, k) in itertools.pairwise(pool) if m > n]
    per_number = float(np.median(steps)) if steps else DEFAULT_PER_NUMBER_M
    per_number = min(max(per_number, 3.0), 30.0)
    radius = max(20.0 + per_number * abs(wanted - end[0]) + doubt(*end),
                 to_far_end + STREET_MARGIN_M)
    return p.lat, p.lon, radius, "nearest", end[1]


def _result(index, group: StreetGroup, ids, match: str, error_m: float, factor: float,
            at: tuple[float, float] | None = None):
    postcode, city = group.postcode, group.city
    if ids:
        point = index.points[ids[0]]
        lat, lon, number, ref = point.lat, point.lon, point.housenumber, point.osm_ref
        inferred = point.locality_inferred
        postcode, city = point.postcode or postcode, point.city or city
    else:
        lat, lon = at or (group.centroid_lat, group.centroid_lon)
        number, ref, inferred = "", "", False
    locality = " ".join(x for x in (postcode, city) if x)
    address = ", ".join(x for x in (f"{group.street} {number}".strip(), locality) if x)
    lat, lon, address, raw = _raw_result(index, lat, lon, address, match, error_m, factor)
    raw.update({"street": group.street, "housenumber": number, "postcode": postcode,
                "city": city, "osm_ref": ref, "locality_inferred": inferred})
    return lat, lon, address, raw


def _raw_result(index, lat: float, lon: float, address: str, match: str, error_m: float,
                factor: float):
    raw = {
        "confidence": round(confidence_of(error_m, factor), 3), "error_m": round(error_m, 1),
        "match": match, "street": "", "housenumber": "", "postcode": "", "city": "",
        "osm_ref": "", "locality_inferred": False, "source": index.source,
        "lat": lat, "lon": lon, "display_name": address,
    }
    return lat, lon, address, raw


def _postcode_countries(rules: AddressRules, postcodes: frozenset[str]) -> set[str]:
    """Countries whose postcode format fits most of the extract's postcodes (for an
    extract without ``addr:country`` tags); every country if none fits."""
    if not postcodes:
        return set()
    found = set()
    for country in rules.countries:
        patterns = [re.compile(p, re.IGNORECASE)
                    for p in rules.data.get("country", {}).get(country, {}).get("postcode", [])]
        fits = sum(any(p.fullmatch(code) for p in patterns) for code in postcodes)
        if fits >= 0.5 * len(postcodes):
            found.add(country)
    return found


class Gazetteer(Geocoder):
    """Offline geopy geocoder over the addresses of an OSM extract.

    Parameters
    ----------
    osm_file : str or Path
        The extract (``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``).
    cache_dir : str or Path, optional
        Where the index pickle lives; defaults to ``settings.cache_dir``.
    rules_file : str or Path, optional
        Address rules merged over the built-in ones (``[geocode] address_rules``).
    country_codes : iterable of str
        Countries whose postcode formats are recognised, besides the ``addr:country``
        codes of the extract (all known countries when both are empty).

    Examples
    --------
    >>> Gazetteer("liechtenstein-2021-01.osm.bz2").geocode("Städtle 5, Vaduz")  # doctest: +SKIP
    Location(Städtle 5, 9490 Vaduz, (47.1411..., 9.5220..., 0.0))
    """

    def __init__(self, osm_file: str | Path, *, cache_dir: str | Path | None = None,
                 rules_file: str | Path | None = None,
                 country_codes: tuple[str, ...] = ()) -> None:
        super().__init__(user_agent=settings.user_agent, proxies={})
        self.osm_file = Path(osm_file)
        base = load_rules(rules_file)
        self.index = load_index(self.osm_file, cache_dir=cache_dir, rules=base)
        countries = set(country_codes) | set(self.index.countries)
        self.rules = load_rules(rules_file, countries=countries or _postcode_countries(
            base, self.index.postcodes))
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
        ``raw["error_m"]``, ``raw["confidence"]`` and ``raw["match"]`` (``exact``,
        ``number``, ``interpolated``, ``nearest``, ``street``, ``locality``) say how
        good each is.
        """
        if isinstance(query, Mapping):
            query = ", ".join(str(v) for v in query.values() if v)
        if query not in self._memo:
            if len(self._memo) > 100_000:
                self._memo.clear()
            self._memo[query] = [
                GeopyLocation(address, (lat, lon), raw)
                for lat, lon, address, raw in lookup(self.index, query, self.rules)
            ]
        found = self._memo[query]
        if not found:
            return None
        return found[0] if exactly_one else found[: limit or None]
