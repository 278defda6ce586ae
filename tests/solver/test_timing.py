"""Integer-second helpers: real elapsed seconds (also on daylight-saving days) and the
windows every part of the solver sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from factories import order, problem, shift, tech, window

from optimizer.model import Problem
from optimizer.solver.timing import add_s, elapsed_s, to_datetime, to_s, windows_s

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

def _windows(*spans):
    p = problem([order("A", 1, time_windows=tuple(window(a, b) for a, b in spans))],
                [tech("t1")], [shift("t1")])
    return windows_s(p, p.orders[0])


def test_nested_windows_become_their_union():
    """09:00-17:00 with 10:00-11:00 inside it allows 09:00 to 17:00, not 09:00 to 11:00."""
    spans = _windows(("09:00", "17:00"), ("10:00", "11:00"))
    assert spans == ((9 * 3600, 17 * 3600),)


def test_overlapping_and_touching_windows_merge_and_gaps_stay():
    """Overlapping (14-15, 14:30-16) and touching (08-09, 09-10) windows merge; a real gap
    (10:00 to 14:00) stays, and the result is sorted whatever the input order."""
    spans = _windows(("14:30", "16:00"), ("09:00", "10:00"), ("14:00", "15:00"),
                     ("08:00", "09:00"))
    assert spans == ((8 * 3600, 10 * 3600), (14 * 3600, 16 * 3600))


def test_windows_one_second_apart_merge():
    """Ends are inclusive whole seconds: a window ending at s and one starting at s + 1
    leave no second out, so they are one window."""
    p = problem([order("A", 1)], [tech("t1")], [shift("t1")])
    base = window("09:00", "10:00")
    second = replace(base, start=base.end + timedelta(seconds=1), end=base.end + timedelta(hours=1))
    o = replace(p.orders[0], time_windows=(second, base))
    assert windows_s(p, o) == ((to_s(p, base.start), to_s(p, second.end)),)


def test_no_window_is_one_unbounded_window():
    """An order without windows may start at any time of the day."""
    p = problem([order("A", 1)], [tech("t1")], [shift("t1")])
    assert windows_s(p, p.orders[0]) == ((0, 10**9),)


def test_leave_factors_take_the_slowest_peak_a_leg_may_be_driven_in():
    """Peaks 07:00-09:00 at 0.5 and 16:00-18:00 at 0.8 on an 08:00-17:00 shift: the start
    and an order without windows may leave in both (0.5); an order whose window opens at
    10:00 only reaches the evening peak (0.8); one that must start by 15:00 still may
    wait and leave late, so 0.8 too; a shift 10:00-15:00 (no overtime) sees no peak
    (1.0). Without peaks every factor is 1."""
    from optimizer.model import Peak, TravelSettings
    from optimizer.solver.timing import leave_factors

    travel = TravelSettings(peaks=(Peak(7 * 60, 9 * 60, 0.5), Peak(16 * 60, 18 * 60, 0.8)))
    t = tech("t1")
    orders = [order("A", 1), order("B", 2, time_windows=(window("10:00", "15:00"),))]
    p = problem(orders, [t], [shift("t1")], travel=travel)
    assert leave_factors(p, p.shifts[0], t, [None, *orders]) == [0.5, 0.5, 0.8]
    midday = shift("t1", "10:00", "15:00")
    assert leave_factors(p, midday, t, [None, *orders]) == [1.0, 1.0, 1.0]
    plain = problem(orders, [t], [shift("t1")])
    assert leave_factors(plain, plain.shifts[0], t, [None, *orders]) == [1.0, 1.0, 1.0]


def test_peak_hours_are_wall_clock_on_a_daylight_saving_day():
    """On the spring change day (23 hours in Vaduz) a 07:00 peak starts 6 real hours after
    midnight: peaks_s counts real seconds, as the rest of the solver does."""
    from optimizer.model import Peak, TravelSettings
    from optimizer.solver.timing import peaks_s

    p = Problem("dst", date(2026, 3, 29), "Europe/Vaduz", (), (), (),
                travel=TravelSettings(peaks=(Peak(7 * 60, 9 * 60, 0.5),)))
    assert peaks_s(p) == ((6 * 3600, 8 * 3600, 0.5),)


def test_a_wide_lunch_may_come_after_a_fixed_absence():
    """Job A 10:30-11:15, job B fixed at 12:30, a 30-minute lunch anywhere in 11:00-14:00
    and an absence 11:30-12:00, all at one place: the absence first, then the lunch
    12:00-12:30 fits. The simulation took the breaks only in the order of their windows'
    openings (lunch first), found no room, and the pre-check left A out as
    "longer than any shift allows"."""
    from factories import FAST, at, line_matrix

    from optimizer.model import Break
    from optimizer.solver import solve
    from optimizer.solver.timing import shift_fits
    from optimizer.solver.verify import verify

    m = line_matrix(2)
    s = shift("t1", "08:00", "17:00", lunch=("11:00", "14:00", 30))
    s = replace(s, breaks=(*s.breaks, Break(at("11:30"), at("12:00"), 30, "absence")))
    a = order("A", 0, 45, time_windows=(window("10:30", "10:30"),))
    b = order("B", 0, 30, time_windows=(window("12:30", "12:30"),))
    p = problem([a, b], [tech("t1")], [s])
    assert shift_fits(p, m, s, [a]) and shift_fits(p, m, s, [a, b])
    plan = solve(p, m, FAST)
    assert verify(p, m, plan) == [] and plan.unassigned == ()
    assert [(x.order_id, x.start) for r in plan.routes for x in r.stops] == [
        ("A", at("10:30")), ("B", at("12:30"))]


def test_overlapping_absences_are_one_and_a_covered_lunch_is_left_out():
    """Breaks never overlap: two absences that overlap are one (their union), and a lunch
    that cannot be taken whole outside the absences is left out, so the model stays
    feasible and the verifier and the simulation see the same breaks."""
    from factories import FAST, at, line_matrix

    from optimizer.model import Break
    from optimizer.solver import solve
    from optimizer.solver.timing import breaks_s
    from optimizer.solver.verify import verify

    s = shift("t1", "08:00", "17:00", lunch=("11:30", "13:30", 30))
    s = replace(s, breaks=(*s.breaks, Break(at("11:00"), at("12:30"), 90, "doctor"),
                           Break(at("12:00"), at("14:00"), 120, "absence"),
                           Break(at("15:00"), at("15:15"), 15, "call")))
    p = problem([order("A", 1, 60)], [tech("t1")], [s])
    spans = breaks_s(p, s)
    assert [(b.kind, b.earliest_s, b.latest_end_s, b.duration_s) for b in spans] == [
        ("doctor", 11 * 3600, 14 * 3600, 3 * 3600), ("call", 15 * 3600, 15 * 3600 + 900, 900)]
    plan = solve(p, line_matrix(2), FAST)
    assert verify(p, line_matrix(2), plan) == [] and plan.unassigned == ()
    # with room before the absences (lunch from 10:30), the lunch is kept
    roomy = replace(s, breaks=(Break(at("10:30"), at("13:30"), 30), *s.breaks[1:]))
    assert [b.kind for b in breaks_s(p, roomy)] == ["lunch", "doctor", "call"]
