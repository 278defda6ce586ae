"""Solver time is real elapsed seconds from local midnight, also on daylight-saving days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from optimizer.model import Problem
from optimizer.solve.timing import add_s, elapsed_s, to_datetime, to_s

VADUZ = ZoneInfo("Europe/Vaduz")


def _day(day: date) -> Problem:
    return Problem(name="dst", plan_date=day, timezone="Europe/Vaduz", orders=(),
                   technicians=(), shifts=())


@pytest.mark.parametrize(("day", "hours", "offset_h"), [
    (date(2026, 3, 29), 8, 2),    # spring: 02:00 -> 03:00, the day has 23 hours
    (date(2026, 10, 25), 10, 1),  # autumn: 03:00 -> 02:00, the day has 25 hours
    (date(2026, 12, 1), 9, 1),
])
def test_nine_oclock_is_the_real_time_since_midnight(day, hours, offset_h):
    """09:00 local is 8 h after midnight in spring, 10 h in autumn, whatever the tzinfo."""
    problem = _day(day)
    local = datetime(day.year, day.month, day.day, 9, tzinfo=VADUZ)
    fixed = local.astimezone(timezone(timedelta(hours=offset_h)))  # as read from ISO text
    assert to_s(problem, local) == to_s(problem, fixed) == hours * 3600
    back = to_datetime(problem, hours * 3600)
    assert back == local and back.utcoffset() == timedelta(hours=offset_h)
    assert back.tzinfo == VADUZ


def test_adding_real_time_across_the_spring_change():
    """01:30 plus one hour is 03:30 on the spring day (02:30 does not exist)."""
    start = datetime(2026, 3, 29, 1, 30, tzinfo=VADUZ)
    later = add_s(start, 3600)
    assert (later.hour, later.minute) == (3, 30) and elapsed_s(start, later) == 3600
    assert later.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=1)
