"""Sweeps: a grid of what-ifs solved on a Dask distributed cluster.

The client applies each run's changes (cheap), builds one travel matrix over
every point of every run, and scatters it to each worker once (broadcast);
tasks then carry only their small Problem. Results stream back as runs finish,
and a failing run becomes a row with its error instead of stopping the rest.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optimizer.errors import InputError, OptimizerError
from optimizer.io.config import CHANGE_RANGES
from optimizer.model import Problem, TravelMatrix
from optimizer.params import SolveParams
from optimizer.report.compare import kpi_row
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve
from optimizer.solver.verify import verify
from optimizer.whatif import Change, ScaleDemand, SetTechnicianCount, TravelSpeed

#: Environment variable naming a Dask scheduler (``tcp://host:8786``).
SCHEDULER_ENV = "FSOPT_SCHEDULER"

#: Grid axes and the change each value makes.
AXES: dict[str, Callable[[float], Change]] = {
    "technicians": lambda v: SetTechnicianCount(int(v)),
    "demand_pct": lambda v: ScaleDemand(percent=float(v), seed=int(v)),
    "speed_factor": lambda v: TravelSpeed(float(v)),
}
#: The allowed values of each axis: those of the what-if change it makes.
AXIS_RANGES = {
    "technicians": CHANGE_RANGES["technician_count"]["count"],
    "demand_pct": CHANGE_RANGES["scale_demand"]["percent"],
    "speed_factor": CHANGE_RANGES["travel_speed"]["factor"],
}


@dataclass(frozen=True, slots=True)
class SweepRun:
    """One point of the grid: its axis values and the problem they make."""

    run: str
    values: Mapping[str, float]
    problem: Problem | None
    error: str = ""


def parse_axis(text: str) -> tuple[str, list[float]]:
    """``name=a:b[:step]`` (inclusive) or ``name=v1,v2,...`` -> (name, values)."""
    name, _, spec = text.partition("=")
    name = name.strip()
    if name not in AXES:
        raise InputError(f"--grid {text!r}: unknown axis {name!r} (use {', '.join(AXES)})")
    try:
        if ":" in spec:
            parts = [float(x) for x in spec.split(":")]
            if not all(math.isfinite(x) for x in parts):  # 0:inf would never end
                raise ValueError
            start, stop = parts[0], parts[1]
            step = parts[2] if len(parts) > 2 else 1.0
            if step <= 0 or len(parts) > 3:
                raise ValueError
            values, v = [], start
            while v <= stop + 1e-9:
                values.append(round(v, 6))
                v += step
        else:
            values = [float(x) for x in spec.split(",") if x.strip()]
            if not all(math.isfinite(x) for x in values):
                raise ValueError
    except ValueError:
        raise InputError(f"--grid {text!r}: use name=a:b[:step] or name=v1,v2,... "
                         "with finite numbers") from None
    if not values:
        raise InputError(f"--grid {text!r}: no values")
    bad = [f"--grid {text!r}: {name}={v:g}: {problem}" for v in values
           if (problem := AXIS_RANGES[name].problem(v))]
    if bad:
        raise InputError(bad)
    return name, values


def expand(base: Problem, axes: Mapping[str, Sequence[float]]) -> list[SweepRun]:
    """Every combination of the axes' values, each applied to ``base``."""
    names = list(axes)
    runs = []
    for combo in itertools.product(*(axes[n] for n in names)):
        # whole-number axes (technicians) as whole numbers in the rows and files
        values = {n: int(v) if AXIS_RANGES[n].integer else v
                  for n, v in zip(names, combo, strict=True)}
        label = " ".join(f"{n}={v:g}" for n, v in values.items()) or "base"
        problem, error = base, ""
        try:
            for name, value in values.items():
                problem = AXES[name](value).apply(problem)
        except OptimizerError as exc:
            problem, error = None, str(exc)
        runs.append(SweepRun(label, values, problem, error))
    return runs


def solve_run(problem: Problem, matrix: TravelMatrix, params: SolveParams, *,
              speed: float = 1.0) -> dict[str, Any]:
    """Solve one run and return its tidy row (runs on a worker; pure). ``speed`` is the
    run's travel speed factor over the one the shared matrix was built with (a
    ``speed_factor`` axis): its travel times are divided by it here."""
    began = time.monotonic()
    matrix = faster(matrix, speed)
    schedule = with_kpis(problem, solve(problem, matrix, params))
    violations = verify(problem, matrix, schedule)
    return {**kpi_row(schedule.kpis), "violations": len(violations),
            "objective": schedule.meta.objective, "wall_s": round(time.monotonic() - began, 2)}


def faster(matrix: TravelMatrix, speed: float) -> TravelMatrix:
    """``matrix`` with every travel time divided by ``speed`` (itself when it is 1);
    distances, and cells no road joins, stay as they are."""
    if speed == 1.0:
        return matrix
    travel = np.asarray(matrix.travel_s)
    scaled = np.rint(travel / speed).astype(np.int64)
    if matrix.reachable is not None:
        scaled = np.where(np.asarray(matrix.reachable, dtype=bool), scaled, travel)
    return replace(matrix, travel_s=scaled)


def matrix_speed(runs: Sequence[SweepRun], base: Problem) -> list[float]:
    """Each run's travel speed factor over ``base``'s (whose matrix the runs share)."""
    return [run.problem.travel.speed_factor / base.travel.speed_factor
            if run.problem is not None else 1.0 for run in runs]


def _failed(run: SweepRun, error: str) -> dict[str, Any]:
    return {"run": run.run, **run.values, "status": "failed", "error": error}


def run_sweep(
    runs: Sequence[SweepRun],
    matrix: TravelMatrix,
    params: SolveParams,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    on_row: Callable[[dict[str, Any], int, int], None] | None = None,
    speeds: Sequence[float] = (),
) -> list[dict[str, Any]]:
    """Solve ``runs`` on a Dask cluster; rows come back in grid order.

    ``speeds`` (:func:`matrix_speed`) scale the shared matrix's travel times per run.

    ``scheduler`` (or the ``FSOPT_SCHEDULER`` environment variable) is the address
    of an existing cluster; without one, a local cluster of ``n_workers``
    single-threaded processes is started on loopback and closed afterwards.
    ``on_row(row, done, total)`` is called as each run finishes.
    """
    from distributed import Client, LocalCluster, as_completed

    address = scheduler or os.environ.get(SCHEDULER_ENV)
    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    rows: dict[int, dict[str, Any]] = {}
    try:
        shared = client.scatter(matrix, broadcast=True)
        futures = {}
        for k, run in enumerate(runs):
            if run.problem is None:
                rows[k] = _failed(run, run.error)
                continue
            future = client.submit(solve_run, run.problem, shared, params,
                                   speed=speeds[k] if speeds else 1.0, pure=False,
                                   key=f"run-{k}-{time.monotonic_ns()}")
            futures[future] = k
        done = len(rows)
        total = len(runs)
        if on_row:
            for k in sorted(rows):
                on_row(rows[k], k + 1, total)
        for future in as_completed(futures):
            k = futures[future]
            run = runs[k]
            if future.status == "finished":
                rows[k] = {"run": run.run, **run.values, "status": "ok", "error": "",
                           **future.result()}
            else:
                rows[k] = _failed(run, f"{type(future.exception()).__name__}: "
                                       f"{future.exception()}")
            done += 1
            if on_row:
                on_row(rows[k], done, total)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [rows[k] for k in range(len(runs))]


def run_serial(runs: Sequence[SweepRun], matrix: TravelMatrix,
               params: SolveParams, *, speeds: Sequence[float] = ()) -> list[dict[str, Any]]:
    """The same rows as :func:`run_sweep`, computed here one by one (for checks)."""
    rows = []
    for k, run in enumerate(runs):
        if run.problem is None:
            rows.append(_failed(run, run.error))
            continue
        try:
            rows.append({"run": run.run, **run.values, "status": "ok", "error": "",
                         **solve_run(run.problem, matrix, params,
                                     speed=speeds[k] if speeds else 1.0)})
        except Exception as exc:  # a failing run is reported, never fatal
            rows.append(_failed(run, f"{type(exc).__name__}: {exc}"))
    return rows
