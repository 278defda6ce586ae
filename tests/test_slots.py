"""Appointment slots: offers never break a promise, a booked slot is kept by the next
plan and re-plan, and a request nobody can serve gets a reason."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from factories import FAST, PLAN_DATE, line_matrix, order, problem, shift, tech, window

from optimizer import api
from optimizer.model import Location, Peak, ReasonCode, WorkOrder, shift_date
from optimizer.slots import book, offer, with_request
from optimizer.solver import solve
from optimizer.solver.balance import work_targets
from optimizer.solver.costs import route_cost
from optimizer.solver.extract import timed_route
from optimizer.solver.verify import verify

TINY = Path(__file__).parent / "data" / "tiny"
M = line_matrix(6)
DAY2 = PLAN_DATE + timedelta(days=1)


def _week(orders, techs=None):
    """Two days, one shift a day each for t1 and t2, lunch 11:30-13:30."""
    techs = techs or [tech("t1"), tech("t2")]
    shifts = []
    for t in techs:
        first = replace(shift(t.tech_id, lunch=("11:30", "13:30", 30)),
                        shift_id=f"{t.tech_id}@{PLAN_DATE}")
        step = timedelta(days=1)
        shifts += [first, replace(first, shift_id=f"{t.tech_id}@{DAY2}",
                                  start=first.start + step, end=first.end + step,
                                  breaks=tuple(replace(b, earliest_start=b.earliest_start + step,
                                                       latest_end=b.latest_end + step)
                                               for b in first.breaks))]
    return problem(orders, techs, shifts, days=2)


# Appointments: tight windows everywhere on day 1, so an offer could easily push one out.
PROMISED = [order("A", 1, 60, time_windows=(window("08:30", "09:00"),)),
            order("B", 3, 60, time_windows=(window("10:00", "10:15"),)),
            order("C", 2, 90, time_windows=(window("13:30", "14:00"),)),
            order("D", 4, 60, time_windows=(window("15:00", "15:30"),))]
REQUEST = order("R", 2, 45, required_skills=frozenset({"hvac"}))


def _planned(main, folder: Path, tmp_path: Path, order_id: str) -> tuple[Path, Path]:
    """`fsopt solve` of ``folder`` into tmp_path/plan, and a one-row request.csv for an
    electrical visit ``order_id`` at a point between the tiny scenario's towns."""
    out = tmp_path / "plan"
    assert main(["solve", str(folder), "--out", str(out), "--quiet"]) == 0
    request = tmp_path / "request.csv"
    request.write_text("order_id,customer,lat,lon,service_min,required_skills\n"
                       f"{order_id},Neu,47.150,9.515,30,electrical\n")
    return out, request


def test_an_offer_never_breaks_a_promise():
    """Every offer, booked, gives a schedule the verifier accepts (every other visit still
    inside its window), starts inside the offered window, and matches the offered start;
    no published visit is moved earlier, and an offer that keeps every promise moves none
    by more than the tolerance."""
    p = _week(PROMISED)
    plan = solve(p, M, FAST)
    assert verify(p, M, plan) == []
    offers = offer(p, M, plan, REQUEST, slots=6, window_h=2)
    assert len(offers) == 6
    costs = [o.marginal_cost for o in offers]
    assert costs == sorted(costs)
    for chosen in offers:
        booked, schedule = book(p, M, plan, REQUEST, chosen)
        assert verify(with_request(p, booked), M, schedule) == []
        stop = next(s for r in schedule.routes for s in r.stops if s.order_id == "R")
        assert chosen.window_start <= stop.start <= chosen.window_end
        assert stop.start == chosen.expected_start
        assert stop.start.date() == chosen.day
        # the price is what the booking adds to the route as published
        published = next((r for r in plan.routes if r.shift_id == chosen.shift_id), None)
        after = next(r for r in schedule.routes if r.shift_id == chosen.shift_id)
        before_cost = route_cost(p, published) if published else 0.0
        assert chosen.marginal_cost == round(route_cost(with_request(p, booked), after)
                                             - before_cost, 2)
        before = {s.order_id: s.start for r in plan.routes for s in r.stops}
        moved = [(s.start - before[s.order_id]).total_seconds()
                 for r in schedule.routes for s in r.stops if s.order_id in before]
        assert min(moved) >= 0
        if chosen.keeps_promises:
            assert max(moved) <= p.weights.retime_tolerance_min * 60


def test_offers_pay_parking_and_peaks_as_the_verifier_does():
    """With 10 minutes of parking per stop and a 07:00-10:00 peak that halves speeds,
    every booked offer still passes the verifier: the offer's timing uses the same
    parking time and leg factors as the model (a visit held to its published start keeps
    the factor of its real windows)."""
    p = _week(PROMISED)
    p = replace(p, travel=replace(p.travel, stop_overhead_min=10,
                                  peaks=(Peak(7 * 60, 10 * 60, 0.5),)))
    plan = solve(p, M, FAST)
    assert verify(p, M, plan) == []
    offers = offer(p, M, plan, REQUEST, slots=4, window_h=2)
    assert offers
    for chosen in offers:
        booked, schedule = book(p, M, plan, REQUEST, chosen)
        assert verify(with_request(p, booked), M, schedule) == []
        stop = next(s for r in schedule.routes for s in r.stops if s.order_id == "R")
        assert stop.overhead_s in (0, 600)
        assert stop.arrival + timedelta(seconds=stop.overhead_s + stop.wait_s) == stop.start


def test_a_booked_slot_survives_a_new_plan():
    """The booked visit is a promised window on its day: re-planned from the booked routes
    (and from scratch), it stays inside that window."""
    p = _week(PROMISED)
    plan = solve(p, M, FAST)
    chosen = offer(p, M, plan, REQUEST, slots=1)[0]
    booked, schedule = book(p, M, plan, REQUEST, chosen)
    q = with_request(p, booked)
    warm = {r.shift_id: [s.order_id for s in r.stops] for r in schedule.routes}
    for again in (solve(q, M, FAST, initial_routes=warm), solve(q, M, FAST)):
        assert verify(q, M, again) == []
        stop = next(s for r in again.routes for s in r.stops if s.order_id == "R")
        assert chosen.window_start <= stop.start <= chosen.window_end


def test_a_request_nobody_can_serve_gets_a_reason():
    """No skill, no part, no road, and no room: each is said with its code."""
    p = _week(PROMISED)
    plan = solve(p, M, FAST)
    cases = [
        (replace(REQUEST, required_skills=frozenset({"elevator"})), ReasonCode.NO_SKILL),
        (replace(REQUEST, required_parts=frozenset({"compressor"})), ReasonCode.NO_PART),
        (replace(REQUEST, service_min=600), ReasonCode.SHIFT_TOO_SHORT),
    ]
    for request, code in cases:
        offers = offer(p, M, plan, request)
        assert list(offers) == [] and offers.reason[0] == code, offers.reason
    roadless = replace(M, reachable=[[not (i == 5) ^ (j == 5) for j in range(6)]
                                     for i in range(6)])
    offers = offer(p, roadless, plan, order("R", 5, 30))
    assert list(offers) == [] and offers.reason[0] == ReasonCode.UNREACHABLE
    # a full house: one short shift, already busy from start to end
    busy = problem([order("A", 1, 420)], [tech("t1")], [shift("t1", "08:00", "15:30")])
    full_plan = solve(busy, M, FAST)
    assert len(full_plan.routes[0].stops) == 1
    offers = offer(busy, M, full_plan, order("R", 1, 30))
    assert list(offers) == [] and offers.reason[0] == ReasonCode.NO_TIME
    assert "no room" in offers.reason[1]


def test_timed_route_agrees_with_the_verifier():
    """A route timed by the slots' simulation is a valid route (breaks placed, legs true)."""
    p = _week(PROMISED)
    s = p.shifts[0]
    route = timed_route(p, M, s, list(PROMISED))
    assert route is not None
    schedule = replace(solve(replace(p, orders=()), M, FAST), routes=(route,))
    assert verify(replace(p, shifts=p.shifts), M, schedule) == []
    assert shift_date(s) == route.start.date()


def test_offers_keep_inside_the_windows_the_request_asks_for():
    """A customer who can only be home 10:30-12:30 was offered 13:00-15:00 (the request's
    window was ignored); now every offer lies inside it (the two-hour windows cut to it),
    and a window nobody has room in says so."""
    p = _week(PROMISED)
    plan = solve(p, M, FAST)
    home = window("10:30", "12:30")
    offers = offer(p, M, plan, replace(REQUEST, time_windows=(home,)), slots=10)
    assert offers and all(home.start <= o.window_start < o.window_end <= home.end
                          for o in offers)
    assert all(o.day == PLAN_DATE for o in offers)
    assert any(o.window_end - o.window_start < timedelta(hours=2) for o in offers)
    late = replace(REQUEST, time_windows=(window("21:00", "22:00"),))
    nothing = offer(p, M, plan, late)
    assert list(nothing) == [] and nothing.reason[0] == ReasonCode.NO_TIME
    assert "inside its requested window" in nothing.reason[1]


def test_no_offer_breaks_a_technicians_max_work_h():
    """t1 may work 1.5 h (service, drives and parking); one hour-long visit and its drives
    fill 80 min of it. A 30-minute request next door used to be offered (the slots'
    simulation did not count max_work_h, the verifier does): now nothing is."""
    capped = problem([order("A", 1, 60)], [tech("t1", max_work_h=1.5)], [shift("t1")])
    plan = solve(capped, M, FAST)
    assert [len(r.stops) for r in plan.routes] == [1]
    offers = offer(capped, M, plan, order("R", 1, 30))
    assert list(offers) == [] and offers.reason[0] == ReasonCode.NO_TIME
    loose = replace(capped, technicians=(tech("t1"),))
    assert list(offer(loose, M, solve(loose, M, FAST), order("R", 1, 30)))


def test_book_writes_the_slot_into_the_scenario_and_the_next_plan_keeps_it(tmp_path):
    """Through the API on a one-day scenario: the booked slot goes into bookings.csv, the
    written plan verifies, and a re-plan keeps the visit inside its window."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    result = api.solve_scenario(folder)
    request = WorkOrder("REQ-1", "New customer", Location(47.150, 9.515, "Somewhere"), 30,
                        required_skills=frozenset({"electrical"}))
    context = api.slot_context(result, request)
    offers = api.offer_slots(context, slots=2)
    assert offers
    booked, schedule = api.book_slot(context, offers[0])
    assert booked.time_windows[0].start == offers[0].window_start
    assert (folder / "bookings.csv").read_text().count("REQ-1") == 1
    loaded = api.load_scenario(folder)
    assert loaded.problem.order("REQ-1").time_windows[0].start == offers[0].window_start
    from optimizer.io.schedule_json import write_json
    path = write_json(schedule, tmp_path / "out" / "schedule.json")
    assert api.verify_file(path) == []
    replanned = api.replan(path, [], offers[0].window_start.replace(hour=7, minute=0))
    stop = next(s for r in replanned.schedule.routes for s in r.stops if s.order_id == "REQ-1")
    assert offers[0].window_start <= stop.start <= offers[0].window_end


def test_fsopt_slots_lists_books_and_explains(tmp_path, capsys):
    """`fsopt slots` prints the offers; --book 1 writes a schedule that `fsopt verify`
    accepts, with the visit in the offered window; a request nobody can serve exits 3 with
    its reason."""
    from optimizer.cli import main
    from optimizer.io.schedule_json import read_json

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    out, request = _planned(main, folder, tmp_path, "REQ-9")
    assert main(["slots", str(out / "schedule.json"), str(request), "--slots", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:2] for line in lines] == ["1.", "2."]
    assert main(["slots", str(out / "schedule.json"), str(request), "--book", "1"]) == 0
    assert "Booked REQ-9" in capsys.readouterr().out
    assert main(["verify", str(out / "schedule.json")]) == 0
    booked = read_json(out / "schedule.json")
    window = api.load_scenario(folder).problem.order("REQ-9").time_windows[0]
    stop = next(s for r in booked.routes for s in r.stops if s.order_id == "REQ-9")
    assert window.start <= stop.start <= window.end
    capsys.readouterr()
    request.write_text("order_id,customer,lat,lon,service_min,required_skills\n"
                       "REQ-10,Lift AG,47.150,9.515,30,elevator\n")
    assert main(["slots", str(out / "schedule.json"), str(request)]) == 3
    assert "no technician has the skill elevator (NO_SKILL)" in capsys.readouterr().out


def test_a_booking_updates_the_balance_targets_the_verifier_expects():
    """With workload balance on, the shifts' targets are the day's demand shared out: a
    booked visit raises them. The booked schedule records the targets of the plan with
    the booking (before, it kept the old ones and `fsopt verify` rejected it)."""
    p = _week(PROMISED)
    p = replace(p, weights=replace(p.weights, balance=10.0))
    plan = solve(p, M, FAST)
    chosen = offer(p, M, plan, REQUEST, slots=1)[0]
    booked, schedule = book(p, M, plan, REQUEST, chosen)
    with_booking = with_request(p, booked)
    assert schedule.meta.work_targets_s == work_targets(with_booking, M)
    assert schedule.meta.work_targets_s != plan.meta.work_targets_s
    assert verify(with_booking, M, schedule) == []


def test_a_booking_keeps_the_fields_of_its_request(tmp_path):
    """bookings.csv holds the request's created_at, parts_ready_at, postcode and parking
    (before, they were dropped: the next plan lost the booked visit's response time and
    its postcode, so under hard territories a visit booked with T1 came out unassigned as
    OUTSIDE_TERRITORY)."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    techs = (folder / "technicians.csv").read_text().splitlines()
    (folder / "technicians.csv").write_text("\n".join(
        [techs[0] + ",territories", techs[1] + ",9490", techs[2] + ",9494"]) + "\n")
    toml = (folder / "scenario.toml").read_text().replace(
        "[solver]\n", '[solver]\nterritories = "hard"\n')
    (folder / "scenario.toml").write_text(toml)
    (tmp_path / "request.csv").write_text(
        "order_id,customer,address,lat,lon,service_min,required_skills,created_at,"
        "parts_ready_at,stop_overhead_min\n"
        'REQ-1,New,"Austrasse 5, 9490 Vaduz",47.1360,9.5220,30,electrical,'
        "2026-11-30 08:15,2026-12-01 09:30,12\n")
    result = api.solve_scenario(folder)
    context = api.slot_context(result, tmp_path / "request.csv")
    assert context.request.postcode == "9490"
    offers = api.offer_slots(context, slots=1)
    assert offers and offers[0].tech_id == "T1"
    api.book_slot(context, offers[0])
    booked = api.load_scenario(folder).problem.order("REQ-1")
    assert booked.postcode == "9490" and booked.stop_overhead_min == 12
    assert f"{booked.created_at:%Y-%m-%d %H:%M}" == "2026-11-30 08:15"
    assert f"{booked.parts_ready_at:%Y-%m-%d %H:%M}" == "2026-12-01 09:30"
    again = api.solve_scenario(folder)
    stop = next(s for r in again.schedule.routes for s in r.stops if s.order_id == "REQ-1")
    assert offers[0].window_start <= stop.start <= offers[0].window_end


def test_slots_are_offered_and_booked_on_a_re_planned_plan(tmp_path, capsys):
    """After `fsopt replan` the folder's schedule.json is the re-planned one: `fsopt slots`
    offers windows on it (after the re-plan's time, from where each technician was), and
    --book 1 writes a plan that `fsopt verify` accepts, as it still accepts the plans
    written before the booking; the next re-plan keeps the visit in its window. (Before,
    a re-planned plan was refused, so after any re-plan nothing could be booked.)"""
    from optimizer.cli import main
    from optimizer.io.schedule_json import read_document

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    out, request = _planned(main, folder, tmp_path, "REQ-7")
    events = tmp_path / "events.csv"
    events.write_text("event,order_id,tech_id,time,lat,lon\nposition,,T1,10:00,47.1400,9.5200\n")
    assert main(["replan", str(out / "schedule.json"), str(events), "--now", "10:00"]) == 0
    capsys.readouterr()
    assert main(["slots", str(out / "schedule.json"), str(request), "--slots", "3"]) == 0
    offers = [line for line in capsys.readouterr().out.splitlines() if line[:2] == "1."]
    assert offers
    assert main(["slots", str(out / "schedule.json"), str(request), "--book", "1"]) == 0
    assert "Booked REQ-7" in capsys.readouterr().out
    booked, record = read_document(out / "schedule.json")
    assert record is not None and record.events[-1].kind == "new_order"
    assert record.events[-1].order.order_id == "REQ-7"
    stop = next(s for r in booked.routes for s in r.stops if s.order_id == "REQ-7")
    window = api.load_scenario(folder).problem.order("REQ-7").time_windows[0]
    assert window.start <= stop.start <= window.end
    assert stop.start >= record.now
    assert [p.name for p in sorted(out.glob("schedule*.json"))] == [
        "schedule-before-1000.json", "schedule.json"]
    for path in out.glob("schedule*.json"):
        assert api.verify_file(path) == [], path
    # re-planned again before the visit starts (after it, it would count as done)
    at = max(record.now, stop.start - timedelta(minutes=1))
    later = api.replan(out / "schedule.json", [], at)
    assert verify(later.prepared.problem, later.matrix, later.schedule) == []
    stop = next(s for r in later.schedule.routes for s in r.stops if s.order_id == "REQ-7")
    assert window.start <= stop.start <= window.end


def test_with_balance_on_the_price_is_what_booking_adds_to_the_objective():
    """With workload balance, an offer's price includes the change in its shift's balance
    cost at the published targets, also for a shift that had no route (before, a problem
    read back had no targets and an idle shift counted 0, so balance was left out): the
    price is exactly the plan's objective after booking minus before."""
    from optimizer.solver.balance import deviation_cost
    from optimizer.solver.costs import plan_cost

    p = _week(PROMISED)
    p = replace(p, weights=replace(p.weights, balance=40.0))
    plan = solve(p, M, FAST)
    targets = replace(p, work_targets_s=plan.meta.work_targets_s)
    offers = offer(p, M, plan, REQUEST, slots=8, window_h=2)
    assert offers
    balance_moved = False
    for chosen in offers:
        booked, schedule = book(p, M, plan, REQUEST, chosen)
        after = with_request(targets, booked)
        assert chosen.marginal_cost == round(plan_cost(after, schedule)
                                             - plan_cost(targets, plan), 2)
        shift_ = next(s for s in p.shifts if s.shift_id == chosen.shift_id)
        old = next((r for r in plan.routes if r.shift_id == chosen.shift_id), None)
        new = next(r for r in schedule.routes if r.shift_id == chosen.shift_id)
        balance_moved |= (deviation_cost(after, shift_, new, plan.meta.work_targets_s)
                          != deviation_cost(after, shift_, old, plan.meta.work_targets_s))
    assert balance_moved


def test_a_slot_booked_on_a_what_if_plan_stays_in_the_what_if(tmp_path, capsys):
    """Booking on a what-if's plan writes the what-if's own bookings.csv, which its next
    plan keeps and the base scenario does not see (before, the what-if loader ignored it:
    the booking crashed after writing bookings.csv and left a schedule verify rejected)."""
    from optimizer.cli import main

    shutil.copytree(TINY, tmp_path / "tiny")
    whatif = tmp_path / "one-more"
    whatif.mkdir()
    (whatif / "scenario.toml").write_text(
        '[scenario]\nname = "one-more"\nbase = "../tiny"\n\n[[changes]]\n'
        'type = "add_technician"\ntech_id = "T3"\ncopy_from = "T1"\n')
    out, request = _planned(main, whatif, tmp_path, "REQ-5")
    assert main(["slots", str(out / "schedule.json"), str(request), "--book", "1"]) == 0
    assert (whatif / "bookings.csv").is_file() and not (tmp_path / "tiny" / "bookings.csv").exists()
    assert main(["verify", str(out / "schedule.json")]) == 0
    assert "REQ-5" in {o.order_id for o in api.load_scenario(whatif).problem.orders}
    assert "REQ-5" not in {o.order_id for o in api.load_scenario(tmp_path / "tiny").problem.orders}
    again = api.solve_scenario(whatif)
    assert "REQ-5" in {s.order_id for r in again.schedule.routes for s in r.stops}
