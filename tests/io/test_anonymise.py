"""`fsopt anonymise`: a shareable copy that keeps the plan and drops the personal data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from optimizer import api
from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.load import load_scenario

TINY = Path(__file__).parents[1] / "data" / "tiny"


def test_the_copy_has_no_names_phones_or_notes_and_plans_the_same_day(tmp_path):
    """Customers, technicians, phones and notes are replaced; coordinates, windows and
    skills are kept, so the copy loads to the same orders and solves."""
    out = tmp_path / "shared"
    assert main(["anonymise", str(TINY), "--out", str(out)]) == 0
    text = (out / "work_orders.csv").read_text(encoding="utf-8") + \
        (out / "technicians.csv").read_text(encoding="utf-8")
    for secret in ("Frick AG", "Meier", "Büchel", "+423 230 00 01", "Ring twice", "Anna Frick",
                   "Beat Meier"):
        assert secret not in text
    original, copy = load_scenario(TINY).problem, load_scenario(out).problem
    assert [o.customer for o in copy.orders] == ["Customer 001", "Customer 002",
                                                 "Customer 003"]
    assert copy.orders[0].phone == "+000 000 0001" and copy.orders[0].notes == "(note removed)"
    assert copy.technician("T1").name == "Technician 01"
    for a, b in zip(original.orders, copy.orders, strict=True):
        assert (a.location.lat, a.location.lon) == (b.location.lat, b.location.lon)
        assert (a.time_windows, a.required_skills, a.service_min) == \
            (b.time_windows, b.required_skills, b.service_min)
    schedule = api.plan(out, time_limit_s=2, solution_limit=20)
    assert len(schedule.unassigned) + sum(len(r.stops) for r in schedule.routes) == 3


def test_a_what_if_or_a_used_folder_is_refused(tmp_path):
    """A what-if has no data of its own; a non-empty --out or one inside the scenario is
    refused rather than overwritten."""
    whatif = Path(__file__).parents[2] / "scenarios" / "whatif-rush-hour"
    with pytest.raises(InputError, match="anonymise its base scenario"):
        api.anonymise(whatif, tmp_path / "x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        api.anonymise(TINY, tmp_path / "full")
    copy = tmp_path / "tiny"
    shutil.copytree(TINY, copy)
    with pytest.raises(InputError, match="outside the scenario folder"):
        api.anonymise(copy, copy / "anon")


def test_a_bad_scenario_is_reported_against_its_own_files(tmp_path):
    """A broken work_orders.csv is named where it is, not in the copy (the problems used
    to point at out/work_orders.csv), and no copy is written."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    bad = Path(__file__).parents[1] / "data" / "bad" / "negative_duration.work_orders.csv"
    shutil.copy(bad, folder / "work_orders.csv")
    with pytest.raises(InputError) as info:
        api.anonymise(folder, tmp_path / "out")
    assert any(p.startswith(f"{folder / 'work_orders.csv'} row 2") for p in info.value.problems)
    assert not (tmp_path / "out").exists()


def test_files_that_are_not_scenario_data_are_left_out_and_named(tmp_path, capsys):
    """The demo's make_demo.py holds every real name the tables' pseudonyms replace; it
    (and the README) was copied as it is. Now only tables, settings, OSM data, territories
    and the OSM attribution are copied, and the rest is named."""
    demo = Path(__file__).parents[2] / "scenarios" / "liechtenstein"
    out = tmp_path / "shared"
    assert main(["anonymise", str(demo), "--out", str(out)]) == 0
    assert "Left out 2 file(s) that are not scenario data and may hold names: README.md, " \
           "make_demo.py" in capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == {
        "ATTRIBUTION.md", "absences.csv", "events-1300.csv", "liechtenstein-2021-01.osm.bz2",
        "scenario.toml", "technicians.csv", "territories.geojson", "work_orders.csv"}
    names = load_scenario(demo).problem.technicians
    copied = "".join(p.read_text(encoding="utf-8", errors="ignore")
                     for p in out.iterdir() if p.suffix in (".csv", ".toml", ".md"))
    assert not any(t.name in copied for t in names)
