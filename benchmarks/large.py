"""Benchmark: field-service days of 1,000 to 5,000 orders, with and without decomposition.

Each day is seeded and synthetic: a square city whose area grows with the number of
orders (about 2.5 orders per km²; a denser centre), technicians living across it, and
the rules of a real day:

* skills (hvac, electrical, plumbing, appliance; gas and elevator are rare), parts
  (some orders need a part only some vans carry), exclusions and preferred technicians;
* priorities (5 % critical, 15 % high, 60 % normal, 20 % low), appointment windows
  (40 %), SLA due times (30 %, all critical orders);
* 08:00-17:00 or 07:00-16:00 shifts with a 30-minute lunch between 11:30 and 14:00,
  some overtime; absences: 5 % of the technicians away all day, 5 % with a two-hour
  appointment, 5 % leaving early.

More work than the fleet can do (about 15 jobs of 35 minutes per technician), so
priorities decide who is served.

Travel is haversine with a detour factor of 1.35 at 35 km/h by default (a road matrix
of the synthetic grid in ``matrix.py`` for 5,000 points would need gigabytes). With
``--roads grid`` it is a real road matrix on the synthetic 224 x 224 street grid of
``matrix.py`` (50,176 nodes, 22 km a side, arterials at 50 km/h, one street in ten
one-way): the city is placed on the grid, so up to about 1,200 orders (22 km a side at
2.5 orders per km²). The ``matrix`` column is the time to build it (with ``grid``: the
graph, its contraction hierarchy and the many-to-many matrix).

Each size and mode runs in a fresh process. It prints wall time split into matrix and
model+search (the time limit bounds the second), peak resident memory of that process
and, apart, the largest of its worker processes (``resource.getrusage``), the objective
in money (with drop penalties) and the cost without them, km, orders served, critical
orders served, SLA on time (among all orders with an SLA, unserved ones count as late)
and whether :func:`optimizer.solver.verify.verify` finds the plan clean.

    python benchmarks/large.py [--sizes 1000,2000,5000] [--time-limit 60] [--modes off,on]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.geo.matrix import haversine_matrix  # noqa: E402
from optimizer.model import (  # noqa: E402
    Break,
    Location,
    Priority,
    Problem,
    Shift,
    Technician,
    TimeWindow,
    WorkOrder,
)
from optimizer.params import SolveParams  # noqa: E402

PLAN_DATE = date(2026, 12, 4)
TIMEZONE = "Europe/Zurich"
#: Technicians for each number of orders (the issue's sizes).
FLEET = {1000: 60, 2000: 120, 5000: 300}
ORDERS_PER_KM2 = 2.5
SPEED_KPH = 35.0
DETOUR = 1.35
SKILLS = ("hvac", "electrical", "plumbing", "appliance")
RARE_SKILLS = ("gas", "elevator")
PARTS = ("compressor", "pump", "igniter")
PRIORITIES = (Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW)
PRIORITY_SHARE = (0.05, 0.15, 0.60, 0.20)


def _at(hours: float) -> datetime:
    return datetime.combine(PLAN_DATE, datetime.min.time(), tzinfo=ZoneInfo(TIMEZONE)) + \
        timedelta(hours=hours)


#: South-west corner of the city (``--roads grid`` moves it onto the street grid).
ORIGIN = [47.2, 8.3]


def _point(rng, side_km: float) -> Location:
    """A point of the city: 40 % in the central quarter, the rest anywhere."""
    lat0, lon0 = ORIGIN
    if rng.random() < 0.4:
        x, y = rng.normal(0.5, 0.12, size=2).clip(0.02, 0.98) * side_km
    else:
        x, y = rng.uniform(0, side_km, size=2)
    return Location(lat0 + y / 111.195, lon0 + x / (111.195 * math.cos(math.radians(lat0))))


def day(n_orders: int, n_techs: int, seed: int = 0) -> Problem:
    """One seeded field-service day (see the module docstring)."""
    rng = np.random.default_rng([seed, n_orders, n_techs])
    side = math.sqrt(n_orders / ORDERS_PER_KM2)
    techs, shifts = [], []
    for k in range(n_techs):
        tid = f"T{k + 1:03d}"
        skills = set(rng.choice(SKILLS, size=int(rng.integers(1, 4)), replace=False))
        if rng.random() < 0.12:
            skills.add(str(rng.choice(RARE_SKILLS)))
        stock = {p for p in PARTS if rng.random() < 0.35}
        home = _point(rng, side)
        techs.append(Technician(tid, f"Tech {k + 1}", frozenset(skills), home,
                                efficiency=float(rng.choice([0.9, 1.0, 1.0, 1.1])),
                                cost_per_km=0.35, cost_per_hour=float(rng.choice([40, 45, 50])),
                                van_stock=frozenset(stock)))
        early = rng.random() < 0.3
        start, end = (7.0, 16.0) if early else (8.0, 17.0)
        breaks = [Break(_at(11.5), _at(14.0), 30)]
        absence = rng.random()
        if absence < 0.05:
            continue  # away all day
        if absence < 0.10:
            breaks.append(Break(_at(14.5), _at(16.5), 120, "appointment"))
        elif absence < 0.15:
            end -= 3.0
        shifts.append(Shift(tid, tid, _at(start), _at(end), home, home, tuple(breaks),
                            max_overtime_min=float(rng.choice([0, 30, 60]))))
    tech_ids = [t.tech_id for t in techs]
    orders = []
    for k in range(n_orders):
        priority = PRIORITIES[int(rng.choice(4, p=PRIORITY_SHARE))]
        skill = frozenset()
        draw = rng.random()
        if draw < 0.03:
            skill = frozenset({str(rng.choice(RARE_SKILLS))})
        elif draw < 0.93:
            skill = frozenset({str(rng.choice(SKILLS))})
        windows: tuple[TimeWindow, ...] = ()
        draw = rng.random()
        if draw < 0.15:
            windows = (TimeWindow(_at(8), _at(12)),)
        elif draw < 0.30:
            windows = (TimeWindow(_at(12), _at(16.5)),)
        elif draw < 0.40:
            begin = float(rng.choice([8, 9, 10, 11, 13, 14, 15]))
            windows = (TimeWindow(_at(begin), _at(begin + 2)),)
        sla = None
        if priority is Priority.CRITICAL:
            sla = _at(float(rng.choice([11, 13, 15])))
        elif rng.random() < 0.25:
            sla = _at(float(rng.choice([12, 16, 17])))
        parts = frozenset({str(rng.choice(PARTS))}) if rng.random() < 0.08 else frozenset()
        preferred = frozenset({tech_ids[int(rng.integers(n_techs))]}) \
            if rng.random() < 0.05 else frozenset()
        excluded = frozenset({tech_ids[int(rng.integers(n_techs))]}) \
            if rng.random() < 0.02 else frozenset()
        orders.append(WorkOrder(
            order_id=f"WO-{k + 1:05d}", customer=f"Customer {k + 1}", location=_point(rng, side),
            service_min=float(rng.choice([20, 30, 30, 45, 45, 60])), required_skills=skill,
            priority=priority, time_windows=windows, sla_due=sla, preferred_techs=preferred,
            excluded_techs=excluded - preferred, required_parts=parts))
    return Problem(name=f"large-{n_orders}", plan_date=PLAN_DATE, timezone=TIMEZONE,
                   orders=tuple(orders), technicians=tuple(techs), shifts=tuple(shifts))


def points_of(problem: Problem) -> list[Location]:
    seen = dict.fromkeys([o.location for o in problem.orders]
                         + [p for s in problem.shifts for p in (s.start_location, s.end_location)])
    return list(seen)


def matrix_of(problem: Problem, roads: str = "haversine"):
    if roads == "grid":
        import tempfile

        from matrix import grid_graph

        from optimizer.geo import network
        from optimizer.geo import road_matrix as rm

        road = network.RoadGraph(graph=grid_graph(224), key="grid-224", source="synthetic")
        with tempfile.TemporaryDirectory(prefix="fsopt-large-") as tmp:
            router = rm.prepare_router(road, cache_dir=Path(tmp))
            return rm.road_matrix(router, points_of(problem), max_snap_m=5000)
    return haversine_matrix(points_of(problem), speed_kph=SPEED_KPH, detour_factor=DETOUR)


def peak_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run(size: int, mode: str, time_limit: float, seed: int, roads: str = "haversine",
        fleet: int | None = None) -> dict:
    """Build, solve and check one day; a row of figures."""
    from optimizer.report.kpis import with_kpis
    from optimizer.solver import solve
    from optimizer.solver.verify import verify

    if roads == "grid":
        ORIGIN[:] = [47.0 + 0.2 / 111.195, 9.0 + 0.2 / (111.195 * math.cos(math.radians(47.0)))]
    problem = day(size, fleet or FLEET.get(size, max(1, size * 6 // 100)), seed)
    began = time.perf_counter()
    matrix = matrix_of(problem, roads)
    matrix_s = time.perf_counter() - began
    params = SolveParams(time_limit_s=time_limit, seed=seed, decompose=mode)
    began = time.perf_counter()
    schedule = with_kpis(problem, solve(problem, matrix, params))
    solve_s = time.perf_counter() - began
    k = schedule.kpis
    critical = sum(1 for o in problem.orders if o.priority is Priority.CRITICAL)
    return {
        "orders": size, "technicians": len(problem.technicians), "shifts": len(problem.shifts),
        "roads": roads,
        "decompose": mode, "time_limit_s": time_limit,
        "matrix_s": round(matrix_s, 2), "model_search_s": round(solve_s, 2),
        "status": schedule.meta.status,
        "peak_mib": round(peak_mib()),
        "workers_peak_mib": round(peak_mib(resource.RUSAGE_CHILDREN)),
        "cost": round(k.cost), "objective_cost": round(k.objective_cost),
        "km": round(k.travel_km), "served": k.scheduled,
        "critical_served": f"{k.scheduled_by_priority.get('critical', 0)}/{critical}",
        "critical_out": sorted({u.code.value for u in schedule.unassigned
                                if problem.order(u.order_id).priority is Priority.CRITICAL}),
        "sla_on_time_all_pct": k.sla_on_time_all_pct,
        "verified": "yes" if not verify(problem, matrix, schedule) else "NO",
    }


COLUMNS = ("orders", "technicians", "roads", "decompose", "matrix_s", "model_search_s", "peak_mib",
           "workers_peak_mib", "objective_cost", "cost", "km", "served", "critical_served",
           "sla_on_time_all_pct", "verified", "status")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,2000,5000", help="orders, comma-separated")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--modes", default="off,on", help="decompose settings to run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--roads", choices=("haversine", "grid"), default="haversine",
                    help="travel: haversine x 1.35 at 35 km/h, or a road matrix on the "
                         "synthetic 50,176-node street grid (up to about 1,200 orders)")
    ap.add_argument("--technicians", type=int, default=None,
                    help="fleet size (default: 60, 120, 300 for 1000, 2000, 5000 orders)")
    ap.add_argument("--log", action="store_true",
                    help="print the decomposition's steps and their times (pre-check and "
                         "split, start, improvement, diagnosis) to stderr")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.log:
        import logging

        logging.basicConfig(format="%(relativeCreated)8.0f ms %(message)s")
        logging.getLogger("optimizer.solver.decompose").setLevel(logging.DEBUG)
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    if args.one:  # one run in this process (peak memory is per process)
        print(json.dumps(run(sizes[0], modes[0], args.time_limit, args.seed, args.roads,
                             args.technicians)), flush=True)
        return 0
    rows = []
    for size in sizes:
        for mode in modes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", "--sizes", str(size), "--modes", mode,
                 "--time-limit", str(args.time_limit), "--seed", str(args.seed),
                 "--roads", args.roads, *(["--log"] if args.log else []),
                 *(["--technicians", str(args.technicians)] if args.technicians else [])],
                capture_output=True, text=True, check=False)
            if out.returncode or args.log:
                print(out.stderr, file=sys.stderr)
            if out.returncode:
                continue
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    print("\n| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
