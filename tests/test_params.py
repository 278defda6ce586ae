"""SolveParams: validation and keyword overrides."""

from __future__ import annotations

import pytest

from optimizer.params import SolveParams

BASE = SolveParams(time_limit_s=30, seed=1, solution_limit=50, workers=2)


def test_with_overrides_changes_the_given_fields_and_ignores_none():
    """An option left unset (None) keeps the scenario's value; a given one replaces it."""
    params = BASE.with_overrides(time_limit_s=None, seed=7, solution_limit=None)
    assert (params.time_limit_s, params.seed, params.solution_limit, params.workers) == \
        (30, 7, 50, 2)
    assert BASE.seed == 1  # the original is unchanged (frozen)


def test_with_overrides_of_nothing_is_the_same_params():
    """No override, or only None ones, gives back equal settings."""
    assert BASE.with_overrides() == BASE
    assert BASE.with_overrides(seed=None, time_limit_s=None) == BASE


def test_with_overrides_still_validates():
    """A bad override is refused as at construction; an unknown field is a TypeError."""
    with pytest.raises(ValueError, match="time_limit_s=0"):
        BASE.with_overrides(time_limit_s=0)
    with pytest.raises(TypeError):
        BASE.with_overrides(speed=3)
