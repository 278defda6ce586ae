"""The HTML comparison report: unassigned orders grouped by reason code."""

from __future__ import annotations

import re
from datetime import date

from optimizer.model import ReasonCode, Schedule, SolveMeta, Unassigned
from optimizer.report.html import _reasons_chart, reason_counts

META = SolveMeta(0, 1.0, None, "haversine", "SUCCESS", 0, 0.0, {})


def _schedule(*unassigned: Unassigned) -> Schedule:
    return Schedule("x", date(2026, 12, 1), "Europe/Vaduz", (), unassigned, META)


def test_reasons_are_counted_by_code_not_by_wording():
    """Two skill reasons worded differently are one group; codes come in their documented
    order, whatever the order of the orders."""
    s = _schedule(Unassigned("A", "van full: qualified technicians (t1) have no capacity left",
                             ReasonCode.VAN_FULL),
                  Unassigned("B", "no technician has the skill lift", ReasonCode.NO_SKILL),
                  Unassigned("C", "no single technician has all of the skills gas, hvac",
                             ReasonCode.NO_SKILL))
    assert list(reason_counts(s).items()) == [(ReasonCode.NO_SKILL, 2), (ReasonCode.VAN_FULL, 1)]


def test_the_chart_legend_has_one_entry_per_code_with_its_label():
    """The chart's legend names each code once, by its short label and the code."""
    base = _schedule(Unassigned("A", "no technician has the skill lift", ReasonCode.NO_SKILL))
    other = _schedule(
        Unassigned("A", "no technician has the skills elevator, lift", ReasonCode.NO_SKILL),
        Unassigned("B", "address not found", ReasonCode.ADDRESS_NOT_FOUND))
    texts = re.findall(r"<!-- (.*?) -->", _reasons_chart(["base", "other"], [base, other]))
    legend = [t for t in texts if t.endswith(")")]
    assert legend == ["address not found (ADDRESS_NOT_FOUND)",
                      "no technician has the skills (NO_SKILL)"]
