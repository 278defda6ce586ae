"""A quick first schedule built with numpy, the safety net under the search.

OR-Tools' insertion heuristics grow steeply with size: on 1000 orders with
tight windows the first solution alone took 4 to 5 s here, so a short time
limit could end before the search had anything to return. This module builds
routes in a fraction of that time, the way Solomon's nearest-neighbour
heuristic does: each shift in turn, from its start, repeatedly drives to the
allowed order that it can start soonest (travel plus waiting, with a pull
towards orders whose window closes first), as long as the order's window,
the van's capacity, the shift end (with overtime) and the next break still
allow it. A break is taken before driving on when an order cannot otherwise be
reached with the break still possible after it. Priority pulls too
(:data:`PRIORITY_PULL_S`): when time runs short this is the plan, and it must
serve critical and high orders before it fills the day with the rest.

The result is only a candidate: :func:`optimizer.solver.warm.feasible_routes`
re-checks every route exactly (all breaks, every window) before OR-Tools reads
it, and orders left out are simply unassigned.
"""

from __future__ import annotations

import numpy as np

from optimizer.model import Priority, Problem, TravelMatrix
from optimizer.solver.build import BuiltModel, Frame
from optimizer.solver.precheck import Eligibility
from optimizer.solver.timing import (
    breaks_s,
    leave_factors,
    overhead_s,
    service_s,
    to_s,
    windows_s,
)

#: Weight of the time left until the order's window closes, against travel plus waiting.
URGENCY_WEIGHT = 0.1
#: Seconds of travel and waiting an order's priority is worth in the choice of the next
#: stop: a critical order is taken before a normal one up to four hours closer.
PRIORITY_PULL_S = {Priority.CRITICAL: 4 * 3600, Priority.HIGH: 3600, Priority.NORMAL: 0,
                   Priority.LOW: 0}
_NEVER = np.int64(1) << 50


def greedy_routes(problem: Problem, matrix: TravelMatrix, built: BuiltModel | Frame,
                  eligibility: Eligibility) -> list[list[str]]:
    """Order ids per shift position (``built.shifts``), in visiting order."""
    orders = built.orders
    n = len(orders)
    routes: list[list[str]] = [[] for _ in built.shifts]
    if n == 0:
        return routes
    points = np.array([matrix.index(o.location) for o in orders], dtype=np.int64)
    demand = np.array([o.demand for o in orders], dtype=np.int64)
    parking = np.array([overhead_s(problem, o) for o in orders], dtype=np.int64)
    windows = [windows_s(problem, o) for o in orders]
    width = max(len(w) for w in windows)
    win_start = np.full((n, width), _NEVER, dtype=np.int64)
    win_end = np.full((n, width), -1, dtype=np.int64)
    for i, spans in enumerate(windows):
        for j, (start, end) in enumerate(spans):
            win_start[i, j], win_end[i, j] = start, end
    closes = win_end.max(axis=1)
    pull = np.array([PRIORITY_PULL_S[o.priority] for o in orders], dtype=np.int64)
    allowed = np.zeros((n, len(built.shifts)), dtype=bool)
    for i, order in enumerate(orders):
        allowed[i, list(eligibility.allowed[order.order_id])] = True
    base = np.asarray(matrix.travel_s, dtype=np.int64)
    if matrix.reachable is not None:
        base = np.where(np.asarray(matrix.reachable, dtype=bool), base, _NEVER)
    travel_by_speed: dict[float, np.ndarray] = {}
    service_by_efficiency: dict[float, np.ndarray] = {}
    free = np.ones(n, dtype=bool)

    for v, (shift, tech) in enumerate(zip(built.shifts, built.techs, strict=True)):
        if not (free & allowed[:, v]).any():
            continue
        if tech.speed_factor not in travel_by_speed:
            travel_by_speed[tech.speed_factor] = base if tech.speed_factor == 1.0 else \
                np.where(base >= _NEVER, _NEVER, np.rint(base / tech.speed_factor)).astype(np.int64)
        travel = travel_by_speed[tech.speed_factor]
        if tech.efficiency not in service_by_efficiency:
            service_by_efficiency[tech.efficiency] = np.array(
                [service_s(o, tech) for o in orders], dtype=np.int64)
        service = service_by_efficiency[tech.efficiency]
        end_point = matrix.index(shift.end_location)
        to_end = travel[points, end_point]
        here_factor, order_factors = 1.0, None
        if problem.travel.peaks:  # legs at the peak factor of where they leave from
            here_factor, *factors = leave_factors(problem, shift, tech, [None, *orders])
            order_factors = np.asarray(factors, dtype=np.float64)
            to_end = _scaled(base[points, end_point], tech.speed_factor * order_factors)
        latest_return = to_s(problem, shift.end) + int(shift.max_overtime_min * 60)
        capacity = tech.capacity
        pending = list(breaks_s(problem, shift))
        here, now, load = matrix.index(shift.start_location), to_s(problem, shift.start), 0
        while True:
            mask = free & allowed[:, v]
            if capacity is not None:
                mask &= load + demand <= capacity
            cand = np.flatnonzero(mask)
            if cand.size == 0:
                break
            leg = travel[here, points[cand]] if order_factors is None else \
                _scaled(base[here, points[cand]], tech.speed_factor * here_factor)
            leg = leg + np.where(points[cand] != here, parking[cand], 0)
            start, ok = _earliest(now + leg, win_start[cand], win_end[cand])
            finish = start + service[cand]
            ok &= finish + to_end[cand] <= latest_return
            took_break = np.zeros(cand.size, dtype=bool)
            if pending:
                brk = pending[0]
                ok &= finish + brk.duration_s <= brk.latest_end_s  # the break still fits after
                rest_from = max(now, brk.earliest_s)
                if rest_from + brk.duration_s <= brk.latest_end_s:
                    # or: take the break here first, then drive
                    start_b, ok_b = _earliest(rest_from + brk.duration_s + leg,
                                              win_start[cand], win_end[cand])
                    ok_b &= start_b + service[cand] + to_end[cand] <= latest_return
                    took_break = ~ok & ok_b
                    start = np.where(took_break, start_b, start)
                    ok |= ok_b
            if not ok.any():
                break
            # an order without a window closes with the shift, not at the end of time: it
            # was chosen only once no order with a window was left (a critical one too)
            urgency = np.minimum(closes[cand], latest_return) - start
            score = (start - now) + URGENCY_WEIGHT * urgency - pull[cand]
            best = int(np.argmin(np.where(ok, score, np.inf)))
            i = int(cand[best])
            if took_break[best]:
                pending.pop(0)
            routes[v].append(orders[i].order_id)
            free[i] = False
            here, now, load = int(points[i]), int(start[best] + service[i]), load + int(demand[i])
            if order_factors is not None:
                here_factor = float(order_factors[i])
    return routes


def _scaled(base: np.ndarray, speed) -> np.ndarray:
    """Travel seconds at ``speed`` (technician x peak factor), as ``timing.travel_s``
    rounds them; no road stays no road."""
    return np.where(base >= _NEVER, _NEVER, np.rint(base / speed)).astype(np.int64)


def _earliest(ready: np.ndarray, win_start: np.ndarray, win_end: np.ndarray):
    """Per row, the first time at or after ``ready`` inside a window, and whether one exists."""
    starts = np.maximum(ready[:, None], win_start)
    starts = np.where(starts <= win_end, starts, _NEVER)
    start = starts.min(axis=1)
    return start, start < _NEVER
