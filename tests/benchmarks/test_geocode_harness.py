"""The geocoding accuracy benchmark: its address forms, and a small real run."""

from __future__ import annotations

import random

import pytest
from benchmark_modules import load_benchmark

bench = load_benchmark("geocode")


def test_forms_write_one_address_every_way():
    """Each form is the address as the docs describe it: abbreviated street type, postcode
    first, no postcode, lower case, one letter changed, the town's other name, no number,
    and a number the street does not have."""
    a = {"street": "Fredrikinkatu", "number": "12", "postcode": "00100", "city": "Helsinki"}
    forms = bench.forms_of(a, random.Random(1), {"Helsinki": ["Helsingfors"]},
                           {"Fredrikinkatu": {"10", "12", "14"}})
    assert forms["canonical"] == "Fredrikinkatu 12, 00100 Helsinki"
    assert forms["abbreviated"] == "Fredrikink. 12, 00100 Helsinki"
    assert forms["postcode_first"] == "00100 Helsinki, Fredrikinkatu 12"
    assert forms["no_postcode"] == "Fredrikinkatu 12, Helsinki"
    assert forms["lower"] == "fredrikinkatu 12, 00100 helsinki"
    assert forms["other_language"] == "Fredrikinkatu 12, 00100 Helsingfors"
    assert forms["no_number"] == "Fredrikinkatu, 00100 Helsinki"
    assert forms["wrong_number"] == "Fredrikinkatu 15, 00100 Helsinki"
    typo = forms["typo"].split(" 12,")[0]
    assert len(typo) == len("Fredrikinkatu") and sum(
        x != y for x, y in zip(typo, "Fredrikinkatu", strict=True)) == 1


def test_a_small_run_on_helsinki_meets_the_targets(monkeypatch):
    """30 Helsinki addresses: well-formed forms land within 50 m at least 90 % of the
    time, no confident match is more than 1 km off, and the table has one row per form."""
    path = bench.DATA / bench.EXTRACTS["helsinki centre (fi/sv)"]
    if not path.exists():
        pytest.skip(f"{path} missing")
    monkeypatch.setattr(bench, "EXTRACTS", {"helsinki": path.name})
    rows = bench.run(30, 7)
    assert {r["form"] for r in rows} <= set(bench.FORMS)
    assert {"canonical", "typo", "no_number", "street_other_language"} <= {r["form"] for r in rows}
    for r in rows:
        assert r["confident_over_1km"] == 0, r
        if r["form"] in bench.WELL_FORMED:
            assert r["within_50_pct"] >= 90, r
    table = bench.markdown(rows)
    assert table.count("\n| helsinki |") == len(rows)
