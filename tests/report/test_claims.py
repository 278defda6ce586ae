"""A file's own figures against its routes: KPIs recomputed, a re-plan's record re-derived."""

from __future__ import annotations

from dataclasses import replace

from factories import FAST, line_matrix, order, problem, shift, tech

from optimizer.model import ReasonCode, Unassigned
from optimizer.report.claims import MONEY_KPIS, kpi_issues, reason_issues, same
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve


def _plan():
    day = problem([order("A", 3), order("B", 6)], [tech("t1")], [shift("t1")])
    matrix = line_matrix(8)
    return day, with_kpis(day, solve(day, matrix, FAST))


def test_the_kpis_of_a_plan_agree_with_its_routes():
    day, plan = _plan()
    assert kpi_issues(day, plan) == []


def test_a_count_a_distance_or_money_that_differs_is_named():
    """Money is compared to the cent (5 more in a drop penalty of 3,000 passed at 0.5 %),
    except where verify cannot rebuild the promises it holds (money=False)."""
    day, plan = _plan()
    edited = replace(plan, kpis=replace(plan.kpis, scheduled=plan.kpis.scheduled + 1,
                                        travel_km=plan.kpis.travel_km + 2.0,
                                        cost=plan.kpis.cost + 0.05))
    issues = kpi_issues(day, edited)
    assert issues[0] == (f"kpis.scheduled is {plan.kpis.scheduled + 1}, but the routes and "
                         f"unassigned orders give {plan.kpis.scheduled}")
    assert "kpis.travel_km is" in issues[1] and "kpis.cost is" in issues[2]
    assert len(issues) == 3 and len(kpi_issues(day, edited, money=False)) == 2
    assert "cost" in MONEY_KPIS


def test_same_allows_the_rounding_of_a_written_file_and_no_more():
    assert same(10, 10) and not same(10, 11)
    assert same(100.0, 100.4) and not same(100.0, 100.6)  # 0.5 %
    assert same(0.004, 0.0) and not same(0.02, 0.0)  # a cent
    assert same({"a": (1.0, 2)}, {"a": (1.001, 2)}) and not same({"a": 1}, {"b": 1})


def test_a_reason_code_must_agree_with_what_the_scenario_alone_decides():
    """A hand-edited REMOTE turned into NO_TIME passed verify: codes decided before the
    search must be the pre-check's, and an order some technician may serve must carry a
    code of the search's outcome."""
    _day, plan = _plan()
    before = {"X": (ReasonCode.NO_SKILL, "no technician has the skill elevator")}
    told = replace(plan, unassigned=(Unassigned("X", "not enough time", ReasonCode.NO_TIME),
                                     Unassigned("Y", "remote", ReasonCode.REMOTE),
                                     Unassigned("Z", "not reached", ReasonCode.NOT_REACHED)))
    assert reason_issues(told, before) == [
        "unassigned X: code NO_TIME, but the scenario gives NO_SKILL (no technician has "
        "the skill elevator)",
        "unassigned Y: code REMOTE, but some technician may serve it (a code of a search's "
        "outcome was expected)"]
    right = replace(told, unassigned=(Unassigned("X", "no skill", ReasonCode.NO_SKILL),
                                      told.unassigned[2]))
    assert reason_issues(right, before) == []
