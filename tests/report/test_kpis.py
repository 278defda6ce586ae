"""The day's KPIs: SLA compliance that counts unassigned orders, and the full objective."""

from __future__ import annotations

from factories import FAST, at, line_matrix, order, problem, shift, tech, window

from optimizer.model import DEFAULT_RESPONSE_TARGET_H, Priority
from optimizer.report.kpis import compute, with_kpis
from optimizer.solver import solve

M = line_matrix(5)


def test_unassigned_sla_orders_count_as_missed():
    """Two SLA orders scheduled on time and one unassigned (no one has its skill): 2 / 3
    on time overall, 2 / 2 of the scheduled ones."""
    p = problem([order("A", 1, sla_due=at("12:00")), order("B", 2, sla_due=at("12:00")),
                 order("C", 3, sla_due=at("12:00"), required_skills=frozenset({"gas"})),
                 order("D", 4)],
                [tech("t1")], [shift("t1")])
    k = with_kpis(p, solve(p, M, FAST)).kpis
    assert (k.scheduled, k.unassigned) == (3, 1)
    assert (k.sla_orders, k.sla_on_time, k.sla_on_time_pct) == (2, 2, 100.0)
    assert (k.sla_orders_all, k.sla_unassigned, k.sla_on_time_all_pct) == (3, 1, 66.7)


def test_full_objective_adds_the_drop_penalties_of_unassigned_orders():
    """objective_cost = cost + the drop penalty of each unassigned order's priority."""
    p = problem([order("A", 1),
                 order("B", 2, required_skills=frozenset({"gas"}), priority=Priority.HIGH),
                 order("C", 3, required_skills=frozenset({"gas"}), priority=Priority.LOW)],
                [tech("t1")], [shift("t1")])
    k = compute(p, solve(p, M, FAST))
    penalties = p.weights.drop_penalty
    assert k.drop_penalty_cost == penalties[Priority.HIGH] + penalties[Priority.LOW] == 5300
    assert k.objective_cost == round(k.cost + 5300, 2) and k.cost > 0


def test_no_sla_orders_reads_as_fully_on_time():
    """Without any SLA order both percentages are 100 and nothing counts as missed."""
    p = problem([order("A", 1)], [tech("t1")], [shift("t1")])
    k = compute(p, solve(p, M, FAST))
    assert (k.sla_orders_all, k.sla_unassigned, k.sla_on_time_all_pct) == (0, 0, 100.0)
    assert k.drop_penalty_cost == 0 and k.objective_cost == k.cost


def test_response_time_by_priority_counts_unassigned_orders_as_missing_the_target():
    """High orders created at 06:00 (target 4 h here): A is routed by 10:00 (on target),
    B waits for its 10:40 window (4.67 h, late), C is unassigned (no one has gas): 1 of 3
    on target; mean and p90 over the two routed arrivals. Remote D is neither counted nor
    missed."""
    created = at("06:00")
    p = problem([order("A", 1, priority=Priority.HIGH, created_at=created),
                 order("B", 2, priority=Priority.HIGH, created_at=created,
                       time_windows=(window("10:40", "11:00"),)),
                 order("C", 3, priority=Priority.HIGH, created_at=created,
                       required_skills=frozenset({"gas"})),
                 order("D", 4, priority=Priority.HIGH, created_at=created,
                       remote_resolvable=True, sla_due=at("09:00"))],
                [tech("t1")], [shift("t1")],
                response_target_h={**DEFAULT_RESPONSE_TARGET_H, Priority.HIGH: 4.0})
    schedule = with_kpis(p, solve(p, M, FAST))
    k = schedule.kpis
    arrival = {s.order_id: s.arrival for r in schedule.routes for s in r.stops}
    a, b = ((arrival[o] - created).total_seconds() / 3600 for o in "AB")
    assert a <= 4 < b
    high = next(r for r in k.response if r.priority == "high")
    assert (high.orders, high.scheduled, high.on_target, high.on_target_pct) == (3, 2, 1, 33.3)
    assert high.mean_h == round((a + b) / 2, 2)
    assert high.p90_h == round(a + 0.9 * (b - a), 2)
    assert k.visits_avoided == 1
    assert (k.sla_orders_all, k.sla_unassigned) == (0, 0)  # remote D is not a missed SLA
    assert k.drop_penalty_cost == p.weights.drop_penalty[Priority.HIGH]  # C only
    normal = next(r for r in k.response if r.priority == "normal")
    assert (normal.orders, normal.on_target_pct, normal.mean_h) == (0, 100.0, None)


def test_day_totals_come_from_the_exact_figures_not_the_rounded_ones():
    """Three technicians with 20 minutes of service each: 1.00 h in all (the sum of their
    rounded 0.33 h said 0.99)."""
    p = problem([order("A", 1, 20, excluded_techs=frozenset({"t2", "t3"})),
                 order("B", 2, 20, excluded_techs=frozenset({"t1", "t3"})),
                 order("C", 3, 20, excluded_techs=frozenset({"t1", "t2"}))],
                [tech("t1"), tech("t2"), tech("t3")], [shift("t1"), shift("t2"), shift("t3")])
    k = compute(p, solve(p, M, FAST))
    assert [t.service_h for t in k.technicians] == [0.33, 0.33, 0.33]
    assert k.service_h == 1.0
