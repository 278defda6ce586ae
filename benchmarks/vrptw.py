"""Solomon VRPTW benchmark: the product's solver side by side with PyVRP and VROOM.

Usage::

    python benchmarks/vrptw.py [INSTANCE ...] --time-limit S \
        [--solvers project,pyvrp,vroom] [--jsonl OUT] [--data DIR]
    python benchmarks/vrptw.py --summary OUT.jsonl      # re-print the table of a run

Each instance becomes the project's own :class:`~optimizer.model.Problem`
(one work order per customer with its window, service time and demand; 25
identical technicians with a van capacity, starting and ending at the depot)
and is solved by :func:`optimizer.solver.solve`, the production entry point,
with weights that make the objective distance only. PyVRP and VROOM get the
same instance, the same scaled integer matrices and the same time limit.

Every answer is re-checked here, independently of all three solvers, in
exact floating point: windows, capacity, depot due date, fleet size, every
customer exactly once; the distance printed is recomputed from the routes.
Gaps are against the classic (hierarchical: vehicles first, then distance)
best-known distances in ``best_known.csv``, which use exact distances like
this harness. A route plan with more vehicles may be shorter than such a
reference, so gaps can be negative. The DIMACS values (truncated distances)
are never used here.

One instance time unit is :data:`SCALE` seconds (and one distance unit 1000
matrix metres). Travel times are rounded *up*, so any plan that is feasible
for a solver is feasible in exact arithmetic; distances are rounded to the
nearest integer. Both change the result by far less than 0.1%.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

DATA = REPO.parent / "shared" / "data" / "vrptw" / "solomon"
#: Seconds per instance time unit, and matrix metres per instance distance unit.
SCALE = 1000
EPS = 1e-9
#: ``project1`` is the project with ``workers=1`` (not run unless asked for).
SOLVERS = ("project", "pyvrp", "vroom", "project1")
FAMILIES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


# --------------------------------------------------------------------------- instances

@dataclass(frozen=True)
class Instance:
    """One Solomon instance. Index 0 is the depot, 1..n the customers."""

    name: str
    vehicles: int
    capacity: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    demand: tuple[int, ...]
    ready: tuple[int, ...]
    due: tuple[int, ...]
    service: tuple[int, ...]

    @property
    def customers(self) -> range:
        return range(1, len(self.x))

    def dist(self, i: int, j: int) -> float:
        """Exact Euclidean distance (also the travel time)."""
        return math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])

    def truncated(self, n: int) -> Instance:
        """The depot and the first ``n`` customers (for quick tests)."""
        k = n + 1
        return Instance(f"{self.name}-{n}", self.vehicles, self.capacity, self.x[:k], self.y[:k],
                        self.demand[:k], self.ready[:k], self.due[:k], self.service[:k])


def read_instance(path: Path) -> Instance:
    """Parse a Solomon text file (CRLF or LF line endings)."""
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    name = lines[0]
    k = lines.index("VEHICLE")
    vehicles, capacity = (int(v) for v in lines[k + 2].split())
    rows = [ln.split() for ln in lines[lines.index("CUSTOMER") + 2:] if ln]
    cols = list(zip(*[[float(v) for v in r] for r in rows if len(r) == 7], strict=True))
    if [int(c) for c in cols[0]] != list(range(len(cols[0]))):
        raise ValueError(f"{path}: customer numbers are not 0..n in order")
    ints = [tuple(int(v) for v in c) for c in cols[3:]]
    return Instance(name, vehicles, capacity, tuple(cols[1]), tuple(cols[2]), *ints)


def family(name: str) -> str:
    """'RC104' -> 'RC1'; 'SRC1_10_1' (see ``synthetic.py``) -> 'SRC1_10'."""
    if "_" in name:
        return name.rsplit("_", 1)[0]
    head = name.rstrip("0123456789-")
    return head + name[len(head)]


def read_best_known(path: Path) -> dict[str, tuple[int, float]]:
    """instance -> (vehicles, distance): the hierarchical, exact-distance BKS columns only."""
    import csv

    with path.open(newline="") as f:
        return {r["instance"]: (int(r["vehicles"]), float(r["distance"]))
                for r in csv.DictReader(f)}


# --------------------------------------------------------------------------- checker

def check_routes(inst: Instance, routes: list[list[int]]) -> tuple[list[str], float]:
    """Independent check in exact floating point: (problems found, total distance).

    Service starts at ``max(arrival, ready)`` and must not be after ``due``; the
    vehicle leaves the depot at its ready time and must be back by its due date.
    """
    issues: list[str] = []
    seen: dict[int, int] = defaultdict(int)
    total = 0.0
    used = [r for r in routes if r]
    if len(used) > inst.vehicles:
        issues.append(f"{len(used)} routes but only {inst.vehicles} vehicles")
    for k, route in enumerate(used):
        t, prev, load = float(inst.ready[0]), 0, 0
        for c in route:
            if c not in inst.customers:
                issues.append(f"route {k}: {c} is not a customer")
                continue
            seen[c] += 1
            load += inst.demand[c]
            leg = inst.dist(prev, c)
            total += leg
            t = max(t + leg, float(inst.ready[c]))
            if t > inst.due[c] + EPS:
                issues.append(f"route {k}: customer {c} starts at {t:.4f} > due {inst.due[c]}")
            t += inst.service[c]
            prev = c
        leg = inst.dist(prev, 0)
        total += leg
        if t + leg > inst.due[0] + EPS:
            issues.append(f"route {k}: back at the depot at {t + leg:.4f} > {inst.due[0]}")
        if load > inst.capacity:
            issues.append(f"route {k}: load {load} > capacity {inst.capacity}")
    for c in inst.customers:
        if seen[c] != 1:
            issues.append(f"customer {c} is served {seen[c]} times")
    return issues, total


# --------------------------------------------------------------------------- matrices

def matrices(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(travel seconds rounded up, distance metres rounded) over depot + customers."""
    xy = np.column_stack([inst.x, inst.y])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    travel = np.ceil(d * SCALE - 1e-7).astype(np.int64)
    return travel, np.rint(d * SCALE).astype(np.int64)


def to_problem(inst: Instance):
    """The instance as the project's Problem and TravelMatrix (distance-only objective)."""
    from optimizer.model import (
        Location,
        ObjectiveWeights,
        Priority,
        Problem,
        Shift,
        Technician,
        TimeWindow,
        TravelMatrix,
        WorkOrder,
    )

    tz = ZoneInfo("UTC")
    day = date(2026, 11, 28)
    zero = datetime(day.year, day.month, day.day, tzinfo=tz)

    def at(units: int) -> datetime:
        return zero + timedelta(seconds=units * SCALE)

    points = tuple(Location(inst.y[i] / 1000, inst.x[i] / 1000, f"node {i}")
                   for i in range(len(inst.x)))
    travel, dist_m = matrices(inst)
    matrix = TravelMatrix(points=points, travel_s=travel, distance_m=dist_m, source="euclidean")
    orders = tuple(
        WorkOrder(order_id=str(c), customer=f"customer {c}", location=points[c],
                  service_min=inst.service[c] * SCALE / 60, demand=inst.demand[c],
                  time_windows=(TimeWindow(at(inst.ready[c]), at(inst.due[c])),))
        for c in inst.customers
    )
    techs = tuple(Technician(tech_id=f"v{k:02d}", name=f"vehicle {k}", skills=frozenset(),
                             home=points[0], cost_per_km=1.0, cost_per_hour=0.0,
                             capacity=inst.capacity)
                  for k in range(1, inst.vehicles + 1))
    shifts = tuple(Shift(t.tech_id, t.tech_id, at(inst.ready[0]), at(inst.due[0]),
                         points[0], points[0]) for t in techs)
    weights = ObjectiveWeights(
        drop_penalty={p: 1_000_000.0 for p in Priority},
        sla_late_cost_per_min={p: 0.0 for p in Priority},
        overtime_cost_per_hour=0.0, preferred_tech_bonus=0.0)
    problem = Problem(name=inst.name, plan_date=day, timezone="UTC", orders=orders,
                      technicians=techs, shifts=shifts, weights=weights)
    return problem, matrix


# --------------------------------------------------------------------------- solvers

def solve_project(inst: Instance, time_limit_s: float, seed: int = 0,
                  workers: int = 2) -> list[list[int]]:
    from optimizer.params import SolveParams
    from optimizer.solver import solve

    problem, matrix = to_problem(inst)
    schedule = solve(problem, matrix, SolveParams(time_limit_s=time_limit_s, seed=seed,
                                                  workers=workers))
    return [[int(s.order_id) for s in r.stops] for r in schedule.routes]


def solve_project1(inst: Instance, time_limit_s: float, seed: int = 0) -> list[list[int]]:
    """The project on one core (``workers=1``), as PyVRP runs."""
    return solve_project(inst, time_limit_s, seed, workers=1)


def solve_pyvrp(inst: Instance, time_limit_s: float, seed: int = 0) -> list[list[int]]:
    """PyVRP's default iterated local search on the same integer matrices (one core)."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.stop import MaxRuntime

    travel, dist_m = matrices(inst)
    n = len(inst.x)
    data = ProblemData(
        locations=[Location(int(inst.x[i]), int(inst.y[i])) for i in range(n)],
        clients=[Client(location=c, delivery=[inst.demand[c]],
                        service_duration=inst.service[c] * SCALE,
                        tw_early=inst.ready[c] * SCALE, tw_late=inst.due[c] * SCALE)
                 for c in inst.customers],
        depots=[Depot(location=0, tw_early=inst.ready[0] * SCALE,
                      tw_late=inst.due[0] * SCALE)],
        vehicle_types=[VehicleType(num_available=inst.vehicles, capacity=[inst.capacity],
                                   tw_early=inst.ready[0] * SCALE,
                                   tw_late=inst.due[0] * SCALE)],
        distance_matrices=[dist_m], duration_matrices=[travel])
    result = solve(data, stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False)
    # activity indices count clients from 0; customer numbers count from 1
    return [[a.idx + 1 for a in route.schedule() if a.is_client()]
            for route in result.best.routes()]


def solve_vroom(inst: Instance, time_limit_s: float, seed: int = 0) -> list[list[int]]:
    """VROOM at its highest exploration level, two threads, on the same integer matrices."""
    import vroom

    travel, dist_m = matrices(inst)
    problem = vroom.Input()
    problem.set_durations_matrix("car", travel.tolist())
    problem.set_costs_matrix("car", dist_m.tolist())
    depot_tw = vroom.TimeWindow(inst.ready[0] * SCALE, inst.due[0] * SCALE)
    for k in range(inst.vehicles):
        problem.add_vehicle(vroom.Vehicle(k + 1, start=0, end=0, profile="car",
                                          capacity=[inst.capacity], time_window=depot_tw))
    problem.add_job([
        vroom.Job(c, location=c, default_service=inst.service[c] * SCALE,
                  delivery=[inst.demand[c]],
                  time_windows=[vroom.TimeWindow(inst.ready[c] * SCALE, inst.due[c] * SCALE)])
        for c in inst.customers])
    solution = problem.solve(exploration_level=5, nb_threads=2,
                             timeout=timedelta(seconds=time_limit_s))
    routes: dict[int, list[int]] = defaultdict(list)
    for row in solution.routes.itertuples():
        if row.type == "job":
            routes[int(row.vehicle_id)].append(int(row.id))
    return [routes[v] for v in sorted(routes)]


RUNNERS = {"project": solve_project, "project1": solve_project1, "pyvrp": solve_pyvrp,
           "vroom": solve_vroom}


def run_one(inst: Instance, solver: str, time_limit_s: float) -> dict:
    """Solve, check and describe one (instance, solver) pair as a JSON-able dict."""
    began = time.monotonic()
    error = ""
    try:
        routes = RUNNERS[solver](inst, time_limit_s)
    except Exception as exc:  # a failed reference run is a result, not a crash
        routes, error = [], f"{type(exc).__name__}: {exc}"
    wall = time.monotonic() - began
    issues, distance = check_routes(inst, routes)
    record = {
        "instance": inst.name, "solver": solver, "time_limit_s": time_limit_s,
        "wall_s": round(wall, 3), "distance": round(distance, 6),
        "vehicles": sum(1 for r in routes if r), "feasible": not issues and not error,
        "routes": [r for r in routes if r],
    }
    if issues or error:
        record["issues"] = ([error] if error else []) + issues[:20]
    return record


# --------------------------------------------------------------------------- summary

def _pct(values: list[float]) -> str:
    return f"{statistics.fmean(values):+.2f}%" if values else "-"


def summary(records: list[dict], best: dict[str, tuple[int, float]]) -> str:
    """A Markdown table: per family and solver, feasible count, mean/max gap, ratio to PyVRP."""
    by_key = {(r["instance"], r["solver"]): r for r in records}
    solvers = [s for s in SOLVERS if any(r["solver"] == s for r in records)]
    limits = sorted({r["time_limit_s"] for r in records})
    out = [f"time limit per instance: {', '.join(f'{t:g} s' for t in limits)}", "",
           "| family | solver | feasible | mean gap | max gap | mean ratio to PyVRP "
           "| mean vehicles | mean wall s |",
           "|---|---|---|---|---|---|---|---|"]
    others = sorted({family(r["instance"]) for r in records} - set(FAMILIES))
    groups = [*FAMILIES, *others, "all"]
    for group in groups:
        names = sorted({r["instance"] for r in records
                        if group == "all" or family(r["instance"]) == group})
        if not names:
            continue
        for solver in solvers:
            rows = [by_key[n, solver] for n in names if (n, solver) in by_key]
            if not rows:
                continue
            ok = [r for r in rows if r["feasible"]]
            gaps = [100 * (r["distance"] / best[r["instance"]][1] - 1) for r in ok
                    if r["instance"] in best]
            ratios = [r["distance"] / by_key[r["instance"], "pyvrp"]["distance"] for r in ok
                      if by_key.get((r["instance"], "pyvrp"), {}).get("feasible")]
            mean_veh = f"{statistics.fmean(r['vehicles'] for r in ok):.1f}" if ok else "-"
            out.append(
                f"| {group} | {solver} | {len(ok)}/{len(rows)} | {_pct(gaps)} | "
                f"{f'{max(gaps):+.2f}%' if gaps else '-'} | "
                f"{f'{statistics.fmean(ratios):.4f}' if ratios else '-'} | {mean_veh} | "
                f"{statistics.fmean(r['wall_s'] for r in rows):.1f} |")
    return "\n".join(out)


def instance_table(records: list[dict], best: dict[str, tuple[int, float]]) -> str:
    """Per instance: BKS and each solver's distance/vehicles (an x marks an infeasible run)."""
    solvers = [s for s in SOLVERS if any(r["solver"] == s for r in records)]
    by_key = {(r["instance"], r["solver"]): r for r in records}
    out = ["| instance | BKS (veh/dist) | " + " | ".join(solvers) + " |",
           "|---|---|" + "---|" * len(solvers)]
    for name in sorted({r["instance"] for r in records}, key=lambda n: (family(n), n)):
        bks = best.get(name)
        cells = []
        for s in solvers:
            r = by_key.get((name, s))
            cells.append("-" if r is None else
                         f"{r['vehicles']}/{r['distance']:.2f}" + ("" if r["feasible"] else " x"))
        out.append(f"| {name} | " + (f"{bks[0]}/{bks[1]:.2f}" if bks else "-") + " | "
                   + " | ".join(cells) + " |")
    return "\n".join(out)


# --------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="*", help="e.g. C101 R205 (default: all 56)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--solvers", default=",".join(SOLVERS[:3]),
                        help="comma-separated, from project, pyvrp, vroom and project1 "
                             "(the project with workers=1)")
    parser.add_argument("--jsonl", type=Path, help="also append the JSON lines to this file")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the Solomon files")
    parser.add_argument("--summary", type=Path, metavar="JSONL",
                        help="only print the tables of an earlier run")
    parser.add_argument("--per-instance", action="store_true", help="also print every result")
    args = parser.parse_args(argv)
    best = read_best_known(args.data / "best_known.csv")
    if args.summary:
        records = [json.loads(ln) for ln in args.summary.read_text().splitlines() if ln]
        print(summary(records, best))
        if args.per_instance:
            print("\n" + instance_table(records, best))
        return 0
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = set(solvers) - set(SOLVERS)
    if unknown:
        parser.error(f"unknown solvers {sorted(unknown)}; use {', '.join(SOLVERS)}")
    names = args.instances or sorted(p.stem for p in args.data.glob("*.txt"))
    for solver in solvers:  # import before the clocks start
        RUNNERS[solver](read_instance(args.data / f"{names[0].upper()}.txt").truncated(3), 0.1)
    records = []
    for name in names:
        inst = read_instance(args.data / f"{name.upper()}.txt")
        for solver in solvers:
            record = run_one(inst, solver, args.time_limit)
            records.append(record)
            line = json.dumps(record)
            print(line, flush=True)
            if args.jsonl:
                with args.jsonl.open("a") as f:
                    f.write(line + "\n")
    print()
    print(summary(records, best))
    if args.per_instance:
        print("\n" + instance_table(records, best))
    return 0 if all(r["feasible"] for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
