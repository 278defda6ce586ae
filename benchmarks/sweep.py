"""Sweep throughput: runs per minute on a local Dask cluster with 1, 2 and 4 workers.

Each run is solution-limited (fixed work per run), so the figure measures how
many what-ifs a machine gets through, not how long a time limit is. The same
grid is also run serially in this process as the reference.

    python benchmarks/sweep.py [--workers 1,2,4] [--solution-limit 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from optimizer import api
from optimizer.io.load import load_scenario
from optimizer.params import SolveParams
from optimizer.sweeps import expand, run_serial, run_sweep

DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--solution-limit", type=int, default=100)
    parser.add_argument("--grid-technicians", default="8,9,10,11")
    parser.add_argument("--grid-demand", default="0,20")
    args = parser.parse_args()

    loaded = load_scenario(DEMO)
    axes = {"technicians": [float(x) for x in args.grid_technicians.split(",")],
            "demand_pct": [float(x) for x in args.grid_demand.split(",")]}
    runs = expand(loaded.problem, axes)
    matrix = api.travel_matrix(loaded.problem, base_dir=loaded.folder,
                               also=[r.problem for r in runs])
    params = SolveParams(time_limit_s=600, solution_limit=args.solution_limit)
    print(f"# {len(runs)} runs ({axes}), solution_limit={args.solution_limit}, "
          f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}")

    began = time.perf_counter()
    reference = run_serial(runs, matrix, params)
    serial_s = time.perf_counter() - began
    results = [{"mode": "serial (no Dask)", "workers": 1, "wall_s": round(serial_s, 1),
                "runs_per_min": round(60 * len(runs) / serial_s, 1)}]
    for workers in (int(w) for w in args.workers.split(",")):
        began = time.perf_counter()
        rows = run_sweep(runs, matrix, params, n_workers=workers)
        wall = time.perf_counter() - began
        same = [{k: v for k, v in r.items() if k != "wall_s"} for r in rows] == \
               [{k: v for k, v in r.items() if k != "wall_s"} for r in reference]
        results.append({"mode": "dask LocalCluster", "workers": workers,
                        "wall_s": round(wall, 1), "runs_per_min": round(60 * len(runs) / wall, 1),
                        "rows_match_serial": same})
    for row in results:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
