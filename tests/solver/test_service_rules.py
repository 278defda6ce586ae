"""The service-quality rules in the solver: remote orders are never routed, parts arrival
(and the request time) bound a job's start, and territories hard or soft. Each rule once
where it holds and once where it binds, checked with the independent verifier."""

from __future__ import annotations

from dataclasses import replace

import pytest
from factories import FAST, at, line_matrix, order, problem, shift, tech, window

from optimizer.model import ReasonCode, Unassigned
from optimizer.solver import solve
from optimizer.solver.costs import plan_cost
from optimizer.solver.precheck import check
from optimizer.solver.verify import verify

M = line_matrix(5)


def _stop(schedule, order_id):
    return next(s for r in schedule.routes for s in r.stops if s.order_id == order_id)


def test_a_remote_order_is_on_no_route_and_unassigned_as_remote():
    """remote_resolvable: never routed, unassigned with code REMOTE and a 'remote' reason,
    even though a technician is idle next door."""
    p = problem([order("A", 1, remote_resolvable=True), order("B", 2)],
                [tech("t1")], [shift("t1")])
    schedule = solve(p, M, FAST)
    assert [s.order_id for r in schedule.routes for s in r.stops] == ["B"]
    [item] = schedule.unassigned
    assert (item.order_id, item.code) == ("A", ReasonCode.REMOTE)
    assert item.reason.startswith("remote:")
    assert verify(p, M, schedule) == []


def test_the_verifier_rejects_a_remote_order_on_a_route():
    """Putting the remote order on a route is a violation the verifier names."""
    p = problem([order("A", 1, remote_resolvable=True)], [tech("t1")], [shift("t1")])
    plain = replace(p, orders=(replace(p.orders[0], remote_resolvable=False),))
    routed = solve(plain, M, FAST)
    assert [s.order_id for s in routed.routes[0].stops] == ["A"]
    assert any("resolvable remotely" in i for i in verify(p, M, routed))


def test_parts_arriving_early_do_not_move_the_job():
    """Parts ready at 07:00, before the shift: the job starts as soon as the van gets there."""
    p = problem([order("A", 1, parts_ready_at=at("07:00"))], [tech("t1")], [shift("t1")])
    schedule = solve(p, M, FAST)
    assert _stop(schedule, "A").start == at("08:10")
    assert verify(p, M, schedule) == []


def test_parts_arriving_late_hold_the_job_until_they_come():
    """Parts ready at 14:30: the job starts no earlier, though the technician is free at 08:10."""
    p = problem([order("A", 1, parts_ready_at=at("14:30"))], [tech("t1")], [shift("t1")])
    schedule = solve(p, M, FAST)
    assert _stop(schedule, "A").start == at("14:30")
    assert verify(p, M, schedule) == []


def test_the_verifier_rejects_a_start_before_the_parts_arrive():
    """A schedule made without the parts bound fails the verifier of the problem with it."""
    p = problem([order("A", 1, parts_ready_at=at("14:30"))], [tech("t1")], [shift("t1")])
    plain = replace(p, orders=(replace(p.orders[0], parts_ready_at=None),))
    early = solve(plain, M, FAST)
    assert any("before its parts arrive at 14:30" in i for i in verify(p, M, early))


def test_parts_after_the_last_window_or_shift_leave_the_order_out_as_parts_late():
    """Parts after the window (or after the shift): unassigned PARTS_LATE, saying when."""
    p = problem([order("A", 1, parts_ready_at=at("12:00"),
                       time_windows=(window("09:00", "11:00"),)),
                 order("B", 2, parts_ready_at=at("18:30"))],
                [tech("t1")], [shift("t1")])
    reasons = check(p, M).reasons
    assert reasons["A"] == (ReasonCode.PARTS_LATE,
                            "its parts arrive at 12:00, after its last appointment window")
    assert reasons["B"] == (ReasonCode.PARTS_LATE,
                            "its parts arrive at 18:30, after every qualified shift ends")


def test_a_job_is_not_planned_before_it_was_requested():
    """created_at 13:00 today: the visit starts at 13:00 at the earliest."""
    p = problem([order("A", 1, created_at=at("13:00"))], [tech("t1")], [shift("t1")])
    schedule = solve(p, M, FAST)
    assert _stop(schedule, "A").start == at("13:00")
    assert verify(p, M, schedule) == []


def _territorial(mode: str):
    """A in t1's territory (postcode 9490), B only in t2's polygon 'Nord' (t2 is far away)."""
    orders = [order("A", 1, postcode="9490"), order("B", 2, postcode="9494",
                                                    areas=frozenset({"Nord"}))]
    techs = [tech("t1", territories=frozenset({"9490"})),
             tech("t2", territories=frozenset({"Nord"}))]
    return problem(orders, techs, [shift("t1"), shift("t2", home=4)], territory_mode=mode)


def test_hard_territories_route_each_order_to_its_own_technician():
    """Hard: B (postcode 9494, in t2's polygon 'Nord') goes to t2 although t1 is nearer;
    A (postcode 9490) stays with t1. With both outside, the reason names the technicians."""
    p = _territorial("hard")
    schedule = solve(p, M, FAST)
    owner = {s.order_id: r.tech_id for r in schedule.routes for s in r.stops}
    assert owner == {"A": "t1", "B": "t2"}
    assert owner_of_b_when_free(p) == "t1"  # without territories t1 takes B: the rule binds
    assert verify(p, M, schedule) == []
    only_t1 = replace(p, technicians=(p.technicians[0],
                                      replace(p.technicians[1], territories=frozenset({"Sud"}))))
    only_t1 = replace(only_t1, orders=(replace(only_t1.orders[0], postcode="8000"),
                                       only_t1.orders[1]))
    reasons = check(only_t1, M).reasons
    assert reasons["A"] == (ReasonCode.OUTSIDE_TERRITORY,
                            "outside the territory of every qualified technician (t1, t2)")


def owner_of_b_when_free(p):
    free = replace(p, territory_mode="soft",
                   weights=replace(p.weights, outside_territory_cost=0.0))
    schedule = solve(free, M, FAST)
    return next(r.tech_id for r in schedule.routes for s in r.stops if s.order_id == "B")


def test_soft_territories_serve_outside_at_a_cost_counted_everywhere():
    """Soft: an order outside every territory is served, and its outside cost is in the
    plan's cost, and the verifier accepts it; hard would not route it."""
    p = problem([order("A", 1, postcode="8000")],
                [tech("t1", territories=frozenset({"949"}))], [shift("t1")],
                territory_mode="soft")
    schedule = solve(p, M, FAST)
    assert [s.order_id for r in schedule.routes for s in r.stops] == ["A"]
    assert verify(p, M, schedule) == []
    inside = replace(p, orders=(replace(p.orders[0], postcode="9490"),))
    assert plan_cost(p, schedule) - plan_cost(inside, schedule) == \
        pytest.approx(p.weights.outside_territory_cost)
    hard = replace(p, territory_mode="hard")
    assert any("outside t1's territories (949)" in i for i in verify(hard, M, schedule))
    assert solve(hard, M, FAST).unassigned == (
        Unassigned("A", "outside the territory of every qualified technician (t1)",
                   ReasonCode.OUTSIDE_TERRITORY),)
