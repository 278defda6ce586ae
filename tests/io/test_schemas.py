"""The cell parsers of scenario tables: clocks, windows, lists, numbers with ranges."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from optimizer.io.schemas import (
    COLUMN_RANGES,
    Range,
    RowReader,
    check_columns,
    format_number,
    parse_clock,
    parse_datetime,
)
from optimizer.io.tables import Row, Table
from optimizer.model import Priority, TimeWindow

DAY = date(2026, 12, 1)
TZ = ZoneInfo("Europe/Vaduz")


def _local(day: int, hours: int, minutes: int = 0, seconds: int = 0) -> datetime:
    return datetime(2026, 12, day, hours, minutes, seconds, tzinfo=TZ)


def _reader(cells: dict[str, str], *, separator: str = ",") -> tuple[RowReader, list[str]]:
    """A reader of one row (row 2) of ``orders.csv`` holding ``cells``."""
    table = Table(Path("orders.csv"), tuple(cells), (Row(2, dict(cells)),), separator=separator)
    problems: list[str] = []
    return RowReader(table, table.rows[0], DAY, TZ, problems), problems


@pytest.mark.parametrize(("text", "expected"), [
    ("08:00", _local(1, 8)),
    ("7:05", _local(1, 7, 5)),
    (" 23:59:59 ", _local(1, 23, 59, 59)),
    ("00:00", _local(1, 0)),
    ("24:00", _local(2, 0)),
    ("24:00:00", _local(2, 0)),
])
def test_parse_clock_accepts_times_of_day_and_24_00_as_midnight(text, expected):
    """HH:MM[:SS] from 00:00 to 23:59:59 is on the plan date; 24:00 is the next midnight."""
    assert parse_clock(text, DAY, TZ) == expected


@pytest.mark.parametrize("text", ["24:30", "24:00:01", "25:00", "9:60", "9:00:60", "9:5",
                                  "9am", "", "-1:00", "0900", "09:00:00:00"])
def test_parse_clock_rejects_what_is_not_a_time_of_day(text):
    """24:30, 25:00, minutes or seconds of 60, one-digit minutes and words are None."""
    assert parse_clock(text, DAY, TZ) is None


def test_parse_datetime_naive_is_local_and_aware_is_kept():
    """A date-time without an offset is local to the scenario; one with an offset keeps it."""
    assert parse_datetime("2026-12-01 13:05", TZ) == _local(1, 13, 5)
    aware = parse_datetime("2026-12-01T12:05:00+00:00", TZ)
    assert aware == _local(1, 13, 5) and aware.utcoffset().total_seconds() == 0
    assert parse_datetime("13:05 tomorrow", TZ) is None


def test_clock_and_moment_cells():
    """A clock cell is HH:MM only; a moment cell also takes a full date-time; each error
    names the file, row, field and value."""
    reader, problems = _reader({"start": "24:00", "due": "2026-12-02 09:00", "end": "24:30",
                                "at": "noon"})
    assert reader.clock("start") == _local(2, 0)
    assert reader.moment("due") == _local(2, 9)
    assert reader.clock("end") is None and reader.moment("at") is None
    assert reader.clock("missing", required=True) is None
    assert problems == [
        "orders.csv row 2, end='24:30': not a time of day (use HH:MM)",
        "orders.csv row 2, at='noon': not a time (use HH:MM or YYYY-MM-DD HH:MM)",
        "orders.csv row 2, missing='': is required",
    ]


def test_windows_are_sorted_and_bad_ones_are_named():
    """Windows separated by ';' come back sorted by start; a reversed or malformed window
    is reported with its text."""
    reader, problems = _reader({"time_windows": "13:00-15:00; 08:00-10:00",
                                "reversed": "12:00-11:00", "bad": "9-11", "late": "22:00-24:00"})
    assert reader.windows() == (TimeWindow(_local(1, 8), _local(1, 10)),
                                TimeWindow(_local(1, 13), _local(1, 15)))
    assert reader.windows("late") == (TimeWindow(_local(1, 22), _local(2, 0)),)
    assert reader.windows("reversed") == () and reader.windows("bad") == ()
    assert reader.windows("empty") == ()
    assert problems == [
        "orders.csv row 2, reversed='12:00-11:00': window '12:00-11:00' ends before it starts",
        "orders.csv row 2, bad='9-11': window '9-11' is not HH:MM-HH:MM",
    ]


def test_lists_and_priorities():
    """A ';' list drops blanks and spaces; a priority is case-blind, normal when empty, and
    an unknown one is reported with the levels."""
    reader, problems = _reader({"skills": " hvac ; ;gas;hvac", "priority": "HIGH",
                                "urgency": "asap"})
    assert reader.items("skills") == frozenset({"hvac", "gas"})
    assert reader.items("none") == frozenset()
    assert reader.priority() is Priority.HIGH
    assert reader.priority("empty") is Priority.NORMAL
    assert reader.priority("urgency") is Priority.NORMAL
    assert problems == ["orders.csv row 2, urgency='asap': unknown priority "
                        "(use one of critical, high, normal, low)"]


def test_numbers_are_checked_against_their_column_range():
    """service_min is within 0..1440, efficiency > 0.1; bounds given in the call apply to a
    column with no range; out-of-range values give the default and a message."""
    reader, problems = _reader({"service_min": "1500", "efficiency": "0.05", "demand": "2.5",
                                "capacity": "7", "cost": "-1", "lat": "nan", "x": "abc",
                                "ratio": "inf"})
    assert reader.number("service_min", 30.0) == 30.0
    assert reader.number("efficiency", 1.0) == 1.0
    assert reader.integer("demand", 0) == 0
    assert reader.integer("capacity") == 7
    assert reader.number("cost", 0.0, above=0) == 0.0
    assert reader.number("lat") is None
    assert reader.number("x", required=True) is None
    assert reader.number("ratio", 1.0) == 1.0
    assert reader.number("empty", required=True) is None
    assert problems == [
        "orders.csv row 2, service_min='1500': must be <= 1440 (allowed: 0..1440)",
        "orders.csv row 2, efficiency='0.05': must be >= 0.1 (allowed: 0.1..10)",
        "orders.csv row 2, demand='2.5': must be a whole number",
        "orders.csv row 2, cost='-1': must be > 0",
        "orders.csv row 2, lat='nan': not a number",
        "orders.csv row 2, x='abc': not a number",
        "orders.csv row 2, ratio='inf': not a finite number",
        "orders.csv row 2, empty='': is required",
    ]


def test_decimal_comma_only_in_semicolon_files():
    """47,13 is a number in a ';'-separated file and an error in a ','-separated one."""
    semi, problems = _reader({"lat": "47,13"}, separator=";")
    assert semi.number("lat") == 47.13 and problems == []
    comma, problems = _reader({"lat": "47,13"})
    assert comma.number("lat") is None
    assert problems == ["orders.csv row 2, lat='47,13': not a number"]


def test_coordinates_must_come_in_pairs_and_in_range():
    """lat and lon are both needed, each within its range; a swap is hinted at."""
    reader, problems = _reader({"lat": "47.1", "lon": "9.5", "lat2": "95", "lon2": "47",
                                "lat3": "47"})
    assert reader.coordinates("lat", "lon") == (47.1, 9.5)
    assert reader.coordinates("lat2", "lon2") is None
    assert reader.coordinates("lat3", "lon3") is None
    assert reader.coordinates("lat4", "lon4") is None
    assert problems == [
        "orders.csv row 2, lat2='95': latitude must be within -90..90 (lat and lon swapped?)",
        "orders.csv row 2, lon3='': is required when lat3/lon3 is partly given",
    ]


def test_ranges_describe_themselves():
    """A range prints as a dispatcher reads it, with whole numbers written out."""
    assert str(COLUMN_RANGES["service_min"]) == "0..1440"
    assert str(COLUMN_RANGES["capacity"]) == "0..1000000, a whole number"
    assert str(Range(0, math.inf, low_open=True)) == "> 0"
    assert str(Range(0, 5, low_open=True)) == "> 0 and <= 5"
    assert Range(0, 10).problem(5) is None
    assert format_number(1e6) == "1000000" and format_number(0.1) == "0.1"


def test_check_columns_names_missing_and_unknown():
    """A missing required column and an unknown one are both reported, with the known names."""
    table = Table(Path("t.csv"), ("a", "zz"), (Row(2, {"a": "1", "zz": "2"}),))
    problems: list[str] = []
    assert not check_columns(table, {"required": ("a", "b"), "optional": ("c",)}, problems)
    assert problems == ["t.csv: missing column 'b'",
                        "t.csv: unknown column 'zz' (known: a, b, c)"]
