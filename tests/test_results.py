"""The API's result records."""

from __future__ import annotations

import dataclasses

import pytest
from factories import problem

from optimizer.results import Comparison, PlanResult


def test_comparison_names_its_scenarios_base_first():
    """`names` follows the results: the base, then each what-if; the record is frozen."""
    results = tuple(PlanResult(None, dataclasses.replace(problem([], [], []), name=name),
                               None, None) for name in ("base", "no-t2"))
    comparison = Comparison(results, ({}, {}), ((),))
    assert comparison.names == ["base", "no-t2"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        comparison.rows = ()  # type: ignore[misc]


def test_two_scenarios_of_one_name_are_told_apart_by_their_folders():
    """A copied scenario showed as a second "liechtenstein" in compare's columns."""
    from pathlib import Path

    from optimizer.io.load import LoadedScenario

    def result(name, folder):
        p = dataclasses.replace(problem([], [], []), name=name)
        return PlanResult(LoadedScenario(Path(folder), p, None), p, None, None)

    comparison = Comparison((result("liechtenstein", "/s/liechtenstein"),
                             result("liechtenstein", "/s/copy"), result("x", "/s/x")),
                            ({}, {}, {}), ((), ()))
    assert comparison.names == ["liechtenstein (liechtenstein)", "liechtenstein (copy)", "x"]
