"""The start of a decomposed solve: a large day split into regions by travel time.

Orders are grouped around farthest-point seeds refined as k-medoids on the day's own
matrix (travel there and back), with capped region sizes; shifts are shared out by
hours of work; an order moves to the nearest region with a shift allowed to serve it,
or to its preferred technician's region when the bonus outweighs the detour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from optimizer.model import Problem, WorkOrder
from optimizer.solver.timing import to_s

if TYPE_CHECKING:
    from optimizer.solver.decompose import _Day

#: Orders per region of the start. Smaller regions get their first solutions sooner and
#: leave more of the time to the improvement, which joins their routes again: on the
#: 1,000-customer files at 60 s, the long-route classes came to 1.054 of PyVRP's distance
#: with 70, 1.057 with 100 (improvement sub-problems of 250 orders), 1.075 with 150 and
#: 1.113 with 300 (sub-problems of 220).
REGION_ORDERS = 100
#: A region holds at most this multiple of its share of the orders (before the moves
#: for skills and preferred technicians).
REGION_CAP = 1.3


def split(day: _Day, initial: Mapping[str, Sequence[str]]) -> list[tuple[list[int], list[str]]]:
    """Regions as (shift positions, order ids), each with at least one shift.

    Deterministic: seeds, ties and the order of everything follow the problem's order.
    """
    problem, orders = day.problem, day.routable
    n_regions = max(1, min(len(problem.shifts), round(len(orders) / REGION_ORDERS)))
    if n_regions == 1 or not orders:
        return [(list(range(len(problem.shifts))), [o.order_id for o in orders])]
    points = np.array([day.point[o.order_id] for o in orders], dtype=np.int64)
    centres = _medoids(day, points, n_regions)
    gap = day.gap(points, centres)  # orders x regions
    member = _balanced(gap, REGION_CAP * len(orders) / n_regions)
    shift_region = _share_shifts(day, centres, member, orders)
    regions_of_shift = np.asarray(shift_region)
    # orders on a warm start's route go with that shift
    on_route = {oid: problem_pos for problem_pos, s in enumerate(problem.shifts)
                for oid in initial.get(s.shift_id, ())}
    bonus_s = _bonus_seconds(problem)
    for i, order in enumerate(orders):
        allowed = day.eligibility.allowed[order.order_id]
        k = on_route.get(order.order_id)
        if k is not None and k in allowed:
            member[i] = shift_region[k]
            continue
        has = np.zeros(len(centres), dtype=bool)
        has[regions_of_shift[list(allowed)]] = True
        preferred = np.zeros(len(centres), dtype=bool)
        if order.preferred_techs and bonus_s > 0:
            ks = [k for k in allowed if problem.shifts[k].tech_id in order.preferred_techs]
            preferred[regions_of_shift[ks]] = True
        score = np.where(has, gap[i] / 2 - bonus_s * preferred, np.inf)
        if not has[member[i]] or (preferred.any() and not preferred[member[i]]):
            member[i] = int(np.argmin(score))
    regions = []
    for r in range(len(centres)):
        shifts = [k for k, region in enumerate(shift_region) if region == r]
        ids = [o.order_id for o, m in zip(orders, member, strict=True) if m == r]
        if shifts:
            regions.append((shifts, ids))
    return regions


def _medoids(day: _Day, points: np.ndarray, n: int, rounds: int = 3) -> np.ndarray:
    """``n`` matrix points among ``points``: farthest-point seeds, then k-medoids rounds."""
    seeds = [int(points[0])]
    nearest = day.gap(points, seeds)[:, 0]
    seeds = [int(points[int(np.argmax(nearest))])]
    nearest = day.gap(points, seeds)[:, 0]
    while len(seeds) < n:
        seeds.append(int(points[int(np.argmax(nearest))]))
        nearest = np.minimum(nearest, day.gap(points, seeds[-1:])[:, 0])
    centres = np.array(seeds, dtype=np.int64)
    for _ in range(rounds):
        member = np.argmin(day.gap(points, centres), axis=1)
        for r in range(n):
            group = np.unique(points[member == r])
            if len(group) == 0:
                continue
            sample = group[:: max(1, len(group) // 300)]
            centres[r] = sample[int(np.argmin(day.gap(sample, group).sum(axis=1)))]
    return centres


def _balanced(gap: np.ndarray, cap: float) -> np.ndarray:
    """Each order to its nearest region with room; orders that care most choose first."""
    n, k = gap.shape
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    ranked = np.argsort(gap, axis=1, kind="stable")
    best = np.take_along_axis(gap, ranked[:, :2], axis=1)
    regret = best[:, 1] - best[:, 0]
    member = np.zeros(n, dtype=np.int64)
    room = np.full(k, int(np.ceil(cap)))
    for i in np.argsort(-regret, kind="stable"):
        for r in ranked[i]:
            if room[r] > 0:
                member[i] = r
                room[r] -= 1
                break
    return member


def _share_shifts(day: _Day, centres, member, orders: Sequence[WorkOrder]) -> list[int]:
    """A region for every shift: the nearest one still short of its share of the hours."""
    problem = day.problem
    work = np.zeros(len(centres))
    for m, order in zip(member, orders, strict=True):
        work[m] += order.service_min + 15.0  # and about a quarter of an hour of travel
    hours = np.array([max(1.0, (to_s(problem, s.end) - to_s(problem, s.start)) / 60)
                      for s in problem.shifts])
    target = work / work.sum() * hours.sum()
    gap = day.gap(day.start_point, centres)  # shifts x regions
    pairs = sorted((int(gap[k, r]), k, r) for k in range(len(problem.shifts))
                   for r in range(len(centres)))
    region = [-1] * len(problem.shifts)
    given = np.zeros(len(centres))
    for _, k, r in pairs:
        if region[k] < 0 and given[r] < target[r]:
            region[k] = r
            given[r] += hours[k]
    for k in range(len(region)):
        if region[k] < 0:
            region[k] = int(np.argmin(gap[k]))
    return region


def _bonus_seconds(problem: Problem) -> float:
    """The preferred-technician bonus as seconds of driving (at the fleet's mean rates)."""
    techs = problem.technicians
    if not techs or problem.weights.preferred_tech_bonus <= 0:
        return 0.0
    per_s = sum(t.cost_per_hour / 3600 for t in techs) / len(techs)
    return problem.weights.preferred_tech_bonus / max(per_s, 1e-9)
