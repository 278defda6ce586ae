"""Absences cut the rostered shifts one way, for the loader and every what-if alike."""

from __future__ import annotations

from dataclasses import replace

from factories import at, problem, shift, tech

from optimizer.model import Absence
from optimizer.roster import apply_absences, rostered, with_roster

DAY = shift("t1", "08:00", "17:00", max_overtime_min=60)


def test_an_absence_cuts_the_start_the_end_or_the_middle_or_takes_the_whole_shift():
    cases = {
        ("07:00", "10:00"): (at("10:00"), at("17:00"), 60, ()),
        ("15:00", "18:00"): (at("08:00"), at("15:00"), 0, ()),
        ("12:00", "13:00"): (at("08:00"), at("17:00"), 60, ((at("12:00"), at("13:00"), 60),)),
    }
    for (start, end), (begins, ends, overtime, breaks) in cases.items():
        (cut,), whole = apply_absences([DAY], [Absence("t1", at(start), at(end), "away")])
        assert (cut.start, cut.end, cut.max_overtime_min) == (begins, ends, overtime)
        assert tuple((b.earliest_start, b.latest_end, b.duration_min) for b in cut.breaks) \
            == breaks and not whole
    training = Absence("t1", at("07:00"), at("18:00"), "training")
    assert apply_absences([DAY], [training]) == ((), [(training, DAY)])
    other = Absence("t2", at("07:00"), at("18:00"))
    assert apply_absences([DAY], [other]) == ((DAY,), [])


def test_absences_apply_in_turn_and_a_new_roster_gets_them_again():
    """Two absences on one shift both hold; with_roster re-applies the problem's absences
    to a changed roster, and a problem without absences keeps no roster."""
    morning = Absence("t1", at("07:00"), at("09:00"))
    doctor = Absence("t1", at("14:00"), at("15:00"), "doctor")
    (cut,), _ = apply_absences([DAY], [morning, doctor])
    assert cut.start == at("09:00") and [b.kind for b in cut.breaks] == ["doctor"]
    p = problem([], [tech("t1")], [cut], absences=(morning, doctor), roster=(DAY,))
    longer = with_roster(p, [replace(DAY, end=at("18:00"))])
    assert longer.roster[0].end == at("18:00") and longer.shifts[0].start == at("09:00")
    assert rostered(longer) == longer.roster
    plain = with_roster(problem([], [tech("t1")], [DAY]), [DAY])
    assert plain.roster == () and rostered(plain) == (DAY,)
