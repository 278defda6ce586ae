"""The SQLite geocode cache: a second run makes no requests; failures are never cached."""

from __future__ import annotations

import sqlite3
import time

import pytest

from optimizer.errors import GeocodeError
from optimizer.geo.geocode import geocode_orders
from optimizer.geo.geocode_cache import CACHE_FILE, Candidate, GeocodeCache, normalise_query
from optimizer.model import GeocodeSettings, WorkOrder

try:
    from nominatim_server import FakeNominatim, error, place, results
except ImportError:  # tests/geo became a package
    from geo.nominatim_server import FakeNominatim, error, place, results

STAEDTLE = place(47.1405, 9.5215, "Städtle 5, 9490 Vaduz, Liechtenstein")


@pytest.fixture
def server():
    with FakeNominatim() as running:
        yield running


def online(server: FakeNominatim, **changes) -> GeocodeSettings:
    options = {"domain": server.domain, "scheme": "http", "proxies": {}}
    return GeocodeSettings(provider="nominatim", options=options, **changes)


def run(server, addresses, cache_dir, **changes):
    orders = [WorkOrder(order_id=k, customer="", location=None, service_min=30)
              for k in addresses]
    return geocode_orders(orders, online(server, **changes), base_dir=None,
                          cache_dir=cache_dir, addresses=addresses, min_delay_s=0,
                          backoff_s=0.01)


def test_second_run_makes_no_requests(server, tmp_path):
    """A hit, a miss and an ambiguous address cost 3 requests on the first run and none
    on the second (a new resolver, as in a new process); the results are identical."""
    server.script("Städtle 5", results(STAEDTLE))
    server.script("Landstrasse 5", results(place(47.066, 9.503, "Balzers"),
                                           place(47.1668, 9.51, "Schaan")))
    addresses = {"WO-1": "Städtle 5", "WO-2": "Nirgendwo 1", "WO-3": "Landstrasse 5"}
    first = run(server, addresses, tmp_path)
    assert (server.count(), first.requests, first.cache_hits) == (3, 3, 0)
    second = run(server, addresses, tmp_path)
    assert (server.count(), second.requests, second.cache_hits) == (3, 0, 3)
    assert second.report == first.report
    assert second.orders == first.orders
    assert (tmp_path / CACHE_FILE).exists()


def test_cache_key_is_the_normalised_query(server, tmp_path):
    """Case, spacing and commas do not make a new request; another address does."""
    server.script("Städtle 5, Vaduz", results(STAEDTLE))
    run(server, {"WO-1": "Städtle 5, Vaduz"}, tmp_path)
    again = run(server, {"WO-1": "  STÄDTLE 5 ,vaduz ", "WO-2": "städtle 5,   VADUZ"}, tmp_path)
    assert server.count() == 1
    assert [o.location.lat for o in again.orders] == [47.1405, 47.1405]
    assert again.orders[0].location.address == "  STÄDTLE 5 ,vaduz "
    run(server, {"WO-3": "Städtle 7, Vaduz"}, tmp_path)
    assert server.count() == 2


def test_cache_key_includes_the_provider_restrictions(server, tmp_path):
    """The same query with other country_codes is a new request (results may differ)."""
    server.script("Städtle 5", results(STAEDTLE))
    run(server, {"WO-1": "Städtle 5"}, tmp_path)
    run(server, {"WO-1": "Städtle 5"}, tmp_path, country_codes=("li",))
    run(server, {"WO-1": "Städtle 5"}, tmp_path, country_codes=("li",))
    assert server.count() == 2


def test_failures_are_not_cached(server, tmp_path):
    """A provider failure (500 after retries) stores nothing, so the next run asks again
    and caches the answer then."""
    server.script("Städtle 5", error(500))
    with pytest.raises(GeocodeError):
        run(server, {"WO-1": "Städtle 5"}, tmp_path)
    with GeocodeCache(tmp_path) as cache:
        assert len(cache) == 0
    server.script("Städtle 5", results(STAEDTLE))
    assert run(server, {"WO-1": "Städtle 5"}, tmp_path).orders[0].location.lat == 47.1405
    with GeocodeCache(tmp_path) as cache:
        assert len(cache) == 1


def test_cache_round_trip_columns_age_and_clear(tmp_path):
    """put/get keep every candidate, best first; the table holds the best one's lat, lon,
    address, confidence and the time; max_age_s hides old entries; clear() empties."""
    candidates = [Candidate(47.1, 9.5, "A", 1.0), Candidate(47.2, 9.6, "B", 0.4)]
    with GeocodeCache(tmp_path) as cache:
        cache.put("nominatim:x", "Städtle 5", candidates, created_at=time.time() - 100)
        cache.put("nominatim:x", "Nirgendwo", [])
    with GeocodeCache(tmp_path / CACHE_FILE) as cache:
        hit = cache.get("nominatim:x", "städtle 5")
        assert hit.candidates == tuple(candidates)
        assert hit.found and not cache.get("nominatim:x", "nirgendwo").found
        assert cache.get("nominatim:x", "Städtle 5", max_age_s=50) is None
        assert cache.get("other:y", "Städtle 5") is None
        assert len(cache) == 2
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        row = db.execute("SELECT lat, lon, address, confidence, created_at > 0 FROM geocodes"
                         " WHERE query = 'städtle 5'").fetchone()
    assert row == (47.1, 9.5, "A", 1.0, 1)
    with GeocodeCache(tmp_path) as cache:
        assert cache.clear("nominatim:x") == 2
        assert len(cache) == 0


def test_normalise_query():
    """Unicode NFC, case-folded, one space, ", " between parts, no edge punctuation."""
    assert normalise_query("  Städtle 5 ,9490   VADUZ, ") == "städtle 5, 9490 vaduz"
    assert normalise_query("Sta\u0308dtle 5") == "städtle 5"
