"""The pre-check's reasons are plain words a dispatcher reads, never Python sets, and each
comes with the code of the rule that excludes the order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from factories import at, line_matrix, order, point, problem, shift, tech, window

from optimizer.model import LOCATION_ISSUES, ReasonCode, TimeWindow, TravelMatrix, location_code
from optimizer.solver.precheck import check

M = line_matrix(3)
TECHS = [tech("t1", ["hvac"], van_stock=frozenset({"pump"})),
         tech("t2", ["gas"], van_stock=frozenset({"filter"}))]


def _why(**needs) -> tuple[ReasonCode, str]:
    p = problem([order("A", 1, **needs)], TECHS, [shift("t1"), shift("t2")])
    return check(p, M).reasons["A"]


def _reason(**needs) -> str:
    return _why(**needs)[1]


def test_one_missing_skill_is_named_in_the_singular():
    """A skill nobody has: 'no technician has the skill elevator', code NO_SKILL."""
    assert _why(required_skills=frozenset({"elevator"})) == (
        ReasonCode.NO_SKILL, "no technician has the skill elevator")


def test_several_missing_skills_are_listed_sorted():
    """Two skills nobody has are listed sorted, in the plural, without braces or quotes."""
    assert _reason(required_skills=frozenset({"lift", "elevator"})) == \
        "no technician has the skills elevator, lift"


def test_skills_spread_over_technicians_are_listed():
    """hvac and gas exist, but not in one person: NO_SKILL too."""
    assert _why(required_skills=frozenset({"hvac", "gas"})) == (
        ReasonCode.NO_SKILL, "no single technician has all of the skills gas, hvac")


def test_missing_parts_are_named():
    """Parts no van carries, singular and plural, code NO_PART."""
    assert _why(required_parts=frozenset({"compressor"})) == (
        ReasonCode.NO_PART, "no technician carries the part compressor")
    assert _reason(required_parts=frozenset({"valve", "compressor"})) == \
        "no technician carries the parts compressor, valve"


def test_parts_not_in_a_qualified_van_are_named():
    """The pump is in the hvac van, but the gas technician is the one qualified; and pump
    plus filter are in no single van. Both are NO_PART."""
    assert _why(required_skills=frozenset({"gas"}), required_parts=frozenset({"pump"})) == (
        ReasonCode.NO_PART, "no technician with the skill gas carries the part pump")
    assert _why(required_parts=frozenset({"pump", "filter"})) == (
        ReasonCode.NO_PART, "no single technician carries all of the parts filter, pump")


def test_every_qualified_technician_excluded_is_excluded_all():
    """The only hvac technician is excluded: EXCLUDED_ALL, naming him."""
    assert _why(required_skills=frozenset({"hvac"}), excluded_techs=frozenset({"t1"})) == (
        ReasonCode.EXCLUDED_ALL, "every qualified technician is excluded (t1)")


def test_demand_larger_than_every_van_is_demand_over_capacity():
    """A demand of 5 with vans of capacity 4: DEMAND_OVER_CAPACITY."""
    p = problem([order("A", 1, demand=5)], [tech("t1", capacity=4)], [shift("t1")])
    assert check(p, M).reasons["A"] == (
        ReasonCode.DEMAND_OVER_CAPACITY, "demand 5 exceeds every qualified van's capacity")


def test_qualified_technician_without_a_shift_is_no_shift():
    """t2 has the gas skill but no shift that day: NO_SHIFT; with no technicians at all too."""
    p = problem([order("A", 1, required_skills=frozenset({"gas"}))], TECHS, [shift("t1")])
    assert check(p, M).reasons["A"] == (
        ReasonCode.NO_SHIFT, "no qualified technician works that day")
    nobody = problem([order("A", 1)], [], [])
    assert check(nobody, M).reasons["A"] == (ReasonCode.NO_SHIFT, "no technician works that day")


def test_unreachable_window_and_time_each_have_their_code():
    """No road to the order: UNREACHABLE; a 20:00 window: WINDOW_OUTSIDE_SHIFTS; a 10-hour
    job in a 9-hour shift: SHIFT_TOO_SHORT."""
    reachable = np.ones((3, 3), dtype=bool)
    reachable[:, 2] = reachable[2, :] = False
    reachable[2, 2] = True
    cut = TravelMatrix(M.points, M.travel_s, M.distance_m, "explicit", reachable)
    p = problem([order("A", 2)], [tech("t1")], [shift("t1")])
    assert check(p, cut).reasons["A"] == (ReasonCode.UNREACHABLE, "not reachable by road")
    late = problem([order("A", 1, time_windows=(window("20:00", "21:00"),))],
                   [tech("t1")], [shift("t1")])
    assert check(late, M).reasons["A"] == (
        ReasonCode.WINDOW_OUTSIDE_SHIFTS, "appointment window outside every shift")
    long = problem([order("A", 1, 600)], [tech("t1")], [shift("t1")])
    assert check(long, M).reasons["A"] == (
        ReasonCode.SHIFT_TOO_SHORT, "not enough time in any shift (even as the only job)")


@pytest.mark.parametrize("code", list(LOCATION_ISSUES))
def test_an_order_without_location_gets_the_code_of_its_issue(code):
    """Each location issue text (from loading or geocoding) maps back to its own code."""
    p = problem([replace(order("A", 1), location=None, location_issue=LOCATION_ISSUES[code])],
                [tech("t1")], [shift("t1")])
    assert check(p, M).reasons["A"] == (code, LOCATION_ISSUES[code])


def test_an_unknown_or_empty_location_issue_is_no_location():
    """An issue text not in the table keeps its words with code NO_LOCATION; none at all
    reads 'no location'."""
    assert location_code("moved away") == ReasonCode.NO_LOCATION
    p = problem([replace(order("A", 1), location=None, location_issue="moved away"),
                 replace(order("B", 1), location=None)], [tech("t1")], [shift("t1")])
    reasons = check(p, M).reasons
    assert reasons == {"A": (ReasonCode.NO_LOCATION, "moved away"),
                       "B": (ReasonCode.NO_LOCATION, "no location")}


def test_a_pinned_visit_is_not_refused_for_a_second_that_rounding_loses():
    """A re-plan pinned C at 08:01:39 after B: alone, the direct leg (100 s, one more than
    via B, as rounded road times can be) misses it by a second. The pinned visit stays in
    the model; an unpinned one with that exact window would not fit alone."""
    m = TravelMatrix(points=(point(0), point(1), point(2)), source="explicit",
                     travel_s=np.array([[0, 50, 100], [50, 0, 49], [100, 49, 0]]),
                     distance_m=np.array([[0, 500, 1000], [500, 0, 490], [1000, 490, 0]]))
    exact = at("08:00") + timedelta(seconds=99)
    c = order("C", 2, 0, time_windows=(TimeWindow(exact, exact),))
    p = problem([replace(c, pinned=True)], [tech("t1")], [shift("t1")])
    assert "C" in check(p, m).allowed
    q = problem([c], [tech("t1")], [shift("t1")])
    assert check(q, m).reasons["C"][0] is ReasonCode.SHIFT_TOO_SHORT


def test_a_visit_that_fits_only_with_lunch_between_it_and_home_is_allowed():
    """Out at 08:00, 10 minutes away, a window of 09:10-09:20 for 30 minutes, home at 09:50:
    lunch (30 min, 09:00 to 10:15) fits only between the visit and the drive home, neither
    before leaving nor after getting back. The numpy screen is not sure of it; the exact
    check is, so the order is allowed. With lunch over by 10:05 nothing fits."""
    def reasons(latest):
        p = problem([order("A", 1, time_windows=(window("09:10", "09:20"),))], [tech("t1")],
                    [shift("t1", lunch=("09:00", latest, 30))])
        e = check(p, line_matrix(3))
        return e.allowed.get("A"), e.reasons.get("A", (None,))[0]

    assert reasons("10:15") == ((0,), None)
    assert reasons("10:05") == (None, ReasonCode.SHIFT_TOO_SHORT)


@pytest.mark.parametrize("city", ["free", "parking", "peak", "max_work"])
def test_lone_visit_screen_agrees_with_the_exact_check(city):
    """Seeded orders (windows, service times) against shifts with lunch and appointments,
    overtime, slow and fast technicians, on a line of 12 points: an order is allowed on a
    shift exactly when that shift fits it as its only visit (timing.shift_fits). Also with
    20 minutes of parking per stop, a 07:00-10:00 peak at half speed, and a work limit
    (``max_work_h``) on some technicians: the numpy screen must never be surer than the
    exact check."""
    from optimizer.model import Break, Peak
    from optimizer.solver.timing import shift_fits

    rng = np.random.default_rng(5)
    matrix = line_matrix(12, minutes_per_step=25)
    techs, shifts = [], []
    for k in range(8):
        tid = f"t{k}"
        techs.append(tech(tid, speed_factor=[1.0, 0.8, 1.25][k % 3],
                          efficiency=[1.0, 0.9, 1.2, 1.0][k % 4],
                          max_work_h=3.0 if city == "max_work" and k % 2 else None))
        start = ["07:00", "08:00", "10:00", "12:00"][k % 4]
        end = ["12:00", "17:00", "15:00", "18:00"][k % 4]
        s = shift(tid, start, end, home=int(rng.integers(12)), lunch=("11:30", "13:30", 45),
                  max_overtime_min=float(k % 3) * 30)
        if k % 2:
            s = replace(s, breaks=(*s.breaks, Break(at("14:00"), at("16:00"), 90, "appointment")))
        shifts.append(s)
    orders = []
    for i in range(150):
        begin = int(rng.integers(7 * 60, 18 * 60))
        span = int(rng.choice([15, 30, 60, 120, 300]))
        windows = () if i % 5 == 0 else (TimeWindow(at("00:00") + timedelta(minutes=begin),
                                                    at("00:00") + timedelta(minutes=begin + span)),)
        orders.append(order(f"o{i}", int(rng.integers(12)), float(rng.choice([20, 45, 90, 200])),
                            time_windows=windows))
    p = problem(orders, techs, shifts)
    if city == "parking":
        p = replace(p, travel=replace(p.travel, stop_overhead_min=20))
    if city == "peak":
        p = replace(p, travel=replace(p.travel, peaks=(Peak(7 * 60, 10 * 60, 0.5),)))
    e = check(p, matrix)
    agree = mixed = 0
    for o in orders:
        allowed = set(e.allowed.get(o.order_id, ()))
        exact = {k for k, s in enumerate(shifts) if shift_fits(p, matrix, s, [o])}
        assert allowed == exact, o.order_id
        agree += 1
        mixed += 0 < len(exact) < len(shifts)
    assert agree == 150 and mixed > 20  # the shifts really differ for many orders
