"""Decomposition: a large day solved as regions, then improved piece by piece, keeps every rule."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from factories import PLAN_DATE, at, window

from optimizer.geo.matrix import haversine_matrix
from optimizer.model import (
    Break,
    Location,
    ObjectiveWeights,
    Peak,
    Priority,
    Problem,
    ReasonCode,
    Shift,
    Technician,
    WorkOrder,
)
from optimizer.params import SolveParams
from optimizer.solver import costs, decompose, regions, solve
from optimizer.solver.precheck import check
from optimizer.solver.timing import shift_fits
from optimizer.solver.verify import verify

#: Three towns 30 km apart on an east-west line; six technicians and 100 orders each.
TOWNS = ((47.0, 9.0), (47.0, 9.4), (47.0, 9.8))
PARAMS = SolveParams(time_limit_s=30, solution_limit=8, decompose="on")


def _day(n_per_town: int = 100, techs_per_town: int = 6) -> Problem:
    rng = np.random.default_rng(7)
    techs, shifts, orders = [], [], []
    for t, (lat, lon) in enumerate(TOWNS):
        for k in range(techs_per_town):
            tid = f"T{t}{k}"
            home = Location(lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02))
            skills = {"hvac"} | ({"elevator"} if tid == "T20" else set())
            stock = {"compressor"} if tid == "T11" else set()
            techs.append(Technician(tid, tid, frozenset(skills), home, van_stock=frozenset(stock),
                                    capacity=40))
            shifts.append(Shift(tid, tid, at("08:00"), at("17:00"), home, home,
                                (Break(at("11:30"), at("13:30"), 30),), max_overtime_min=30))
        for k in range(n_per_town):
            oid = f"O{t}-{k:03d}"
            windows = (window("08:00", "12:00"),) if k % 5 == 0 else \
                (window("13:00", "16:00"),) if k % 5 == 1 else ()
            orders.append(WorkOrder(
                oid, oid, Location(lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.03, 0.03)),
                service_min=float(rng.choice([20, 30, 45])), required_skills=frozenset({"hvac"}),
                priority=(Priority.CRITICAL if k % 20 == 0 else Priority.HIGH if k % 4 == 0
                          else Priority.NORMAL),
                time_windows=windows, sla_due=at("15:00") if k % 7 == 0 else None,
                demand=int(rng.integers(0, 4))))
    town_a = orders[0].location
    orders += [
        # only T20 (in the third town) has the skill
        WorkOrder("ELEVATOR", "lift", town_a, 45, frozenset({"hvac", "elevator"})),
        # only T11 (in the second town) carries the part
        WorkOrder("COMPRESSOR", "part", town_a, 30, frozenset({"hvac"}),
                  required_parts=frozenset({"compressor"})),
        # the customer asks for T21 (third town), and the bonus is worth the drive
        WorkOrder("PREFERRED", "fan of T21", town_a, 30, frozenset({"hvac"}),
                  priority=Priority.HIGH, preferred_techs=frozenset({"T21"})),
        WorkOrder("IMPOSSIBLE", "nobody", town_a, 30, frozenset({"submarine"})),
    ]
    weights = ObjectiveWeights(preferred_tech_bonus=500.0)
    return Problem("three towns", PLAN_DATE, "Europe/Vaduz", tuple(orders), tuple(techs),
                   tuple(shifts), weights=weights)


def _matrix(problem: Problem):
    points = dict.fromkeys([o.location for o in problem.orders]
                           + [s.start_location for s in problem.shifts])
    return haversine_matrix(list(points), speed_kph=40, detour_factor=1.3)


@pytest.fixture(scope="module")
def day():
    problem = _day()
    return problem, _matrix(problem)


@pytest.fixture(scope="module")
def planned(day):
    problem, matrix = day
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(regions, "REGION_ORDERS", 100)
        began = time.monotonic()
        schedule = solve(problem, matrix, PARAMS)
        wall = time.monotonic() - began
        again = solve(problem, matrix, PARAMS)
    return schedule, again, wall


def _tech_of(schedule, order_id):
    route = schedule.route_of(order_id)
    return route.tech_id if route else None


def test_regions_cover_every_order_with_a_shift_allowed_to_serve_it(day, monkeypatch):
    """The split makes three regions; every routable order lies in exactly one, together
    with a shift that may serve it (the lift job goes to the far town of the one lift
    technician)."""
    problem, matrix = day
    monkeypatch.setattr(regions, "REGION_ORDERS", 100)
    eligibility = check(problem, matrix)
    parts = regions.split(decompose._Day(problem, matrix, eligibility), {})
    assert len(parts) == 3
    seen = [oid for _, ids in parts for oid in ids]
    assert sorted(seen) == sorted(eligibility.allowed)
    for shifts, ids in parts:
        for oid in ids:
            assert set(eligibility.allowed[oid]) & set(shifts), oid
    region_of = {oid: r for r, (_, ids) in enumerate(parts) for oid in ids}
    assert region_of["ELEVATOR"] == next(r for r, (shifts, _) in enumerate(parts)
                                         if problem.shifts.index(
                                             next(s for s in problem.shifts if s.tech_id == "T20"))
                                         in shifts)


def test_a_decomposed_plan_keeps_every_rule(day, planned):
    """One schedule, every order once, verify() clean (skills, parts, capacity, windows,
    lunch breaks, shift ends with overtime); the far skill, the far part and the far
    preferred technician are honoured, the impossible order keeps its pre-check reason."""
    problem, matrix = day
    schedule, _, _ = planned
    assert schedule.meta.status == decompose.STATUS
    assert verify(problem, matrix, schedule) == []
    placed = [s.order_id for r in schedule.routes for s in r.stops]
    assert len(placed) == len(set(placed))
    assert len(placed) + len(schedule.unassigned) == len(problem.orders)
    assert _tech_of(schedule, "ELEVATOR") == "T20"
    assert _tech_of(schedule, "COMPRESSOR") == "T11"
    assert _tech_of(schedule, "PREFERRED") == "T21"
    reasons = {u.order_id: u.reason for u in schedule.unassigned}
    assert reasons["IMPOSSIBLE"] == "no technician has the skill submarine"
    assert all(r.breaks for r in schedule.routes if len(r.stops) > 3)
    critical = [o.order_id for o in problem.orders if o.priority is Priority.CRITICAL]
    assert all(_tech_of(schedule, oid) for oid in critical)
    assert len(placed) > 0.8 * len(problem.orders)


def test_every_could_fit_is_true_of_the_final_routes(day, planned):
    """A dropped order said to fit with a technician does fit somewhere in that
    technician's final route (the reasons were found against the merged plan)."""
    problem, matrix = day
    schedule, _, _ = planned
    claims = [(u.order_id, u.reason.split("could fit with ")[1].rstrip(")").split(", "))
              for u in schedule.unassigned if "could fit with" in u.reason]
    by_tech = {r.tech_id: r for r in schedule.routes}
    for order_id, techs in claims:
        order = problem.order(order_id)
        for tid in techs:
            shift = next(s for s in problem.shifts if s.tech_id == tid)
            route = by_tech.get(tid)
            planned_orders = [problem.order(s.order_id) for s in route.stops] if route else []
            assert any(shift_fits(problem, matrix, shift,
                                  [*planned_orders[:i], order, *planned_orders[i:]])
                       for i in range(len(planned_orders) + 1)), (order_id, tid)


def test_the_same_plan_twice_under_a_solution_limit(planned):
    """Under a solution limit the split, the sub-problems and their answers repeat exactly."""
    schedule, again, _ = planned
    assert [(r.shift_id, [s.order_id for s in r.stops], r.start) for r in schedule.routes] == \
        [(r.shift_id, [s.order_id for s in r.stops], r.start) for r in again.routes]
    assert schedule.unassigned == again.unassigned
    assert schedule.meta.objective == again.meta.objective


def test_the_objective_is_the_plan_cost(day, planned):
    """meta.objective is the plan's cost in money in 1/10000 (routes and drop penalties),
    without the orders no shift can take, as in a solve without decomposition."""
    problem, _ = day
    schedule, _, _ = planned
    impossible = problem.weights.drop_penalty[Priority.NORMAL]
    assert schedule.meta.objective == \
        round((costs.plan_cost(problem, schedule) - impossible) * 10_000)


def test_the_time_limit_is_kept():
    """Without a solution limit a 3-second solve of 300 orders returns within 15 % of it,
    with every order once and a valid plan."""
    problem = _day()
    matrix = _matrix(problem)
    began = time.monotonic()
    schedule = solve(problem, matrix, SolveParams(time_limit_s=3, decompose="on"))
    assert time.monotonic() - began <= 3 * 1.15
    assert verify(problem, matrix, schedule) == []


def test_auto_splits_large_days_with_time_for_it_and_off_is_off(day):
    """'auto' decomposes from AUTO_MIN_ORDERS orders and a limit of AUTO_MIN_TIME_S; 'off'
    never does, 'on' always."""
    problem, _ = day
    small = replace(problem, orders=problem.orders[:decompose.AUTO_MIN_ORDERS - 1])
    big = replace(problem, orders=problem.orders[:decompose.AUTO_MIN_ORDERS])
    assert not decompose.wanted(small, SolveParams())
    assert decompose.wanted(big, SolveParams())
    assert not decompose.wanted(big, SolveParams(time_limit_s=decompose.AUTO_MIN_TIME_S - 1))
    assert not decompose.wanted(big, SolveParams(decompose="off"))
    assert decompose.wanted(small, SolveParams(decompose="on", time_limit_s=1))


def test_decompose_must_be_auto_on_or_off():
    """A bad value is refused, naming the field and the allowed values."""
    with pytest.raises(ValueError, match="decompose='yes': use one of auto, on, off"):
        SolveParams(decompose="yes")


def test_sub_problems_on_a_dask_cluster_give_the_same_plan(day, planned):
    """Inside on_dask(address), the sub-problems run on a real 2-worker LocalCluster and the
    solution-limited plan equals the one from local worker processes. The day's matrix is
    scattered once, to every worker; each task carries only its cut (point indices)."""
    from distributed import Client, LocalCluster

    from optimizer.solver.pool import Cut

    problem, matrix = day
    local, _, _ = planned
    scattered, tasks = [], []
    scatter, submit = Client.scatter, Client.submit

    def scatter_spy(self, data, *args, **kw):
        scattered.append((type(data).__name__, kw.get("broadcast")))
        return scatter(self, data, *args, **kw)

    def submit_spy(self, func, payload, *args, **kw):
        tasks.append((type(payload[2]).__name__, type(args[0]).__name__ if args else None))
        return submit(self, func, payload, *args, **kw)

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, pytest.MonkeyPatch.context() as mp:
        mp.setattr(regions, "REGION_ORDERS", 100)
        mp.setattr(Client, "scatter", scatter_spy)
        mp.setattr(Client, "submit", submit_spy)
        with decompose.on_dask(cluster.scheduler_address):
            schedule = solve(problem, matrix, PARAMS)
    assert scattered == [("TravelMatrix", True)]
    assert len(tasks) >= 3 and set(tasks) == {(Cut.__name__, "Future")}
    assert verify(problem, matrix, schedule) == []
    assert [(r.shift_id, [s.order_id for s in r.stops]) for r in schedule.routes] == \
        [(r.shift_id, [s.order_id for s in r.stops]) for r in local.routes]
    assert schedule.unassigned == local.unassigned


def test_cheaper_to_leave_out_only_after_a_search_with_a_shift_that_could_take_it():
    """An order searched only with a shift that has no room for it was not weighed against
    its penalty: its reason will say 'not reached', not 'cheaper to leave out'."""
    from factories import line_matrix, order, problem, shift, tech

    from optimizer.solver.diagnose import Screen

    m = line_matrix(4)
    p = problem([order("X", 2, 120)], [tech("t1"), tech("t2")],
                [shift("t1"), shift("t2", "08:00", "09:00")])
    screen = Screen(p, m, {})
    assert decompose._weighed(screen, p.order("X"), {0})
    assert not decompose._weighed(screen, p.order("X"), {1})
    assert not decompose._weighed(screen, p.order("X"), set())


def test_a_warm_start_keeps_its_orders_with_their_shifts(day, planned):
    """With initial_routes (a re-plan of a large day), each route's orders go to that
    shift's region and start from it: the plan verifies and keeps nearly every order
    with its technician."""
    problem, matrix = day
    schedule, _, _ = planned
    initial = {r.shift_id: [s.order_id for s in r.stops] for r in schedule.routes}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(regions, "REGION_ORDERS", 100)
        again = solve(problem, matrix, PARAMS, initial_routes=initial)
    assert verify(problem, matrix, again) == []
    before = {s.order_id: r.tech_id for r in schedule.routes for s in r.stops}
    after = {s.order_id: r.tech_id for r in again.routes for s in r.stops}
    kept = sum(after.get(oid) == tid for oid, tid in before.items())
    assert kept >= 0.9 * len(before)
    assert again.meta.objective <= schedule.meta.objective


def test_a_decomposed_day_with_no_routable_order_ends_at_once():
    """Every order fails the pre-check (a skill nobody has): nothing to improve, so the
    decomposed solve returns at once with every order's reason (it used to spin forever
    without a solution limit)."""
    import time

    from factories import line_matrix, order, problem, shift, tech

    p = problem([order(f"o{k}", 1, required_skills=frozenset({"lift"})) for k in range(5)],
                [tech("t1")], [shift("t1")])
    began = time.monotonic()
    schedule = solve(p, line_matrix(3), SolveParams(time_limit_s=20, decompose="on"))
    assert time.monotonic() - began < 10
    assert schedule.routes == () and len(schedule.unassigned) == 5
    assert {u.code for u in schedule.unassigned} == {ReasonCode.NO_SKILL}


def test_an_unreachable_dask_scheduler_is_an_input_error():
    """`--scheduler` at an address where nothing listens: an input error naming it."""
    from optimizer.errors import InputError
    from optimizer.solver.pool import DaskPool

    with pytest.raises(InputError, match=r"tcp://127\.0\.0\.1:9"):
        DaskPool("tcp://127.0.0.1:9")


def test_a_decomposed_day_with_parking_and_peaks_verifies(day, monkeypatch):
    """Sub-problems carry the scenario's parking time and peak hours: a day planned in
    regions with 5 minutes per stop (one order 15) and a 07:00-09:00 peak at 0.6 passes the
    verifier, which recomputes both, and every stop at a new place shows its parking."""
    problem, matrix = day
    monkeypatch.setattr(regions, "REGION_ORDERS", 100)
    travel = replace(problem.travel, stop_overhead_min=5,
                     peaks=(Peak(7 * 60, 9 * 60, 0.6),))
    orders = (replace(problem.orders[0], stop_overhead_min=15), *problem.orders[1:])
    busy = replace(problem, travel=travel, orders=orders)
    schedule = solve(busy, matrix, replace(PARAMS, time_limit_s=20))
    assert schedule.meta.status == decompose.STATUS
    assert verify(busy, matrix, schedule) == []
    assert schedule.routes
    for route in schedule.routes:
        places = [route.start_location, *(s.location for s in route.stops)]
        for before, stop in zip(places, route.stops, strict=False):
            parking = 900 if stop.order_id == orders[0].order_id else 300
            assert stop.overhead_s == (0 if before == stop.location else parking)


def test_an_idle_shift_counts_its_balance_cost_in_the_objective(monkeypatch):
    """With workload balance on, a shift left without a route costs its hours below target,
    in the decomposed plan as in a whole one: meta.objective is the plan cost, idle shift
    included (a technician 170 km away for two hours reaches no order and stays idle)."""
    from optimizer.solver.balance import deviation_cost, with_targets

    monkeypatch.setattr(regions, "REGION_ORDERS", 40)
    base = _day(n_per_town=40, techs_per_town=3)
    far = Location(48.5, 9.0)
    idle_tech = replace(base.technicians[0], tech_id="IDLE", name="IDLE", home=far)
    idle_shift = Shift("IDLE", "IDLE", at("08:00"), at("10:00"), far, far)
    problem = replace(base, technicians=(*base.technicians, idle_tech),
                      shifts=(*base.shifts, idle_shift),
                      weights=replace(base.weights, balance=20.0))
    matrix = _matrix(problem)
    schedule = solve(problem, matrix, replace(PARAMS, solution_limit=4))
    assert schedule.meta.status == decompose.STATUS
    assert verify(problem, matrix, schedule) == []
    targeted = with_targets(problem, matrix)
    assert "IDLE" not in {r.shift_id for r in schedule.routes}
    assert deviation_cost(targeted, idle_shift, None, targeted.work_targets_s) > 0
    impossible = problem.weights.drop_penalty[Priority.NORMAL]
    assert schedule.meta.objective == \
        round((costs.plan_cost(targeted, schedule) - impossible) * 10_000)
