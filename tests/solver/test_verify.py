"""The verifier catches broken schedules: it must be able to fail."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer.model import Peak, Unassigned
from optimizer.solver import solve
from optimizer.solver.verify import verify, verify_day

M = line_matrix(5)
P = problem([order("A", 1, time_windows=(window("09:00", "10:00"),)),
             order("B", 3, required_skills=frozenset({"hvac"}))],
            [tech("t1")], [shift("t1", lunch=("11:30", "13:30", 30))])


def _solved():
    schedule = solve(P, M, FAST)
    assert verify(P, M, schedule) == []
    return schedule


def _edit_stop(schedule, k, **changes):
    route = schedule.routes[0]
    stops = list(route.stops)
    stops[k] = replace(stops[k], **changes)
    return replace(schedule, routes=(replace(route, stops=tuple(stops)),))


def test_missing_order_is_caught():
    """Dropping an order from the output is reported as appearing 0 times."""
    s = _solved()
    route = s.routes[0]
    broken = replace(s, routes=(replace(route, stops=route.stops[1:]),))
    assert any("appears 0 times" in v for v in verify(P, M, broken))


def test_duplicate_order_is_caught():
    """An order both routed and unassigned is reported as appearing twice."""
    s = _solved()
    broken = replace(s, unassigned=(Unassigned("A", "test"),))
    assert any("A: appears 2 times" in v for v in verify(P, M, broken))


def test_window_violation_is_caught():
    """Moving a 09:00-10:00 job to 10:30 breaks its window."""
    s = _solved()
    k = [x.order_id for x in s.routes[0].stops].index("A")
    stop = s.routes[0].stops[k]
    late = timedelta(hours=10, minutes=30) - (stop.start - stop.start.replace(hour=0, minute=0))
    broken = _edit_stop(s, k, start=stop.start + late, end=stop.end + late,
                        wait_s=stop.wait_s + int(late.total_seconds()))
    assert any("outside its time windows" in v for v in verify(P, M, broken))


def test_wrong_travel_time_is_caught():
    """A leg that claims less travel than the matrix is reported."""
    s = _solved()
    broken = _edit_stop(s, 0, travel_s=1)
    assert any("the matrix says" in v for v in verify(P, M, broken))


def test_skill_violation_is_caught():
    """Giving an hvac job to a technician without hvac is reported."""
    s = _solved()
    p = replace(P, technicians=(tech("t1", ["plumbing"]),))
    assert any("lacks the skill hvac" in v for v in verify(p, M, s))


def test_lunch_outside_its_window_is_caught():
    """A lunch moved to 14:00 (window ends 13:30) is reported."""
    p = replace(P, orders=tuple(order(f"o{k}", 1, 60) for k in range(6)))
    s = solve(p, M, FAST)
    route = s.routes[0]
    (lunch,) = route.breaks
    moved = replace(lunch, start=lunch.start.replace(hour=14, minute=0),
                    end=lunch.start.replace(hour=14, minute=30))
    broken = replace(s, routes=(replace(route, breaks=(moved,)),))
    assert any("lunch break" in v for v in verify(p, M, broken))


def test_nested_windows_are_checked_as_their_union():
    """With windows 09:00-17:00;10:00-11:00 a start at 12:30 is inside (the union), one at
    17:30 is outside."""
    p = replace(P, orders=(order("A", 1, time_windows=(window("09:00", "17:00"),
                                                       window("10:00", "11:00"))),
                           P.orders[1]))
    s = solve(p, M, FAST)
    assert verify(p, M, s) == []
    k = [x.order_id for x in s.routes[0].stops].index("A")
    stop = s.routes[0].stops[k]
    for hhmm, inside in (("12:30", True), ("17:30", False)):
        hours, minutes = map(int, hhmm.split(":"))
        moved = stop.start.replace(hour=hours, minute=minutes) - stop.start
        edited = _edit_stop(s, k, start=stop.start + moved, end=stop.end + moved,
                            arrival=stop.arrival + moved)
        found = [v for v in verify(p, M, edited) if "outside its time windows" in v]
        assert (found == []) is inside, (hhmm, found)


def test_verify_day_counts_routes_unassigned_and_settled_orders():
    """Across a re-plan every order of the day is once on a route, unassigned, or settled
    (completed, in progress, cancelled): missing, twice, or settled twice are all named."""
    s = _solved()
    routed = [stop.order_id for r in s.routes for stop in r.stops]
    assert sorted(routed) == ["A", "B"]
    assert verify_day(["A", "B", "C"], s, ["C"]) == []
    suffix = "on a route, unassigned, completed, in progress or cancelled (must be 1)"
    assert verify_day(["A", "B", "C", "D"], s, ["A", "C", "C"]) == [
        f"order A: appears 2 times {suffix}", f"order C: appears 2 times {suffix}",
        f"order D: appears 0 times {suffix}"]


def test_schedule_that_ignores_the_parking_time_is_rejected():
    """A schedule planned without parking time fails against the same day with
    stop_overhead_min = 5: its stops claim no overhead and start work on arrival."""
    s = _solved()
    parked = replace(P, travel=replace(P.travel, stop_overhead_min=5))
    issues = verify(parked, M, s)
    assert any("overhead_s=0, expected 300" in v for v in issues)
    assert any("cannot start work before" in v for v in issues)


def test_overhead_claimed_but_not_kept_is_rejected():
    """A stop that says it parked for 5 minutes but starts as if it had not is caught."""
    parked = replace(P, travel=replace(P.travel, stop_overhead_min=5))
    s = solve(parked, M, FAST)
    assert verify(parked, M, s) == []
    stop = s.routes[0].stops[0]
    assert stop.overhead_s == 300
    early = timedelta(minutes=5)
    broken = _edit_stop(s, 0, start=stop.start - early, end=stop.end - early,
                        arrival=stop.arrival - early - timedelta(seconds=stop.wait_s))
    broken = _edit_stop(broken, 0, wait_s=0)
    assert any("cannot start work before" in v for v in verify(parked, M, broken))


def test_schedule_that_ignores_a_peak_is_rejected():
    """A schedule planned without the 07:00-10:00 peak (factor 0.5) claims legs of the free
    matrix: against the day with the peak, the verifier wants the slower legs."""
    s = _solved()
    peak = replace(P, travel=replace(P.travel, peaks=(Peak(7 * 60, 10 * 60, 0.5),)))
    issues = verify(peak, M, s)
    first = s.routes[0].stops[0]
    assert any(f"leg is {first.travel_s} s/{first.distance_m} m, the matrix says "
               f"{2 * first.travel_s} s" in v for v in issues)
    again = solve(peak, M, FAST)
    assert verify(peak, M, again) == []


# -- the lunch rule (docs/scenario-format.md) ----------------------------------------------

SHORT_DAY = problem([order("L", 1, 280, time_windows=(window("07:40", "07:40"),))],
                    [tech("t1")], [shift("t1", "07:30", "16:30", lunch=("11:30", "13:30", 30))])


def _short_route(end: str, breaks=()):
    """07:30 out, the 280-minute job 07:40-12:20 at point 1, back 10 minutes later (or at
    ``end``), with ``breaks``."""
    from factories import at, point

    from optimizer.model import Route, Schedule, SolveMeta, Stop
    stop = Stop("L", point(1), at("07:40"), at("07:40"), at("12:20"), 0, 600, 1000)
    route = Route("t1", "t1", point(0), point(0), at("07:30"), at(end), (stop,), tuple(breaks),
                  return_travel_s=600, return_distance_m=1000)
    return Schedule("tiny", SHORT_DAY.plan_date, SHORT_DAY.timezone, (route,), (),
                    SolveMeta(0, 1.0, None, "explicit", "TEST", 0, 0.0, {}))


def test_a_route_working_through_the_lunch_window_without_lunch_is_rejected():
    """Working 07:30-12:30 with a lunch window of 11:30-13:30 and no lunch breaks the rule,
    although the lunch would still fit after the return (12:30-13:00): the technician was
    working when the window opened."""
    missing = ["route t1: the lunch break is missing: the route is under way when its window "
               "opens, so it must be taken on the route"]
    assert verify(SHORT_DAY, M, _short_route("12:30")) == missing
    # and, as before the rule, a route through the whole window (back at 14:00)
    assert verify(SHORT_DAY, M, _short_route("14:00")) == missing


def test_the_same_route_with_its_lunch_before_the_return_passes():
    """Lunch 12:20-12:50 on the way home, back at 13:00: valid."""
    from factories import at

    from optimizer.model import ScheduledBreak
    lunch = ScheduledBreak("lunch", at("12:20"), at("12:50"))
    assert verify(SHORT_DAY, M, _short_route("13:00", [lunch])) == []


def test_the_model_gives_a_short_day_its_lunch():
    """Solved, the 07:30 day that would end at 12:30 takes its lunch on the route and comes
    back at 13:00, where OR-Tools alone would put the lunch after the return."""
    from factories import at

    s = solve(SHORT_DAY, M, FAST)
    assert verify(SHORT_DAY, M, s) == []
    (route,) = s.routes
    assert [b.kind for b in route.breaks] == ["lunch"]
    assert route.breaks[0].start >= at("12:20") and route.end == at("13:00")


def test_a_route_back_before_the_window_opens_needs_no_lunch():
    """A 180-minute job 07:40-10:40, back at 10:50: the day is over before 11:30."""
    from dataclasses import replace as swap

    from factories import at

    day = swap(SHORT_DAY, orders=(swap(SHORT_DAY.orders[0], service_min=180),))
    s = solve(day, M, FAST)
    (route,) = s.routes
    assert route.breaks == () and route.end == at("10:50")
    assert verify(day, M, s) == []


def _lunch_and_absence():
    """One 120-minute job at home; a 14:30-17:00 shift (120 min overtime) with a 15-minute
    lunch in 14:30-16:45 and a fixed absence 16:30-16:45."""
    from factories import at

    from optimizer.model import Break

    s = shift("t1", "14:30", "17:00", lunch=("14:30", "16:45", 15), max_overtime_min=120)
    s = replace(s, breaks=(*s.breaks, Break(at("16:30"), at("16:45"), 15, "absence")))
    return problem([order("A", 0, 120)], [tech("t1")], [s])


def test_a_lunch_inside_an_absence_is_rejected():
    """Breaks never overlap one another (docs/scenario-format.md): the job 14:30-16:30 with
    the lunch 16:30-16:45 taken during the absence 16:30-16:45 is rejected."""
    from factories import at

    from optimizer.model import ScheduledBreak

    day = _lunch_and_absence()
    base = solve(day, M, FAST)
    (route,) = base.routes
    stop = replace(route.stops[0], arrival=at("14:30"), start=at("14:30"), end=at("16:30"),
                   wait_s=0, travel_s=0, distance_m=0, overhead_s=0)
    overlapping = replace(route, start=at("14:30"), end=at("17:00"), stops=(stop,),
                          return_travel_s=0, return_distance_m=0, overtime_s=0,
                          breaks=(ScheduledBreak("lunch", at("16:30"), at("16:45")),
                                  ScheduledBreak("absence", at("16:30"), at("16:45"))))
    issues = verify(day, M, replace(base, routes=(overlapping,)))
    assert issues == ["route t1: the absence break 59400-60300 s overlaps the lunch break "
                      "from 59400 s"]


def test_the_model_never_overlaps_two_breaks():
    """Solved, the same day puts the job after the absence (OR-Tools alone took the lunch
    inside the absence, and a re-plan's pinned start, timed without overlaps, then moved
    the published visit)."""
    from factories import at

    day = _lunch_and_absence()
    s = solve(day, M, FAST)
    assert verify(day, M, s) == []
    (route,) = s.routes
    assert route.stops[0].start == at("16:45")
    spans = sorted((b.start, b.end) for b in route.breaks)
    assert all(b[0] >= a[1] for a, b in pairwise(spans))
