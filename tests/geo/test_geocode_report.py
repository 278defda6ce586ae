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
                   lat=47.1405, lon=9.5215,
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
    assert columns == ["order_id", "Address", "LAT", "lon", *GEOCODED_COLUMNS[2:]]
    assert rows == [
        ["WO-1", "Städtle 5", "47.1405000", "9.5215000", "Städtle 5, Vaduz", "1", "ok"],
        ["WO-2", "Nirgendwo 1", "", "", "", "", "not_found"],
        ["WO-3", "Given 1", "47.2", "9.5", "", "", "given"]]


def test_report_rows_hold_status_reason_and_every_candidate():
    """One row per address asked, in REPORT_COLUMNS, candidates joined by ` | `."""
    rows = report_rows(GeocodeResult((), (FOUND, LOST), "test"))
    assert [dict(zip(REPORT_COLUMNS, row, strict=True)) for row in rows] == [
        {"order_id": "WO-1", "query": "Städtle 5", "status": "ok", "reason": "",
         "confidence": "1", "matched_address": "Städtle 5, Vaduz", "lat": "47.1405000",
         "lon": "9.5215000", "candidates": "Städtle 5, Vaduz (47.140500, 9.521500) 1 | "
                                           "Städtle 5, Schaan (47.200000, 9.500000) 0.4"},
        {"order_id": "WO-2", "query": "Nirgendwo 1", "status": "not_found",
         "reason": "address not found", "confidence": "", "matched_address": "", "lat": "",
         "lon": "", "candidates": ""}]
