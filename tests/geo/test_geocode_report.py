"""The geocoding CSVs a dispatcher opens in a spreadsheet."""

from __future__ import annotations

import csv

from optimizer.geo.geocode import GeocodeResult, GeocodeRow
from optimizer.outputs import write_geocode_report, write_geocoded_work_orders


def _read(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def test_geocode_csvs_neutralise_formulas(tmp_path):
    """Addresses, customers and headers that start like a formula get a leading quote;
    negative coordinates stay numbers."""
    source = tmp_path / "work_orders.csv"
    source.write_text('order_id,customer,address,@col\nWO-1,"=HYPERLINK(""x"")",'
                      '"-Main St 1",+41 79\n', encoding="utf-8")
    row = GeocodeRow("WO-1", "-Main St 1", "ok", confidence=1.0,
                     matched_address="=cmd|' /C calc'!A0", lat=-33.5, lon=-70.25)
    result = GeocodeResult((), (row,), "test")
    orders = _read(write_geocoded_work_orders(tmp_path / "g.csv", result, source=source))
    assert orders[0][:4] == ["order_id", "customer", "address", "'@col"]
    assert orders[1][:8] == ["WO-1", "'=HYPERLINK(\"x\")", "'-Main St 1", "'+41 79",
                             "-33.5000000", "-70.2500000", "'=cmd|' /C calc'!A0", "1"]
    report = _read(write_geocode_report(tmp_path / "r.csv", result))
    assert report[1][:8] == ["WO-1", "'-Main St 1", "ok", "", "1", "'=cmd|' /C calc'!A0",
                             "-33.5000000", "-70.2500000"]
