"""Workload balance: each shift's target of work, and what a deviation from it costs.

*Work* is time on site plus time driving (waiting and breaks are not work): the
same figure as a route's ``service`` plus ``travel``. With ``[objective] balance``
on, every shift has a **target** of work, and each second of work it falls short
of the target costs ``balance / 3600`` (an OR-Tools soft lower bound on the end cumul
of a ``work`` dimension, :mod:`.build`). A shift left without any work pays
for its whole target (``SetVehicleUsedWhenEmpty``: OR-Tools otherwise charges no
cumul cost on an empty route, and an idle technician would cost nothing).

Only the shortfall is priced, not the excess. With total work ``W`` and total target
``T``, the sum of excesses is the sum of shortfalls plus ``W - T``, so pricing both
sides (the first design) cost ``2 x shortfall + balance x (W - T)``: the same pull
towards the mean as the shortfall alone at twice the rate, plus a charge on every hour
of work served. That charge made leaving work out pay: on the demo at 160 per hour,
two low-priority orders of 45 and 120 minutes were dropped (their drop penalty is 300)
while the plan off balance served them. Priced on the shortfall alone, serving an
order never costs balance, and moving work from a busy technician to one below
target still gains ``balance`` per hour. Late
starts are not priced separately: a soft upper bound on each route's start time
derailed the search on the demo (SLA lateness 8,762 instead of 0); filling the
day with work moves the starts instead.

The team's mean is not known before solving, so the target is estimated from the
demand: the work of every order some technician may do (its service time at the
team's mean efficiency, its parking time, plus half the drives in from the two nearest
places a route through it may come from; :func:`demand_s`), shared out in
proportion to the shifts' lengths (so that every shift is asked for the same work per
hour; ``utilisation_pct``, on the same base, counts service alone, so a shift with
longer drives meets its target at a lower utilisation), at most the hours a shift
offers (its length less its breaks and absences), and moved into the technician's
``[min_work_h, max_work_h]``. A technician with the skills for no order has no target. On the demo
(80 orders, 10 technicians, 5 minutes' parking per stop) the estimate is 68.5 h, and
balanced plans held 69.9-73.9 h of work.

``max_work_h`` is a hard limit in every case (the ``work`` dimension's capacity);
``min_work_h`` only raises the target, so it needs ``balance`` on.

The targets go into the problem (:attr:`~optimizer.model.Problem.work_targets_s`)
before the search, so that the regions of a decomposed day and the helper
processes use the team's targets, and into the schedule's meta, from which the
KPIs cost the balance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from optimizer.model import Problem, Route, Schedule, Shift, TravelMatrix
from optimizer.solver.timing import breaks_s, overhead_s, to_s


def available_s(problem: Problem, shift: Shift) -> int:
    """Seconds of work a shift offers: its length less its breaks (overtime not counted)."""
    length = to_s(problem, shift.end) - to_s(problem, shift.start)
    return max(0, length - sum(b.duration_s for b in breaks_s(problem, shift)))


def demand_s(problem: Problem, matrix: TravelMatrix) -> float:
    """Estimated work of the day, for every located order that some technician has the
    skills for: service at the mean efficiency, the order's parking and access time
    (``overhead_s``, counted in a route's work too), and the drive of a route through it.

    The drive is half of the drive in from its nearest other place plus half of the drive
    in from the second nearest, where a place is another order that some technician has
    the skills for together with this one, or the start or end of a shift whose technician
    may do it (orders at one point are entered once, from elsewhere): a route enters and
    leaves every visit, and over a whole tour that sum is a lower bound of its length
    (each visit's two arcs are at least its two shortest among the places a route through
    it may come from). The nearest place of any kind alone, the first estimate, left the
    demo's targets 17 % below the work its plans held; with every shift above its target
    the soft bounds price the team's total work, not its spread."""
    skills = [t.skills for t in problem.technicians]
    orders = [o for o in problem.orders if o.location is not None
              and any(o.required_skills <= s for s in skills)]
    if not orders:
        return 0.0
    efficiency = float(np.mean([t.efficiency for t in problem.technicians]))
    service = sum(o.service_min * 60 * efficiency + overhead_s(problem, o) for o in orders)
    return service + _drive_s(problem, matrix, orders, skills)


def _drive_s(problem: Problem, matrix: TravelMatrix, orders, skills) -> float:
    """Half the drives in to each order from its two nearest possible places (see
    :func:`demand_s`)."""
    needs = sorted({o.required_skills for o in orders}, key=sorted)
    group = np.asarray([needs.index(o.required_skills) for o in orders], dtype=np.int64)
    # two orders may follow each other if one technician has the skills for both
    together = np.asarray([[any(a | b <= s for s in skills) for b in needs] for a in needs],
                          dtype=bool)
    depot_skills: dict[int, list] = {}
    for shift in problem.shifts:
        for location in (shift.start_location, shift.end_location):
            depot_skills.setdefault(matrix.index(location), []).append(
                problem.technician(shift.tech_id).skills)
    depots = sorted(depot_skills)
    from_depot = np.asarray([[any(n <= s for s in depot_skills[d]) for n in needs]
                             for d in depots], dtype=bool).reshape(len(depots), len(needs))
    allowed = np.vstack([together[np.ix_(group, group)], from_depot[:, group]])
    np.fill_diagonal(allowed, False)  # the first rows are the orders themselves
    cols = np.asarray([matrix.index(o.location) for o in orders], dtype=np.int64)
    rows = np.concatenate([cols, np.asarray(depots, dtype=np.int64)])
    travel = np.asarray(matrix.travel_s, dtype=np.float64)[np.ix_(rows, cols)]
    if matrix.reachable is not None:
        allowed &= np.asarray(matrix.reachable, dtype=bool)[np.ix_(rows, cols)]
    allowed &= rows[:, None] != cols[None, :]  # orders at one place: one drive in
    travel = np.where(allowed, travel, np.inf)
    two = np.sort(travel, axis=0)[:2] if len(rows) > 1 else np.vstack([travel] * 2)
    by_point: dict[int, float] = {}
    for point, (first, second) in zip(cols.tolist(), two.T, strict=True):
        if math.isfinite(first):
            leg = (first + second) / 2 if math.isfinite(second) else first
            by_point[point] = min(leg, by_point.get(point, math.inf))
    return sum(by_point.values())


def work_targets(problem: Problem, matrix: TravelMatrix) -> dict[str, int]:
    """Each shift's target of work in seconds (see the module docstring). A shift whose
    technician has the skills for no order gets no target."""
    needs = {o.required_skills for o in problem.orders if o.location is not None}
    working = [s for s in problem.shifts
               if any(n <= problem.technician(s.tech_id).skills for n in needs)]
    length = {s.shift_id: to_s(problem, s.end) - to_s(problem, s.start) for s in working}
    total = sum(length.values())
    share = demand_s(problem, matrix) / total if total else 0.0
    targets = {}
    for shift in working:
        tech = problem.technician(shift.tech_id)
        target = min(share * length[shift.shift_id], available_s(problem, shift))
        if tech.min_work_h is not None:
            target = max(target, tech.min_work_h * 3600)
        if tech.max_work_h is not None:
            target = min(target, tech.max_work_h * 3600)
        targets[shift.shift_id] = round(target)
    return targets


def with_targets(problem: Problem, matrix: TravelMatrix) -> Problem:
    """``problem`` with its shifts' work targets, if ``balance`` is on and they are unset."""
    if problem.weights.balance is None or problem.work_targets_s:
        return problem
    return replace(problem, work_targets_s=work_targets(problem, matrix))


def route_work_s(route: Route) -> int:
    """Service, travel and parking (``Stop.overhead_s``) of a route, in seconds: the
    model's ``work`` dimension, whose transits are the time transits."""
    service = sum(round((s.end - s.start).total_seconds()) for s in route.stops)
    return service + route.travel_s + sum(s.overhead_s for s in route.stops)


def deviation_cost(problem: Problem, shift: Shift, route: Route | None,
                   targets: Mapping[str, int]) -> float:
    """What a shift's route (None: no route) costs for balance, in money: ``balance`` per
    hour of work below its target."""
    rate = problem.weights.balance
    target = targets.get(shift.shift_id)
    if rate is None or target is None:
        return 0.0
    work = route_work_s(route) if route is not None else 0
    return max(0, target - work) / 3600 * rate


def balance_cost(problem: Problem, schedule: Schedule,
                 targets: Mapping[str, int] | None = None) -> float:
    """The balance part of the objective for a whole schedule, empty shifts included.

    ``targets`` defaults to those recorded in the schedule's meta."""
    targets = schedule.meta.work_targets_s if targets is None else targets
    if problem.weights.balance is None or not targets:
        return 0.0
    by_shift = {r.shift_id: r for r in schedule.routes}
    return sum(deviation_cost(problem, s, by_shift.get(s.shift_id), targets)
               for s in problem.shifts)
