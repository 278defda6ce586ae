"""A persistent geocode cache: SQLite in ``settings.cache_dir``.

One row per (provider, normalised query). A row stores every candidate the
provider returned (coordinates, matched address, confidence), the best one in
its own columns for easy inspection with ``sqlite3``, and the time it was
fetched. An address the provider did not find is cached too (with no
candidates), so that a second run makes no requests at all. Provider failures
(timeouts, 5xx) are never cached.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from optimizer import settings

#: File name of the cache database inside the cache directory.
CACHE_FILE = "geocode.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS geocodes (
    provider   TEXT NOT NULL,
    query      TEXT NOT NULL,
    found      INTEGER NOT NULL,
    lat        REAL,
    lon        REAL,
    address    TEXT,
    confidence REAL,
    candidates TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (provider, query)
)
"""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place a provider offered for a query; ``confidence`` is in [0, 1]."""

    lat: float
    lon: float
    address: str
    confidence: float
    #: The kind of match (``exact``, ``street``, ...; "" from an online provider).
    match: str = ""
    #: The estimated error radius in metres (None: derived from the confidence).
    error_m: float | None = None


@dataclass(frozen=True, slots=True)
class CachedGeocode:
    """What the cache holds for one query: every candidate (best first) and when."""

    provider: str
    query: str
    candidates: tuple[Candidate, ...]
    created_at: float

    @property
    def found(self) -> bool:
        return bool(self.candidates)


def normalise_query(query: str) -> str:
    """The cache key of ``query``: Unicode NFC, case-folded, single spaces, no edge commas.

    Parameters
    ----------
    query : str
        An address as written.

    Returns
    -------
    str
        ``"Städtle 5 ,  9490 VADUZ"`` becomes ``"städtle 5, 9490 vaduz"``.
    """
    text = unicodedata.normalize("NFC", query).casefold()
    text = re.sub(r"\s*,\s*", ", ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" ,;")


class GeocodeCache:
    """Geocode results in an SQLite file, keyed by provider and normalised query.

    Parameters
    ----------
    path : str or Path, optional
        The database file, or a directory to hold :data:`CACHE_FILE`.
        Defaults to ``settings.cache_dir``.

    Examples
    --------
    >>> with GeocodeCache(tmp_dir) as cache:  # doctest: +SKIP
    ...     cache.put("nominatim", "Städtle 5, Vaduz", [Candidate(47.14, 9.52, "...", 1.0)])
    ...     cache.get("nominatim", "städtle 5,  vaduz").candidates[0].lat
    47.14
    """

    def __init__(self, path: str | Path | None = None) -> None:
        path = Path(path) if path is not None else Path(settings.cache_dir)
        if path.suffix not in (".sqlite", ".db", ".sqlite3"):
            path = path / CACHE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get(
        self, provider: str, query: str, *, max_age_s: float | None = None
    ) -> CachedGeocode | None:
        """The cached answer for ``query`` from ``provider``, or None if absent or too old.

        Parameters
        ----------
        provider : str
            The provider key (name plus a hash of the options that change results).
        query : str
            The address as written; it is normalised with :func:`normalise_query`.
        max_age_s : float, optional
            Ignore entries older than this many seconds.
        """
        key = normalise_query(query)
        row = self._db.execute(
            "SELECT candidates, created_at FROM geocodes WHERE provider = ? AND query = ?",
            (provider, key),
        ).fetchone()
        if row is None or (max_age_s is not None and time.time() - row[1] > max_age_s):
            return None
        candidates = tuple(Candidate(**c) for c in json.loads(row[0]))
        return CachedGeocode(provider, key, candidates, row[1])

    def put(
        self,
        provider: str,
        query: str,
        candidates: Sequence[Candidate],
        *,
        created_at: float | None = None,
    ) -> CachedGeocode:
        """Store the provider's answer for ``query`` (an empty ``candidates`` means not found).

        Parameters
        ----------
        provider : str
            The provider key.
        query : str
            The address as written.
        candidates : sequence of Candidate
            Best first. Empty when the provider found nothing.
        created_at : float, optional
            Unix time of the answer; defaults to now.
        """
        key = normalise_query(query)
        stamp = time.time() if created_at is None else created_at
        best = candidates[0] if candidates else None
        payload = json.dumps(
            [
                {"lat": c.lat, "lon": c.lon, "address": c.address, "confidence": c.confidence}
                for c in candidates
            ],
            ensure_ascii=False,
        )
        self._db.execute(
            "INSERT OR REPLACE INTO geocodes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                provider,
                key,
                int(best is not None),
                best.lat if best else None,
                best.lon if best else None,
                best.address if best else None,
                best.confidence if best else None,
                payload,
                stamp,
            ),
        )
        self._db.commit()
        return CachedGeocode(provider, key, tuple(candidates), stamp)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM geocodes").fetchone()[0])

    def clear(self, provider: str | None = None) -> int:
        """Delete every entry (or those of one ``provider``); returns how many were deleted."""
        if provider is None:
            cursor = self._db.execute("DELETE FROM geocodes")
        else:
            cursor = self._db.execute("DELETE FROM geocodes WHERE provider = ?", (provider,))
        self._db.commit()
        return cursor.rowcount

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
