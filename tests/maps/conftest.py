"""Small problems and schedules for the map tests, built straight from the dataclasses.

``evil`` fills every text field with a unique token followed by XSS and
template-injection payloads, so a test can look for a token to see whose data
is on a page and for a raw payload to see whether escaping failed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from maps.chromium import browser, open_page  # noqa: F401 - fixtures for the browser tests
from optimizer.model import (
    Break,
    Kpis,
    Location,
    Priority,
    Problem,
    ReasonCode,
    Route,
    Schedule,
    ScheduledBreak,
    Shift,
    SolveMeta,
    Stop,
    Technician,
    TimeWindow,
    Unassigned,
    WorkOrder,
)

PLAN_DATE = date(2025, 6, 10)
TZ_NAME = "Europe/Berlin"
TZ = ZoneInfo(TZ_NAME)

#: Each one sets ``window.__xss`` or calls ``alert`` if it ever runs.
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=2">',
    "'><svg onload=window.__xss=3>",
    "</script><script>window.__xss=4</script>",
    "{{7*7}}{% raw %}${window.__xss=5}`",
)


def evil(token: str) -> str:
    """``token`` followed by every payload, with single and double quotes."""
    return f"{token} 'q' \"qq\" " + " ".join(PAYLOADS)


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(PLAN_DATE, time(0), tzinfo=TZ) + timedelta(hours=hours, minutes=minutes)


def loc(lat: float, lon: float, address: str = "") -> Location:
    return Location(lat, lon, address)


def make_problem() -> Problem:
    """Three technicians (T3 idle), six orders (two unassigned, one without a location)."""
    h1 = loc(52.500, 13.350, evil("HOMEADDR1"))
    h2 = loc(52.560, 13.470, evil("HOMEADDR2"))
    depot = loc(52.530, 13.420, evil("DEPOTADDR"))
    techs = (
        Technician("T1", evil("TECHNAME1"), frozenset({"hvac"}), h1),
        Technician("t2/../\"<b>'x", evil("TECHNAME2"), frozenset({"plumbing"}), h2),
        Technician("T3", evil("TECHNAME3"), frozenset({"hvac"}), loc(52.45, 13.30, "h3")),
    )
    orders = (
        WorkOrder("O1", evil("CUSTA"), loc(52.510, 13.380, evil("ADDRA")), 45,
                  frozenset({"hvac"}), Priority.HIGH, (TimeWindow(at("08:00"), at("12:00")),),
                  at("11:00"), phone="+49 30 1234567", notes=evil("NOTEA"),
                  geocode_confidence=1.0),
        WorkOrder("O2<script>alert(1)</script>", evil("CUSTB"),
                  loc(52.515, 13.410, evil("ADDRB")), 60, frozenset({evil("SKILLB")}),
                  phone=evil("PHONEB"), notes=evil("NOTEB"), geocode_confidence=0.55),
        WorkOrder("O3", evil("CUSTC"), loc(52.525, 13.390, evil("ADDRC")), 60,
                  priority=Priority.CRITICAL, sla_due=at("13:00"), phone="030 555-0100",
                  notes=evil("NOTEC")),
        WorkOrder("O4", evil("CUSTD"), loc(52.540, 13.450, evil("ADDRD")), 30,
                  frozenset({"plumbing"}), phone="+49 171 2345678", notes=evil("NOTED")),
        WorkOrder("O5", evil("CUSTE"), loc(52.490, 13.430, evil("ADDRE")), 30,
                  frozenset({"gas"}), notes=evil("NOTEE")),
        WorkOrder("O6", evil("CUSTF"), None, 30, notes=evil("NOTEF"),
                  location_issue="address not found"),
    )  # fmt: skip
    shifts = (
        Shift("S1", "T1", at("07:30"), at("16:30"), h1, h1,
              (Break(at("11:30"), at("13:30"), 30),)),
        Shift("S2", techs[1].tech_id, at("08:00"), at("16:00"), depot, h2),
        Shift("S3", "T3", at("08:00"), at("16:00"), techs[2].home, techs[2].home),
    )  # fmt: skip
    return Problem(evil("PROBLEM"), PLAN_DATE, TZ_NAME, orders, techs, shifts)


def _stop(order: WorkOrder, arrive: str, start: str, end: str, **kw: int) -> Stop:
    assert order.location is not None
    wait_s = kw.pop("wait_s", 0)
    return Stop(order.order_id, order.location, at(arrive), at(start), at(end), wait_s, 900, 5000,
                **kw)  # fmt: skip


def _road(a: Location, b: Location) -> tuple[Location, ...]:
    """A made-up road: an L-shaped path through a corner point."""
    return (a, Location(a.lat, b.lon), b)


def make_schedule(problem: Problem) -> Schedule:
    """T1: O1, O2 (after 5 minutes of parking), lunch, O3 (late 25 min) on roads; T2: O4
    with no geometry (dashed)."""
    o1, o2, o3, o4 = problem.orders[:4]
    t1, t2 = problem.shifts[0], problem.shifts[1]
    s1 = (
        _stop(o1, "08:00", "08:00", "08:45"),
        _stop(o2, "08:55", "09:00", "10:00", overhead_s=300),
        _stop(o3, "13:20", "13:25", "14:25", wait_s=300, sla_late_s=1500),
    )
    places = [t1.start_location, *(s.location for s in s1), t1.end_location]
    roads = tuple(_road(a, b) for a, b in pairwise(places))
    r1 = Route("T1", "S1", t1.start_location, t1.end_location, at("07:30"), at("15:00"), s1,
               (ScheduledBreak("lunch", at("12:00"), at("12:30")),), 900, 6000,
               legs_geometry=roads)  # fmt: skip
    r2 = Route(t2.tech_id, "S2", t2.start_location, t2.end_location, at("08:00"), at("09:45"),
               (_stop(o4, "08:30", "08:30", "09:00"),), return_travel_s=1200,
               return_distance_m=7000)  # fmt: skip
    kpis = Kpis(6, 4, 2, {"high": 1}, {"normal": 2}, 3, 2, 66.7, 42.3, 1.6, 3.25, 0.0, 14.8,
                0.0, 25.0, 39.8, ())  # fmt: skip
    meta = SolveMeta(7, 10.0, None, "osm", "ok", 1234, 0.4, {"ortools": "9"}, "test")
    return Schedule(
        problem.name, PLAN_DATE, TZ_NAME, (r1, r2),
        (Unassigned("O5", evil("REASONE"), ReasonCode.NO_SKILL),
         Unassigned("O6", "address not found", ReasonCode.ADDRESS_NOT_FOUND)),
        meta, kpis,
    )  # fmt: skip


def make_big(n_techs: int = 5, per_tech: int = 25) -> tuple[Problem, Schedule]:
    """``n_techs`` x ``per_tech`` stops spread over a city (clustering kicks in)."""
    techs, shifts, orders, routes = [], [], [], []
    for t in range(n_techs):
        home = loc(52.40 + t * 0.05, 13.20, f"Home {t}")
        techs.append(Technician(f"B{t}", f"Tech {t}", frozenset(), home))
        shifts.append(Shift(f"BS{t}", f"B{t}", at("07:00"), at("18:00"), home, home))
        stops = []
        for k in range(per_tech):
            o = WorkOrder(f"B{t}-{k}", f"Customer {t}-{k}",
                          loc(52.40 + t * 0.05 + (k % 5) * 0.004, 13.25 + k * 0.01, f"Street {k}"),
                          20)  # fmt: skip
            orders.append(o)
            start = at("07:30") + timedelta(minutes=25 * k)
            stops.append(Stop(o.order_id, o.location, start, start, start + timedelta(minutes=20),
                              0, 300, 1000))  # fmt: skip
        routes.append(Route(f"B{t}", f"BS{t}", home, home, at("07:00"),
                            stops[-1].end + timedelta(minutes=30), tuple(stops)))  # fmt: skip
    extra = [
        WorkOrder(f"U{k}", f"Unplanned {k}", loc(52.35, 13.3 + k * 0.02), 30) for k in range(3)
    ]
    problem = Problem("big", PLAN_DATE, TZ_NAME, tuple(orders + extra), tuple(techs), tuple(shifts))
    meta = SolveMeta(1, 5.0, None, "haversine", "ok", 1, 0.1, {})
    schedule = Schedule("big", PLAN_DATE, TZ_NAME, tuple(routes),
                        tuple(Unassigned(o.order_id, "appointment window outside every shift",
                                         ReasonCode.WINDOW_OUTSIDE_SHIFTS)
                              for o in extra), meta)  # fmt: skip
    return problem, schedule


@pytest.fixture(scope="session")
def problem() -> Problem:
    return make_problem()


@pytest.fixture(scope="session")
def schedule(problem: Problem) -> Schedule:
    return make_schedule(problem)


@pytest.fixture(scope="session")
def schedule_no_kpis(schedule: Schedule) -> Schedule:
    return replace(schedule, kpis=None)


@pytest.fixture(scope="session")
def schedule_haversine(schedule: Schedule) -> Schedule:
    return replace(schedule, meta=replace(schedule.meta, matrix_source="haversine"))


@pytest.fixture(scope="session")
def big() -> tuple[Problem, Schedule]:
    return make_big()


@pytest.fixture(scope="session")
def payloads() -> tuple[str, ...]:
    return PAYLOADS
