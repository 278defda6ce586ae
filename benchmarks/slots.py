"""Appointment slots: the best offer against a brute-force search, on the week demo.

The week demo (scenarios/liechtenstein-week) is planned once (or read from
``--schedule``). Then for each of ``--requests`` seeded requests (the address of a
random order of the week, a skill some technician has, 30 to 90 minutes) two answers
are computed on the same plan and matrix:

* ``offer``: :func:`optimizer.slots.offer`, the product (windows of ``--window-h``
  hours, a few cheap-detour positions per route);
* ``brute``: the request at every position of every route of every shift of the
  week, with its start free and held to each window of the day in turn, each timed by
  the verifier's simulation (:func:`optimizer.solver.extract.timed_route`, the published visits
  held at their starts or later, as the offers hold them); the cheapest feasible
  insertion.

Both costs are the same money (the model's objective of the route, with minus without
the visit). It prints one JSON line per request and a summary: the best offer's gap to
the brute force (``(offer - brute) / brute``) and the time of each.

    python benchmarks/slots.py [--requests 50] [--schedule maps_output/.../schedule.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

from optimizer import api
from optimizer.model import WorkOrder, shift_date
from optimizer.slots import (
    candidate_windows,
    offer,
    planned_orders,
    with_request,
)
from optimizer.solver.balance import deviation_cost
from optimizer.solver.costs import route_cost
from optimizer.solver.extract import timed_route

WEEK = Path(__file__).parents[1] / "scenarios" / "liechtenstein-week"


def brute_force(problem, matrix, schedule, request: WorkOrder, days: int = 5,
                window_h: float = 2.0) -> float | None:
    """The cheapest feasible insertion of ``request`` anywhere in the first ``days``
    working days, or None: every position of every route of a qualified technician, with
    the request's start left free and held to each window of its day in turn (a later
    start can shorten a route's span: the simulation starts every visit as early as it
    can)."""
    problem = with_request(problem, request)
    if problem.weights.balance is not None:  # the objective's balance part, at the plan's
        problem = replace(problem, work_targets_s=schedule.meta.work_targets_s)  # targets
    working = sorted({shift_date(s) for s in problem.shifts})[:days]
    routes = {r.shift_id: r for r in schedule.routes}
    tech_ok = {t.tech_id for t in problem.technicians
               if request.required_skills <= t.skills and request.required_parts <= t.van_stock
               and t.tech_id not in request.excluded_techs}
    best = None
    for day in working:
        shifts = [s for s in problem.shifts if shift_date(s) == day and s.tech_id in tech_ok]
        if not shifts:
            continue
        variants = [request] + [replace(request, time_windows=(w,))
                                for w in candidate_windows(problem, shifts, window_h)]
        for shift in shifts:
            published = routes.get(shift.shift_id)
            planned = planned_orders(problem, published)
            # the published route as it stands, or the shift idle (its balance cost)
            base_cost = (route_cost(problem, published) if planned
                         else deviation_cost(problem, shift, None, problem.work_targets_s))
            for variant in variants:
                trial = with_request(problem, variant)
                for i in range(len(planned) + 1):
                    new = timed_route(trial, matrix, shift,
                                      [*planned[:i], variant, *planned[i:]])
                    if new is not None:
                        cost = route_cost(trial, new) - base_cost
                        best = cost if best is None else min(best, cost)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window-h", type=float, default=2.0)
    parser.add_argument("--schedule", type=Path, help="a schedule.json of the week demo")
    args = parser.parse_args()
    began = time.monotonic()
    if args.schedule:
        context = api.slot_context(args.schedule, WorkOrder("probe", "", None, 0))
        problem, matrix, schedule = context.problem, context.matrix, context.schedule
    else:
        result = api.solve_scenario(WEEK)
        problem, matrix, schedule = result.problem, result.matrix, result.schedule
    print(json.dumps({"plan_s": round(time.monotonic() - began, 1)}))
    rng = random.Random(args.seed)
    skills = sorted({s for t in problem.technicians for s in t.skills})
    gaps, offer_s, brute_s = [], [], []
    for k in range(args.requests):
        template = rng.choice([o for o in problem.orders if o.location is not None])
        request = WorkOrder(f"REQ-{k}", "request", template.location,
                            rng.choice([30, 45, 60, 90]),
                            required_skills=frozenset({rng.choice(skills)}))
        t = time.monotonic()
        offers = offer(problem, matrix, schedule, request, slots=1, window_h=args.window_h)
        offer_s.append(time.monotonic() - t)
        t = time.monotonic()
        brute = brute_force(problem, matrix, schedule, request, window_h=args.window_h)
        brute_s.append(time.monotonic() - t)
        best = offers[0].marginal_cost if offers else None
        gap = None
        if best is not None and brute is not None:
            gap = (best - brute) / abs(brute) if abs(brute) > 1e-9 else best - brute
            gaps.append(gap)
        print(json.dumps({"request": k, "offer": best, "brute": None if brute is None
                          else round(brute, 2), "gap_pct": None if gap is None
                          else round(100 * gap, 2), "offer_s": round(offer_s[-1], 3),
                          "brute_s": round(brute_s[-1], 3)}))
    print(json.dumps({
        "requests": args.requests, "compared": len(gaps),
        "gap_pct_mean": round(100 * statistics.mean(gaps), 2) if gaps else None,
        "gap_pct_max": round(100 * max(gaps), 2) if gaps else None,
        "within_5pct": sum(g <= 0.05 for g in gaps),
        "offer_s_mean": round(statistics.mean(offer_s), 3),
        "offer_s_max": round(max(offer_s), 3),
        "brute_s_mean": round(statistics.mean(brute_s), 3),
    }))


if __name__ == "__main__":
    main()
