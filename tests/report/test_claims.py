"""A file's own figures against its routes: KPIs recomputed, a re-plan's record re-derived."""

from __future__ import annotations

from dataclasses import replace

from factories import FAST, line_matrix, order, problem, shift, tech

from optimizer.report.claims import MONEY_KPIS, kpi_issues, same
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve


def _plan():
    day = problem([order("A", 3), order("B", 6)], [tech("t1")], [shift("t1")])
    matrix = line_matrix(8)
    return day, with_kpis(day, solve(day, matrix, FAST))


def test_the_kpis_of_a_plan_agree_with_its_routes():
    day, plan = _plan()
    assert kpi_issues(day, plan) == []


def test_a_count_or_a_distance_that_differs_is_named_and_money_is_not_compared():
    day, plan = _plan()
    edited = replace(plan, kpis=replace(plan.kpis, scheduled=plan.kpis.scheduled + 1,
                                        travel_km=plan.kpis.travel_km + 2.0,
                                        cost=plan.kpis.cost + 99.0))
    issues = kpi_issues(day, edited)
    assert issues[0] == (f"kpis.scheduled is {plan.kpis.scheduled + 1}, but the routes and "
                         f"unassigned orders give {plan.kpis.scheduled}")
    assert len(issues) == 2 and "kpis.travel_km is" in issues[1]
    assert "cost" in MONEY_KPIS


def test_same_allows_the_rounding_of_a_written_file_and_no_more():
    assert same(10, 10) and not same(10, 11)
    assert same(100.0, 100.4) and not same(100.0, 100.6)  # 0.5 %
    assert same(0.004, 0.0) and not same(0.02, 0.0)  # a cent
    assert same({"a": (1.0, 2)}, {"a": (1.001, 2)}) and not same({"a": 1}, {"b": 1})
