"""Geocoding orders: geopy's real Nominatim against a local server, the gazetteer, the CSV."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from optimizer import settings as app_settings
from optimizer.errors import GeocodeError, InputError
from optimizer.geo.geocode import (
    REASON_CODES,
    REASONS,
    Candidate,
    GeocodeStatus,
    classify,
    geocode_homes,
    geocode_location,
    geocode_orders,
    geocode_problem,
)
from optimizer.geo.geocode_report import GEOCODED_COLUMNS
from optimizer.geo.providers import AddressResolver, provider_confidence
from optimizer.model import (
    GeocodeSettings,
    Location,
    Problem,
    ReasonCode,
    Shift,
    Technician,
    WorkOrder,
    location_code,
)
from optimizer.outputs import write_geocode_report, write_geocoded_work_orders

try:
    from nominatim_server import FakeNominatim, Step, error, place, rate_limited, results, slow
except ImportError:  # tests/geo became a package
    from geo.nominatim_server import (
        FakeNominatim,
        Step,
        error,
        place,
        rate_limited,
        results,
        slow,
    )

REPO = Path(__file__).resolve().parents[2]
NAME = "liechtenstein-2021-01.osm.bz2"
#: The shared test data, else the demo scenario's copy of the same extract (a clean clone).
OSM_DIR = next((d for d in (REPO.parent / "shared" / "data" / "osm",
                            REPO / "scenarios" / "liechtenstein") if (d / NAME).exists()),
               REPO.parent / "shared" / "data" / "osm")
LI_BBOX = (9.47, 47.04, 9.64, 47.28)  # west, south, east, north
STAEDTLE = place(47.1405, 9.5215, "Städtle 5, 9490 Vaduz, Liechtenstein")
BALZERS = place(47.0660, 9.5030, "Landstrasse 5, 9496 Balzers, Liechtenstein")
SCHAAN = place(47.1668, 9.5100, "Landstrasse 5, 9494 Schaan, Liechtenstein")


@pytest.fixture
def server():
    with FakeNominatim() as running:
        yield running


def online(server: FakeNominatim, **changes) -> GeocodeSettings:
    """Settings for geopy's Nominatim class pointed at the local server."""
    options = {"domain": server.domain, "scheme": "http", "proxies": {}}
    return GeocodeSettings(provider="nominatim", options=options, **changes)


def order(order_id: str, *, location: Location | None = None) -> WorkOrder:
    return WorkOrder(order_id=order_id, customer="", location=location, service_min=30)


def run(orders, settings, addresses, tmp_path, **options):
    options = {"min_delay_s": 0, "backoff_s": 0.01, **options}
    return geocode_orders(orders, settings, base_dir=None, cache_dir=tmp_path,
                          addresses=addresses, **options)


def test_hit_fills_location_and_confidence(server, tmp_path):
    """A Nominatim hit (a building, place_rank 30) becomes the order's location with
    confidence 1.0; the request carries our user agent, format=json and the query."""
    server.script("Städtle 5, 9490 Vaduz", results(STAEDTLE))
    result = run([order("WO-1")], online(server), {"WO-1": "Städtle 5, 9490 Vaduz"}, tmp_path)
    located = result.orders[0]
    assert located.location == Location(47.1405, 9.5215, "Städtle 5, 9490 Vaduz")
    assert located.geocode_confidence == 1.0
    assert located.location_issue == ""
    row = result.report[0]
    assert (row.order_id, row.status, row.matched_address) == (
        "WO-1", "ok", "Städtle 5, 9490 Vaduz, Liechtenstein")
    assert (result.requests, server.count()) == (1, 1)
    request = server.requests[0]
    assert request.headers["User-Agent"] == app_settings.user_agent
    assert (request.params["q"], request.params["format"]) == ("Städtle 5, 9490 Vaduz", "json")


def test_miss_is_reported_not_raised_and_the_run_goes_on(server, tmp_path):
    """An address the provider does not know ([]) leaves location None with the reason
    "address not found"; the next order is still geocoded."""
    server.script("Städtle 5, 9490 Vaduz", results(STAEDTLE))
    addresses = {"WO-1": "Nirgendwo 1, 9490 Vaduz", "WO-2": "Städtle 5, 9490 Vaduz"}
    result = run([order("WO-1"), order("WO-2")], online(server), addresses, tmp_path)
    missing, found = result.orders
    assert missing.location is None
    assert missing.location_issue == "address not found"
    assert missing.geocode_confidence is None
    assert [r.status for r in result.report] == ["not_found", "ok"]
    assert result.report[0].candidates == ()
    assert found.location is not None
    assert [p.order_id for p in result.problems] == ["WO-1"]


def test_429_then_success_is_retried(server, tmp_path):
    """A 429 Too Many Requests is retried after Retry-After and then succeeds: two
    requests, one located order."""
    server.script("Städtle 5", rate_limited(retry_after_s=0), results(STAEDTLE))
    result = run([order("WO-1")], online(server), {"WO-1": "Städtle 5"}, tmp_path)
    assert result.orders[0].location.lat == 47.1405
    assert server.count("Städtle 5") == 2
    assert result.requests == 2


def test_timeout_then_success_is_retried(server, tmp_path):
    """An answer slower than timeout_s is a timeout; the retry succeeds."""
    server.script("Städtle 5", slow(2.0, results(STAEDTLE)), results(STAEDTLE))
    settings = online(server, timeout_s=0.5)
    result = run([order("WO-1")], settings, {"WO-1": "Städtle 5"}, tmp_path)
    assert result.orders[0].location.lon == 9.5215
    assert server.count("Städtle 5") == 2


def test_provider_down_after_retries_raises_geocode_error(server, tmp_path):
    """A provider that times out (or answers 500) on every attempt is down: GeocodeError
    after max_retries + 1 requests, naming the provider and the query."""
    server.script("Städtle 5", slow(2.0))
    server.script("Landstrasse 5", error(500))
    with pytest.raises(GeocodeError, match=r"'nominatim' failed for 'Städtle 5' after 2"):
        run([order("WO-1")], online(server, timeout_s=0.3), {"WO-1": "Städtle 5"}, tmp_path,
            max_retries=1)
    with pytest.raises(GeocodeError, match=r"after 3 attempts.*500"):
        run([order("WO-2")], online(server), {"WO-2": "Landstrasse 5"}, tmp_path,
            max_retries=2)
    assert (server.count("Städtle 5"), server.count("Landstrasse 5")) == (2, 3)


@pytest.mark.filterwarnings("ignore:Latitude normalization:UserWarning")  # geopy's, on 95
@pytest.mark.parametrize("body", [
    [{**STAEDTLE, "lat": "abc"}], [{**STAEDTLE, "lat": "95"}], [{**STAEDTLE, "lat": "nan"}],
    {"lat": "47.14", "lon": "9.52"}, [1, 2, 3],
])
def test_an_unreadable_answer_is_a_provider_error_not_a_traceback(server, tmp_path, body):
    """Answers geopy cannot read (a latitude "abc", 95 or nan, an object where a list
    belongs, numbers) crashed geocode and solve with a ValueError, TypeError or
    AttributeError; now they are retried like a broken page, then a GeocodeError."""
    server.script("Städtle 5", Step(body=body))
    with pytest.raises(GeocodeError, match=r"after 2 attempts.*unreadable answer"):
        run([order("WO-1")], online(server), {"WO-1": "Städtle 5"}, tmp_path, max_retries=1)
    assert server.count("Städtle 5") == 2


def test_an_answer_without_coordinates_is_no_place(server, tmp_path):
    """A result with no lat/lon was an exact match at (0, 0), cached as found; a place
    rank that is not a number crashed. Now the first is no candidate (not found, not
    cached as found) and the second is read without the rank."""
    bare = {k: v for k, v in STAEDTLE.items() if k not in ("lat", "lon")}
    server.script("Städtle 5", results(bare))
    server.script("Landstrasse 5", results({**SCHAAN, "place_rank": "high"}))
    result = run([order("WO-1"), order("WO-2")], online(server),
                 {"WO-1": "Städtle 5", "WO-2": "Landstrasse 5"}, tmp_path)
    assert [r.status for r in result.report] == ["not_found", "ok"]
    assert result.orders[0].location is None
    again = run([order("WO-1")], online(server), {"WO-1": "Städtle 5"}, tmp_path)
    assert again.report[0].status == "not_found"


def test_refused_request_is_a_configuration_error_without_retries(server, tmp_path):
    """A 403 (bad key or user agent) is not retried: GeocodeError after one request."""
    server.script("Städtle 5", error(403))
    with pytest.raises(GeocodeError, match="refused"):
        run([order("WO-1")], online(server), {"WO-1": "Städtle 5"}, tmp_path)
    assert server.count() == 1


def test_ambiguous_hits_far_apart(server, tmp_path):
    """Two equally good hits 8 km apart: "ambiguous address" naming both places, no
    location, both listed as candidates."""
    server.script("Landstrasse 5", results(BALZERS, SCHAAN))
    result = run([order("WO-1")], online(server), {"WO-1": "Landstrasse 5"}, tmp_path)
    assert result.orders[0].location is None
    assert result.orders[0].location_issue == (
        "ambiguous address (2 places: Landstrasse 5, 9496 Balzers, Liechtenstein; "
        "Landstrasse 5, 9494 Schaan, Liechtenstein)")
    row = result.report[0]
    assert row.status == "ambiguous"
    assert [(c.lat, c.lon) for c in row.candidates] == [(47.066, 9.503), (47.1668, 9.51)]


def test_close_hits_and_a_far_street_match_are_not_ambiguous(server, tmp_path):
    """Two buildings 50 m apart are one place; a street-level hit far away does not
    compete with a building hit. Both orders are located at the first building."""
    near = place(47.14095, 9.5215, "Städtle 5a")
    street = place(47.20, 9.55, "Städtle", place_rank=26, category="highway", kind="road")
    server.script("Städtle 5", results(STAEDTLE, near))
    server.script("Städtle 5, Vaduz", results(street, STAEDTLE))
    addresses = {"WO-1": "Städtle 5", "WO-2": "Städtle 5, Vaduz"}
    result = run([order("WO-1"), order("WO-2")], online(server), addresses, tmp_path)
    assert [r.status for r in result.report] == ["ok", "ok"]
    assert [o.location.lat for o in result.orders] == [47.1405, 47.1405]


def test_outside_the_scenario_area(server, tmp_path):
    """A hit outside GeocodeSettings.bbox is "address outside the scenario area"; the
    bbox is sent as Nominatim's viewbox and country_codes as countrycodes."""
    zurich = place(47.3769, 8.5417, "Bahnhofstrasse 1, 8001 Zürich")
    server.script("Bahnhofstrasse 1", results(zurich))
    settings = online(server, bbox=LI_BBOX, country_codes=("li", "ch"))
    result = run([order("WO-1")], settings, {"WO-1": "Bahnhofstrasse 1"}, tmp_path)
    assert result.orders[0].location_issue == "address outside the scenario area"
    assert result.report[0].candidates[0].address == "Bahnhofstrasse 1, 8001 Zürich"
    params = server.requests[0].params
    assert params["countrycodes"] == "li,ch"
    assert params["viewbox"] == "9.47,47.04,9.64,47.28"


def test_low_confidence_match_is_unassigned_for_review_unless_routed(server, tmp_path):
    """A street-level hit (place_rank 26, confidence 0.4 < min_confidence 0.5) is not
    routed by default: the order has no location and the GEOCODE_REVIEW reason, and the
    report keeps the candidate. With route_low_confidence it is located, still flagged."""
    street = place(47.14, 9.52, "Städtle, Vaduz", place_rank=26, category="highway")
    server.script("Städtle", results(street))
    result = run([order("WO-1")], online(server), {"WO-1": "Städtle"}, tmp_path)
    held = result.orders[0]
    assert held.location is None
    assert location_code(held.location_issue) == ReasonCode.GEOCODE_REVIEW
    assert held.geocode_confidence == 0.4
    assert held.geocode_error_m == pytest.approx(306.2, abs=0.1)
    row = result.report[0]
    assert row.status == "low_confidence" and row.needs_review
    assert row.reason.startswith("geocode below min_confidence: needs review (confidence 0.40")
    assert [(c.lat, c.lon) for c in row.candidates] == [(47.14, 9.52)]
    assert result.review == (row,)
    routed = run([order("WO-1")], online(server, route_low_confidence=True),
                 {"WO-1": "Städtle"}, tmp_path)
    assert routed.orders[0].location == Location(47.14, 9.52, "Städtle")
    assert routed.orders[0].location_issue == ""
    assert routed.report[0].status == "low_confidence"


def test_exact_and_fallback_are_never_both_ok(server, tmp_path):
    """A building-level answer is "ok"; a street-level one above min_confidence is
    "approximate" (routed, with its radius in the reason), never "ok"."""
    house = place(47.14, 9.52, "Städtle 5, Vaduz", place_rank=30)
    street = place(47.141, 9.521, "Städtle, Vaduz", place_rank=26, category="highway")
    server.script("Städtle 5", results(house))
    server.script("Städtle", results(street))
    result = run([order("A"), order("B")], online(server, min_confidence=0.3),
                 {"A": "Städtle 5", "B": "Städtle"}, tmp_path)
    assert [r.status for r in result.report] == ["ok", "approximate"]
    assert result.report[1].reason == "approximate match, error radius 306 m"
    assert result.orders[1].location is not None


def test_orders_with_coordinates_are_never_geocoded(tmp_path):
    """Orders that have a location pass through as the same objects, without a report
    row; the provider (here a misconfigured one) is never even built."""
    given = order("WO-1", location=Location(47.1, 9.5, "Städtle 5"))
    settings = GeocodeSettings(provider="no-such-geocoder")
    result = geocode_orders([given], settings, base_dir=None, cache_dir=tmp_path)
    assert result.orders[0] is given
    assert result.report == ()


def test_misconfigured_provider_raises_geocode_error(tmp_path):
    """An unknown provider name, or the gazetteer without osm_file, is a GeocodeError."""
    with pytest.raises(GeocodeError, match="no-such-geocoder"):
        geocode_orders([order("WO-1")], GeocodeSettings(provider="no-such-geocoder"),
                       base_dir=None, cache_dir=tmp_path, addresses={"WO-1": "Städtle 5"})
    with pytest.raises(GeocodeError, match="needs osm_file"):
        geocode_orders([order("WO-1")], GeocodeSettings(), base_dir=None,
                       cache_dir=tmp_path, addresses={"WO-1": "Städtle 5"})


def test_order_without_address_keeps_its_reason(server, tmp_path):
    """No address and no lat/lon: reported as no_address, no request is made."""
    result = run([order("WO-1")], online(server), {}, tmp_path)
    assert result.orders[0].location_issue == "no address and no lat/lon"
    assert result.report[0].status == "no_address"
    assert server.count() == 0


def test_progress_and_technician_home(server, tmp_path):
    """progress(done, total) counts geocoded orders only; geocode_location resolves a
    single address (a technician's home) through the same resolver."""
    server.script("Städtle 5", results(STAEDTLE))
    calls = []
    orders = [order("WO-1"), order("WO-2", location=Location(47.0, 9.5)), order("WO-3")]
    with AddressResolver(online(server), cache_dir=tmp_path, min_delay_s=0) as resolver:
        geocode_orders(orders, online(server), base_dir=None, resolver=resolver,
                       progress=lambda done, total: calls.append((done, total)),
                       addresses={"WO-1": "Städtle 5", "WO-3": "Städtle 5"})
        home = geocode_location("Städtle 5", online(server), base_dir=None,
                                label="tech T1 home", resolver=resolver)
    assert calls == [(1, 2), (2, 2)]
    assert home.location == Location(47.1405, 9.5215, "Städtle 5")
    assert home.order_id == "tech T1 home"
    assert server.count() == 1  # the same address is asked once per run


def _tech_with_shift(tech_id: str, home: Location, end: Location | None = None):
    tech = Technician(tech_id, tech_id, frozenset(), home)
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    return tech, Shift(tech_id, tech_id, start, start.replace(hour=17), home, end or home)


def test_technician_homes_given_by_address_are_located(server, tmp_path):
    """Homes without coordinates are geocoded and their shifts move with them; a home
    given with coordinates, or a shift ending elsewhere, stays as it was."""
    server.script("Städtle 5", results(STAEDTLE))
    depot = Location(47.2, 9.55, "depot")
    t1, s1 = _tech_with_shift("T1", Location.to_geocode("Städtle 5"), end=depot)
    t2, s2 = _tech_with_shift("T2", Location(47.0, 9.5, "given"))
    with AddressResolver(online(server), cache_dir=tmp_path, min_delay_s=0) as resolver:
        techs, shifts, rows = geocode_homes([t1, t2], [s1, s2], resolver)
    home = Location(47.1405, 9.5215, "Städtle 5")
    assert [t.home for t in techs] == [home, t2.home]
    assert (shifts[0].start_location, shifts[0].end_location) == (home, depot)
    assert shifts[1] == s2
    assert [(r.order_id, r.status) for r in rows] == [("tech T1 home", "ok")]


def test_unfound_homes_are_all_reported_at_once(server, tmp_path):
    """A shift cannot start nowhere: every home that fails is named in one InputError."""
    server.script("Landstrasse 5", results(BALZERS, SCHAAN))
    t1, s1 = _tech_with_shift("T1", Location.to_geocode("Nirgendwoweg 3"))
    t2, s2 = _tech_with_shift("T2", Location.to_geocode("Landstrasse 5"))
    with (AddressResolver(online(server), cache_dir=tmp_path, min_delay_s=0) as resolver,
          pytest.raises(InputError) as info):
        geocode_homes([t1, t2], [s1, s2], resolver, source="technicians.csv")
    assert info.value.problems == [
        "technicians.csv, tech_id=T1, home_address='Nirgendwoweg 3': address not found; "
        "give home_lat and home_lon",
        "technicians.csv, tech_id=T2, home_address='Landstrasse 5': ambiguous address (2 "
        "places: Landstrasse 5, 9496 Balzers, Liechtenstein; Landstrasse 5, 9494 Schaan, "
        "Liechtenstein); "
        "give home_lat and home_lon",
    ]


def _problem(orders, techs, shifts, settings: GeocodeSettings) -> Problem:
    return Problem("p", datetime(2026, 12, 1).date(), "UTC", tuple(orders), tuple(techs),
                   tuple(shifts), geocode=settings)


def test_geocode_problem_with_nothing_to_geocode_asks_no_provider(tmp_path):
    """Every order and home has coordinates: the same problem comes back with no report,
    and the provider (here a misconfigured one) is never built."""
    tech, shift = _tech_with_shift("T1", Location(47.0, 9.5, "home"))
    given = _problem([order("WO-1", location=Location(47.1, 9.5))], [tech], [shift],
                     GeocodeSettings(provider="no-such-geocoder"))
    assert geocode_problem(given, base_dir=tmp_path) == (given, None)


def test_geocode_problem_locates_orders_and_homes_in_one_report(server, tmp_path, monkeypatch):
    """Orders and homes given by address are located through one resolver: the order that
    is not found keeps its reason, the shift moves with its home, one report holds both."""
    monkeypatch.setattr(app_settings, "cache_dir", tmp_path)
    server.script("Städtle 5", results(STAEDTLE))
    tech, shift = _tech_with_shift("T1", Location.to_geocode("Städtle 5"))
    lost = replace(order("WO-1"), address="Nirgendwo 1")
    given = _problem([lost], [tech], [shift], online(server, min_delay_s=0))
    calls = []
    located, result = geocode_problem(given, homes_source="technicians.csv",
                                      progress=lambda done, total: calls.append((done, total)))
    home = Location(47.1405, 9.5215, "Städtle 5")
    assert located.technicians[0].home == home and located.shifts[0].start_location == home
    assert located.orders[0].location is None
    assert located.orders[0].location_issue == "address not found"
    assert [(r.order_id, r.status) for r in result.report] == \
        [("WO-1", "not_found"), ("tech T1 home", "ok")]
    assert (result.provider, calls) == ("nominatim", [(1, 1)])


def test_without_a_bbox_an_answer_far_from_every_known_place_is_outside(server, tmp_path,
                                                                       monkeypatch):
    """No [geocode] bbox: an online answer in New York for an order in Vaduz was "ok" and
    then "not enough time in any shift"; a home there left its technician silently idle.
    The area is now the one around the places already known (the given home), 150 km
    wider: the order is outside the area, the home an input error."""
    monkeypatch.setattr(app_settings, "cache_dir", tmp_path)
    new_york = place(40.7128, -74.006, "Broadway 1, New York")
    server.script("Städtle 5", results(new_york))
    server.script("Landstrasse 5", results(SCHAAN))
    tech, shift = _tech_with_shift("T1", Location(47.1405, 9.5215, "Vaduz"))
    orders = [replace(order("WO-1"), address="Städtle 5"),
              replace(order("WO-2"), address="Landstrasse 5")]
    located, _report = geocode_problem(_problem(orders, [tech], [shift],
                                                online(server, min_delay_s=0)))
    assert [o.location_issue for o in located.orders] == [
        "address outside the scenario area", ""]
    far_home, far_shift = _tech_with_shift("T2", Location.to_geocode("Städtle 5"))
    with pytest.raises(InputError, match="tech_id=T2, home_address='Städtle 5': address "
                                         "outside the scenario area"):
        geocode_problem(_problem([], [tech, far_home], [shift, far_shift],
                                 online(server, min_delay_s=0)), homes_source="technicians.csv")


@pytest.mark.skipif(not (OSM_DIR / NAME).exists(), reason="Liechtenstein extract missing")
def test_gazetteer_provider_is_offline(tmp_path):
    """The default provider resolves real addresses from the extract (osm_file relative
    to base_dir) without any request; an unknown street is "address not found" and a
    street name from two villages without a locality is ambiguous."""
    settings = GeocodeSettings(provider="gazetteer", osm_file=NAME, bbox=LI_BBOX)
    addresses = {"A": "Städtle 5, 9490 Vaduz", "B": "Nirgendwoweg 3", "C": "Landstrasse"}
    result = geocode_orders([order("A"), order("B"), order("C")], settings, base_dir=OSM_DIR,
                            cache_dir=tmp_path, addresses=addresses)
    assert [r.status for r in result.report] == ["ok", "not_found", "ambiguous"]
    assert result.orders[0].location.lat == pytest.approx(47.1412, abs=5e-4)
    assert result.report[0].matched_address == "Städtle 5, 9490 Vaduz"
    assert (result.provider, result.requests) == ("gazetteer", 0)


def test_classify_and_provider_confidence():
    """Pure rules: nothing -> not_found, everything outside the bbox -> outside_area,
    rivals within 0.15 confidence over 500 m apart -> ambiguous; confidences from raw."""
    a, b = Candidate(47.14, 9.52, "a", 1.0), Candidate(47.17, 9.51, "b", 0.9)
    assert classify("X", "q", []).status == "not_found"
    assert classify("X", "q", [a], bbox=(0, 0, 1, 1)).status == "outside_area"
    assert classify("X", "q", [a, b]).status == "ambiguous"
    assert classify("X", "q", [a, b], ambiguous_m=5000).status == "ok"
    assert classify("X", "q", [a, Candidate(47.17, 9.51, "b", 0.4)]).lat == 47.14
    assert provider_confidence({"place_rank": 30}) == 1.0
    assert provider_confidence({"place_rank": "26"}) == 0.4
    assert provider_confidence({"class": "place", "type": "village"}) == 0.2
    assert provider_confidence({"confidence": 7}) == 0.7
    assert provider_confidence({"geometry": {"location_type": "ROOFTOP"}}) == 1.0
    assert provider_confidence({}) == 0.8


def test_a_confidence_just_below_the_threshold_is_not_written_as_equal_to_it():
    """0.498 was written "confidence 0.50 < 0.5"."""
    row = classify("X", "q", [Candidate(47.14, 9.52, "a", 0.498, "exact", 15.0)])
    assert row.status == "low_confidence"
    assert "confidence 0.498 < 0.5" in row.reason
    row = classify("X", "q", [Candidate(47.14, 9.52, "a", 0.31, "street", 400.0)])
    assert "confidence 0.31 < 0.5" in row.reason
    row = classify("X", "q", [Candidate(47.14, 9.52, "a", 0.004, "locality", 4000.0)])
    assert "confidence 0.004 < 0.5" in row.reason


def test_geocoded_work_orders_csv_keeps_input_columns(server, tmp_path):
    """geocoded_work_orders.csv is the input table plus lat, lon, matched_address,
    geocode_confidence and geocode_status: located rows get coordinates, failed rows
    stay empty for the dispatcher, given rows keep theirs with status "given". Headers come
    out in lower case (LAT -> lat), as the loader reads them."""
    source = tmp_path / "work_orders.csv"
    source.write_text(
        "order_id,customer,address,service_min,priority,LAT,Lon\n"
        "WO-1,Frick AG,\"Städtle 5, 9490 Vaduz\",45,high,,\n"
        "WO-2,Beck,Nirgendwo 1,30,normal,,\n"
        "WO-3,Hasler,Zollstrasse 9,20,low,47.2,9.5\n", encoding="utf-8")
    given = order("WO-3", location=Location(47.2, 9.5, "Zollstrasse 9"))
    server.script("Städtle 5, 9490 Vaduz", results(STAEDTLE))
    result = run([order("WO-1"), order("WO-2"), given], online(server),
                 {"WO-1": "Städtle 5, 9490 Vaduz", "WO-2": "Nirgendwo 1"}, tmp_path)
    path = write_geocoded_work_orders(tmp_path / "out" / "geocoded_work_orders.csv", result,
                                      source=source)
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["order_id", "customer", "address", "service_min", "priority",
                             "lat", "lon", "matched_address", "geocode_confidence",
                             "geocode_status", "geocode_error_m"]
    assert rows[0] == {
        "order_id": "WO-1", "customer": "Frick AG", "address": "Städtle 5, 9490 Vaduz",
        "service_min": "45", "priority": "high", "lat": "47.1405000", "lon": "9.5215000",
        "matched_address": "Städtle 5, 9490 Vaduz, Liechtenstein",
        "geocode_confidence": "1", "geocode_status": "ok", "geocode_error_m": "10"}
    assert (rows[1]["lat"], rows[1]["geocode_status"]) == ("", "not_found")
    assert (rows[2]["lat"], rows[2]["lon"], rows[2]["geocode_status"]) == ("47.2", "9.5", "given")
    without_coordinates = tmp_path / "address_only.csv"
    without_coordinates.write_text("order_id,address,service_min\nWO-1,Städtle 5,45\n",
                                   encoding="utf-8")
    path = write_geocoded_work_orders(tmp_path / "b.csv", result, source=without_coordinates)
    with open(path, encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream))
    assert header == ["order_id", "address", "service_min", *GEOCODED_COLUMNS]
    report = write_geocode_report(tmp_path / "geocode_report.csv", result)
    assert "not_found,address not found" in report.read_text(encoding="utf-8")


def test_every_failed_status_has_a_reason_that_maps_back_to_its_code():
    """The location issue of each failed geocoding status is read by the solver's pre-check
    as that status's code (address not found -> ADDRESS_NOT_FOUND, and so on)."""
    failed = set(GeocodeStatus) - {GeocodeStatus.OK, GeocodeStatus.APPROXIMATE}
    assert set(REASONS) == set(REASON_CODES) == failed
    assert {status: location_code(REASONS[status]) for status in failed} == {
        GeocodeStatus.NOT_FOUND: ReasonCode.ADDRESS_NOT_FOUND,
        GeocodeStatus.LOW_CONFIDENCE: ReasonCode.GEOCODE_REVIEW,
        GeocodeStatus.AMBIGUOUS: ReasonCode.ADDRESS_AMBIGUOUS,
        GeocodeStatus.OUTSIDE_AREA: ReasonCode.ADDRESS_OUTSIDE_AREA,
        GeocodeStatus.NO_ADDRESS: ReasonCode.NO_ADDRESS,
    }


def test_a_flood_of_results_keeps_the_best_few(server, tmp_path):
    """A server that ignores its limit sent 20,000 results, all cached (40 MB) and listed
    in the report; the best 10 by confidence are kept."""
    flood = [place(47.14 + k * 1e-4, 9.52, f"Städtle {k}", place_rank=26) for k in range(400)]
    server.script("Städtle 5", results(STAEDTLE, *flood))
    result = run([order("WO-1")], online(server), {"WO-1": "Städtle 5"}, tmp_path)
    row = result.report[0]
    assert len(row.candidates) <= 10
    assert row.matched_address == STAEDTLE["display_name"]
