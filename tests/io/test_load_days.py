"""Loading a plan of several days: [scenario] start_date and days, the working-day
calendar, dated shifts.csv rows, and orders' date windows."""

from __future__ import annotations

from datetime import date

import pytest

from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.model import shift_date

TECHS = ("tech_id,skills,home_lat,home_lon,shift_start,shift_end,lunch_earliest,lunch_latest,"
         "lunch_min\nT1,hvac,47.1,9.5,08:00,17:00,12:00,13:00,30\n"
         "T2,hvac,47.2,9.5,07:00,15:00,,,\n")
ORDERS = ("order_id,lat,lon,service_min,time_windows,earliest_date,due_date\n"
          "A,47.1,9.51,30,,2026-12-15,2026-12-16\n"
          "B,47.1,9.52,30,2026-12-16 14:00-16:00,,\n"
          "C,47.1,9.53,30,09:00-10:00,,\n")
TOML = """[scenario]
start_date = "2026-12-11"
days = 7
timezone = "Europe/Vaduz"
{extra}
"""


def _scenario(tmp_path, *, extra="", shifts=None, orders=ORDERS):
    (tmp_path / "scenario.toml").write_text(TOML.format(extra=extra))
    (tmp_path / "technicians.csv").write_text(TECHS)
    (tmp_path / "work_orders.csv").write_text(orders)
    if shifts is not None:
        (tmp_path / "shifts.csv").write_text(shifts)
    return tmp_path


def test_default_shifts_on_every_working_day(tmp_path):
    """Friday 11 to Thursday 17 December: weekends and the listed holiday get no shifts;
    each working day gets each technician's default shift, lunch moved along, ids by day."""
    loaded = load_scenario(_scenario(tmp_path, extra='non_working_days = ["2026-12-15"]'))
    p = loaded.problem
    assert p.days == 7 and p.end_date == date(2026, 12, 17)
    days = sorted({shift_date(s) for s in p.shifts})
    assert days == [date(2026, 12, 11), date(2026, 12, 14), date(2026, 12, 16),
                    date(2026, 12, 17)]
    t1 = [s for s in p.shifts if s.tech_id == "T1"]
    assert [s.shift_id for s in t1][:2] == ["T1@2026-12-11", "T1@2026-12-14"]
    monday = t1[1]
    assert (monday.start.hour, monday.end.hour) == (8, 17)
    assert monday.breaks[0].earliest_start.date() == date(2026, 12, 14)


def test_working_weekdays_can_include_saturday(tmp_path):
    """``working_weekdays`` replaces Monday to Friday."""
    p = load_scenario(_scenario(tmp_path, extra='working_weekdays = ["sat"]')).problem
    assert sorted({shift_date(s) for s in p.shifts}) == [date(2026, 12, 12)]


def test_a_dated_shift_row_replaces_that_day_only(tmp_path):
    """T2 works 08:00-12:00 on Monday 14 December; on the other days its default shift."""
    shifts = "tech_id,date,shift_start,shift_end\nT2,2026-12-14,08:00,12:00\n"
    p = load_scenario(_scenario(tmp_path, shifts=shifts)).problem
    t2 = {shift_date(s): s for s in p.shifts if s.tech_id == "T2"}
    assert (t2[date(2026, 12, 14)].start.hour, t2[date(2026, 12, 14)].end.hour) == (8, 12)
    assert (t2[date(2026, 12, 15)].start.hour, t2[date(2026, 12, 15)].end.hour) == (7, 15)
    assert t2[date(2026, 12, 14)].shift_id == "T2@2026-12-14"


def test_order_dates_and_windows(tmp_path):
    """earliest_date and due_date are read; a dated window is on its day only; an undated
    window repeats on every day of the horizon."""
    p = load_scenario(_scenario(tmp_path)).problem
    a, b, c = p.order("A"), p.order("B"), p.order("C")
    assert (a.earliest_date, a.due_date) == (date(2026, 12, 15), date(2026, 12, 16))
    assert [(w.start.date(), w.start.hour, w.end.hour) for w in b.time_windows] == [
        (date(2026, 12, 16), 14, 16)]
    assert len(c.time_windows) == 7
    assert {(w.start.hour, w.end.hour) for w in c.time_windows} == {(9, 10)}


@pytest.mark.parametrize(("extra", "orders", "shifts", "message"), [
    ('plan_date = "2026-12-11"', ORDERS, None, "not both"),
    ("", ORDERS.replace("2026-12-15,2026-12-16", "2026-12-16,2026-12-15"), None,
     "due_date='2026-12-15': before its earliest_date 2026-12-16"),
    ("", ORDERS.replace("2026-12-15,", "15.12.2026,"), None,
     "earliest_date='15.12.2026': not a date"),
    ("", ORDERS, "tech_id,date,shift_start,shift_end\nT2,2027-01-04,08:00,12:00\n",
     "date='2027-01-04': outside the plan"),
    ('non_working_days = ["someday"]', ORDERS, None, "not a date"),
    ('working_weekdays = ["funday"]', ORDERS, None, "must be a list of weekdays"),
])
def test_bad_horizon_inputs_are_named(tmp_path, extra, orders, shifts, message):
    """Every bad horizon input is an InputError that names the value."""
    with pytest.raises(InputError, match=message):
        load_scenario(_scenario(tmp_path, extra=extra, orders=orders, shifts=shifts))


def test_days_needs_start_date(tmp_path):
    """``days`` with the one-day ``plan_date`` is an error."""
    (tmp_path / "scenario.toml").write_text(
        '[scenario]\nplan_date = "2026-12-11"\ndays = 3\ntimezone = "Europe/Vaduz"\n')
    (tmp_path / "technicians.csv").write_text(TECHS)
    (tmp_path / "work_orders.csv").write_text(ORDERS)
    with pytest.raises(InputError, match="days: needs start_date"):
        load_scenario(tmp_path)
