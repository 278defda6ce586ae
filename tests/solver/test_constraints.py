"""Each rule of the model, once where it holds and once where it binds.

Problems are tiny and hand-checkable: points on a line, 10 minutes and 1 km
apart (see ``tests/factories.py``). Every schedule is also run through the
independent verifier.
"""

from __future__ import annotations

from dataclasses import replace

from factories import (
    FAST,
    Priority,
    at,
    line_matrix,
    order,
    problem,
    shift,
    tech,
    window,
)

from optimizer.model import ObjectiveWeights, Peak, ReasonCode, TravelSettings
from optimizer.solver import solve
from optimizer.solver.verify import verify

M = line_matrix(6)


def run(p, matrix=M, params=FAST):
    schedule = solve(p, matrix, params)
    assert verify(p, matrix, schedule) == []
    return schedule


def tech_of(schedule, order_id):
    route = schedule.route_of(order_id)
    return route.tech_id if route else None


def reasons(schedule):
    return {u.order_id: u.reason for u in schedule.unassigned}


def codes(schedule):
    return {u.order_id: u.code for u in schedule.unassigned}


def test_skills_hold_when_a_technician_has_them():
    """An hvac job goes to the only hvac technician."""
    s = run(problem([order("A", 1, required_skills=frozenset({"hvac"}))],
                    [tech("t1", ["plumbing"]), tech("t2", ["hvac"])],
                    [shift("t1"), shift("t2")]))
    assert tech_of(s, "A") == "t2"


def test_skills_bind_when_nobody_has_them():
    """A skill nobody has leaves the order unassigned, naming the skill."""
    s = run(problem([order("A", 1, required_skills=frozenset({"elevator"}))],
                    [tech("t1")], [shift("t1")]))
    assert reasons(s) == {"A": "no technician has the skill elevator"}
    assert codes(s) == {"A": ReasonCode.NO_SKILL}


def test_parts_bind_to_the_van_that_carries_them():
    """A job needing a pump goes to the van with a pump; no pump anywhere is a reason."""
    s = run(problem([order("A", 1, required_parts=frozenset({"pump"})),
                     order("B", 2, required_parts=frozenset({"compressor"}))],
                    [tech("t1"), tech("t2", van_stock=frozenset({"pump"}))],
                    [shift("t1"), shift("t2")]))
    assert tech_of(s, "A") == "t2"
    assert reasons(s) == {"B": "no technician carries the part compressor"}
    assert codes(s) == {"B": ReasonCode.NO_PART}


def test_excluded_technician_never_goes():
    """An excluded technician is hard: the other one goes even from further away."""
    p = problem([order("A", 1, excluded_techs=frozenset({"t1"}))],
                [tech("t1"), tech("t2")], [shift("t1", home=0), shift("t2", home=5)])
    assert tech_of(run(p), "A") == "t2"
    p = replace(p, orders=(order("A", 1, excluded_techs=frozenset({"t1", "t2"})),))
    s = run(p)
    assert reasons(s) == {"A": "every qualified technician is excluded (t1, t2)"}
    assert codes(s) == {"A": ReasonCode.EXCLUDED_ALL}


def test_preferred_technician_wins_when_it_costs_little():
    """With equal travel, the preferred technician gets the job."""
    p = problem([order("A", 1, preferred_techs=frozenset({"t2"}))],
                [tech("t1"), tech("t2")], [shift("t1"), shift("t2")])
    assert tech_of(run(p), "A") == "t2"


def test_preferred_technician_is_only_a_bonus():
    """If the preferred one is 5 km further each way, cost wins over a 1.0 bonus."""
    p = problem([order("A", 1, preferred_techs=frozenset({"t2"}))],
                [tech("t1"), tech("t2")], [shift("t1", home=1), shift("t2", home=5)],
                weights=ObjectiveWeights(preferred_tech_bonus=1.0))
    assert tech_of(run(p), "A") == "t1"


def test_time_window_holds():
    """A job with a 14:00-15:00 appointment starts inside it."""
    s = run(problem([order("A", 1, time_windows=(window("14:00", "15:00"),))],
                    [tech("t1")], [shift("t1")]))
    start = s.routes[0].stops[0].start
    assert at("14:00") <= start <= at("15:00")


def test_second_window_is_used_when_the_first_is_taken():
    """Two jobs want 09:00-09:30; one of them may also go 15:00-16:00 and does."""
    p = problem([order("A", 1, 60, time_windows=(window("09:00", "09:30"),)),
                 order("B", 2, 60, time_windows=(window("09:00", "09:30"),
                                                 window("15:00", "16:00")))],
                [tech("t1")], [shift("t1")])
    s = run(p)
    stops = {x.order_id: x for x in s.routes[0].stops}
    assert stops["A"].start <= at("09:30")
    assert at("15:00") <= stops["B"].start <= at("16:00")


def test_window_outside_every_shift_binds():
    """A 20:00 appointment with shifts ending at 17:00 is unassigned with that reason."""
    s = run(problem([order("A", 1, time_windows=(window("20:00", "21:00"),))],
                    [tech("t1")], [shift("t1")]))
    assert reasons(s) == {"A": "appointment window outside every shift"}
    assert codes(s) == {"A": ReasonCode.WINDOW_OUTSIDE_SHIFTS}


def test_sla_is_soft_and_lateness_is_reported():
    """Two jobs due at 08:15 can't both be on time: one is served late and reported."""
    p = problem([order("A", 1, sla_due=at("08:15")), order("B", 1, sla_due=at("08:15"))],
                [tech("t1")], [shift("t1")])
    s = run(p)
    late = sorted(x.sla_late_s for x in s.routes[0].stops)
    assert late[0] == 0 and late[1] == 25 * 60  # B starts at 08:40 after A (08:10-08:40)


def test_sla_lateness_goes_to_the_lower_priority():
    """When one of two must be late, the critical order is served first."""
    p = problem([order("low", 1, priority=Priority.LOW, sla_due=at("08:15")),
                 order("crit", 1, priority=Priority.CRITICAL, sla_due=at("08:15"))],
                [tech("t1")], [shift("t1")])
    stops = {x.order_id: x for x in run(p).routes[0].stops}
    assert stops["crit"].sla_late_s == 0 and stops["low"].sla_late_s > 0


def test_lunch_lands_inside_its_window():
    """A 30-minute lunch in 11:30-13:30 is taken inside it, between jobs."""
    p = problem([order(f"o{k}", 1 + k % 4, 60) for k in range(7)], [tech("t1")],
                [shift("t1", lunch=("11:30", "13:30", 30))])
    s = run(p)
    (lunch,) = s.routes[0].breaks
    assert at("11:30") <= lunch.start and lunch.end <= at("13:30")
    assert (lunch.end - lunch.start).total_seconds() == 30 * 60
    for stop in s.routes[0].stops:
        assert stop.end <= lunch.start or stop.start >= lunch.end


def test_lunch_binds_the_day():
    """A full 8-hour day of work plus a lunch does not fit 8 h: one job is left out."""
    p = problem([order(f"o{k}", 0, 60) for k in range(8)], [tech("t1")],
                [shift("t1", "08:00", "16:00", lunch=("11:30", "13:30", 30))])
    s = run(p)
    assert len(s.routes[0].stops) == 7 and len(s.unassigned) == 1
    assert "fully booked" in s.unassigned[0].reason
    assert s.unassigned[0].code == ReasonCode.NO_TIME


def test_overtime_is_used_up_to_its_limit():
    """A job that ends 20 min after the shift is done in overtime when 30 min are allowed."""
    p = problem([order("A", 1, 60, time_windows=(window("16:10", "16:10"),))], [tech("t1")],
                [shift("t1", max_overtime_min=30)])
    s = run(p)
    assert s.routes[0].overtime_s == 20 * 60  # 16:10 + 60 min + 10 min back = 17:20


def test_overtime_limit_binds():
    """With only 10 min overtime allowed, the same job cannot be done."""
    p = problem([order("A", 1, 60, time_windows=(window("16:10", "16:10"),))], [tech("t1")],
                [shift("t1", max_overtime_min=10)])
    s = run(p)
    assert reasons(s) == {"A": "not enough time in any shift (even as the only job)"}
    assert codes(s) == {"A": ReasonCode.SHIFT_TOO_SHORT}


def test_efficiency_changes_service_time():
    """A technician with efficiency 1.25 needs 75 minutes for a 60-minute job."""
    for efficiency, minutes in ((1.0, 60), (1.25, 75)):
        s = run(problem([order("A", 1, 60)], [tech("t1", efficiency=efficiency)], [shift("t1")]))
        stop = s.routes[0].stops[0]
        assert (stop.end - stop.start).total_seconds() == minutes * 60


def test_critical_beats_low_for_the_last_free_slot():
    """One slot left in the day: the critical order gets it, the low one is unassigned."""
    p = problem([order("low", 1, 400, priority=Priority.LOW),
                 order("crit", 2, 400, priority=Priority.CRITICAL)],
                [tech("t1")], [shift("t1", "08:00", "16:00")])
    s = run(p)
    assert [x.order_id for x in s.routes[0].stops] == ["crit"]
    assert "fully booked" in reasons(s)["low"]
    assert codes(s) == {"low": ReasonCode.NO_TIME}


def test_capacity_binds():
    """Three jobs of demand 2 with a van of capacity 4: two go, one is left out."""
    p = problem([order(f"o{k}", 1, 20, demand=2) for k in range(3)],
                [tech("t1", capacity=4)], [shift("t1")])
    s = run(p)
    assert len(s.routes[0].stops) == 2 and len(s.unassigned) == 1
    assert s.unassigned[0].code == ReasonCode.VAN_FULL


def test_speed_factor_scales_travel():
    """A technician with speed factor 0.5 needs twice the travel time."""
    s = run(problem([order("A", 2)], [tech("t1", speed_factor=0.5)], [shift("t1")]))
    assert s.routes[0].stops[0].travel_s == 2 * 20 * 60


def test_shift_start_holds():
    """Nobody starts before the shift: a 10:00 shift's first job starts after 10:10."""
    s = run(problem([order("A", 1)], [tech("t1")], [shift("t1", "10:00", "17:00")]))
    assert s.routes[0].start >= at("10:00") and s.routes[0].stops[0].start >= at("10:10")


def test_drop_penalty_can_make_leaving_cheaper():
    """A low order 5 km away with a tiny drop penalty is left out with a cost reason."""
    weights = ObjectiveWeights(drop_penalty={p: 0.5 for p in Priority})
    s = run(problem([order("A", 5, priority=Priority.LOW)], [tech("t1")], [shift("t1")],
                    weights=weights))
    assert reasons(s)["A"].startswith("cheaper to leave out than to serve")
    assert codes(s) == {"A": ReasonCode.DROPPED_FOR_COST}


def test_warm_start_is_the_first_solution():
    """With a solution limit of 1, the search returns the given initial routes as they are,
    skipping an order that is not allowed on that shift."""
    from optimizer.params import SolveParams

    p = problem([order("A", 1), order("B", 2), order("C", 3),
                 order("X", 2, required_skills=frozenset({"gas"}))],
                [tech("t1")], [shift("t1")])
    s = solve(p, M, SolveParams(time_limit_s=1, solution_limit=1),
              initial_routes={"t1": ["C", "A", "X", "B"]})
    assert [x.order_id for x in s.routes[0].stops] == ["C", "A", "B"]
    assert verify(p, M, s) == []


def test_stop_overhead_delays_the_start_of_work():
    """With [travel] stop_overhead_min = 7, a job 10 minutes from home whose window opens at
    08:00 is reached at 08:10 and started at 08:17; the stop says 420 s of parking."""
    from optimizer.report.kpis import compute

    travel = replace(TravelSettings(), stop_overhead_min=7)
    p = problem([order("A", 1, time_windows=(window("08:00", "12:00"),))], [tech("t1")],
                [shift("t1")], travel=travel)
    s = run(p)
    stop = s.routes[0].stops[0]
    assert (stop.arrival, stop.start) == (at("08:10"), at("08:17"))
    assert stop.overhead_s == 420 and stop.wait_s == 0 and stop.travel_s == 600
    assert compute(p, s).overhead_h == 0.12  # 420 s


def test_order_overhead_overrides_the_scenario_and_is_not_paid_twice_at_one_place():
    """An order's own stop_overhead_min (2) beats the scenario's (7); a second job at the
    same point as the one before pays no parking (the technician is parked there)."""
    travel = replace(TravelSettings(), stop_overhead_min=7)
    p = problem([order("A", 1, 20, stop_overhead_min=2,
                       time_windows=(window("08:00", "08:12"),)),
                 order("B", 1, 20, time_windows=(window("08:00", "09:00"),))],
                [tech("t1")], [shift("t1")], travel=travel)
    s = run(p)
    stops = {x.order_id: x for x in s.routes[0].stops}
    assert stops["A"].start == at("08:12") and stops["A"].overhead_s == 120
    assert stops["B"].overhead_s == 0 and stops["B"].start == at("08:32")


def test_stop_overhead_binds_a_tight_window():
    """A window 08:00-08:15 at 10 minutes from an 08:00 shift start fits without parking
    time, and not with 7 minutes of it (08:17 is too late): unassigned, not late."""
    orders = [order("A", 1, time_windows=(window("08:00", "08:15"),))]
    assert run(problem(orders, [tech("t1")], [shift("t1")])).routes
    slow = run(problem(orders, [tech("t1")], [shift("t1")],
                       travel=replace(TravelSettings(), stop_overhead_min=7)))
    assert not slow.routes and [u.order_id for u in slow.unassigned] == ["A"]


MORNING_PEAK = replace(TravelSettings(), peaks=(Peak(7 * 60, 9 * 60, 0.5),))


def test_peak_slows_the_legs_that_may_be_driven_in_it():
    """A 07:00-09:00 peak at factor 0.5 doubles a leg that may be driven in it: from home
    (the shift starts 08:00) and from A (window from 08:00, so it may leave at 08:30),
    20 instead of 10 minutes a step, even when the plan drives them later (the factor is
    fixed before solving). B's window opens at 13:00, after the peak: the drive
    home from B keeps its 20 minutes for two steps."""
    p = problem([order("A", 1, time_windows=(window("08:00", "12:00"),)),
                 order("B", 2, time_windows=(window("13:00", "14:00"),))],
                [tech("t1")], [shift("t1")], travel=MORNING_PEAK)
    s = run(p)
    route = s.routes[0]
    stops = {x.order_id: x for x in route.stops}
    assert stops["A"].travel_s == 1200
    assert stops["B"].travel_s == 1200  # one step from A, which may leave inside the peak
    assert route.return_travel_s == 1200  # two steps at full speed
    free = run(replace(p, travel=TravelSettings()))
    assert {x.order_id: x.travel_s for x in free.routes[0].stops} == {"A": 600, "B": 600}


def test_peak_binds_a_tight_window():
    """A window 08:00-08:15 one step from home fits at 08:10 without a peak, not at 08:20
    with it: unassigned."""
    orders = [order("A", 1, time_windows=(window("08:00", "08:15"),))]
    assert run(problem(orders, [tech("t1")], [shift("t1")])).routes
    slow = run(problem(orders, [tech("t1")], [shift("t1")], travel=MORNING_PEAK))
    assert not slow.routes and [u.order_id for u in slow.unassigned] == ["A"]


def test_shift_after_the_peak_is_not_slowed():
    """A shift from 10:00 never drives in a 07:00-09:00 peak: legs keep their times."""
    s = run(problem([order("A", 2)], [tech("t1")], [shift("t1", "10:00", "17:00")],
                    travel=MORNING_PEAK))
    assert s.routes[0].stops[0].travel_s == 1200 and s.routes[0].return_travel_s == 1200
