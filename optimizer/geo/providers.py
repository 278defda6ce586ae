"""Geocoding providers behind one interface: :class:`AddressResolver`.

The provider is named in scenario.toml ``[geocode]``: ``gazetteer`` (offline, over
the scenario's OSM extract), ``nominatim`` (the default online provider) or any
geopy geocoder name, built with ``options``. Online lookups go through geopy's
``RateLimiter`` (1 request/s unless configured), time out after ``timeout_s``, are
retried with exponential backoff on 429, timeouts and 5xx, and are cached in
SQLite (:mod:`optimizer.geo.geocode_cache`). Secrets in ``options`` never reach
error messages or cache keys.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
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
from optimizer.model import GeocodeSettings

OFFLINE_PROVIDERS = frozenset({"gazetteer"})
DEFAULT_MIN_DELAY_S = 1.0
#: Candidates kept of one answer (the best by confidence).
MAX_CANDIDATES = 10
_SECRET_WORDS = ("key", "secret", "token", "password", "auth")


def provider_confidence(raw: Mapping[str, Any]) -> float:
    """A confidence in [0, 1] from a provider's raw answer.

    ``raw["confidence"]`` if present (0-1, or OpenCage's 0-10); else Nominatim's
    ``place_rank`` (30 building 1.0, 28-29 0.8, 26-27 street 0.4, lower 0.2) or
    ``class``/``type``; else Google's ``location_type``; else 0.8.
    """
    value = raw.get("confidence")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return min(1.0, value / 10 if value > 1 else float(value))
    try:
        rank = int(raw.get("place_rank"))
    except (TypeError, ValueError):  # absent, or not a number ("high")
        rank = None
    if rank is not None:
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


def _has_place(location: Any) -> bool:
    """Whether a provider's answer has real coordinates: finite, in range, and not exactly
    (0, 0), where an answer without coordinates lands (a result with no lat/lon was taken
    as an exact match at "Null Island" and cached)."""
    lat, lon = location.latitude, location.longitude
    return (isinstance(lat, int | float) and isinstance(lon, int | float)
            and math.isfinite(lat) and math.isfinite(lon)
            and -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0))


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
        Used when the candidates are classified (see
        :func:`optimizer.geo.geocode.classify`).

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
            rules = Path(s.address_rules) if getattr(s, "address_rules", None) else None
            if rules is not None and not rules.is_absolute() and self.base_dir is not None:
                rules = self.base_dir / rules
            return Gazetteer(path, cache_dir=self.cache_dir, rules_file=rules,
                             country_codes=tuple(s.country_codes))
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
            return tuple(Candidate(p.latitude, p.longitude, p.address, p.raw["confidence"],
                                   p.raw["match"], p.raw["error_m"]) for p in found)
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
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                # geopy could not read the answer (a latitude "abc" or 95, an object where
                # a list belongs): a broken answer, tried again like a broken page
                error, wait = geopy_exc.GeocoderParseError(
                    f"unreadable answer ({type(exc).__name__}: {str(exc)[:200]})"), None
            else:
                if found is None:
                    return ()
                found = [found] if not isinstance(found, list) else found
                cands = [Candidate(p.latitude, p.longitude, p.address or "",
                                   round(provider_confidence(p.raw or {}), 3)) for p in found
                         if _has_place(p)]
                # the best few: a server that ignores its limit sent 20,000 (40 MB cached)
                return tuple(sorted(cands, key=lambda c: -c.confidence)[:MAX_CANDIDATES])
            if attempt + 1 < attempts:
                time.sleep(min(self.max_wait_s,
                               wait if wait is not None else self.backoff_s * 2**attempt))
        said = str(error)
        said = said if len(said) <= 300 else f"{said[:300]}... ({len(said):,} characters)"
        raise GeocodeError(f"geocoding provider {self.provider!r} failed for {query!r} after "
                           f"{attempts} attempts: {type(error).__name__}: {said}")

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

    def close(self) -> None:
        """Close the cache database."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __enter__(self) -> AddressResolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
