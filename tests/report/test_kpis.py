"""The day's KPIs: SLA compliance that counts unassigned orders, and the full objective."""

from __future__ import annotations

from factories import FAST, at, line_matrix, order, problem, shift, tech

from optimizer.model import Priority
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
