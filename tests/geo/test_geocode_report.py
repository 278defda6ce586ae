"""The geocoding CSVs a dispatcher opens in a spreadsheet."""

from __future__ import annotations

import csv

from optimizer.geo.geocode import GeocodeResult, GeocodeRow
from optimizer.geo.geocode_report import write_geocode_report, write_geocoded_work_orders


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


def test_geocoded_work_orders_read_the_source_like_the_loader(tmp_path):
    """A German Excel export (cp1252, semicolons, spaces around cells) is read as the loader
    reads it: its own columns, the order found despite the spaces, ä kept."""
    source = tmp_path / "work_orders.csv"
    source.write_bytes("Order_ID;Address;service_min\r\n WO-1 ;Städtle 1, Vaduz;30\r\n"
                       "WO-2;Marktplatz 1;45\r\n".encode("cp1252"))
    row = GeocodeRow("WO-1", "Städtle 1, Vaduz", "ok", confidence=0.9,
                     matched_address="Städtle 1", lat=47.14, lon=9.52)
    result = GeocodeResult((), (row,), "test")
    rows = _read(write_geocoded_work_orders(tmp_path / "g.csv", result, source=source))
    assert rows == [
        ["order_id", "address", "service_min", "lat", "lon", "matched_address",
         "geocode_confidence", "geocode_status"],
        ["WO-1", "Städtle 1, Vaduz", "30", "47.1400000", "9.5200000", "Städtle 1", "0.9", "ok"],
        ["WO-2", "Marktplatz 1", "45", "", "", "", "", "given"],
    ]
