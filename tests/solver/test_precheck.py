"""The pre-check's reasons are plain words a dispatcher reads, never Python sets."""

from __future__ import annotations

from factories import line_matrix, order, problem, shift, tech

from optimizer.solver.precheck import check

M = line_matrix(3)


def _reason(**needs) -> str:
    p = problem([order("A", 1, **needs)],
                [tech("t1", ["hvac"], van_stock=frozenset({"pump"})),
                 tech("t2", ["gas"], van_stock=frozenset({"filter"}))],
                [shift("t1"), shift("t2")])
    return check(p, M).reasons["A"]


def test_one_missing_skill_is_named_in_the_singular():
    """A skill nobody has: 'no technician has the skill elevator'."""
    assert _reason(required_skills=frozenset({"elevator"})) == \
        "no technician has the skill elevator"


def test_several_missing_skills_are_listed_sorted():
    """Two skills nobody has are listed sorted, in the plural, without braces or quotes."""
    assert _reason(required_skills=frozenset({"lift", "elevator"})) == \
        "no technician has the skills elevator, lift"


def test_skills_spread_over_technicians_are_listed():
    """hvac and gas exist, but not in one person."""
    assert _reason(required_skills=frozenset({"hvac", "gas"})) == \
        "no single technician has all of the skills gas, hvac"


def test_missing_parts_are_named():
    """Parts no van carries, singular and plural."""
    assert _reason(required_parts=frozenset({"compressor"})) == \
        "no technician carries the part compressor"
    assert _reason(required_parts=frozenset({"valve", "compressor"})) == \
        "no technician carries the parts compressor, valve"


def test_parts_not_in_a_qualified_van_are_named():
    """The pump is in the hvac van, but the gas technician is the one qualified; and pump
    plus filter are in no single van."""
    assert _reason(required_skills=frozenset({"gas"}), required_parts=frozenset({"pump"})) == \
        "no technician with the skill gas carries the part pump"
    assert _reason(required_parts=frozenset({"pump", "filter"})) == \
        "no single technician carries all of the parts filter, pump"
