"""Addresses -> locations, with nothing lost.

The provider is named in scenario.toml ``[geocode]``: ``gazetteer`` (the default,
offline, over the scenario's OSM extract), ``nominatim`` (the default online
provider) or any geopy geocoder name. An
:class:`~optimizer.geo.providers.AddressResolver` asks it, with a rate limit,
retries and a cache.

Technicians' homes given only as ``home_address`` are located too
(:func:`geocode_homes`); a home that cannot be found is an input error, since
a shift cannot start nowhere.

Every address gets a :class:`GeocodeRow`: ``ok`` (an exact house number),
``approximate`` (a fallback: interpolated number, street or locality, at or above
``min_confidence``), ``low_confidence`` (below it: the order is left unassigned with
``GEOCODE_REVIEW`` and its candidates listed, unless ``[geocode] route_low_confidence``),
``not_found``, ``ambiguous`` (hits of similar quality more than ``ambiguous_m``
apart), ``outside_area`` (no hit inside ``GeocodeSettings.bbox``) or ``no_address``.
Each located row has ``error_m``, the estimated error radius in metres.
An unfound address is never an exception; :class:`GeocodeError`
means the provider is misconfigured, or still down after the retries.
:func:`geocode_problem` does both for a whole problem;
:mod:`optimizer.outputs` writes the rows as CSV.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from optimizer.errors import InputError
from optimizer.geo.gazetteer import error_of
from optimizer.geo.geocode_cache import Candidate
from optimizer.geo.providers import AddressResolver
from optimizer.model import (
    AREA_REACH_KM,
    LOCATION_ISSUES,
    GeocodeSettings,
    Location,
    Problem,
    ReasonCode,
    Shift,
    Technician,
    WorkOrder,
)


class GeocodeStatus(enum.StrEnum):
    """The outcome of geocoding one address (``status`` column of the geocoding report)."""

    #: An exact match (the house number, or a provider's building-level answer).
    OK = "ok"
    #: A fallback (no exact house number) at or above ``min_confidence``: routed, flagged.
    APPROXIMATE = "approximate"
    #: Located, but the match is weaker than ``GeocodeSettings.min_confidence``: needs review.
    LOW_CONFIDENCE = "low_confidence"
    NOT_FOUND = "not_found"
    #: Hits of similar quality far apart.
    AMBIGUOUS = "ambiguous"
    #: No hit inside ``GeocodeSettings.bbox``.
    OUTSIDE_AREA = "outside_area"
    NO_ADDRESS = "no_address"


# Short names, as before the enum.
OK, LOW_CONFIDENCE = GeocodeStatus.OK, GeocodeStatus.LOW_CONFIDENCE
APPROXIMATE = GeocodeStatus.APPROXIMATE
NOT_FOUND, NO_ADDRESS = GeocodeStatus.NOT_FOUND, GeocodeStatus.NO_ADDRESS
AMBIGUOUS, OUTSIDE_AREA = GeocodeStatus.AMBIGUOUS, GeocodeStatus.OUTSIDE_AREA
#: The unassigned reason code of an order whose address failed with each status.
REASON_CODES = {
    NOT_FOUND: ReasonCode.ADDRESS_NOT_FOUND,
    AMBIGUOUS: ReasonCode.ADDRESS_AMBIGUOUS,
    OUTSIDE_AREA: ReasonCode.ADDRESS_OUTSIDE_AREA,
    NO_ADDRESS: ReasonCode.NO_ADDRESS,
    LOW_CONFIDENCE: ReasonCode.GEOCODE_REVIEW,
}
#: ``WorkOrder.location_issue`` (and so the unassigned reason) for each failed status.
REASONS = {status: LOCATION_ISSUES[code] for status, code in REASON_CODES.items()}
#: Candidates within this much of the best confidence compete for "ambiguous".
RIVAL_CONFIDENCE_GAP = 0.15
#: The smallest error radius given to an online provider's answer (a building is not a point).
MIN_PROVIDER_ERROR_M = 10.0
#: A provider's answer at least this confident counts as exact (building level).
EXACT_PROVIDER_CONFIDENCE = 0.95
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class GeocodeRow:
    """The outcome for one address: one row of the geocoding report."""

    order_id: str
    query: str
    status: GeocodeStatus
    reason: str = ""
    confidence: float | None = None
    matched_address: str = ""
    lat: float | None = None
    lon: float | None = None
    candidates: tuple[Candidate, ...] = ()
    #: Estimated error radius of the point in metres.
    error_m: float | None = None
    #: The kind of match (``exact``, ``interpolated``, ``street``, ``locality``, ...).
    match: str = ""

    @property
    def location(self) -> Location | None:
        """The point (with the address as written), or None if the address failed."""
        if (self.lat is None or self.lon is None
                or self.status not in (OK, APPROXIMATE, LOW_CONFIDENCE)):
            return None
        return Location(self.lat, self.lon, self.query)

    @property
    def needs_review(self) -> bool:
        """Below ``min_confidence``: a person should pick the place (or it is ambiguous)."""
        return self.status in (LOW_CONFIDENCE, AMBIGUOUS)


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """Orders after geocoding, a report row per geocoded order, and what it cost."""

    orders: tuple[WorkOrder, ...]
    report: tuple[GeocodeRow, ...]
    provider: str
    requests: int = 0
    cache_hits: int = 0

    @property
    def problems(self) -> tuple[GeocodeRow, ...]:
        """Rows a dispatcher should look at: everything that is not ``ok``."""
        return tuple(row for row in self.report if row.status != OK)

    @property
    def review(self) -> tuple[GeocodeRow, ...]:
        """Rows that need a person to pick the place (low confidence or ambiguous)."""
        return tuple(row for row in self.report if row.needs_review)


def distance_m(a: Candidate, b: Candidate) -> float:
    """Great-circle distance between two candidates in metres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2)
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _inside(c: Candidate, bbox: Sequence[float] | None) -> bool:
    if bbox is None:
        return True
    west, south, east, north = bbox
    return south <= c.lat <= north and west <= c.lon <= east


def classify(
    order_id: str,
    query: str,
    candidates: Sequence[Candidate],
    *,
    bbox: Sequence[float] | None = None,
    min_confidence: float = 0.5,
    ambiguous_m: float = 500.0,
) -> GeocodeRow:
    """Turn a provider's candidates for ``query`` into a report row.

    Parameters
    ----------
    order_id, query : str
        What is being geocoded (an order id, or a label such as ``"tech T1 home"``).
    candidates : sequence of Candidate
        As the provider returned them, best first.
    bbox : (west, south, east, north), optional
        The scenario's area in degrees; candidates outside it are discarded.
    min_confidence : float
        A match below this is ``low_confidence`` (needs review).
    ambiguous_m : float
        Candidates of similar confidence farther apart than this make the address ambiguous.
    """
    cands = tuple(candidates)
    if not query.strip():
        return GeocodeRow(order_id, query, NO_ADDRESS, REASONS[NO_ADDRESS])
    if not cands:
        return GeocodeRow(order_id, query, NOT_FOUND, REASONS[NOT_FOUND])
    inside = [c for c in cands if _inside(c, bbox)]
    if not inside:
        return GeocodeRow(order_id, query, OUTSIDE_AREA, REASONS[OUTSIDE_AREA], candidates=cands)
    best = max(inside, key=lambda c: c.confidence)
    rivals = [c for c in inside if c.confidence >= best.confidence - RIVAL_CONFIDENCE_GAP]
    if any(distance_m(c, best) > ambiguous_m for c in rivals):
        places = "; ".join(c.address for c in rivals[:3]) + ("; ..." if len(rivals) > 3 else "")
        return GeocodeRow(order_id, query, AMBIGUOUS,
                          f"{REASONS[AMBIGUOUS]} ({len(rivals)} places: {places})",
                          candidates=tuple(rivals))
    error_m = (best.error_m if best.error_m is not None
               else round(max(MIN_PROVIDER_ERROR_M, error_of(best.confidence)), 1))
    exact = best.match == "exact" or (not best.match
                                      and best.confidence >= EXACT_PROVIDER_CONFIDENCE)
    if best.confidence < min_confidence:
        status = LOW_CONFIDENCE
        reason = (f"{LOCATION_ISSUES[ReasonCode.GEOCODE_REVIEW]} (confidence "
                  f"{_below(best.confidence, min_confidence)} < {min_confidence:g}, "
                  f"error radius {error_m:.0f} m)")
    else:
        status, reason = (OK, "") if exact else (APPROXIMATE, f"{best.match or 'approximate'} "
                                                 f"match, error radius {error_m:.0f} m")
    return GeocodeRow(order_id, query, status, reason, best.confidence, best.address,
                      best.lat, best.lon, cands, error_m, best.match)


def _below(confidence: float, threshold: float) -> str:
    """``confidence`` written with two decimals, or three (rounded down) when two would
    make it look as high as ``threshold`` ("0.498", not "0.50 < 0.5") or as nothing."""
    if 0.01 <= round(confidence, 2) < threshold:
        return f"{confidence:.2f}"
    return f"{math.floor(confidence * 1000) / 1000:.3f}"


def _resolve(resolver: AddressResolver, query: str, *, order_id: str = "") -> GeocodeRow:
    """Geocode one address into a report row (never raises for an unfound address)."""
    found = resolver.candidates(query) if query.strip() else ()
    return classify(order_id, query, found, bbox=resolver.settings.bbox,
                    min_confidence=resolver.settings.min_confidence,
                    ambiguous_m=resolver.ambiguous_m)


def _address_of(order: WorkOrder, addresses: Mapping[str, str] | None) -> str:
    if addresses is not None and order.order_id in addresses:
        return addresses[order.order_id] or ""
    return getattr(order, "address", "") or ""


def geocode_orders(
    orders: Iterable[WorkOrder],
    settings: GeocodeSettings,
    *,
    base_dir: str | Path | None,
    cache_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    addresses: Mapping[str, str] | None = None,
    resolver: AddressResolver | None = None,
    min_delay_s: float | None = None,
    max_retries: int = 3,
    backoff_s: float = 1.0,
    ambiguous_m: float = 500.0,
) -> GeocodeResult:
    """Give every order without coordinates a location, or the reason it has none.

    Parameters
    ----------
    orders : iterable of WorkOrder
        Orders with ``location`` set pass through unchanged and are never geocoded.
    settings : GeocodeSettings
        The scenario's ``[geocode]`` section.
    base_dir : Path or None
        The scenario folder (resolves a relative ``osm_file``).
    cache_dir : Path, optional
        Defaults to ``settings.cache_dir``.
    progress : callable, optional
        Called as ``progress(done, total)`` after each geocoded order.
    addresses : mapping, optional
        ``order_id -> address``; otherwise the order's ``address`` attribute.
    resolver : AddressResolver, optional
        Reuse one (with its memo and counters), for example for technician homes too.
    min_delay_s, max_retries, backoff_s, ambiguous_m
        See :class:`AddressResolver` (ignored when ``resolver`` is given).

    Returns
    -------
    GeocodeResult
        New orders in the same order: located ones with ``geocode_confidence`` and
        ``geocode_error_m``; failed ones with ``location=None`` and ``location_issue``
        from :data:`REASONS`. An order below ``min_confidence`` is failed too
        (``GEOCODE_REVIEW``) unless ``settings.route_low_confidence``.

    Raises
    ------
    GeocodeError
        Only if the provider is misconfigured, or down after the retries.
    """
    orders = tuple(orders)
    own = resolver is None
    if resolver is None:
        resolver = AddressResolver(
            settings, base_dir=base_dir, cache_dir=cache_dir, min_delay_s=min_delay_s,
            max_retries=max_retries, backoff_s=backoff_s, ambiguous_m=ambiguous_m)
    total = sum(1 for o in orders if o.location is None)
    out, report = [], []
    try:
        for order in orders:
            if order.location is not None:
                out.append(order)
                continue
            row = _resolve(resolver, _address_of(order, addresses), order_id=order.order_id)
            report.append(row)
            location = row.location
            issue = "" if location else row.reason
            if row.status == LOW_CONFIDENCE and not settings.route_low_confidence:
                location, issue = None, row.reason  # with its confidence and radius
            out.append(replace(
                order, location=location,
                geocode_confidence=row.confidence if row.confidence is not None else None,
                geocode_error_m=row.error_m,
                location_issue=issue))
            if progress is not None:
                progress(len(report), total)
    finally:
        if own:
            resolver.close()
    return GeocodeResult(tuple(out), tuple(report), resolver.provider,
                         resolver.requests, resolver.cache_hits)


def geocode_location(
    address: str,
    settings: GeocodeSettings,
    *,
    base_dir: str | Path | None,
    cache_dir: str | Path | None = None,
    label: str = "",
    resolver: AddressResolver | None = None,
) -> GeocodeRow:
    """Geocode one address (for example a technician's home); ``row.location`` is the point.

    Parameters
    ----------
    address : str
        The address as written.
    settings, base_dir, cache_dir, resolver
        As for :func:`geocode_orders`.
    label : str
        Goes into ``row.order_id`` for the report (``"tech T1 home"``).
    """
    if resolver is not None:
        return _resolve(resolver, address, order_id=label)
    with AddressResolver(settings, base_dir=base_dir, cache_dir=cache_dir) as own:
        return _resolve(own, address, order_id=label)


def home_label(tech_id: str) -> str:
    """The report row label of a technician's home (``order_id`` column)."""
    return f"tech {tech_id} home"


def geocode_homes(
    technicians: Sequence[Technician],
    shifts: Sequence[Shift],
    resolver: AddressResolver,
    *,
    source: str = "technicians",
) -> tuple[tuple[Technician, ...], tuple[Shift, ...], tuple[GeocodeRow, ...]]:
    """Locate every technician home given only by address (see ``Location.to_geocode``).

    Shifts that start or end at such a home move with it. Returns the technicians,
    the shifts and one report row per geocoded home. ``source`` names the
    technicians table in error messages.

    Raises
    ------
    InputError
        Listing every home that could not be located (not found, ambiguous, outside
        the area), with its technician and address.
    """
    rows: dict[str, GeocodeRow] = {}
    failed = []
    for tech in technicians:
        if tech.home.located or tech.tech_id in rows:
            continue
        row = _resolve(resolver, tech.home.address, order_id=home_label(tech.tech_id))
        rows[tech.tech_id] = row
        if row.location is None:
            failed.append(f"{source}, tech_id={tech.tech_id}, home_address="
                          f"{tech.home.address!r}: {row.reason}; give home_lat and home_lon")
    if failed:
        raise InputError(failed)
    homes = {tech_id: row.location for tech_id, row in rows.items()}

    def moved(tech_id: str, place: Location) -> Location:
        return homes[tech_id] if not place.located and tech_id in homes else place

    techs = tuple(replace(t, home=moved(t.tech_id, t.home)) for t in technicians)
    moved_shifts = tuple(
        replace(s, start_location=moved(s.tech_id, s.start_location),
                end_location=moved(s.tech_id, s.end_location)) for s in shifts)
    return techs, moved_shifts, tuple(rows.values())


def area_around(problem: Problem) -> tuple[float, float, float, float] | None:
    """``(west, south, east, north)`` around the places ``problem`` already knows (homes
    and orders given by coordinates), widened by :data:`AREA_REACH_KM`; None if it knows
    none. Without a ``[geocode] bbox``, a hit outside it is outside the area: an online
    provider's answer in another country (New York for a street of Vaduz) was "ok"."""
    points = [t.home for t in problem.technicians if t.home.located]
    points += [o.location for o in problem.orders if o.location is not None
               and o.location.located]
    if not points:
        return None
    lats, lons = [p.lat for p in points], [p.lon for p in points]
    dlat = AREA_REACH_KM / 111.2
    dlon = dlat / max(0.1, math.cos(math.radians((min(lats) + max(lats)) / 2)))
    return (max(-180.0, min(lons) - dlon), max(-90.0, min(lats) - dlat),
            min(180.0, max(lons) + dlon), min(90.0, max(lats) + dlat))


def geocode_problem(
    problem: Problem,
    *,
    base_dir: Path | None = None,
    homes_source: str = "technicians",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Problem, GeocodeResult | None]:
    """Locate every order and technician home of ``problem`` given only by address.

    One :class:`~optimizer.geo.providers.AddressResolver` (``problem.geocode``
    settings, cached) serves both. Returns the problem with locations filled in
    (an order that failed gets ``location_issue``; a home that failed raises
    :class:`InputError` naming ``homes_source``) and the geocoding report, ``None``
    when nothing needed geocoding (and no provider was asked).
    """
    orders_todo = any(o.location is None and o.address for o in problem.orders)
    homes_todo = any(not t.home.located for t in problem.technicians)
    if not (orders_todo or homes_todo):
        return problem, None
    settings = problem.geocode
    if settings.bbox is None:  # no area given: the one around the places already known
        settings = replace(settings, bbox=area_around(problem))
    with AddressResolver(settings, base_dir=base_dir,
                         max_retries=settings.max_retries) as resolver:
        orders, report = problem.orders, ()
        if orders_todo:
            result = geocode_orders(problem.orders, settings, base_dir=base_dir,
                                    progress=progress, resolver=resolver)
            orders, report = result.orders, result.report
        techs, shifts, homes = problem.technicians, problem.shifts, ()
        if homes_todo:
            techs, shifts, homes = geocode_homes(techs, shifts, resolver, source=homes_source)
        result = GeocodeResult(orders, (*report, *homes), resolver.provider,
                               resolver.requests, resolver.cache_hits)
    return replace(problem, orders=orders, technicians=techs, shifts=shifts), result
