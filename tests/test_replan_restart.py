"""Where each shift continues at a re-plan (optimizer/replan_restart.py): the breaks
already taken and those still to come. The whole restart is tested through prepare() in
test_replanning.py."""

from __future__ import annotations

from dataclasses import replace

from factories import at, point, shift

from optimizer.model import Break, Route, ScheduledBreak
from optimizer.replan_restart import _remaining_breaks, _taken_breaks


def test_a_second_absence_of_the_same_kind_is_still_kept_after_the_first():
    """Two absences of one technician: after the first (taken before now) the second is
    still to come, so the re-planned shift keeps it; only the taken one is settled."""
    first = Break(at("10:00"), at("10:30"), 30, "absence")
    second = Break(at("14:00"), at("15:00"), 60, "absence")
    taken = (ScheduledBreak("absence", at("10:00"), at("10:30")),
             ScheduledBreak("absence", at("14:00"), at("15:00")))
    left = _remaining_breaks((first, second), taken, at("12:00"), at("12:00"), at("17:00"))
    assert left == (second,)


def test_an_absence_under_way_at_the_restart_still_blocks_its_rest():
    """Re-planning at 05:30 inside a fixed 05:15-05:45 absence: the shift keeps 05:30-05:45
    blocked (it used to drop the absence because a whole 30 minutes no longer fitted)."""
    absence = Break(at("05:15"), at("05:45"), 30, "absence")
    left = _remaining_breaks((absence,), (), at("05:30"), at("05:30"), at("07:00"))
    assert left == (Break(at("05:30"), at("05:45"), 15, "absence"),)


def test_a_lunch_taken_before_leaving_is_not_taken_again():
    """The published route leaves at 11:50 with no lunch on it, and the lunch window opened
    at 05:00: the plan had it taken at home just before leaving (11:35-11:50), so a re-plan
    at 11:55 does not add it again."""
    lunch = Break(at("05:00"), at("12:15"), 15)
    s = replace(shift("t1", "05:00", "12:15"), breaks=(lunch,))
    route = Route("t1", "t1", point(0), point(0), at("11:50"), at("12:10"), ())
    taken = _taken_breaks(s, route)
    assert [(b.start, b.end) for b in taken] == [(at("11:35"), at("11:50"))]
    assert _remaining_breaks((lunch,), taken, at("11:55"), at("11:55"), at("12:15")) == ()
    assert _remaining_breaks((lunch,), (), at("11:55"), at("11:55"), at("12:15")) == \
        (Break(at("11:55"), at("12:15"), 15),)


def test_breaks_taken_before_leaving_are_placed_one_after_the_other():
    """A route leaving at 11:15 shows neither the lunch (any 15 min from 05:00) nor the
    absence 11:00-11:15: the absence fills its own slot and the lunch goes before it, so a
    re-plan at 10:47 has the lunch behind it and only the absence ahead (the lunch used to
    be put on the absence's slot, and asked for again)."""
    lunch = Break(at("05:00"), at("11:15"), 15)
    absence = Break(at("11:00"), at("11:15"), 15, "absence")
    s = replace(shift("t1", "05:00", "11:30"), breaks=(lunch, absence))
    route = Route("t1", "t1", point(0), point(0), at("11:15"), at("11:25"), ())
    taken = _taken_breaks(s, route)
    assert [(b.kind, b.start, b.end) for b in taken] == [
        ("lunch", at("10:45"), at("11:00")), ("absence", at("11:00"), at("11:15"))]
    assert _remaining_breaks(s.breaks, taken, at("10:47"), at("10:47"), at("11:30")) == \
        (absence,)
