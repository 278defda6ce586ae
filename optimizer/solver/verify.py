"""An independent check of a schedule, recomputed from the problem and the matrix.

It does not use OR-Tools. It checks that every order appears exactly once
(routed or unassigned), skills, parts, exclusions, capacity, time windows, the
day of a several-day plan (never before an order's ``earliest_date``; its days
late after ``due_date`` as reported), shift limits with overtime, breaks (the
lunch rule included), ``max_work_h``, the workload-balance targets recorded in
the meta, the parking and access time before each visit, and that every reported
time and leg agrees with the matrix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from optimizer.model import Problem, Schedule, TravelMatrix, in_territory, late_days, shift_date
from optimizer.solver.balance import route_work_s, work_targets
from optimizer.solver.precheck import named
from optimizer.solver.timing import (
    access_s,
    leave_factors,
    matched_breaks,
    max_work_s,
    off_route,
    overhead_s,
    service_s,
    to_s,
    travel_s,
    windows_s,
)


def verify(problem: Problem, matrix: TravelMatrix, schedule: Schedule) -> list[str]:
    """Every violation found, as readable lines; an empty list means the schedule is valid."""
    issues: list[str] = []
    orders = {o.order_id: o for o in problem.orders}
    seen: dict[str, int] = {}
    for route in schedule.routes:
        for stop in route.stops:
            seen[stop.order_id] = seen.get(stop.order_id, 0) + 1
    for item in schedule.unassigned:
        seen[item.order_id] = seen.get(item.order_id, 0) + 1
        if not item.reason:
            issues.append(f"order {item.order_id}: unassigned without a reason")
    for order_id in orders:
        if seen.get(order_id, 0) != 1:
            issues.append(f"order {order_id}: appears {seen.get(order_id, 0)} times (must be 1)")
    for order_id in seen.keys() - orders.keys():
        issues.append(f"order {order_id}: in the schedule but not in the problem")

    issues.extend(_check_targets(problem, matrix, schedule))
    shifts = {s.shift_id: s for s in problem.shifts}
    for route in schedule.routes:
        shift = shifts.get(route.shift_id)
        if shift is None or shift.tech_id != route.tech_id:
            issues.append(f"route {route.shift_id}: no such shift for {route.tech_id}")
            continue
        issues.extend(_check_route(problem, matrix, route, shift, orders))
    return issues


def _check_targets(problem, matrix, schedule) -> list[str]:
    """Workload balance: the targets recorded in the meta (which the KPIs cost) must be
    those the problem and the matrix give."""
    expected = (dict(problem.work_targets_s or work_targets(problem, matrix))
                if problem.weights.balance is not None else {})
    recorded = {k: int(v) for k, v in schedule.meta.work_targets_s.items()}
    if recorded == expected:
        return []
    wrong = sorted(k for k in expected.keys() | recorded.keys()
                   if expected.get(k) != recorded.get(k))
    return [f"meta work_targets_s: shift {k} has {recorded.get(k)} s, the scenario gives "
            f"{expected.get(k)} s" for k in wrong]


def verify_day(order_ids: Iterable[str], schedule: Schedule,
               settled: Iterable[str] = ()) -> list[str]:
    """Every order of ``order_ids`` exactly once: on a route of ``schedule``, unassigned,
    or ``settled`` before it (completed, in progress or cancelled at a re-plan; an order
    may be listed there more than once, and that counts)."""
    seen = Counter([*(s.order_id for r in schedule.routes for s in r.stops),
                    *(u.order_id for u in schedule.unassigned), *settled])
    return [f"order {order_id}: appears {seen[order_id]} times on a route, unassigned, "
            "completed, in progress or cancelled (must be 1)"
            for order_id in order_ids if seen[order_id] != 1]


def _check_route(problem, matrix, route, shift, orders) -> list[str]:
    issues: list[str] = []
    tech = problem.technician(shift.tech_id)
    where = f"route {route.shift_id}"
    start_s, end_s = to_s(problem, route.start), to_s(problem, route.end)
    shift_start, shift_end = to_s(problem, shift.start), to_s(problem, shift.end)
    if start_s < shift_start:
        issues.append(f"{where}: starts {start_s - shift_start} s before the shift")
    limit = shift_end + int(shift.max_overtime_min * 60)
    if end_s > limit:
        issues.append(f"{where}: returns {end_s - limit} s after shift end plus max overtime")
    if route.overtime_s != max(0, end_s - shift_end):
        issues.append(f"{where}: overtime_s={route.overtime_s} but it returns "
                      f"{max(0, end_s - shift_end)} s after the shift end")

    taken = [(to_s(problem, b.start), to_s(problem, b.end), b.kind) for b in route.breaks]
    unmatched, spans = matched_breaks(problem, shift, taken)
    for b_start, b_end, kind in unmatched:
        issues.append(f"{where}: {kind} break {b_start}-{b_end} s is outside its window "
                      "or has the wrong length")
    ordered = sorted(taken)
    for (a_start, a_end, a_kind), (b_start, _b_end, b_kind) in pairwise(ordered):
        if b_start < a_end:  # breaks do not overlap (docs/scenario-format.md)
            issues.append(f"{where}: the {a_kind} break {a_start}-{a_end} s overlaps the "
                          f"{b_kind} break from {b_start} s")
    for span in spans:  # the lunch rule of docs/scenario-format.md
        if not off_route(span, start_s, end_s):
            issues.append(f"{where}: the {span.kind} break is missing: the route is under way "
                          "when its window opens, so it must be taken on the route")

    load = 0
    prev_point = matrix.index(route.start_location)
    prev_free = start_s
    # the peak factor of the leg from the start, then from each visit (peak hours)
    factor = leave_factors(problem, shift, tech, [None])[0]
    for stop in route.stops:
        order = orders.get(stop.order_id)
        if order is None or order.location is None:
            continue
        label = f"{where} order {order.order_id}"
        if not order.required_skills <= tech.skills:
            issues.append(f"{label}: {tech.tech_id} lacks "
                          f"{named('skill', order.required_skills - tech.skills)}")
        if not order.required_parts <= tech.van_stock:
            issues.append(f"{label}: {tech.tech_id} does not carry "
                          f"{named('part', order.required_parts - tech.van_stock)}")
        if tech.tech_id in order.excluded_techs:
            issues.append(f"{label}: {tech.tech_id} is excluded")
        if order.remote_resolvable:
            issues.append(f"{label}: resolvable remotely, so it must not be on a route")
        if problem.territory_mode == "hard" and not in_territory(tech, order):
            issues.append(f"{label}: outside {tech.tech_id}'s territories "
                          f"({', '.join(sorted(tech.territories))})")
        day = shift_date(shift)
        if order.earliest_date is not None and day < order.earliest_date:
            issues.append(f"{label}: on {day}, before its earliest date {order.earliest_date}")
        if stop.late_days != late_days(order, day):
            issues.append(f"{label}: late_days={stop.late_days}, expected "
                          f"{late_days(order, day)} (due {order.due_date}, served {day})")
        load += order.demand
        point = matrix.index(order.location)
        if not matrix.is_reachable(prev_point, point):
            issues.append(f"{label}: not reachable by road from the previous stop")
        leg = travel_s(matrix, prev_point, point, tech, factor)
        if stop.travel_s != leg or stop.distance_m != int(matrix.distance_m[prev_point][point]):
            issues.append(f"{label}: leg is {stop.travel_s} s/{stop.distance_m} m, the matrix "
                          f"says {leg} s/{int(matrix.distance_m[prev_point][point])} m")
        park = access_s(overhead_s(problem, order), prev_point, point)
        if stop.overhead_s != park:
            issues.append(f"{label}: overhead_s={stop.overhead_s}, expected {park} (parking "
                          "and access)")
        start = to_s(problem, stop.start)
        in_gap = sum(b - a for a, b, _ in taken if prev_free <= a and b <= start)
        if start < prev_free + leg + park + in_gap:
            issues.append(f"{label}: starts at {start} s but cannot start work before "
                          f"{prev_free + leg + park + in_gap} s (travel {leg} s, parking and "
                          f"access {park} s)")
        if to_s(problem, stop.arrival) + stop.overhead_s + stop.wait_s != start:
            issues.append(f"{label}: arrival + overhead + wait != start")
        if order.parts_ready_at is not None and start < to_s(problem, order.parts_ready_at):
            issues.append(f"{label}: starts at {stop.start:%H:%M}, before its parts arrive "
                          f"at {order.parts_ready_at:%H:%M}")
        elif order.created_at is not None and start < to_s(problem, order.created_at):
            issues.append(f"{label}: starts at {stop.start:%H:%M}, before it was requested "
                          f"at {order.created_at:%Y-%m-%d %H:%M}")
        elif not any(a <= start <= b for a, b in windows_s(problem, order)):
            issues.append(f"{label}: starts at {stop.start:%H:%M}, outside its time windows")
        service = service_s(order, tech)
        if to_s(problem, stop.end) - start != service:
            issues.append(f"{label}: service lasts {to_s(problem, stop.end) - start} s, "
                          f"expected {service} s")
        for a, b, kind in taken:
            if a < start + service and start < b:
                issues.append(f"{label}: the {kind} break overlaps the visit")
        due_late = max(0, start - to_s(problem, order.sla_due)) if order.sla_due else 0
        if stop.sla_late_s != due_late:
            issues.append(f"{label}: sla_late_s={stop.sla_late_s}, expected {due_late}")
        prev_point, prev_free = point, start + service
        factor = leave_factors(problem, shift, tech, [order])[0]
    end_point = matrix.index(route.end_location)
    leg = travel_s(matrix, prev_point, end_point, tech, factor)
    in_gap = sum(b - a for a, b, _ in taken if prev_free <= a and b <= end_s)
    if end_s < prev_free + leg + in_gap:
        issues.append(f"{where}: returns at {end_s} s but cannot be back before "
                      f"{prev_free + leg + in_gap} s")
    if tech.capacity is not None and load > tech.capacity:
        issues.append(f"{where}: load {load} exceeds capacity {tech.capacity}")
    cap = max_work_s(problem, shift)
    if cap is not None and route_work_s(route) > cap:
        done = (f", less {shift.work_done_s} s done before the re-plan"
                if shift.work_done_s else "")
        issues.append(f"{where}: {route_work_s(route)} s of service and travel exceed "
                      f"max_work_h={tech.max_work_h:g} ({cap} s{done})")
    return issues
