"""Addresses -> locations, with nothing lost.

The provider is named in scenario.toml ``[geocode]``: ``gazetteer`` (the default,
offline, over the scenario's OSM extract), ``nominatim`` (the default online
provider) or any geopy geocoder name, built with ``options``. Online lookups go
through geopy's ``RateLimiter`` (1 request/s unless configured), time out after
``timeout_s``, are retried with exponential backoff on 429, timeouts and 5xx,
and are cached in SQLite (:mod:`optimizer.geo.geocode_cache`).

Every address gets a :class:`GeocodeRow`: ``ok``, ``low_confidence`` (located
but flagged), ``not_found``, ``ambiguous`` (hits of similar quality more than
``ambiguous_m`` apart), ``outside_area`` (no hit inside ``GeocodeSettings.bbox``)
or ``no_address``. An unfound address is never an exception; :class:`GeocodeError`
means the provider is misconfigured, or still down after the retries.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from geopy import exc as geopy_exc
from geopy.adapters import RequestsAdapter, URLLibAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, get_geocoder_for_service

from optimizer import settings as app_settings
from optimizer.errors import GeocodeError
from optimizer.geo.gazetteer import Gazetteer
from optimizer.geo.geocode_cache import Candidate, GeocodeCache, normalise_query
from optimizer.model import GeocodeSettings, Location, WorkOrder

OK, LOW_CONFIDENCE, NOT_FOUND = "ok", "low_confidence", "not_found"
AMBIGUOUS, OUTSIDE_AREA, NO_ADDRESS, GIVEN = "ambiguous", "outside_area", "no_address", "given"
#: ``WorkOrder.location_issue`` (and so the unassigned reason) for each failed status.
REASONS = {
    NOT_FOUND: "address not found",
    AMBIGUOUS: "ambiguous address",
    OUTSIDE_AREA: "address outside the scenario area",
    NO_ADDRESS: "no address and no lat/lon",
}
#: Columns that ``write_geocoded_work_orders`` adds to the input columns of work_orders.
GEOCODED_COLUMNS = ("lat", "lon", "matched_address", "geocode_confidence", "geocode_status")
OFFLINE_PROVIDERS = frozenset({"gazetteer"})
DEFAULT_MIN_DELAY_S = 1.0
#: Candidates within this much of the best confidence compete for "ambiguous".
RIVAL_CONFIDENCE_GAP = 0.15
_EARTH_RADIUS_M = 6_371_008.8
_SECRET_WORDS = ("key", "secret", "token", "password", "auth")


@dataclass(frozen=True, slots=True)
class GeocodeRow:
    """The outcome for one address: one row of the geocoding report."""

    order_id: str
    query: str
    status: str
    reason: str = ""
    confidence: float | None = None
    matched_address: str = ""
    lat: float | None = None
    lon: float | None = None
    candidates: tuple[Candidate, ...] = ()

    @property
    def location(self) -> Location | None:
        """The point (with the address as written), or None if the address failed."""
        if self.lat is None or self.lon is None or self.status not in (OK, LOW_CONFIDENCE):
            return None
        return Location(self.lat, self.lon, self.query)


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
        A match below this is kept but flagged ``low_confidence``.
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
        return GeocodeRow(order_id, query, AMBIGUOUS, REASONS[AMBIGUOUS], candidates=tuple(rivals))
    low = best.confidence < min_confidence
    return GeocodeRow(
        order_id, query, LOW_CONFIDENCE if low else OK,
        f"low confidence {best.confidence:.2f} < {min_confidence:g}" if low else "",
        best.confidence, best.address, best.lat, best.lon, cands,
    )


def provider_confidence(raw: Mapping[str, Any]) -> float:
    """A confidence in [0, 1] from a provider's raw answer.

    ``raw["confidence"]`` if present (0-1, or OpenCage's 0-10); else Nominatim's
    ``place_rank`` (30 building 1.0, 28-29 0.8, 26-27 street 0.4, lower 0.2) or
    ``class``/``type``; else Google's ``location_type``; else 0.8.
    """
    value = raw.get("confidence")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return min(1.0, value / 10 if value > 1 else float(value))
    rank = raw.get("place_rank")
    if rank is not None:
        rank = int(rank)
        return 1.0 if rank >= 30 else 0.8 if rank >= 28 else 0.4 if rank >= 26 else 0.2
    kind = raw.get("addresstype") or raw.get("type")
    group = raw.get("class") or raw.get("category")
    if kind in ("house", "building") or group == "building":
        return 1.0
    if group == "highway" or kind in ("road", "street"):
        return 0.4
    if group in ("place", "boundary"):
        return 0.2
    geometry = raw.get("geometry")
    if isinstance(geometry, Mapping) and "location_type" in geometry:
        return {"ROOFTOP": 1.0, "RANGE_INTERPOLATED": 0.8, "GEOMETRIC_CENTER": 0.5}.get(
            geometry["location_type"], 0.3)
    return 0.8


def _adapter_without_retries(*, proxies: Any, ssl_context: Any) -> Any:
    """geopy's HTTP adapter with transport retries off: :class:`AddressResolver` retries."""
    if RequestsAdapter.is_available:
        return RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)
    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)


def _redact(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: "***" if any(w in k.lower() for w in _SECRET_WORDS) else v
            for k, v in options.items()}


class AddressResolver:
    """One provider with its rate limit, retries, cache and in-run memo.

    Parameters
    ----------
    settings : GeocodeSettings
        The scenario's ``[geocode]`` section.
    base_dir : Path, optional
        Resolves a relative ``osm_file`` (the scenario folder).
    cache_dir : Path, optional
        Holds the SQLite cache and the gazetteer index; defaults to ``settings.cache_dir``.
    min_delay_s : float, optional
        Seconds between online requests; default ``settings.min_delay_s`` if the
        settings have it, else 1.0 (Nominatim's public usage policy).
    max_retries : int
        Retries after a 429, a timeout or a 5xx, waiting ``backoff_s * 2**attempt``
        (or the server's ``Retry-After``), at most ``max_wait_s``.
    ambiguous_m : float
        See :func:`classify`.

    The geopy geocoder is built on first use, so a scenario whose orders all
    have coordinates never opens the OSM file or the network.
    """

    def __init__(
        self,
        settings: GeocodeSettings,
        *,
        base_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        min_delay_s: float | None = None,
        max_retries: int = 3,
        backoff_s: float = 1.0,
        max_wait_s: float = 60.0,
        ambiguous_m: float = 500.0,
    ) -> None:
        self.settings = settings
        self.provider = settings.provider.strip().lower()
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.cache_dir = Path(cache_dir if cache_dir is not None else app_settings.cache_dir)
        if min_delay_s is None:
            min_delay_s = getattr(settings, "min_delay_s", None)
        self.min_delay_s = DEFAULT_MIN_DELAY_S if min_delay_s is None else float(min_delay_s)
        self.max_retries, self.backoff_s, self.max_wait_s = max_retries, backoff_s, max_wait_s
        self.ambiguous_m = ambiguous_m
        self.requests = 0
        self.cache_hits = 0
        self.online = self.provider not in OFFLINE_PROVIDERS
        self.provider_key = self.provider + ":" + hashlib.sha256(json.dumps(
            [sorted(_redact(settings.options).items(), key=str),
             list(settings.country_codes), settings.bbox],
            default=str).encode()).hexdigest()[:12]
        self._geocoder: Any = None
        self._limited: Callable[..., Any] | None = None
        self._cache: GeocodeCache | None = None
        self._memo: dict[str, tuple[Candidate, ...]] = {}

    # -- the provider ------------------------------------------------------------------------

    @property
    def geocoder(self) -> Any:
        """The geopy geocoder (built on first use)."""
        if self._geocoder is None:
            self._geocoder = self._build()
            self._limited = RateLimiter(
                self._geocoder.geocode, min_delay_seconds=self.min_delay_s if self.online else 0,
                max_retries=0, error_wait_seconds=self.min_delay_s if self.online else 0,
                swallow_exceptions=False,
            )
        return self._geocoder

    def _build(self) -> Any:
        s = self.settings
        if not self.online:
            if not s.osm_file:
                raise GeocodeError("[geocode] provider='gazetteer' needs osm_file (an OSM extract)")
            path = Path(s.osm_file)
            if not path.is_absolute() and self.base_dir is not None:
                path = self.base_dir / path
            return Gazetteer(path, cache_dir=self.cache_dir)
        try:
            kind = get_geocoder_for_service(self.provider)
        except geopy_exc.GeocoderNotFound as exc:
            raise GeocodeError(f"[geocode] provider={s.provider!r}: {exc}") from None
        options = {"user_agent": app_settings.user_agent, "timeout": s.timeout_s,
                   "adapter_factory": _adapter_without_retries, **s.options}
        try:
            return kind(**options)
        except (TypeError, ValueError, geopy_exc.GeopyError) as exc:
            raise GeocodeError(
                f"[geocode] provider={s.provider!r} with options {_redact(s.options)!r}: {exc}"
            ) from None

    def _call_kwargs(self) -> dict[str, Any]:
        s, kwargs = self.settings, {"exactly_one": False}
        if isinstance(self._geocoder, Nominatim):
            kwargs["limit"] = 5
            if s.country_codes:
                kwargs["country_codes"] = list(s.country_codes)
            if s.bbox is not None:
                west, south, east, north = s.bbox
                kwargs["viewbox"] = [(south, west), (north, east)]
        return kwargs

    def _fetch(self, query: str) -> tuple[Candidate, ...]:
        """Ask the provider, retrying transient failures; raise GeocodeError when it is down."""
        geocoder = self.geocoder
        if not self.online:
            found = geocoder.geocode(query, exactly_one=False) or []
            return tuple(Candidate(p.latitude, p.longitude, p.address, p.raw["confidence"])
                         for p in found)
        attempts, error = self.max_retries + 1, None
        for attempt in range(attempts):
            self.requests += 1
            try:
                found = self._limited(query, **self._call_kwargs())
            except geopy_exc.GeocoderRateLimited as exc:
                error, wait = exc, exc.retry_after
            except (geopy_exc.GeocoderAuthenticationFailure, geopy_exc.GeocoderQuotaExceeded,
                    geopy_exc.GeocoderInsufficientPrivileges, geopy_exc.GeocoderQueryError,
                    geopy_exc.ConfigurationError) as exc:
                raise GeocodeError(
                    f"geocoding provider {self.provider!r} refused {query!r}: {exc} "
                    "(check [geocode] provider and options)") from exc
            except geopy_exc.GeocoderServiceError as exc:  # timeouts, 5xx, unreachable
                error, wait = exc, None
            else:
                if found is None:
                    return ()
                found = [found] if not isinstance(found, list) else found
                cands = [Candidate(p.latitude, p.longitude, p.address or "",
                                   round(provider_confidence(p.raw or {}), 3)) for p in found]
                return tuple(sorted(cands, key=lambda c: -c.confidence))
            if attempt + 1 < attempts:
                time.sleep(min(self.max_wait_s,
                               wait if wait is not None else self.backoff_s * 2**attempt))
        raise GeocodeError(f"geocoding provider {self.provider!r} failed for {query!r} after "
                           f"{attempts} attempts: {type(error).__name__}: {error}")

    # -- lookups -----------------------------------------------------------------------------

    def candidates(self, query: str) -> tuple[Candidate, ...]:
        """Every candidate for ``query``: from the run's memo, the cache, or the provider."""
        key = normalise_query(query)
        if key in self._memo:
            return self._memo[key]
        cached = None
        if self.online:
            if self._cache is None:
                self._cache = GeocodeCache(self.cache_dir)
            cached = self._cache.get(self.provider_key, query)
        if cached is not None:
            self.cache_hits += 1
            found = cached.candidates
        else:
            found = self._fetch(query)
            if self.online:
                self._cache.put(self.provider_key, query, found)
        self._memo[key] = found
        return found

    def resolve(self, query: str, *, order_id: str = "") -> GeocodeRow:
        """Geocode one address into a report row (never raises for an unfound address)."""
        found = self.candidates(query) if query.strip() else ()
        return classify(order_id, query, found, bbox=self.settings.bbox,
                        min_confidence=self.settings.min_confidence,
                        ambiguous_m=self.ambiguous_m)

    def close(self) -> None:
        """Close the cache database."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __enter__(self) -> AddressResolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        New orders in the same order: located ones with ``geocode_confidence``,
        failed ones with ``location=None`` and ``location_issue`` from :data:`REASONS`.

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
            row = resolver.resolve(_address_of(order, addresses), order_id=order.order_id)
            report.append(row)
            location = row.location
            out.append(replace(
                order, location=location,
                geocode_confidence=row.confidence if location else None,
                location_issue="" if location else row.reason))
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
        return resolver.resolve(address, order_id=label)
    with AddressResolver(settings, base_dir=base_dir, cache_dir=cache_dir) as own:
        return own.resolve(address, order_id=label)


# -- files -----------------------------------------------------------------------------------


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return ""
    return format(round(value, digits), "g" if digits < 4 else f".{digits}f")


def _read_rows(source: Path) -> tuple[list[str], list[dict[str, str]]]:
    import pandas as pd

    suffix = source.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xls"):
        frame = pd.read_excel(source, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_parquet(source)
        frame = frame.astype(object).where(frame.notna(), "").astype(str)
    columns = [str(c) for c in frame.columns]
    return columns, [dict(zip(columns, row, strict=True)) for row in frame.itertuples(index=False)]


def write_geocoded_work_orders(
    path: str | Path, result: GeocodeResult, *, source: str | Path
) -> Path:
    """Write ``geocoded_work_orders.csv``: the input columns plus :data:`GEOCODED_COLUMNS`.

    A dispatcher can correct it (fill ``lat``/``lon`` of a failed row) and use it as
    ``work_orders.csv``: rows with coordinates are never geocoded again.

    Parameters
    ----------
    path : str or Path
        The CSV to write (parent folders are created).
    result : GeocodeResult
        From :func:`geocode_orders`.
    source : str or Path
        The input work_orders table (``.csv``, ``.xlsx`` or ``.parquet``); its
        columns and cells are kept as written.

    Returns
    -------
    Path
        ``path``. ``geocode_status`` is ``given`` for rows that had coordinates.
    """
    by_id = {row.order_id: row for row in result.report}
    columns, rows = _read_rows(Path(source))
    lower = {c.lower(): c for c in columns}
    for name in GEOCODED_COLUMNS:
        if name not in lower:
            columns.append(name)
            lower[name] = name
    id_column = lower.get("order_id", "order_id")
    for cells in rows:
        row = by_id.get(cells.get(id_column, ""))
        if row is None:
            status_column = lower["geocode_status"]
            cells[status_column] = cells.get(status_column) or GIVEN
            continue
        cells[lower["lat"]] = _number(row.lat if row.location else None, 7)
        cells[lower["lon"]] = _number(row.lon if row.location else None, 7)
        cells[lower["matched_address"]] = row.matched_address if row.location else ""
        cells[lower["geocode_confidence"]] = _number(row.confidence, 3)
        cells[lower["geocode_status"]] = row.status
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_geocode_report(path: str | Path, result: GeocodeResult) -> Path:
    """Write the report as CSV: order_id, query, status, reason, confidence, matched_address,
    lat, lon, candidates (``address (lat, lon) confidence`` joined by `` | ``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["order_id", "query", "status", "reason", "confidence",
                         "matched_address", "lat", "lon", "candidates"])
        for r in result.report:
            candidates = " | ".join(f"{c.address} ({c.lat:.6f}, {c.lon:.6f}) {c.confidence:g}"
                                    for c in r.candidates)
            writer.writerow([r.order_id, r.query, r.status, r.reason, _number(r.confidence, 3),
                             r.matched_address, _number(r.lat, 7), _number(r.lon, 7), candidates])
    return path
