"""The seeded field-service days of benchmarks/large.py: repeatable, with every kind of rule."""

from __future__ import annotations

from benchmark_modules import load_benchmark

from optimizer.model import Priority
from optimizer.solver.precheck import check

large = load_benchmark("large")


def test_a_day_is_seeded_and_has_every_kind_of_rule():
    """The same seed gives the same day; 200 orders carry skills, parts, windows, SLAs,
    priorities and preferred technicians, shifts have lunches, absences remove some, and
    most orders pass the pre-check on the haversine matrix."""
    day = large.day(200, 12, seed=3)
    assert day == large.day(200, 12, seed=3)
    assert day != large.day(200, 12, seed=4)
    orders = day.orders
    assert len(orders) == 200 and len(day.technicians) == 12
    assert len(day.shifts) <= 12
    assert all(s.breaks and s.breaks[0].kind == "lunch" for s in day.shifts)
    assert any(o.required_parts for o in orders) and any(o.time_windows for o in orders)
    assert any(o.sla_due for o in orders) and any(o.preferred_techs for o in orders)
    assert {o.priority for o in orders} == set(Priority)
    eligibility = check(day, large.matrix_of(day))
    assert len(eligibility.allowed) > 0.8 * len(orders)
