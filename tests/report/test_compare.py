"""Comparing schedules: KPI rows, deltas, moved orders, and the HTML report."""

from __future__ import annotations

from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer.model import ChangeKind
from optimizer.report.changes import order_changes
from optimizer.report.compare import deltas, kpi_row, number_text
from optimizer.report.html import compare_report
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve
from optimizer.whatif import RemoveTechnician

M = line_matrix(5)
BASE = problem([order("A", 1), order("B", 4), order("C<script>", 3)],
               [tech("t1"), tech("t2")], [shift("t1", home=0), shift("t2", home=4)])


def _solve(p):
    return with_kpis(p, solve(p, M, FAST))


def test_removing_a_technician_moves_or_drops_their_orders():
    """With t2 gone, t2's orders are reported as moved to t1 (or newly unassigned)."""
    base = _solve(BASE)
    whatif_problem = RemoveTechnician("t2").apply(BASE)
    whatif = _solve(whatif_problem)
    t2_orders = {s.order_id for r in base.routes if r.tech_id == "t2" for s in r.stops}
    changes = [c for c in order_changes(base, whatif) if c.changed]
    assert {c.order_id for c in changes} == t2_orders and t2_orders
    assert all(c.old_tech == "t2" and c.status in {ChangeKind.MOVED, ChangeKind.NEWLY_UNASSIGNED}
               and isinstance(c.status, ChangeKind) for c in changes)


def test_kpi_rows_and_deltas():
    """Deltas are each row minus the base row."""
    rows = [kpi_row(_solve(BASE).kpis),
            kpi_row(_solve(RemoveTechnician("t2").apply(BASE)).kpis)]
    d = deltas(rows)
    assert all(v == 0 for v in d[0].values())
    assert d[1]["travel_km"] == round(rows[1]["travel_km"] - rows[0]["travel_km"], 2)


def test_report_escapes_names_and_has_charts():
    """The comparison page has SVG charts and escapes user strings."""
    base = _solve(BASE)
    whatif = _solve(RemoveTechnician("t2").apply(BASE))
    page = compare_report(["base", "no <b>t2</b>"], [base, whatif],
                          [kpi_row(base.kpis), kpi_row(whatif.kpis)],
                          [order_changes(base, whatif)])
    assert page.count("<svg") >= 8
    assert "no &lt;b&gt;t2&lt;/b&gt;" in page and "<b>t2</b>" not in page
    assert "C&lt;script&gt;" in page or "C<script>" not in page


def test_losing_a_technician_costs_more_in_full_even_with_less_travel():
    """Orders that only t2 can reach in time drop without t2: travel and labour is lower,
    but the full objective (with drop penalties) is higher, in the rows and on the page."""
    early = window("09:00", "09:05")
    base_problem = problem([order("A", 1, service_min=60, time_windows=(early,)),
                            order("B", 3, service_min=60, time_windows=(early,))],
                           [tech("t1"), tech("t2")], [shift("t1", home=0), shift("t2", home=4)])
    base = _solve(base_problem)
    whatif = _solve(RemoveTechnician("t2").apply(base_problem))
    rows = [kpi_row(base.kpis), kpi_row(whatif.kpis)]
    assert (rows[0]["unassigned"], rows[1]["unassigned"]) == (0, 1)
    assert rows[1]["travel_cost"] < rows[0]["travel_cost"]
    assert rows[1]["cost"] < rows[0]["cost"]
    assert rows[1]["drop_penalty_cost"] == 1000
    assert rows[1]["objective_cost"] == round(rows[1]["cost"] + 1000, 2) > rows[0]["objective_cost"]
    page = compare_report(["base", "no t2"], [base, whatif], rows, [order_changes(base, whatif)])
    assert "<td>full objective (cost + drop penalties + balance)</td>" in page
    assert f'<td>{number_text(rows[1]["objective_cost"])} <span class="bad">' in page
    assert f'<td>{number_text(rows[1]["travel_cost"])} <span class="good">' in page
    assert number_text(1234567.891) == "1,234,567.891" and number_text(-0.5, sign=True) == "-0.5"


def test_rows_show_parking_and_lateness_the_cost_holds():
    """Parking time and days late are parts of the cost: the row and the page show them
    (a what-if of a week that moved work past its due dates showed only a dearer cost)."""
    from dataclasses import replace
    from datetime import timedelta

    from factories import PLAN_DATE

    p = replace(BASE, travel=replace(BASE.travel, stop_overhead_min=5),
                orders=(replace(BASE.orders[0], due_date=PLAN_DATE - timedelta(days=2)),
                        *BASE.orders[1:]))
    s = _solve(p)
    row = kpi_row(s.kpis)
    parked = sum(stop.overhead_s for r in s.routes for stop in r.stops)
    # 5 minutes a stop, but none at B when t2 serves it from home (already parked there)
    assert parked in (600, 900)
    assert row["overhead_h"] == s.kpis.overhead_h == round(parked / 3600, 2) > 0
    assert (row["late_orders"], row["late_days"]) == (1, 2)
    assert row["late_cost"] == s.kpis.late_cost == 2 * 200
    page = compare_report(["base"], [s], [row], [])
    assert "<td>parking and access (h)</td>" in page and "<td>cost of days late</td>" in page
