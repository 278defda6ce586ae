"""Loading scenario folders: the tiny scenario, other formats, and every kind of bad input."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.model import Priority

DATA = Path(__file__).parents[1] / "data"
TINY = DATA / "tiny"
BAD = sorted((DATA / "bad").glob("*.csv"))

#: For each broken file: fragments the message must contain (file, row, field, value, rule).
EXPECTED = {
    "missing_column": ["work_orders.csv", "missing column 'service_min'"],
    "unknown_column": ["work_orders.csv", "unknown column 'servce_notes'"],
    "unparsable_time": ["work_orders.csv row 2", "time_windows='9am-11am'", "HH:MM-HH:MM"],
    "window_end_before_start": ["row 2", "time_windows='11:00-09:00'", "ends before it starts"],
    "shift_end_before_start": ["technicians.csv row 2", "shift_end='08:00'", "ends before"],
    "lat_out_of_range": ["row 2", "lat='147.1391'", "-90..90"],
    "duplicate_order": ["row 3", "order_id='WO-1'", "duplicate (first in row 2)"],
    "duplicate_technician": ["duplicate tech_id 'T1'"],
    "negative_duration": ["row 2", "service_min='-5'", "must be >= 0"],
    "unknown_priority": ["row 2", "priority='urgent'", "unknown priority"],
    "empty_file": ["work_orders.csv", "empty"],
    "header_only": ["technicians.csv", "empty"],
    "unknown_technician": ["row 2", "excluded_techs='T9'", "unknown technician 'T9'"],
    "negative_lunch": ["technicians.csv row 2", "lunch_min='-30'", "must be >= 0"],
}


def _scenario_with(tmp_path: Path, table: str, source: Path) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    shutil.copy(source, folder / f"{table}.csv")
    return folder


def test_tiny_scenario_loads_with_every_field():
    """The documented columns land in the right fields, with times on the plan date."""
    loaded = load_scenario(TINY)
    p = loaded.problem
    assert [o.order_id for o in p.orders] == ["WO-1", "WO-2", "WO-3"]
    wo1, wo2, wo3 = p.orders
    assert wo1.priority is Priority.HIGH and wo1.required_skills == {"hvac"}
    assert wo1.time_windows[0].start.hour == 9 and wo1.sla_due.hour == 10
    assert wo1.location.address == "Städtle 1, 9490 Vaduz" and wo1.phone == "+423 230 00 01"
    assert wo2.preferred_techs == {"T2"} and wo2.required_parts == {"fuse"}
    assert len(wo3.time_windows) == 2 and wo3.excluded_techs == {"T1"}
    t1 = p.technician("T1")
    assert t1.skills == {"hvac", "electrical"} and t1.cost_per_hour == 40
    shift = p.shifts[0]
    assert shift.max_overtime_min == 30
    assert shift.breaks[0].duration_min == 30 and shift.breaks[0].earliest_start.hour == 11
    assert shift.start.utcoffset() == timedelta(hours=1)
    assert loaded.params.solution_limit == 50 and loaded.warnings == ()


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_give_the_same_problem(tmp_path, suffix):
    """The same tables as Excel or Parquet load to an identical problem."""
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    for table in ("work_orders", "technicians"):
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        (folder / f"{table}.csv").unlink()
        if suffix == ".xlsx":
            frame.to_excel(folder / f"{table}.xlsx", index=False)
        else:
            frame.to_parquet(folder / f"{table}.parquet", index=False)
    assert load_scenario(folder).problem == load_scenario(TINY).problem


@pytest.mark.parametrize("bad", BAD, ids=[p.name.split(".")[0] for p in BAD])
def test_bad_input_names_file_row_field_and_value(tmp_path, bad):
    """Each broken file gives an InputError naming where and what is wrong."""
    case, table, _ = bad.name.split(".")
    with pytest.raises(InputError) as info:
        load_scenario(_scenario_with(tmp_path, table, bad))
    message = str(info.value)
    for fragment in EXPECTED[case]:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_every_bad_file_has_an_expectation():
    """No broken file goes untested (and no expectation lacks its file)."""
    assert {p.name.split(".")[0] for p in BAD} == set(EXPECTED)


def test_all_problems_are_reported_at_once(tmp_path):
    """Three bad rows in one file give three problems in a single error."""
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_id,lat,lon,service_min,priority\n"
        "A,47.1,9.5,-1,normal\n"
        "B,47.1,9.5,30,soon\n"
        "C,95,9.5,30,low\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(_scenario_with(tmp_path, "work_orders", source))
    problems = info.value.problems
    assert len(problems) == 3
    assert any("row 2" in p and "service_min" in p for p in problems)
    assert any("row 3" in p and "priority='soon'" in p for p in problems)
    assert any("row 4" in p and "lat='95'" in p for p in problems)


def test_swapped_coordinates_are_warned_about(tmp_path):
    """A point far from the others, that would fit if lat and lon were swapped, is flagged."""
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_id,lat,lon,service_min\nA,47.14,9.52,30\nB,9.52,47.14,30\nC,47.16,9.51,30\n",
        encoding="utf-8",
    )
    loaded = load_scenario(_scenario_with(tmp_path, "work_orders", source))
    assert len(loaded.warnings) == 1
    assert "order B" in loaded.warnings[0] and "swapped" in loaded.warnings[0]


def test_unknown_toml_key_is_an_error(tmp_path):
    """A typo in scenario.toml is reported with its section and key."""
    folder = _scenario_with(tmp_path, "work_orders", TINY / "work_orders.csv")
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text() + "\n[objective]\novertime_cost_per_hr = 5\n")
    with pytest.raises(InputError, match=r"\[objective\]: unknown key 'overtime_cost_per_hr'"):
        load_scenario(folder)


def test_absence_becomes_a_fixed_break_or_removes_the_shift(tmp_path):
    """A 14:00-15:00 absence is a fixed break; an all-day absence removes the shift."""
    folder = _scenario_with(tmp_path, "work_orders", TINY / "work_orders.csv")
    (folder / "absences.csv").write_text(
        "tech_id,start,end,reason\nT1,14:00,15:00,doctor\nT2,07:00,18:00,sick\n")
    loaded = load_scenario(folder)
    assert [s.tech_id for s in loaded.problem.shifts] == ["T1"]
    doctor = loaded.problem.shifts[0].breaks[-1]
    assert (doctor.kind, doctor.earliest_start.hour, doctor.duration_min) == ("doctor", 14, 60)
    assert any("T2 is away for the whole shift" in w for w in loaded.warnings)


def test_shifts_table_replaces_the_default_shift(tmp_path):
    """Two rows in shifts.csv make a split shift: two vehicles for one technician."""
    folder = _scenario_with(tmp_path, "work_orders", TINY / "work_orders.csv")
    (folder / "shifts.csv").write_text(
        "tech_id,shift_start,shift_end\nT1,07:00,11:00\nT1,15:00,19:00\n")
    shifts = load_scenario(folder).problem.shifts
    assert [(s.shift_id, s.start.hour) for s in shifts] == [("T1#1", 7), ("T1#2", 15), ("T2", 8)]


def test_home_given_only_by_address_waits_for_geocoding(tmp_path):
    """A home_address without lat/lon is kept for the geocoding step; with neither, an error."""
    source = tmp_path / "technicians.csv"
    source.write_text(
        "tech_id,home_address,home_lat,home_lon,shift_start,shift_end\n"
        'T1,"Austrasse 20, 9490 Vaduz",,,08:00,17:00\n'
        "T2,,,,08:00,17:00\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_scenario(_scenario_with(tmp_path, "technicians", source))
    [problem] = info.value.problems
    assert "technicians.csv row 3, home_lat='': give home_lat and home_lon, or a " \
           "home_address to geocode" in problem

    source.write_text(source.read_text(encoding="utf-8").replace("T2,,", "T2,Zollstrasse 2,"),
                      encoding="utf-8")
    loaded = load_scenario(_scenario_with(tmp_path / "again", "technicians", source))
    t1 = loaded.problem.technician("T1")
    assert not t1.home.located and t1.home.address == "Austrasse 20, 9490 Vaduz"
    shift = loaded.problem.shifts[0]
    assert shift.start_location is t1.home and shift.end_location is t1.home
    assert not any("T1 home" in w for w in loaded.warnings)  # no far-point check on NaN


def test_unknown_skill_warning_is_plain_words(tmp_path):
    """An order needing skills no technician has is warned about without Python list syntax."""
    source = tmp_path / "orders.csv"
    source.write_text("order_id,lat,lon,service_min,required_skills\n"
                      "A,47.14,9.52,30,lift;elevator\nB,47.15,9.52,30,hvac\n", encoding="utf-8")
    loaded = load_scenario(_scenario_with(tmp_path, "work_orders", source))
    assert loaded.warnings == ("order A: no technician has the skills elevator, lift "
                               "(it will be unassigned)",)
