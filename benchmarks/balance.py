"""Workload balance on the demo: km against the spread of utilisation, at several settings.

Each run plans the demo through the product's own path (``api.solve_scenario``) with
``[objective] balance`` set to each value (``off`` = None), checks the plan with the
verifier, and prints one JSON line; then the median per setting (range in brackets)
and the change against off.

    python benchmarks/balance.py [--runs 3] [--settings off,10,20,40] [--time-limit S] \
        [--seeds 0,1,2,3]

``--seeds`` repeats every run with each ``--seed`` (which first-solution strategy the
second search starts from): on a quiet machine one seed gives the same plan every run,
so the seeds show the spread a user meets. Each setting is compared with balance off
under the same seed; the last line counts the seeds that meet the issue's acceptance
(spread at most half of off's, for at most 5 % more km).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from optimizer import api
from optimizer.io.load import load_scenario
from optimizer.solver.verify import verify

DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"


def one_run(loaded, balance: float | None, time_limit_s: float | None,
            seed: int | None = None) -> dict:
    problem = replace(loaded.problem, weights=replace(loaded.problem.weights, balance=balance))
    began = time.monotonic()
    result = api.solve_scenario(replace(loaded, problem=problem), time_limit_s=time_limit_s,
                                seed=seed)
    wall_s = time.monotonic() - began
    k = result.schedule.kpis
    issues = verify(result.problem, result.matrix, result.schedule)
    return {"balance": balance, "seed": seed, "km": round(k.travel_km, 1),
            "spread_pp": round(k.utilisation_max_pct - k.utilisation_min_pct, 1),
            "std_pp": k.utilisation_std_pct, "min_pct": k.utilisation_min_pct,
            "max_pct": k.utilisation_max_pct, "unassigned": len(result.schedule.unassigned),
            "balance_cost": k.balance_cost, "status": result.schedule.meta.status,
            "wall_s": round(wall_s, 1), "verify_issues": len(issues)}


def _median(rows, key):
    values = [r[key] for r in rows]
    return statistics.median(values), min(values), max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settings", default="off,10,20,40")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds (default: the demo's own)")
    parser.add_argument("--seeds", default=None,
                        help="comma-separated seeds (default: the demo's own)")
    args = parser.parse_args()
    seeds = [None] if args.seeds is None else [int(x) for x in args.seeds.split(",")]
    loaded = load_scenario(DEMO)
    settings = [None if s == "off" else float(s) for s in args.settings.split(",")]
    rows: dict = {s: [] for s in settings}
    for _ in range(args.runs):  # interleaved, so that load changes hit every setting
        for seed in seeds:
            for s in settings:
                row = one_run(loaded, s, args.time_limit, seed)
                rows[s].append(row)
                print(json.dumps(row), flush=True)
    base = statistics.median(r["km"] for r in rows[None]) if None in rows else None
    base_spread = statistics.median(r["spread_pp"] for r in rows[None]) if None in rows \
        else None
    for s in settings:
        km, km_lo, km_hi = _median(rows[s], "km")
        sp, sp_lo, sp_hi = _median(rows[s], "spread_pp")
        std = statistics.median(r["std_pp"] for r in rows[s])
        line = (f"balance={s if s is not None else 'off'}: km {km} ({km_lo}-{km_hi}), "
                f"spread {sp} ({sp_lo}-{sp_hi}), std {std}")
        if base:
            line += f", km {100 * (km / base - 1):+.1f} %, spread " \
                    f"{100 * (sp / base_spread - 1):+.0f} %"
        print(line, flush=True)
    if None not in rows:
        return
    for s in settings:
        if s is None:
            continue
        met = sum(r["km"] <= 1.05 * off["km"] and r["spread_pp"] <= off["spread_pp"] / 2
                  for r, off in zip(rows[s], rows[None], strict=True))
        print(f"balance={s}: acceptance met in {met} of {len(rows[s])} runs "
              "(against balance off with the same seed and run)")


if __name__ == "__main__":
    main()
