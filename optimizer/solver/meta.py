"""How a schedule was made (:class:`~optimizer.model.SolveMeta`), the same for every search."""

from __future__ import annotations

import time as clock
from importlib import metadata

from optimizer.model import SolveMeta
from optimizer.params import SolveParams


def package_versions() -> dict[str, str]:
    """Versions of this package and of OR-Tools ("unknown" where not installed)."""
    out = {}
    for name in ("field-service-optimizer", "ortools"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def solve_meta(params: SolveParams, matrix_source: str, status: str, objective: int,
               began: float) -> SolveMeta:
    """The meta of a solve that started at ``began`` (``time.monotonic()``) and ends now."""
    return SolveMeta(seed=params.seed, time_limit_s=params.time_limit_s,
                     solution_limit=params.solution_limit, matrix_source=matrix_source,
                     status=status, objective=objective,
                     wall_s=round(clock.monotonic() - began, 3), versions=package_versions())
