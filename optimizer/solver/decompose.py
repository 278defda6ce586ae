"""Large days as many small problems: regions first, then route-based improvement.

OR-Tools' routing search slows down steeply with size (a first solution of 1,000
orders and 60 shifts took 22 s here, 228 s on a loaded machine with real roads),
while it solves 100-200 orders well in seconds. So a large day is searched piece by
piece, each piece an ordinary :class:`~optimizer.model.Problem` solved by the same
:func:`optimizer.solver.solve` (with ``decompose="off"``), so that every rule holds:

1. **Start.** The pre-check runs once on the whole day. Orders are grouped into
   regions of about :data:`~.regions.REGION_ORDERS` by travel time on the day's own matrix
   (farthest-point seeds refined as k-medoids, sizes capped); shifts are shared out
   by the hours of work near them; an order whose region has no shift it is allowed
   on (a skill only a far technician has) moves to the nearest region that has one,
   and an order with a preferred technician moves to that technician's region when
   the bonus outweighs the detour. Each region is solved on its own.
2. **Improve.** Until the time is up, route-based decomposition (Santini, Schneider,
   Vidal and Vigo, 2023): a seed route, the routes whose centres are nearest to it
   (a few empty shifts among them) and nearby unassigned orders make a sub-problem,
   solved warm-started from its current routes and kept only if the whole plan gets
   cheaper (the objective in money, :mod:`.costs`). Seeds go round the plan so
   that every route is revisited.
3. **One result.** The routes are merged, every dropped order is diagnosed against
   the final routes of every shift allowed to serve it
   (:func:`~optimizer.solver.diagnose.reason_for_dropped`), and orders no shift can
   take keep their pre-check reason.

Sub-problems run in worker processes (:mod:`.pool`), ``params.workers`` at a time, or
on a Dask cluster inside :func:`on_dask`; concurrent ones share no shift and no order.
Each gets a time limit from the time left, so the whole call keeps ``time_limit_s``.
Under a solution limit, the split, the sequence of sub-problems and their count do not
depend on the clock (one improvement pass), so runs repeat exactly.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time as clock
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace

import numpy as np

from optimizer.model import (
    Problem,
    ReasonCode,
    Route,
    Schedule,
    TravelMatrix,
    Unassigned,
    WorkOrder,
)
from optimizer.params import SolveParams
from optimizer.solver.balance import deviation_cost
from optimizer.solver.build import COST_UNITS
from optimizer.solver.costs import drop_cost, route_cost
from optimizer.solver.diagnose import NOT_CHECKED, Screen, reason_for_dropped
from optimizer.solver.meta import solve_meta
from optimizer.solver.pool import Cut, DaskPool, Pool
from optimizer.solver.portfolio import UNFINISHED_STATUSES as UNFINISHED
from optimizer.solver.portfolio import ProgressCallback
from optimizer.solver.precheck import Eligibility, check
from optimizer.solver.regions import split

#: ``decompose="auto"`` splits a day of at least this many orders, under a time limit of at
#: least this many seconds (below, the whole day's search falls back on greedy routes in
#: time, while its regions might not all be solved). Measured on seeded days of
#: ``benchmarks/large.py`` at 30 s: 250 orders came out about even (3 % dearer split),
#: 300 orders 23 % cheaper split, 400 orders 62 % cheaper.
AUTO_MIN_ORDERS = 300
AUTO_MIN_TIME_S = 10.0
#: Orders of an improvement sub-problem (routed orders of its routes), but at least
#: ``SUB_MIN_ROUTES`` routes and at most ``SUB_MAX_SHIFTS`` shifts; unassigned orders added
#: to a sub-problem, at most. With 110 orders alone a day of 35-stop routes got three
#: routes a neighbourhood, too few to move visits between them.
SUB_ORDERS = 110
SUB_MIN_ROUTES = 6
SUB_UNASSIGNED = 30
SUB_MAX_SHIFTS = 14
SUB_EMPTY_SHIFTS = 2
#: Unassigned orders this far (there and back) from a route of the sub-problem come first.
NEAR_S = 3600
#: Share of the time limit the start may take, and the time a sub-problem gets at least
#: and at most in the improvement. The improvement is short of time, not of ideas: with
#: sub-problems of up to 6 s nearly every one found a cheaper plan (1,000 customers,
#: 60 s: 11 of 14 kept), so more and shorter ones cover the plan more often. Measured on
#: twelve 1,000-customer files at 60 s (see docs/benchmarks.md), x PyVRP: up to 6 s
#: 1.052, 2 s 1.042 (with a start of 0.2: 2 s 1.043, 1.5 s no better). A start of 0.2
#: did as well there but served fewer orders on a field-service day of 5,000 (its regions
#: need the time).
START_SHARE = 0.35
#: ... but each region gets this many seconds if the start may take this share for it.
REGION_MIN_S = 2.0
START_MAX_SHARE = 0.8
SUB_MIN_S, SUB_MAX_S = 1.5, 2.0
#: Seconds kept back for the final diagnosis and merge at least, and per unassigned order
#: (per worker) before the first one is timed.
RESERVE_S = 0.5
DIAGNOSE_GUESS_S = 0.02
DIAGNOSE_SAFETY = 2.0
#: The diagnosis is shared among the workers from this many dropped orders, if the day's
#: matrix has at most this many points (it is sent to each in part).
DIAGNOSE_HERE = 40
SHIP_POINTS = 1500
STATUS = "DECOMPOSED"
_FAR = 10**9

log = logging.getLogger(__name__)


_SCHEDULER: ContextVar[str | None] = ContextVar("fsopt_decompose_scheduler", default=None)


@contextlib.contextmanager
def on_dask(address: str | None):
    """Inside this block, decomposed solves run their sub-problems on the Dask cluster whose
    scheduler is at ``address`` (``tcp://host:8786``; ``None``: local worker processes)."""
    token = _SCHEDULER.set(address)
    try:
        yield
    finally:
        _SCHEDULER.reset(token)


def wanted(problem: Problem, params: SolveParams) -> bool:
    """Whether :func:`optimizer.solver.solve` should hand ``problem`` to :func:`solve_large`."""
    if params.decompose == "off" or not problem.shifts or not problem.orders:
        return False
    return params.decompose == "on" or (len(problem.orders) >= AUTO_MIN_ORDERS
                                        and params.time_limit_s >= AUTO_MIN_TIME_S)


def solve_large(problem: Problem, matrix: TravelMatrix, params: SolveParams, *,
                on_solution: ProgressCallback | None = None,
                initial_routes: Mapping[str, Sequence[str]] | None = None) -> Schedule:
    """Plan a large day region by region (see the module docstring); same contract as
    :func:`optimizer.solver.solve`."""
    began = clock.monotonic()
    end = began + params.time_limit_s
    address = _SCHEDULER.get()
    with DaskPool(address) if address else Pool(params.workers) as pool:
        pool.share(matrix)  # once: every job refers to it
        eligibility = check(problem, matrix)
        day = _Day(problem, matrix, eligibility)
        plan = _Plan(day)
        regions = split(day, initial_routes or {})
        jobs = [day.job(shifts, orders, initial_routes or {}, params, 0.0)
                for shifts, orders in regions]
        # the regions' time limits count from now: the workers must be up first
        pool.wait_ready(began + START_MAX_SHARE * params.time_limit_s)
        waves = -(-len(jobs) // pool.slots)
        limit, now = params.time_limit_s, clock.monotonic()
        budget = max(0.2, (began + START_SHARE * limit - now) / waves,
                     min(REGION_MIN_S, (began + START_MAX_SHARE * limit - now) / waves))
        for job in jobs:
            job.params = replace(job.params, time_limit_s=budget)
        log.debug("pre-check and split in %.1f s", clock.monotonic() - began)
        answers = _run(pool, jobs, end)
        for job, answer in zip(jobs, answers, strict=True):
            plan.take(job, answer, force=True)
        found = 1
        log.debug("start: %d regions (%s), %.1f s each, done by %.1f s, cost %.0f, %d left out",
                  len(jobs), ", ".join(a.meta.status if a else "failed" for a in answers),
                  budget, clock.monotonic() - began, plan.cost(), len(plan.unrouted))
        if on_solution is not None:
            on_solution(plan.cost(), clock.monotonic() - began, found)
        per_order = _time_diagnosis(day, plan)
        rng = random.Random(params.seed)
        passes = 0
        while params.solution_limit is None or passes < 1:
            passes += 1
            improved = _improve_pass(day, plan, pool, params, rng, began, end, per_order)
            if improved is None:
                break
            if improved and on_solution is not None:
                found += 1
                on_solution(plan.cost(), clock.monotonic() - began, found)
        log.debug("improved until %.1f s (%d passes), cost %.0f, %d left out; diagnosis "
                  "timed at %.3f s an order", clock.monotonic() - began, passes, plan.cost(),
                  len(plan.unrouted), per_order)
        unassigned = _diagnose(day, plan, pool, end)
        log.debug("diagnosed by %.1f s", clock.monotonic() - began)
    routes = tuple(plan.routes[k] for k in sorted(plan.routes))
    return Schedule(
        problem_name=problem.name, plan_date=problem.plan_date, timezone=problem.timezone,
        routes=routes,
        unassigned=tuple(Unassigned(o.order_id, unassigned[o.order_id][1],
                                    unassigned[o.order_id][0])
                         for o in problem.orders if o.order_id in unassigned),
        meta=solve_meta(params, matrix.source, STATUS, round(plan.cost() * COST_UNITS),
                        began),
    )


class _Day:
    """The whole problem, its pre-check and travel arrays, and how to cut a piece out."""

    def __init__(self, problem: Problem, matrix: TravelMatrix, eligibility: Eligibility):
        self.problem, self.matrix, self.eligibility = problem, matrix, eligibility
        self.travel = np.asarray(matrix.travel_s)
        self.distance = np.asarray(matrix.distance_m)
        self.reachable = None if matrix.reachable is None else np.asarray(matrix.reachable, bool)
        self.routable = [o for o in problem.orders if o.order_id in eligibility.allowed]
        self.point = {o.order_id: matrix.index(o.location) for o in self.routable}
        self.start_point = [matrix.index(s.start_location) for s in problem.shifts]

    def gap(self, a, b) -> np.ndarray:
        """Travel there and back between matrix points ``a`` (rows) and ``b`` (columns)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        there, back = self.travel[np.ix_(a, b)], self.travel[np.ix_(b, a)].T
        total = there.astype(np.int64) + back
        if self.reachable is not None:
            ok = self.reachable[np.ix_(a, b)] & self.reachable[np.ix_(b, a)].T
            total = np.where(ok, total, _FAR)
        return total

    def submatrix(self, locations) -> Cut:
        """The day's matrix cut down to ``locations``, as a reference the pool resolves
        (on a Dask cluster the day's matrix is on every worker already)."""
        points = tuple(dict.fromkeys(locations))
        idx = np.fromiter((self.matrix.index(p) for p in points), dtype=np.int64,
                          count=len(points))
        return Cut(points, idx)

    def job(self, shifts: Sequence[int], order_ids, initial: Mapping[str, Sequence[str]],
            params: SolveParams, time_limit_s: float) -> _Job:
        """The sub-problem of these shift positions and orders, ready for a worker."""
        problem = self.problem
        wanted_ids = set(order_ids)
        orders = tuple(o for o in self.routable if o.order_id in wanted_ids)
        picked = tuple(problem.shifts[k] for k in sorted(shifts))
        tech_ids = {s.tech_id for s in picked}
        sub = replace(problem, orders=orders, shifts=picked, roster=(), absences=(),
                      technicians=tuple(t for t in problem.technicians if t.tech_id in tech_ids))
        matrix = self.submatrix([*(o.location for o in orders),
                                 *(p for s in picked for p in (s.start_location, s.end_location))])
        warm = {s.shift_id: list(initial[s.shift_id]) for s in picked if initial.get(s.shift_id)}
        sub_params = replace(params, time_limit_s=max(0.05, time_limit_s), decompose="off",
                             workers=1, log_search=False)
        return _Job(sub, matrix, sub_params, warm, tuple(sorted(shifts)), wanted_ids)


@dataclass(slots=True)
class _Job:
    problem: Problem
    matrix: Cut
    params: SolveParams
    initial_routes: dict[str, list[str]]
    shifts: tuple[int, ...]
    orders: set[str]

    def payload(self) -> tuple:
        return ("solve", self.problem, self.matrix, self.params, self.initial_routes or None)


def _run(pool: Pool, jobs: Sequence[_Job], end: float) -> list:
    """Solve the jobs (each within its own time limit); a Schedule or None for each."""
    return pool.run([job.payload() for job in jobs], [job.params.time_limit_s for job in jobs],
                    end)


class _Plan:
    """The current routes (by shift position) and the routable orders left out."""

    def __init__(self, day: _Day) -> None:
        self.day = day
        self.routes: dict[int, Route] = {}
        self.unrouted: set[str] = {o.order_id for o in day.routable}
        #: Shift positions each order was searched together with (in sub-problems whose
        #: search finished): "cheaper to leave out" is said only of an order searched with
        #: a shift it could fit with.
        self.weighed: dict[str, set[int]] = {}
        self._position = {s.shift_id: k for k, s in enumerate(day.problem.shifts)}
        #: Each shift's share of the objective: its route's cost, or an idle shift's
        #: (balance: its hours below target).
        self._idle = [deviation_cost(day.problem, s, None, day.problem.work_targets_s)
                      for s in day.problem.shifts]
        self._costs: dict[int, float] = dict(enumerate(self._idle))

    def cost(self) -> float:
        drop = sum(drop_cost(self.day.problem, self.day.problem.order(oid))
                   for oid in self.unrouted)
        return sum(self._costs.values()) + drop

    def part_cost(self, shifts, order_ids) -> float:
        """The cost of these shifts (their routes, or idle) plus the drop costs of these
        orders left out."""
        problem = self.day.problem
        return sum(self._costs[k] for k in shifts) + sum(
            drop_cost(problem, problem.order(oid)) for oid in order_ids if oid in self.unrouted)

    def take(self, job: _Job, schedule: Schedule | None, *, force: bool = False) -> bool:
        """Put the job's answer into the plan if it is cheaper (or ``force``); True if it was."""
        if schedule is None:
            return False
        if schedule.meta.status not in UNFINISHED:
            for oid in job.orders:
                self.weighed.setdefault(oid, set()).update(job.shifts)
        problem = self.day.problem
        new_costs = {k: self._idle[k] for k in job.shifts}
        new_costs |= {self._position[r.shift_id]: route_cost(problem, r) for r in schedule.routes}
        routed = {s.order_id for r in schedule.routes for s in r.stops}
        new = sum(new_costs.values()) + sum(drop_cost(problem, problem.order(oid))
                                            for oid in job.orders - routed)
        if not force and new >= self.part_cost(job.shifts, job.orders) - 1e-6:
            return False
        for k in job.shifts:
            self.routes.pop(k, None)
        self._costs |= new_costs
        for route in schedule.routes:
            self.routes[self._position[route.shift_id]] = route
        self.unrouted -= routed
        self.unrouted |= job.orders - routed
        return True


# -- the improvement: route-based neighbourhoods ------------------------------------------------

def _improve_pass(day: _Day, plan: _Plan, pool: Pool, params: SolveParams, rng: random.Random,
                  began: float, end: float, per_order: float) -> bool | None:
    """One pass of seeds over every route; True if the plan improved, None if time is up
    or there is no route to start from (nothing would change: stop, don't spin)."""
    if not plan.routes:
        return None
    seeds = sorted(plan.routes)
    rng.shuffle(seeds)
    covered: set[int] = set()
    improved = False
    while True:
        left = [k for k in seeds if k not in covered and k in plan.routes]
        if not left:
            return improved
        reserve = RESERVE_S + DIAGNOSE_SAFETY * per_order * len(plan.unrouted) / pool.slots
        now = clock.monotonic()
        room = end - reserve - now
        # jobs of a batch run ``pool.slots`` at a time
        stops = sum(len(r.stops) for r in plan.routes.values()) / max(1, len(plan.routes))
        per_sub = min(SUB_MAX_SHIFTS, max(SUB_MIN_ROUTES, round(SUB_ORDERS / max(1.0, stops))))
        batches_left = max(1, -(-len(left) // (pool.size * per_sub)))
        share = pool.slots / pool.size
        if room * share < SUB_MIN_S and (params.solution_limit is None or room <= 0):
            return None
        budget = min(SUB_MAX_S, max(SUB_MIN_S, room / batches_left) * share, room * share)
        jobs, taken, taken_orders = [], set(), set()
        for seed in left:
            if len(jobs) == pool.size:
                break
            if seed in taken:
                continue
            shifts, extra = _neighbourhood(day, plan, seed, taken, taken_orders)
            taken |= set(shifts)
            taken_orders |= extra
            covered |= set(shifts)
            ids = {s.order_id for k in shifts if k in plan.routes for s in plan.routes[k].stops}
            initial = {day.problem.shifts[k].shift_id: [s.order_id for s in plan.routes[k].stops]
                       for k in shifts if k in plan.routes}
            jobs.append(day.job(shifts, ids | extra, initial, params, budget))
        for job, answer in zip(jobs, _run(pool, jobs, end), strict=True):
            kept = plan.take(job, answer)
            improved |= kept
            log.debug("%.1f s: %d shifts, %d orders, %.1f s: %s (%s left out)",
                      clock.monotonic() - began, len(job.shifts), len(job.orders), budget,
                      "kept" if kept else "no gain" if answer else "failed",
                      len(answer.unassigned) if answer else "-")


def _centre(day: _Day, plan: _Plan, k: int) -> int:
    """A route's medoid stop (matrix point); an empty shift's start."""
    route = plan.routes.get(k)
    if route is None:
        return day.start_point[k]
    points = [day.point[s.order_id] for s in route.stops]
    return points[int(np.argmin(day.gap(points, points).sum(axis=1)))]


def _neighbourhood(day: _Day, plan: _Plan, seed: int, taken: set[int],
                   taken_orders: set[str]) -> tuple[list[int], set[str]]:
    """The seed's shift, the nearest routes (and a few empty shifts), and unassigned orders
    near them that one of these shifts may serve."""
    n_shifts = len(day.problem.shifts)
    centres = [_centre(day, plan, k) for k in range(n_shifts)]
    gap = day.gap([centres[seed]], centres)[0]
    chosen, orders, empties = [seed], len(plan.routes[seed].stops), 0
    for k in np.argsort(gap, kind="stable"):
        k = int(k)
        if k == seed or k in taken:
            continue
        routes = len(chosen) - empties
        if (orders >= SUB_ORDERS and routes >= SUB_MIN_ROUTES) or len(chosen) >= SUB_MAX_SHIFTS:
            break
        if k not in plan.routes:
            if empties >= SUB_EMPTY_SHIFTS:
                continue
            empties += 1
        chosen.append(k)
        orders += len(plan.routes[k].stops) if k in plan.routes else 0
    chosen_set = set(chosen)
    candidates = [oid for oid in sorted(plan.unrouted) if oid not in taken_orders
                  and chosen_set.intersection(day.eligibility.allowed[oid])]
    if candidates:
        # the most urgent first (a critical order before a dozen normal ones), among those
        # no further from a chosen route than the neighbourhood reaches
        closest = day.gap([day.point[o] for o in candidates],
                          [centres[k] for k in chosen]).min(axis=1)
        reach = max(NEAR_S, 2 * max(int(gap[k]) for k in chosen))
        problem = day.problem
        ranked = sorted((closest[i] > reach, -drop_cost(problem, problem.order(oid)),
                         closest[i], oid) for i, oid in enumerate(candidates))
        candidates = [oid for *_, oid in ranked[:SUB_UNASSIGNED]]
    return chosen, set(candidates)


# -- the result ---------------------------------------------------------------------------------

def _time_diagnosis(day: _Day, plan: _Plan, sample: int = 5) -> float:
    """Seconds one dropped order's diagnosis takes on this plan (a few timed)."""
    ids = sorted(plan.unrouted)
    ids = ids[::max(1, len(ids) // sample)][:sample]
    if not ids:
        return DIAGNOSE_GUESS_S
    by_shift = {r.shift_id: r for r in plan.routes.values()}
    began = clock.monotonic()
    screen = Screen(day.problem, day.matrix, by_shift)
    for oid in ids:
        reason_for_dropped(day.problem, day.matrix, day.problem.order(oid),
                           day.eligibility.allowed[oid], by_shift, screen=screen)
    return (clock.monotonic() - began) / len(ids)


def _diagnose(day: _Day, plan: _Plan, pool: Pool, deadline: float
              ) -> dict[str, tuple[ReasonCode, str]]:
    """A reason for every order not on a route, true of the final routes.

    Split among the workers when the day's matrix is small enough to send (each needs
    the routes of every shift allowed to serve its orders, that is most of the day);
    here otherwise. Orders still waiting at ``deadline`` are said not to be checked.
    """
    reasons = dict(day.eligibility.reasons)
    ids = sorted(plan.unrouted)
    by_shift = {r.shift_id: r for r in plan.routes.values()}
    if pool.slots > 1 and len(ids) > DIAGNOSE_HERE and len(day.matrix.points) <= SHIP_POINTS:
        jobs = [_diagnosis_job(day, plan, ids[k::pool.slots], by_shift)
                for k in range(pool.slots)]
        limit = max(0.0, deadline - clock.monotonic())
        for job, answer in zip(jobs, pool.run(jobs, [limit] * len(jobs), deadline),
                               strict=True):
            answered = answer if isinstance(answer, dict) else {}
            for oid, _, _ in job[3]:
                reasons[oid] = answered.get(oid, NOT_CHECKED)
        return reasons
    problem = day.problem
    screen = Screen(problem, day.matrix, by_shift)
    for oid in ids:
        if clock.monotonic() > deadline:
            reasons[oid] = NOT_CHECKED
            continue
        reasons[oid] = reason_for_dropped(problem, day.matrix, problem.order(oid),
                                          day.eligibility.allowed[oid], by_shift,
                                          finished=_weighed(screen, problem.order(oid),
                                                            plan.weighed.get(oid, ())),
                                          screen=screen)
    return reasons


def _diagnosis_job(day: _Day, plan: _Plan, chunk: list[str], by_shift) -> tuple:
    """A worker's share of the diagnosis: its orders, their allowed shifts and routes."""
    shifts = sorted({k for oid in chunk for k in day.eligibility.allowed[oid]})
    on_routes = {s.order_id for k in shifts if k in plan.routes for s in plan.routes[k].stops}
    job = day.job(shifts, set(chunk) | on_routes, {}, SolveParams(), 1.0)
    position = {k: p for p, k in enumerate(shifts)}
    items = [(oid, tuple(position[k] for k in day.eligibility.allowed[oid]),
              {position[k] for k in plan.weighed.get(oid, ()) if k in position})
             for oid in chunk]
    routes = {s: by_shift[s] for s in (day.problem.shifts[k].shift_id for k in shifts)
              if s in by_shift}
    return ("diagnose", job.problem, job.matrix, items, routes)


def diagnose_items(problem: Problem, matrix: TravelMatrix, items, routes
                   ) -> dict[str, tuple[ReasonCode, str]]:
    """Run in a worker: reasons for ``(order id, allowed shift positions, searched with)``."""
    screen = Screen(problem, matrix, routes)
    return {oid: reason_for_dropped(problem, matrix, problem.order(oid), allowed, routes,
                                    finished=_weighed(screen, problem.order(oid), weighed),
                                    screen=screen)
            for oid, allowed, weighed in items}


def _weighed(screen: Screen, order: WorkOrder, searched_with) -> bool:
    """Whether the order was searched together with a shift that might still take it."""
    return any(k in searched_with for k, positions in screen.positions(order).items()
               if positions)
