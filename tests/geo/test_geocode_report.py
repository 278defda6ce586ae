"""The geocoding tables a dispatcher reviews: built here, written by optimizer.outputs."""

from __future__ import annotations

from optimizer.geo.geocode import Candidate, GeocodeResult, GeocodeRow
from optimizer.geo.geocode_report import (
    GEOCODED_COLUMNS,
    REPORT_COLUMNS,
    geocoded_table,
    report_rows,
)

FOUND = GeocodeRow("WO-1", "Städtle 5", "ok", confidence=1.0, matched_address="Städtle 5, Vaduz",
                   lat=47.1405, lon=9.5215, error_m=15.0, match="exact",
                   candidates=(Candidate(47.1405, 9.5215, "Städtle 5, Vaduz", 1.0),
                               Candidate(47.2, 9.5, "Städtle 5, Schaan", 0.4)))
LOST = GeocodeRow("WO-2", "Nirgendwo 1", "not_found", reason="address not found")


def test_geocoded_table_keeps_the_input_and_adds_the_geocoded_columns(tmp_path):
    """Input columns and cells stay as written; geocoded rows get coordinates and status,
    a failed one empty coordinates, a row that had coordinates `given`."""
    source = tmp_path / "work_orders.csv"
    source.write_text("order_id,Address,LAT,lon\nWO-1,Städtle 5,,\nWO-2,Nirgendwo 1,,\n"
                      "WO-3,Given 1,47.2,9.5\n", encoding="utf-8")
    columns, rows = geocoded_table(GeocodeResult((), (FOUND, LOST), "test"), source=source)
    assert columns == ["order_id", "address", "lat", "lon", *GEOCODED_COLUMNS[2:]]
    assert rows == [
        ["WO-1", "Städtle 5", "47.1405000", "9.5215000", "Städtle 5, Vaduz", "1", "ok", "15"],
        ["WO-2", "Nirgendwo 1", "", "", "", "", "not_found", ""],
        ["WO-3", "Given 1", "47.2", "9.5", "", "", "given", ""]]


def test_a_row_that_needs_review_keeps_its_coordinates_empty(tmp_path):
    """Fed back as work_orders.csv, a filled low-confidence row (confidence 0.02, a guess
    1.9 km wide) was routed as if a person had placed it. Its guess stays in
    matched_address; lat and lon stay empty, so the next solve geocodes it again and
    leaves it for review."""
    guess = GeocodeRow("WO-1", "Avinguda Meritxell 999", "low_confidence", confidence=0.02,
                       matched_address="Avinguda Meritxell", lat=42.508, lon=1.525,
                       error_m=1900.0, match="street")
    source = tmp_path / "work_orders.csv"
    source.write_text("order_id,address\nWO-1,Avinguda Meritxell 999\n", encoding="utf-8")
    _columns, rows = geocoded_table(GeocodeResult((), (guess,), "test"), source=source)
    assert rows == [["WO-1", "Avinguda Meritxell 999", "", "", "Avinguda Meritxell", "0.02",
                     "low_confidence", "1900"]]


def test_report_rows_hold_status_reason_and_every_candidate():
    """One row per address asked, in REPORT_COLUMNS, candidates joined by ` | `."""
    rows = report_rows(GeocodeResult((), (FOUND, LOST), "test"))
    assert [dict(zip(REPORT_COLUMNS, row, strict=True)) for row in rows] == [
        {"order_id": "WO-1", "query": "Städtle 5", "status": "ok", "reason": "",
         "confidence": "1", "matched_address": "Städtle 5, Vaduz", "lat": "47.1405000",
         "lon": "9.5215000", "candidates": "Städtle 5, Vaduz (47.140500, 9.521500) 1 | "
                                           "Städtle 5, Schaan (47.200000, 9.500000) 0.4",
         "error_m": "15", "match": "exact"},
        {"order_id": "WO-2", "query": "Nirgendwo 1", "status": "not_found",
         "reason": "address not found", "confidence": "", "matched_address": "", "lat": "",
         "lon": "", "candidates": "", "error_m": "", "match": ""}]


def test_geocoded_work_orders_read_the_source_like_the_loader(tmp_path):
    """A German Excel export (cp1252, semicolons, spaces around cells) is read as the loader
    reads it: its own columns, the order found despite the spaces, ä kept."""
    source = tmp_path / "work_orders.csv"
    source.write_bytes("Order_ID;Address;service_min\r\n WO-1 ;Städtle 1, Vaduz;30\r\n"
                       "WO-2;Marktplatz 1;45\r\n".encode("cp1252"))
    row = GeocodeRow("WO-1", "Städtle 1, Vaduz", "ok", confidence=0.9,
                     matched_address="Städtle 1", lat=47.14, lon=9.52)
    result = GeocodeResult((), (row,), "test")
    columns, rows = geocoded_table(result, source=source)
    assert columns == ["order_id", "address", "service_min", "lat", "lon", "matched_address",
                       "geocode_confidence", "geocode_status", "geocode_error_m"]
    assert rows == [
        ["WO-1", "Städtle 1, Vaduz", "30", "47.1400000", "9.5200000", "Städtle 1", "0.9", "ok",
         ""],
        ["WO-2", "Marktplatz 1", "45", "", "", "", "", "given", ""],
    ]
