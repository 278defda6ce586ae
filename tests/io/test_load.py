"""Loading scenario folders: the tiny scenario, other formats, and every kind of bad input."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.io.schemas import COLUMN_RANGES
from optimizer.model import Priority, ReasonCode, location_code

DATA = Path(__file__).parents[1] / "data"
TINY = DATA / "tiny"
OSM = DATA / "osm" / "tiny.osm"
#: One broken file per error kind, named ``case.file``: it replaces (or adds) ``file`` in a
#: copy of the tiny scenario. ``file`` is a table (``work_orders.csv``, ``shifts.csv``, ...)
#: or ``scenario.toml``.
BAD = sorted((DATA / "bad").iterdir())

#: For each broken file: fragments the message must contain (file, row, field, value, rule).
EXPECTED = {
    "missing_column": ["work_orders.csv", "missing column 'service_min'"],
    "unknown_column": ["work_orders.csv", "unknown column 'servce_notes'"],
    "unparsable_time": ["work_orders.csv row 2", "time_windows='9am-11am'", "HH:MM-HH:MM"],
    "window_end_before_start": ["row 2", "time_windows='11:00-09:00'", "ends before it starts"],
    "shift_end_before_start": ["technicians.csv row 2", "shift_end='08:00'", "ends before"],
    "lat_out_of_range": ["row 2", "lat='147.1391'", "-90..90"],
    "duplicate_order": ["row 3", "order_id='WO-1'", "duplicate (first in row 2)"],
    "duplicate_technician": ["technicians.csv row 3", "tech_id='T1'", "duplicate (first in row 2)"],
    "negative_duration": ["row 2", "service_min='-5'", "must be >= 0"],
    "unknown_priority": ["row 2", "priority='urgent'", "unknown priority"],
    "empty_file": ["work_orders.csv", "empty"],
    "header_only": ["technicians.csv", "empty"],
    "unknown_technician": ["row 2", "excluded_techs='T9'", "unknown technician 'T9'"],
    "negative_lunch": ["technicians.csv row 2", "lunch_min='-30'", "must be >= 0"],
    # overlapping shifts of one technician (with or without overtime)
    "overlapping_shifts": ["shifts.csv row 3", "shift_start='11:00'", "technician T1",
                           "overlaps the shift in row 2 (08:00-12:00)"],
    "overtime_into_next_shift": ["shifts.csv row 2", "max_overtime_min='120'", "until 14:00",
                                 "into the shift in row 3 (13:00-17:00)"],
    # inf, nan and numbers out of their range, in tables and in scenario.toml
    "infinite_service": ["work_orders.csv row 2", "service_min='inf'", "not a finite number",
                         "0..1440"],
    "nan_demand": ["work_orders.csv row 2", "demand='nan'", "not a number"],
    "huge_capacity": ["technicians.csv row 2", "capacity='1e300'", "must be <= 1000000"],
    "tiny_efficiency": ["technicians.csv row 2", "efficiency='1e-300'", "must be >= 0.1"],
    "huge_max_work": ["technicians.csv row 2", "max_work_h='25'", "must be <= 24"],
    "min_work_above_max": ["technicians.csv row 2", "min_work_h='7'",
                           "must be <= max_work_h=6"],
    "balance_not_a_number": ["scenario.toml [objective] balance='on'",
                             "must be 'off' or a cost per hour (0..1000000)"],
    "infinite_overtime": ["shifts.csv row 2", "max_overtime_min='1e400'",
                          "not a finite number"],
    "slow_travel": ["scenario.toml [travel] speed_kph=1e-300", "must be >= 1", "1..300"],
    "infinite_weight": ["scenario.toml [objective] preferred_tech_bonus=inf",
                        "not a finite number"],
    "nan_drop_penalty": ["scenario.toml [objective.drop_penalty] high=nan",
                         "not a finite number"],
    "huge_parking": ["work_orders.csv row 2", "stop_overhead_min='300'", "must be <= 240",
                     "0..240"],
    "bad_speed_factors": ["scenario.toml [travel] stop_overhead_min=-2", "must be >= 0",
                          "[travel.speed_factors] primary=0", "0.05..2",
                          "[travel.speed_factors] motorways: unknown road class",
                          "(known: motorway, trunk"],
    "bad_peak": ["scenario.toml [[travel.peaks]] number 1 start='09:00', end='07:00'",
                 "ends before it starts", "number 2 end='25:00'", "(00:00..24:00)",
                 "number 2 speed_factor=1.5", "must be <= 1 (allowed: 0.1..1)"],
    "huge_time_limit": ["scenario.toml [solver] time_limit_s=1e+300", "must be <= 86400"],
    "zero_solution_limit": ["scenario.toml [solver] solution_limit=0", "must be >= 1"],
    # [maps] tiles
    "unknown_tiles": ["scenario.toml [maps] tiles='OpenStreetMapp'", "unknown tile provider",
                      "OpenTopoMap", "Did you mean"],
    "tiles_need_a_key": ["scenario.toml [maps] tiles='Thunderforest.OpenCycleMap'",
                         "needs an API key"],
    # paths and names
    "dots_only_name": ["scenario.toml [scenario] name='../..'", "a letter or digit"],
    "osm_file_not_an_extract": ["scenario.toml [travel] osm_file='../../../../etc/passwd'",
                                "not an OSM extract", ".osm.pbf", "resolved from"],
    "osm_file_missing": ["scenario.toml [travel] osm_file='liechtenstein-2021-01.osm.bz2'",
                         "no such file", "resolved from"],
    "geocode_osm_file_missing": ["scenario.toml [geocode] osm_file=", "no such file",
                                 "resolved from"],
    "geocode_rules_missing": ["scenario.toml [geocode] address_rules='my_rules.toml'",
                              "no such file", "route_low_confidence='yes'",
                              "must be true or false"],
    "osm_source_without_file": ['[travel] source="osm_file": needs osm_file'],
    "base_missing": ["scenario.toml [scenario] base='../liechtenstein'", "no such folder",
                     "resolved from"],
    # absurd values
    "sla_years_off": ["work_orders.csv row 2", "sla_due='2016-12-01 10:00'",
                      "more than 366 days from the plan date 2026-12-01"],
    # service-quality columns, territories and their settings
    "created_at_in_future": ["work_orders.csv row 2", "created_at='2027-03-01 09:00'",
                             "after the plan date 2026-12-01"],
    "remote_not_boolean": ["work_orders.csv row 2", "remote_resolvable='maybe'",
                           "not true or false"],
    "parts_ready_not_a_time": ["work_orders.csv row 2", "parts_ready_at='tomorrow'",
                               "not a time"],
    "postcode_invalid": ["work_orders.csv row 2", "postcode='94*90'", "not a postcode"],
    "territory_invalid": ["technicians.csv row 2", "territories='9490;Vaduz/Nord'",
                          "'Vaduz/Nord' is not a postcode prefix or territory name"],
    "service_settings_invalid": ["[solver] territories='strict'", "use 'hard' or 'soft'",
                                 "[sla] response_target_h.critical=0", "must be > 0",
                                 "[notify] eta_margin_min=-5", "must be >= 0",
                                 "[privacy] phone_pages='none'", "use 'full' or 'minimal'"],
    "territory_not_a_polygon": ["territories.geojson feature 1 (Vaduz)",
                                "must be a valid Polygon or MultiPolygon"],
    # several days, and booked slots
    "due_before_earliest": ["work_orders.csv row 2", "due_date='2026-12-02'",
                            "before its earliest_date 2026-12-03"],
    "unparsable_date": ["work_orders.csv row 2", "earliest_date='3.12.2026'",
                        "not a date (use YYYY-MM-DD)"],
    "shift_date_outside_plan": ["shifts.csv row 2", "date='2026-12-05'",
                                "outside the plan (2026-12-01 to 2026-12-01)"],
    "plan_date_and_start_date": ["scenario.toml [scenario]", "give plan_date (one day) or "
                                 "start_date and days, not both"],
    "booking_reuses_an_id": ["bookings.csv row 2", "order_id='WO-1'", "already an order"],
    # spreadsheet exports
    "cp1252_semicolon": ["work_orders.csv row 3", "priority='primär'", "unknown priority"],
    "undetectable_encoding": ["work_orders.csv row 2, service_min", "byte 0xff is not UTF-8",
                              "could not be detected", "CSV UTF-8"],
    "too_many_values": ["work_orders.csv row 3", "extra values '30'",
                        "values are separated by commas", "double quotes"],
}


def _scenario_with(tmp_path: Path, table: str, source: Path) -> Path:
    """A copy of the tiny scenario with ``source`` as its ``table`` (``name.ext`` or ``name``)."""
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    shutil.copy(source, folder / (table if "." in table else f"{table}.csv"))
    return folder


def _with_extract(folder: Path) -> Path:
    """``folder`` with an OSM extract for the offline geocoder."""
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text() + f"\n[geocode]\nosm_file = '{OSM}'\n")
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
def test_bad_input_names_file_row_field_and_value(tmp_path, bad, capsys):
    """Each broken file gives an InputError naming where and what is wrong, and `fsopt check`
    exits 2 on it (so check catches what solve would reject)."""
    case, file = bad.name.split(".", 1)
    folder = _scenario_with(tmp_path, file, bad)
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    message = str(info.value)
    for fragment in EXPECTED[case]:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert main(["check", str(folder)]) == 2
    assert EXPECTED[case][-1] in capsys.readouterr().err.replace("\n", " ")


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
        load_scenario(_with_extract(_scenario_with(tmp_path, "technicians", source)))
    [problem] = info.value.problems
    assert "technicians.csv row 3, home_lat='': give home_lat and home_lon, or a " \
           "home_address to geocode" in problem

    source.write_text(source.read_text(encoding="utf-8").replace("T2,,", "T2,Zollstrasse 2,"),
                      encoding="utf-8")
    loaded = load_scenario(_with_extract(_scenario_with(tmp_path / "again", "technicians",
                                                        source)))
    t1 = loaded.problem.technician("T1")
    assert not t1.home.located and t1.home.address == "Austrasse 20, 9490 Vaduz"
    shift = loaded.problem.shifts[0]
    assert shift.start_location is t1.home and shift.end_location is t1.home
    assert not any("T1 home" in w for w in loaded.warnings)  # no far-point check on NaN


NUMERIC_COLUMNS = {  # table -> columns with a range (see COLUMN_RANGES)
    "work_orders": ("service_min", "demand", "geocode_confidence", "geocode_error_m",
                    "stop_overhead_min"),
    "technicians": ("lunch_min", "max_overtime_min", "efficiency", "cost_per_km",
                    "cost_per_hour", "capacity", "speed_factor", "min_work_h", "max_work_h"),
}


def test_every_numeric_column_has_a_range():
    """Each numeric column of the tables is checked against a documented range."""
    columns = {c for cs in NUMERIC_COLUMNS.values() for c in cs}
    assert columns == set(COLUMN_RANGES)
    docs = (Path(__file__).parents[2] / "docs" / "scenario-format.md").read_text()
    for column, allowed in COLUMN_RANGES.items():
        line = next(x for x in docs.splitlines() if f"`{column}`" in x and x.startswith("|"))
        assert f"{allowed.low:g}.." in line.replace(",", ""), (column, line)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e300", "1e-300"])
@pytest.mark.parametrize("table", list(NUMERIC_COLUMNS))
def test_inf_nan_and_absurd_numbers_are_input_errors(tmp_path, table, value):
    """inf, nan and numbers far outside a column's range are problems naming file, row and
    field, for every numeric column at once (1e-300 only where 0 is not allowed)."""
    frame = pd.read_csv(TINY / f"{table}.csv", dtype=str, keep_default_na=False)
    columns = NUMERIC_COLUMNS[table]
    for column in columns:
        frame[column] = value
    if table == "technicians":  # a lunch window for lunch_min to be about
        frame["lunch_earliest"], frame["lunch_latest"] = "11:00", "14:00"
    source = tmp_path / f"{table}.csv"
    frame.to_csv(source, index=False)
    folder = _scenario_with(tmp_path, table, source)
    expected = [c for c in columns if COLUMN_RANGES[c].problem(float(value))]
    if not expected:
        load_scenario(folder)
        return
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    message = str(info.value)
    for column in expected:
        assert f"{table}.csv row 2, {column}='{value}'" in message
    assert main(["check", str(folder)]) == 2


def test_touching_shifts_are_fine_and_each_row_is_a_shift(tmp_path):
    """08:00-12:00 then 12:00-16:00 (no overtime) do not overlap."""
    folder = _scenario_with(tmp_path, "work_orders", TINY / "work_orders.csv")
    (folder / "shifts.csv").write_text(
        "tech_id,shift_start,shift_end,max_overtime_min\nT1,12:00,16:00,30\nT1,08:00,12:00,0\n")
    shifts = load_scenario(folder).problem.shifts
    assert [(s.shift_id, s.start.hour, s.end.hour) for s in shifts][:2] == [
        ("T1#1", 12, 16), ("T1#2", 8, 12)]


def test_three_overlapping_shifts_name_every_pair(tmp_path):
    """Three shifts of T1 that all overlap give one problem per pair, each naming both rows."""
    folder = _scenario_with(tmp_path, "work_orders", TINY / "work_orders.csv")
    (folder / "shifts.csv").write_text(
        "tech_id,shift_start,shift_end\nT1,08:00,12:00\nT2,08:00,12:00\nT1,09:00,13:00\n"
        "T1,10:00,11:00\n")
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    pairs = sorted((p.split(" row ")[1].split(",")[0], p.split("in row ")[1].split(" ")[0])
                   for p in info.value.problems)
    assert pairs == [("4", "2"), ("5", "2"), ("5", "4")]


def test_warnings_for_a_part_no_van_carries_and_an_sla_already_due(tmp_path, capsys):
    """`fsopt check` warns, in plain words with file and row, about what `solve` will leave out
    (a part no van carries) or find late (an SLA due before the first shift starts)."""
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_id,lat,lon,service_min,required_parts,sla_due\n"
        "WO-1,47.14,9.52,30,compressor,\n"
        "WO-2,47.15,9.52,30,fuse,2026-11-30 17:00\n"
        "WO-3,47.16,9.51,30,compressor;valve,07:30\n"
        "WO-4,47.16,9.51,30,,08:00\n", encoding="utf-8")
    folder = _scenario_with(tmp_path, "work_orders", source)
    warnings = load_scenario(folder).warnings
    assert warnings == (
        f"{folder}/work_orders.csv row 2: order WO-1: no van carries the part compressor "
        "(it will be unassigned)",
        f"{folder}/work_orders.csv row 3: order WO-2: the SLA was already due at "
        "2026-11-30 17:00, before the plan starts at 08:00 (it will be late whenever it "
        "is served)",
        f"{folder}/work_orders.csv row 4: order WO-3: no van carries the parts compressor, "
        "valve (it will be unassigned)",
        f"{folder}/work_orders.csv row 4: order WO-3: the SLA was already due at 07:30, "
        "before the plan starts at 08:00 (it will be late whenever it is served)",
    )
    assert main(["check", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "order WO-1: no van carries the part compressor (it will be unassigned)" in err
    assert "{" not in err and "[" not in err.replace("[yellow]", "")


def test_gazetteer_geocoding_needs_an_extract_at_load(tmp_path):
    """Orders given by address with the default offline geocoder and no osm_file fail `check`
    (as `solve` would); with an extract, or an online provider, they load."""
    source = tmp_path / "orders.csv"
    source.write_text("order_id,address,service_min\nWO-1,Städtle 1 Vaduz,30\n",
                      encoding="utf-8")
    folder = _scenario_with(tmp_path, "work_orders", source)
    with pytest.raises(InputError, match=r"\[geocode\] provider='gazetteer': needs osm_file"
                                         r".* 1 address \(first: order WO-1\)"):
        load_scenario(folder)
    assert load_scenario(_with_extract(folder)).problem.orders[0].location is None


def test_an_order_still_to_geocode_carries_the_not_geocoded_issue(tmp_path):
    """Before geocoding, an order given by address has no location, and its issue reads as
    code NOT_GEOCODED (what an unassigned order shows if it is solved without geocoding)."""
    source = tmp_path / "orders.csv"
    source.write_text("order_id,address,service_min\nWO-1,Städtle 1 Vaduz,30\n",
                      encoding="utf-8")
    folder = _with_extract(_scenario_with(tmp_path, "work_orders", source))
    (order,) = load_scenario(folder).problem.orders
    assert (order.location, order.location_issue) == (None, "address not geocoded")
    assert location_code(order.location_issue) == ReasonCode.NOT_GEOCODED


def test_sla_far_from_the_plan_date_is_an_error_near_it_is_not(tmp_path):
    """An SLA 366 days after the plan date loads; 367 days is a typo reported with the row."""
    for due, ok in (("2027-12-01 10:00", True), ("2027-12-03 10:00", False)):
        source = tmp_path / "orders.csv"
        source.write_text(f"order_id,lat,lon,service_min,sla_due\nWO-1,47.1,9.5,30,{due}\n",
                          encoding="utf-8")
        folder = _scenario_with(tmp_path / due[:10], "work_orders", source)
        if ok:
            assert load_scenario(folder).problem.orders[0].sla_due.year == 2027
        else:
            with pytest.raises(InputError, match="more than 366 days"):
                load_scenario(folder)


def _whatif(tmp_path: Path, body: str) -> Path:
    base = tmp_path / "base"
    shutil.copytree(TINY, base)
    folder = tmp_path / "whatif"
    folder.mkdir()
    (folder / "scenario.toml").write_text('[scenario]\nname = "w"\nbase = "../base"\n' + body)
    return folder


def test_whatif_solver_and_changes_are_held_to_the_same_ranges(tmp_path):
    """A what-if's [solver] and the result of its changes are range-checked like a base."""
    folder = _whatif(tmp_path, "[solver]\ntime_limit_s = inf\n")
    with pytest.raises(InputError, match=r"\[solver\] time_limit_s=inf: not a finite"):
        load_scenario(folder)
    folder = _whatif(tmp_path / "b", '[[changes]]\ntype = "travel_speed"\nfactor = 0.3\n'
                     '[[changes]]\ntype = "travel_speed"\nfactor = 0.3\n')
    with pytest.raises(InputError, match=r"afterwards the travel speed_factor=0\.09 must be"):
        load_scenario(folder)
    folder = _whatif(tmp_path / "c", "[solver]\nsolution_limit = 7\n")
    assert load_scenario(folder).params.solution_limit == 7


def test_whatif_base_is_resolved_from_its_own_folder(tmp_path, monkeypatch):
    """base = "../base" is found from the what-if's folder whatever the working directory."""
    folder = _whatif(tmp_path, "")
    monkeypatch.chdir(tmp_path.parent)
    assert load_scenario(folder).base == (tmp_path / "base").resolve()


def test_whatif_change_numbers_are_range_checked_before_they_are_applied(tmp_path):
    """inf, nan and absurd numbers in [[changes]] are problems naming the change and field,
    all at once, instead of an overflow (or a loop over 1e300 new orders) later."""
    folder = _whatif(tmp_path, (
        '[[changes]]\ntype = "travel_speed"\nfactor = 1e-300\n'
        '[[changes]]\ntype = "set_sla"\npriority = "high"\nhours = 1e20\n'
        '[[changes]]\ntype = "scale_demand"\npercent = 1e300\n'
        '[[changes]]\ntype = "change_shift"\ntech_id = "*"\nmax_overtime_min = inf\n'
        '[[changes]]\ntype = "objective"\nweights = { drop_penalty = { low = nan } }\n'))
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    assert [p.split("scenario.toml ")[1].split(":")[0] for p in info.value.problems] == [
        "changes[1] (travel_speed) factor=1e-300",
        "changes[2] (set_sla) hours=1e+20",
        "changes[3] (scale_demand) percent=1e+300",
        "changes[4] (change_shift) max_overtime_min=inf",
        "changes[5] (objective) weights.drop_penalty.low=nan",
    ]


def test_unknown_skill_warning_is_plain_words(tmp_path):
    """An order needing skills no technician has is warned about without Python list syntax."""
    source = tmp_path / "orders.csv"
    source.write_text("order_id,lat,lon,service_min,required_skills\n"
                      "A,47.14,9.52,30,lift;elevator\nB,47.15,9.52,30,hvac\n", encoding="utf-8")
    loaded = load_scenario(_scenario_with(tmp_path, "work_orders", source))
    assert loaded.warnings == ("order A: no technician has the skills elevator, lift "
                               "(it will be unassigned)",)
