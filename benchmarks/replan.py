"""Re-planning: time and disruption for seeded events on the demo, against planning from scratch.

For each seed, a disruption happens at a random time between 10:00 and 14:00:
an emergency order (critical, due 2 h later), a technician going home sick, a
job overrunning by 45 minutes, or a cancellation. The same rest-of-day problem
is then solved twice with the same time limit:

* ``replan``: the product's re-plan, warm-started from the published routes and
  charging for moved and retimed orders;
* ``scratch``: the same problem with no warm start and no promises, as a
  dispatcher would get by re-running the planner on what is left.

It prints one JSON line per run and a summary: wall time, orders moved to
another technician, retimed by more than the tolerance, newly unassigned.

    python benchmarks/replan.py [--seeds 8] [--time-limit 8]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from optimizer import api
from optimizer.model import Priority
from optimizer.params import SolveParams
from optimizer.replanning import Event, change_list, prepare
from optimizer.solver import solve
from optimizer.solver.verify import verify

DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"
KINDS = ("emergency", "sick", "overrun", "cancelled")


def _event(rng: random.Random, result: api.PlanResult, now):
    kind = KINDS[rng.randrange(len(KINDS))]
    routes = [r for r in result.schedule.routes if any(s.start > now for s in r.stops)]
    route = rng.choice(routes)
    later = [s for s in route.stops if s.start > now]
    if kind == "emergency":
        template = rng.choice(result.problem.orders[:70])
        order = replace(template, order_id=f"EM-{rng.randrange(10**6)}",
                        priority=Priority.CRITICAL, sla_due=now + timedelta(hours=2),
                        time_windows=(), preferred_techs=frozenset(),
                        excluded_techs=frozenset(), required_parts=frozenset())
        return kind, [Event("new_order", order=order)]
    if kind == "sick":
        return kind, [Event("unavailable", tech_id=route.tech_id, time=now)]
    current = [s for s in route.stops if s.start <= now < s.end]
    if kind == "overrun" and current:
        stop = current[0]
        minutes = (stop.end - stop.start).total_seconds() / 60 + 45
        return kind, [Event("in_progress", order_id=stop.order_id,
                            time=stop.end + timedelta(minutes=45)),
                      Event("duration", order_id=stop.order_id, service_min=minutes)]
    return "cancelled", [Event("cancelled", order_id=rng.choice(later).order_id)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--plan-time-limit", type=float, default=30.0)
    args = parser.parse_args()

    day = api.solve_scenario(DEMO, time_limit_s=args.plan_time_limit)
    params = SolveParams(time_limit_s=args.time_limit)
    tolerance = day.problem.weights.retime_tolerance_min
    rows = []
    for seed in range(args.seeds):
        rng = random.Random(seed)
        now = day.problem.day_start + timedelta(hours=10, minutes=rng.randrange(0, 240, 5))
        kind, events = _event(rng, day, now)
        prepared = prepare(day.problem, day.schedule, events, now)
        matrix = api.travel_matrix(prepared.problem, base_dir=DEMO)
        scratch_problem = replace(prepared.problem, orders=tuple(
            replace(o, promised_tech=None, promised_start=None)
            for o in prepared.problem.orders))
        for mode, problem, initial in (("replan", prepared.problem, prepared.initial_routes),
                                       ("scratch", scratch_problem, None)):
            began = time.perf_counter()
            new = solve(problem, matrix, params, initial_routes=initial)
            wall = time.perf_counter() - began
            changes = change_list(day.schedule, prepared, new, tolerance_min=tolerance)
            row = {"seed": seed, "event": kind, "now": f"{now:%H:%M}", "mode": mode,
                   "wall_s": round(wall, 2), "moved": changes.count("moved"),
                   "retimed": changes.count("retimed"),
                   "newly_unassigned": changes.count("newly unassigned", "new, unassigned"),
                   "open_orders": len(prepared.problem.orders),
                   "violations": len(verify(problem, matrix, new))}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\nmode     wall_s  moved  retimed  newly_unassigned  (means over "
          f"{args.seeds} events, time limit {args.time_limit:g} s)")
    for mode in ("replan", "scratch"):
        mine = [r for r in rows if r["mode"] == mode]
        print(f"{mode:8} {statistics.fmean(r['wall_s'] for r in mine):6.2f} "
              f"{statistics.fmean(r['moved'] for r in mine):6.1f} "
              f"{statistics.fmean(r['retimed'] for r in mine):8.1f} "
              f"{statistics.fmean(r['newly_unassigned'] for r in mine):17.1f}")


if __name__ == "__main__":
    main()
