"""Hypothesis strategies: random but valid field-service days, built as model objects.

Everything a loader would accept can come out: several, nested and overlapping time
windows, lunch breaks, absences (fixed breaks, possibly overlapping the lunch or each
other), split shifts, skills, parts, capacity and demand, preferred and excluded
technicians, SLA due times, overtime, efficiency and speed factors, parking times (the
scenario's and per order) and peak hours, asymmetric and
partly unreachable travel matrices, several time zones and their daylight-saving days.

Problems stay small (a few orders and technicians) so that one example solves in a
fraction of a second. Times are built like :func:`optimizer.io.schemas.parse_clock`
builds them: midnight of the plan date in the scenario's zone plus a wall-clock offset.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import strategies as st
from scipy.sparse.csgraph import shortest_path

from optimizer.geo.matrix import haversine_matrix
from optimizer.model import (
    Break,
    Location,
    Peak,
    Priority,
    Problem,
    Shift,
    Technician,
    TimeWindow,
    TravelMatrix,
    TravelSettings,
    WorkOrder,
)
from optimizer.replanning import Event

#: (zone, date): daylight-saving days (clocks forward, clocks back) and ordinary days.
DST_DAYS = (
    ("Europe/Vaduz", date(2026, 3, 29)),
    ("Europe/Vaduz", date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Australia/Sydney", date(2026, 4, 5)),
    ("Australia/Sydney", date(2026, 10, 4)),
)
ORDINARY_DAYS = (
    ("Europe/Vaduz", date(2026, 12, 1)),
    ("Europe/Vaduz", date(2026, 6, 15)),
    ("America/New_York", date(2026, 7, 1)),
    ("Asia/Kolkata", date(2026, 3, 29)),
    ("UTC", date(2026, 10, 25)),
)
SKILLS = ("hvac", "elec", "gas")
#: A skill nobody has, drawn now and then so that the "no technician has skills" path runs.
RARE_SKILL = "lift"
PARTS = ("filter", "valve")
STEP = 15  # minutes: times of day are multiples of this, as dispatchers write them


def sometimes(strategy: st.SearchStrategy, usual=frozenset()) -> st.SearchStrategy:
    """``strategy`` in about a third of the draws, else ``usual`` (which shrinks first)."""
    return st.integers(0, 2).flatmap(lambda k: strategy if k == 2 else st.just(usual))


def rarely(strategy: st.SearchStrategy, usual: st.SearchStrategy) -> st.SearchStrategy:
    """``strategy`` in about one draw of ten, else ``usual``."""
    return st.integers(0, 9).flatmap(lambda k: strategy if k == 9 else usual)


@dataclass(frozen=True, slots=True)
class Day:
    """A plan date in a zone, and wall-clock times on it."""

    zone: str
    plan_date: date

    def at(self, minutes: int) -> datetime:
        """``minutes`` after midnight, wall clock (24:00 is the next midnight)."""
        midnight = datetime.combine(self.plan_date, time(0), tzinfo=ZoneInfo(self.zone))
        return midnight + timedelta(minutes=minutes)


def clock(lo_min: int, hi_min: int, step: int = STEP) -> st.SearchStrategy[int]:
    """Minutes after midnight between ``lo_min`` and ``hi_min``, in steps of ``step``."""
    lo, hi = -(-lo_min // step), hi_min // step
    return st.integers(lo, max(lo, hi)).map(lambda k: k * step)


def points(n: int) -> tuple[Location, ...]:
    """``n`` distinct points on a 1 km grid around Vaduz (their identity and distances matter)."""
    return tuple(Location(round(47.10 + (k % 3) * 0.01, 4), round(9.50 + (k // 3) * 0.015, 4),
                          f"Point {k}")
                 for k in range(n))


@st.composite
def travel_matrices(draw, pool: tuple[Location, ...],
                    kinds=("haversine", "haversine", "asymmetric", "unreachable")
                    ) -> TravelMatrix:
    """Straight-line travel over ``pool``; "asymmetric" multiplies each leg by 0.5 to 3,
    "unreachable" also takes about a fifth of the legs away; then shortest paths over
    those legs, as a road network's matrix has them."""
    base = haversine_matrix(pool, speed_kph=40, detour_factor=1.3)
    kind = draw(st.sampled_from(kinds))
    if kind == "haversine":
        return base
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n = len(pool)
    factor = rng.choice([0.5, 1.0, 1.0, 1.5, 3.0], size=(n, n))
    travel = np.rint(base.travel_s * factor).astype(np.int64)
    distance = np.rint(base.distance_m * factor).astype(np.int64)
    reachable = None
    if kind == "unreachable":
        reachable = rng.random((n, n)) > 0.2
        np.fill_diagonal(reachable, True)
    # as a road network gives them: shortest paths, so a detour through another point is
    # never faster than the direct leg, and a point reachable through another is reachable
    # (scipy reads a 0 as "no leg": a leg of 0 s between two places at one spot gets 1e-6)
    legs = travel.astype(float) + 1e-6
    if reachable is not None:
        legs[~reachable] = np.inf
    shortest = np.rint(shortest_path(legs, method="FW", directed=True))
    if reachable is not None:
        reachable = np.isfinite(shortest)
    travel = np.where(np.isfinite(shortest), shortest, travel).astype(np.int64)
    return TravelMatrix(points=pool, travel_s=travel, distance_m=distance, source="explicit",
                        reachable=reachable)


@st.composite
def windows(draw, day: Day, *, nested: bool = True) -> tuple[TimeWindow, ...]:
    """0-3 start windows, sorted by start as the loader sorts them. With ``nested`` they may
    nest or overlap; without, each starts at or after the end of the one before."""
    spans = []
    if nested and draw(st.booleans()):
        # one window inside another, ending before it
        start = draw(clock(4 * 60, 20 * 60))
        end = min(24 * 60, start + draw(clock(2 * STEP, 10 * 60)))
        inner = draw(clock(start, end - STEP))
        spans += [(start, end), (inner, draw(clock(inner, end - STEP)))]
    for _ in range(draw(st.integers(0, 3 - len(spans) // 2))):
        start = draw(clock(4 * 60, 22 * 60))
        spans.append((start, min(24 * 60, start + draw(clock(0, 8 * 60)))))
    spans.sort()
    if not nested:
        spans = [w for k, w in enumerate(spans) if all(w[0] >= v[1] for v in spans[:k])]
    return tuple(TimeWindow(day.at(a), day.at(b)) for a, b in spans)


@st.composite
def orders(draw, day: Day, pool, tech_ids, k: int,
           priorities: tuple[Priority, ...] = tuple(Priority), nested: bool = True,
           tight_vans: bool = False, sla: tuple[int, int] | None = (6 * 60, 24 * 60)
           ) -> WorkOrder:
    skills = draw(rarely(st.just(frozenset({RARE_SKILL})),
                         st.frozensets(st.sampled_from(SKILLS), max_size=2)))
    return WorkOrder(
        order_id=f"o{k}",
        customer=f"Customer {k}",
        location=draw(st.sampled_from(pool)),
        service_min=draw(st.sampled_from((0, 10, 30, 45, 60, 90, 120, 240))),
        required_skills=skills,
        priority=draw(st.sampled_from(priorities)),
        time_windows=draw(windows(day, nested=nested)),
        sla_due=draw(st.none() | clock(*sla).map(day.at)) if sla else None,
        preferred_techs=draw(sometimes(st.frozensets(st.sampled_from(tech_ids), max_size=2))),
        excluded_techs=draw(sometimes(st.frozensets(st.sampled_from(tech_ids), max_size=2))),
        required_parts=draw(sometimes(st.frozensets(st.sampled_from(PARTS), max_size=1))),
        demand=draw(st.integers(1 if tight_vans else 0, 3)),
        # service-quality rules: parts that hold a job back, a visit avoided
        parts_ready_at=draw(sometimes(clock(6 * 60, 20 * 60).map(day.at), usual=None)),
        remote_resolvable=draw(rarely(st.just(True), st.just(False))),
    )


@st.composite
def technicians(draw, pool, tech_id: str, tight_vans: bool = False) -> Technician:
    return Technician(
        tech_id=tech_id,
        name=tech_id.upper(),
        skills=draw(sometimes(st.frozensets(st.sampled_from(SKILLS), min_size=1),
                              frozenset(SKILLS))),
        home=draw(st.sampled_from(pool)),
        efficiency=draw(st.sampled_from((1.0, 1.0, 0.8, 1.25, 1.5))),
        cost_per_km=draw(st.sampled_from((0.35, 0.0, 1.0))),
        cost_per_hour=draw(st.sampled_from((35.0, 0.0, 60.0))),
        van_stock=draw(sometimes(st.frozensets(st.sampled_from(PARTS)), frozenset(PARTS))),
        capacity=draw(st.integers(1, 4) if tight_vans else st.none() | st.integers(0, 6)),
        speed_factor=draw(st.sampled_from((1.0, 1.0, 0.8, 1.25))),
    )


@st.composite
def shift_breaks(draw, day: Day, start: int, end: int) -> tuple[Break, ...]:
    """A lunch inside the shift, and absences strictly inside it (as the loader makes them)."""
    breaks = []
    if end - start >= 2 * STEP and draw(st.booleans()):
        minutes = draw(st.sampled_from((15, 30, 45, 60)))
        if minutes <= end - start:
            earliest = draw(clock(start, end - minutes))
            latest = draw(clock(earliest + minutes, end))
            breaks.append(Break(day.at(earliest), day.at(latest), minutes, "lunch"))
    for _ in range(draw(st.integers(0, 2))):
        if end - start < 3 * STEP:
            break
        a = draw(clock(start + STEP, end - 2 * STEP))
        b = draw(clock(a + STEP, end - STEP))
        breaks.append(Break(day.at(a), day.at(b), b - a, "absence"))
    return tuple(breaks)


@st.composite
def shifts_of(draw, day: Day, pool, tech: Technician) -> tuple[Shift, ...]:
    """One shift, or now and then a split day of two (``t1#1``, ``t1#2``, as the loader
    names them)."""
    count = draw(st.sampled_from((1, 1, 1, 2)))
    start = draw(clock(5 * 60, 11 * 60))
    result = []
    for k in range(count):
        end = min(24 * 60, start + draw(clock(2 * 60, 11 * 60 if count == 1 else 5 * 60)))
        if end <= start:
            break
        ends_at = draw(st.sampled_from((tech.home, tech.home, *pool)))
        result.append(Shift(
            shift_id=tech.tech_id if count == 1 else f"{tech.tech_id}#{k + 1}",
            tech_id=tech.tech_id,
            start=day.at(start),
            end=day.at(end),
            start_location=tech.home if k == 0 else draw(st.sampled_from(pool)),
            end_location=ends_at,
            breaks=draw(shift_breaks(day, start, end)),
            max_overtime_min=draw(st.sampled_from((0.0, 0.0, 30.0, 120.0))),
        ))
        start = end + draw(clock(0, 2 * 60))
    return tuple(result)


@st.composite
def problems(draw, *, days=DST_DAYS + ORDINARY_DAYS, min_orders: int = 1, max_orders: int = 7,
             max_techs: int = 3, priorities: tuple[Priority, ...] = tuple(Priority),
             nested: bool = True, tight_vans: bool = False, islands: str = "safe",
             sla: tuple[int, int] | None = (6 * 60, 24 * 60), city: bool = False) -> Case:
    """A random valid day and a travel matrix over every point it uses (and a few more).

    ``days`` are the (zone, date) pairs to draw from; ``priorities`` those of the orders;
    ``nested`` lets an order's time windows nest and overlap; ``tight_vans`` gives every
    technician a small capacity and every order a demand. ``islands`` says which points
    may be unreachable from others: "none"; "safe", never a shift's end from its start;
    "broken", where the first shift cannot reach its end. ``sla`` gives some orders an
    SLA due time between these minutes of the day. ``city`` draws a scenario parking time,
    now and then an order's own, and up to two peak hours (off by default, so that the
    examples of the other properties stay the ones they were).
    """
    zone, plan_date = draw(st.sampled_from(days))
    day = Day(zone, plan_date)
    pool = points(draw(st.integers(2, 9)))
    kinds = {"none": ("haversine", "haversine", "asymmetric"),
             "safe": ("haversine", "haversine", "asymmetric", "unreachable"),
             "broken": ("unreachable",)}[islands]
    matrix = draw(travel_matrices(pool, kinds))
    tech_ids = tuple(f"t{k}" for k in range(1, draw(st.integers(1, max_techs)) + 1))
    techs = tuple(draw(technicians(pool, t, tight_vans)) for t in tech_ids)
    shifts = tuple(s for t in techs for s in draw(shifts_of(day, pool, t)))
    work = tuple(draw(orders(day, pool, tech_ids, k, priorities, nested, tight_vans, sla))
                 for k in range(1, draw(st.integers(min_orders, max_orders)) + 1))
    if islands == "broken" and shifts:
        begin = shifts[0].start_location
        end = draw(st.sampled_from([p for p in pool if p != begin]))
        shifts = (dataclasses.replace(shifts[0], end_location=end), *shifts[1:])
    if matrix.reachable is not None:
        reachable = matrix.reachable.copy()
        for k, s in enumerate(shifts):
            ends = pool.index(s.start_location), pool.index(s.end_location)
            reachable[ends] = not (islands == "broken" and k == 0)
        matrix = dataclasses.replace(matrix, reachable=reachable)
    travel = TravelSettings()
    if city:
        peaks = []
        for _ in range(draw(st.integers(0, 2))):
            start = draw(clock(5 * 60, 20 * 60))
            end = min(24 * 60, start + draw(clock(STEP, 4 * 60)))
            peaks.append(Peak(start, end, draw(st.sampled_from((0.5, 0.75, 0.9)))))
        travel = TravelSettings(stop_overhead_min=draw(st.sampled_from((0.0, 5.0, 10.0))),
                                peaks=tuple(peaks))
        work = tuple(dataclasses.replace(o, stop_overhead_min=draw(
            sometimes(st.sampled_from((0.0, 3.0, 15.0)), None))) for o in work)
    problem = Problem(name="fuzz", plan_date=plan_date, timezone=zone, orders=work,
                      technicians=techs, shifts=shifts, travel=travel)
    return Case(problem, matrix, day)


@st.composite
def happenings(draw, problem: Problem, published, pool, day_minutes: tuple[int, int], *,
               max_events: int = 4, near_visits: bool = True):
    """A "now" and up to ``max_events`` events about the published day: progress,
    cancellations, new orders, positions, absences and changed durations. "Now" lies within
    ``day_minutes`` (wall clock), or with ``near_visits`` often just before a visit."""
    day = Day(problem.timezone, problem.plan_date)
    starts = [s.start for r in published.routes for s in r.stops]
    if starts and near_visits and draw(st.booleans()):
        # shortly before a visit starts: the technician may be on the road to it
        zone = ZoneInfo(problem.timezone)
        now = draw(st.sampled_from(starts)).astimezone(zone) - \
            timedelta(seconds=draw(st.integers(1, 20)) * 30)
    else:
        now = day.at(draw(clock(*day_minutes, step=5)))
    routed = [s.order_id for r in published.routes for s in r.stops]
    order_ids = [o.order_id for o in problem.orders]
    tech_ids = [t.tech_id for t in problem.technicians]
    some_order = st.sampled_from(routed) if routed and draw(st.booleans()) else \
        st.sampled_from(order_ids)
    result: list[Event] = []
    said: dict[str, set[str]] = {}
    new = 0
    for _ in range(draw(st.integers(0, max_events))):
        kind = draw(st.sampled_from(("completed", "in_progress", "cancelled", "new_order",
                                     "position", "unavailable", "duration")))
        if kind in ("completed", "cancelled", "in_progress"):
            # events as a dispatcher's system sends them: work in progress is on a route,
            # and an order is not both cancelled and done (the re-plan refuses both)
            order_id = draw(st.sampled_from(routed) if kind == "in_progress" and routed
                            else some_order)
            if kind == "in_progress" and order_id not in routed:
                continue
            if ("cancelled" in said.get(order_id, set())) != (kind == "cancelled") \
                    and said.get(order_id):
                continue
            said.setdefault(order_id, set()).add(kind)
            finish = now + timedelta(minutes=draw(st.integers(0, 12)) * 10)
            result.append(Event(kind, order_id=order_id,
                                time=finish if kind == "in_progress" else None))
        elif kind == "duration":
            result.append(Event(kind, order_id=draw(some_order),
                                service_min=draw(st.sampled_from((0, 20, 60, 180)))))
        elif kind == "position":
            result.append(Event(kind, tech_id=draw(st.sampled_from(tech_ids)),
                                location=draw(st.sampled_from(pool))))
        elif kind == "unavailable":
            away = now + timedelta(minutes=draw(st.integers(0, 24)) * 15)
            result.append(Event(kind, tech_id=draw(st.sampled_from(tech_ids)), time=away))
        else:
            new += 1
            order = draw(orders(day, pool, tuple(tech_ids), 100 + new))
            result.append(Event(kind, order_id=order.order_id, order=order))
    return Happenings(now, tuple(result), day, pool)


class Happenings:
    """A "now" and the events up to it; prints as source, like :class:`Case`."""

    __slots__ = ("day", "events", "now", "pool")

    def __init__(self, now: datetime, events: tuple[Event, ...], day: Day, pool) -> None:
        self.now, self.events, self.day, self.pool = now, events, day, pool

    def __iter__(self):
        return iter((self.now, self.events))

    def __repr__(self) -> str:
        return (f"\nnow = {source(self.now, self.pool, self.day)}\n"
                f"events = {source(list(self.events), self.pool, self.day)}\n")

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


# -- readable examples ---------------------------------------------------------------------


def _is_default(f: dataclasses.Field, value) -> bool:
    if f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        return False
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def source(value, pool: tuple[Location, ...] = (), day: Day | None = None) -> str:
    """Python source that rebuilds ``value`` (dataclasses with their non-default fields).

    Points of ``pool`` print as ``P[k]``, times on ``day`` as ``T(minutes)``.
    """
    midnight = day.at(0) if day else None

    def go(v) -> str:
        if isinstance(v, Location) and v in pool:
            return f"P[{pool.index(v)}]"
        if isinstance(v, datetime):
            if midnight is not None and v.tzinfo is midnight.tzinfo:
                minutes = (v - midnight) / timedelta(minutes=1)
                return f"T({minutes:g})"
            return f"datetime.fromisoformat({v.isoformat()!r})"
        if isinstance(v, Priority):
            return f"Priority.{v.name}"
        if isinstance(v, date):
            return f"date({v.year}, {v.month}, {v.day})"
        if isinstance(v, frozenset):
            return f"frozenset({{{', '.join(map(go, sorted(v)))}}})" if v else "frozenset()"
        if isinstance(v, tuple):
            return f"({', '.join(map(go, v))}{',' if len(v) == 1 else ''})"
        if isinstance(v, list):
            return f"[{', '.join(map(go, v))}]"
        if isinstance(v, np.ndarray):
            return f"np.array({v.tolist()!r})"
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            parts = [f"{f.name}={go(getattr(v, f.name))}" for f in dataclasses.fields(v)
                     if f.init and not _is_default(f, getattr(v, f.name))]
            return f"{type(v).__name__}({', '.join(parts)})"
        return repr(v)

    return go(value)


SCRIPT_HEAD = """\
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.model import *  # noqa: F403
from optimizer.replanning import Event, prepare
from optimizer.io.schedule_json import from_dict, to_dict
from optimizer.solver import solve
from optimizer.params import SolveParams
from optimizer.solver.verify import verify
"""


class Case:
    """A drawn problem and its matrix. It prints as a script that rebuilds them (hypothesis
    shows it for a failing example: paste it into a file to reproduce)."""

    __slots__ = ("day", "matrix", "problem")

    def __init__(self, problem: Problem, matrix: TravelMatrix, day: Day) -> None:
        self.problem, self.matrix, self.day = problem, matrix, day

    def __iter__(self):
        return iter((self.problem, self.matrix))

    def __repr__(self) -> str:
        return "\n" + self.script()

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    def script(self) -> str:
        p, m, pool = self.problem, self.matrix, self.matrix.points
        def field(name):
            return source(getattr(p, name), pool, self.day)
        lines = [
            SCRIPT_HEAD,
            f"ZONE = ZoneInfo({p.timezone!r})",
            "def T(minutes):",
            f"    return datetime.combine({field('plan_date')}, datetime.min.time(), "
            "tzinfo=ZONE) + timedelta(minutes=minutes)",
            f"P = {source(list(pool))}",
            f"matrix = TravelMatrix(points=tuple(P), travel_s={source(np.asarray(m.travel_s))},",
            f"    distance_m={source(np.asarray(m.distance_m))}, source={m.source!r},",
            f"    reachable={source(m.reachable) if m.reachable is not None else None})",
            f"problem = Problem(name='fuzz', plan_date={field('plan_date')}, "
            f"timezone={p.timezone!r},",
            "    orders=(",
            *(f"        {source(o, pool, self.day)}," for o in p.orders),
            "    ),",
            f"    technicians={field('technicians')},",
            f"    shifts={field('shifts')})",
        ]
        return "\n".join(lines) + "\n"


@st.composite
def nested_window_cases(draw, **kw) -> Case:
    """A problem (``problems(**kw)``) whose orders have a window nested in a longer one that
    ends before the first shift starts, so the order can only start in the outer window."""
    case = draw(problems(**kw))
    problem, day = case.problem, case.day
    if not problem.shifts:
        return case
    begin = round((problem.shifts[0].start - day.at(0)) / timedelta(minutes=1))
    outer = (begin - draw(clock(STEP, 2 * 60)), begin + draw(clock(STEP, 4 * 60)))
    inner_end = begin - draw(clock(STEP, 60))
    inner = (draw(clock(outer[0], inner_end)), inner_end)
    nested = tuple(TimeWindow(day.at(a), day.at(b)) for a, b in sorted((outer, inner)))
    orders = tuple(dataclasses.replace(o, time_windows=nested) for o in problem.orders)
    return Case(dataclasses.replace(problem, orders=orders), case.matrix, day)


@st.composite
def absent_twice_cases(draw, **kw) -> Case:
    """A problem (``problems(**kw)``) whose shifts have two absences, one in each half."""
    case = draw(problems(**kw))
    problem, day = case.problem, case.day
    shifts = []
    for s in problem.shifts:
        begin, end = (round((t - day.at(0)) / timedelta(minutes=1)) for t in (s.start, s.end))
        if end - begin < 8 * STEP:
            shifts.append(s)
            continue
        middle = (begin + end) // 2
        first = draw(clock(begin + STEP, middle - 2 * STEP))
        first_end = draw(clock(first + STEP, middle - STEP))
        second = draw(clock(middle, end - 2 * STEP))
        second_end = draw(clock(second + STEP, end - STEP))
        shifts.append(dataclasses.replace(s, breaks=(
            Break(day.at(first), day.at(first_end), first_end - first, "absence"),
            Break(day.at(second), day.at(second_end), second_end - second, "absence"))))
    return Case(dataclasses.replace(problem, shifts=tuple(shifts)), case.matrix, day)
