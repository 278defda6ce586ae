"""What the solver is given: orders, technicians, shifts, weights, and travel between
places. Plain data; datetimes are timezone-aware, and inside the solver they become
integer seconds counted from :attr:`Problem.day_start`."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.model.scenario_settings import GeocodeSettings, TravelSettings


class Priority(enum.StrEnum):
    """How much an order matters. Ordered from most to least urgent."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Location:
    """A point on the earth. Latitude first, always named."""

    lat: float
    lon: float
    address: str = ""

    @classmethod
    def to_geocode(cls, address: str) -> Location:
        """A place known only by its address: NaN coordinates until it is geocoded."""
        return cls(math.nan, math.nan, address)

    @property
    def located(self) -> bool:
        """False for an address still waiting for its coordinates."""
        return math.isfinite(self.lat) and math.isfinite(self.lon)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """When a job may *start* (both ends inclusive, tz-aware)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Break:
    """A break that floats inside ``[earliest_start, latest_end]``."""

    earliest_start: datetime
    latest_end: datetime
    duration_min: float
    kind: str = "lunch"


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """One job at one customer."""

    order_id: str
    customer: str
    location: Location | None
    service_min: float
    required_skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    time_windows: tuple[TimeWindow, ...] = ()
    sla_due: datetime | None = None
    preferred_techs: frozenset[str] = frozenset()
    excluded_techs: frozenset[str] = frozenset()
    required_parts: frozenset[str] = frozenset()
    demand: int = 0
    phone: str = ""
    notes: str = ""
    #: The street address as given (kept even when there are no coordinates yet).
    address: str = ""
    #: Set by geocoding: 1.0 exact house number, lower for fallbacks; None if given as lat/lon.
    geocode_confidence: float | None = None
    #: Why ``location`` is None (for example "address not found"); shown as the unassigned
    #: reason. One of :data:`LOCATION_ISSUES`, so that it maps back to its :class:`ReasonCode`.
    location_issue: str = ""
    #: Re-planning: the technician and start time already promised (soft; see ObjectiveWeights).
    promised_tech: str | None = None
    promised_start: datetime | None = None
    #: Re-planning: kept as published (freeze horizon, or the technician is driving to it);
    #: leaving it out costs :func:`pinned_drop_penalty`.
    pinned: bool = False
    #: When the request came in (response time = planned arrival - created_at).
    created_at: datetime | None = None
    #: Resolvable by remote diagnosis: never routed, listed unassigned with ``REMOTE``.
    remote_resolvable: bool = False
    #: The job cannot start before its parts arrive (a lower bound on its start).
    parts_ready_at: datetime | None = None
    postcode: str = ""
    #: Names of the territory polygons (territories.geojson) that contain the order;
    #: set from its location by :mod:`optimizer.geo.territories`.
    areas: frozenset[str] = frozenset()
    #: Several days: the first day it may be served on (hard: no shift of an earlier day
    #: takes it), and the day it is due (soft: each day after it costs
    #: ``ObjectiveWeights.late_cost_per_day``; see :func:`late_days`).
    earliest_date: date | None = None
    due_date: date | None = None
    #: Set by geocoding: the estimated error radius of the point in metres (None if given).
    geocode_error_m: float | None = None
    #: Minutes to park and walk to the customer before work can start; None uses the
    #: scenario's ``[travel] stop_overhead_min``. See :func:`stop_overhead_min`.
    stop_overhead_min: float | None = None


@dataclass(frozen=True, slots=True)
class Technician:
    """A person with skills, rates and a van."""

    tech_id: str
    name: str
    skills: frozenset[str]
    home: Location
    efficiency: float = 1.0
    cost_per_km: float = 0.35
    cost_per_hour: float = 35.0
    van_stock: frozenset[str] = frozenset()
    capacity: int | None = None
    speed_factor: float = 1.0
    #: Postcode prefixes or territory polygon names; empty: no territory (covers all).
    territories: frozenset[str] = frozenset()
    #: Workload balance: the least work (service plus travel) to aim for, in hours; it
    #: raises the shift's balance target (needs ``ObjectiveWeights.balance``).
    min_work_h: float | None = None
    #: The most work (service plus travel) a shift may hold, in hours: a hard limit.
    max_work_h: float | None = None


def in_territory(tech: Technician, order: WorkOrder) -> bool:
    """Whether ``order`` lies in one of ``tech``'s territories (always, with none).

    A territory is a polygon name the order lies in (``order.areas``), or a prefix of
    the order's postcode (case and spaces ignored).
    """
    if not tech.territories:
        return True
    code = order.postcode.replace(" ", "").upper()
    return any(t in order.areas or (code and code.startswith(t.replace(" ", "").upper()))
               for t in tech.territories)


@dataclass(frozen=True, slots=True)
class Shift:
    """One technician-day: the OR-Tools vehicle."""

    shift_id: str
    tech_id: str
    start: datetime
    end: datetime
    start_location: Location
    end_location: Location
    breaks: tuple[Break, ...] = ()
    max_overtime_min: float = 0.0
    #: Work (service, travel and parking) done on this technician-day before a re-plan
    #: restarted the shift: it counts against the technician's ``max_work_h``.
    work_done_s: int = 0
    #: The job in progress when a re-plan restarted the shift (its finish is ``start``):
    #: a later re-plan may hear that it ended early or runs late.
    busy_with: str = ""


@dataclass(frozen=True, slots=True)
class Absence:
    """A technician away (absences.csv): no work from ``start`` to ``end``. Applied to the
    rostered shifts by :func:`optimizer.roster.apply_absences`."""

    tech_id: str
    start: datetime
    end: datetime
    reason: str = "absence"


def _by_priority(**values: float) -> dict[Priority, float]:
    return {Priority(k): v for k, v in values.items()}


@dataclass(frozen=True, slots=True)
class ObjectiveWeights:
    """Money-valued weights of the objective (currency units, like the rates).

    Travel is costed at each technician's ``cost_per_km`` and ``cost_per_hour``
    (on the whole working span). Everything else is added on top.
    """

    drop_penalty: Mapping[Priority, float] = field(
        default_factory=lambda: _by_priority(
            critical=100_000.0, high=5_000.0, normal=1_000.0, low=300.0
        )
    )
    sla_late_cost_per_min: Mapping[Priority, float] = field(
        default_factory=lambda: _by_priority(critical=20.0, high=5.0, normal=1.0, low=0.25)
    )
    overtime_cost_per_hour: float = 60.0
    #: Several days: the cost of each day an order is served after its ``due_date``.
    late_cost_per_day: Mapping[Priority, float] = field(
        default_factory=lambda: _by_priority(
            critical=20_000.0, high=1_000.0, normal=200.0, low=50.0
        )
    )
    preferred_tech_bonus: float = 20.0
    #: Re-planning: cost of giving a promised order to another technician, and of
    #: moving its start more than ``retime_tolerance_min`` from the promised time.
    reassign_cost: float = 50.0
    retime_cost_per_min: float = 1.0
    retime_tolerance_min: float = 30.0
    #: Soft territories: cost of one visit outside the technician's territories.
    outside_territory_cost: float = 50.0
    #: Workload balance (``[objective] balance``): None ("off"), or the cost per hour of
    #: work a shift falls short of its target (see :mod:`optimizer.solver.balance`).
    balance: float | None = None


def elapsed_s(start: datetime, end: datetime) -> float:
    """Real seconds from ``start`` to ``end``, exact across daylight-saving changes."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def add_s(moment: datetime, seconds: float) -> datetime:
    """``moment`` plus ``seconds`` of real time, in ``moment``'s time zone.

    ``moment + timedelta(...)`` adds wall-clock time for a zoneinfo datetime: an
    hour added at 01:30 on the spring change day gives 02:30, which does not exist.
    """
    return (moment.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(moment.tzinfo)


def drop_penalty(weights: ObjectiveWeights, order: WorkOrder) -> float:
    """What leaving ``order`` out costs in the objective: its priority's penalty, plus
    ``reassign_cost`` when a re-plan finds it promised (breaking a promise costs at least
    what moving it does, so a re-plan does not drop a promised visit to take an
    unpromised one of the same priority); a pinned visit: see below."""
    if order.pinned:
        return pinned_drop_penalty(weights)
    if order.remote_resolvable:
        return 0.0  # resolved remotely: leaving it off the routes is the plan
    promised = weights.reassign_cost if order.promised_tech else 0.0
    return weights.drop_penalty[order.priority] + promised


def shift_date(shift: Shift) -> date:
    """The working day of a shift: the local date it starts on."""
    return shift.start.date()


def late_days(order: WorkOrder, day: date) -> int:
    """Whole days a visit on ``day`` comes after the order's ``due_date`` (0 if on time
    or without a due date)."""
    if order.due_date is None:
        return 0
    return max(0, (day - order.due_date).days)


def order_drop_penalty(problem: Problem, order: WorkOrder) -> float:
    """What leaving ``order`` out of ``problem`` costs: :func:`drop_penalty`, plus for an
    order with a ``due_date`` the lateness it will have on the first day after the
    horizon (``late_cost_per_day`` a day). A visit late inside the horizon therefore
    always costs less than leaving the order out: work rolls over instead of dropping."""
    base = drop_penalty(problem.weights, order)
    if order.due_date is None or order.pinned or order.remote_resolvable:
        return base
    after = problem.end_date + timedelta(days=1)
    return base + late_days(order, after) * problem.weights.late_cost_per_day[order.priority]


def pinned_drop_penalty(weights: ObjectiveWeights) -> float:
    """What leaving out a pinned visit costs: ten times the highest drop penalty, and at
    least 10 million, more than any day's other costs (re-planning pins only visits that
    fit, so this never forces an infeasible plan)."""
    return max(10 * max(weights.drop_penalty.values(), default=0.0), 1e7)


#: ``[sla] response_target_h`` by default: hours from created_at to the planned arrival.
DEFAULT_RESPONSE_TARGET_H = {Priority.CRITICAL: 4.0, Priority.HIGH: 8.0,
                             Priority.NORMAL: 24.0, Priority.LOW: 72.0}


@dataclass(frozen=True, slots=True)
class Problem:
    """Everything the solver needs, with no reference to files or the network."""

    name: str
    plan_date: date
    timezone: str
    orders: tuple[WorkOrder, ...]
    technicians: tuple[Technician, ...]
    shifts: tuple[Shift, ...]
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    travel: TravelSettings = field(default_factory=TravelSettings)
    geocode: GeocodeSettings = field(default_factory=GeocodeSettings)
    #: One of :data:`TERRITORY_MODES`.
    territory_mode: str = "hard"
    response_target_h: Mapping[Priority, float] = field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_TARGET_H))
    #: Calendar days planned from ``plan_date`` on (1: one day; a working week: 5).
    days: int = 1
    #: Workload balance: each shift's target of work in seconds, by shift id. Filled by
    #: the solver (:func:`optimizer.solver.balance.with_targets`) when balance is on.
    work_targets_s: Mapping[str, int] = field(default_factory=dict)
    #: The absences that ``shifts`` already have applied, and the shifts before them (the
    #: roster; empty when there is no absence). What-if changes of technicians and shift
    #: hours start from the roster (:mod:`optimizer.roster`). Set by the loader and kept in
    #: step by the what-ifs; a problem cut from another (a re-plan's rest of the day, a
    #: decomposed sub-problem) has neither.
    absences: tuple[Absence, ...] = ()
    roster: tuple[Shift, ...] = ()
    # Lookups derived once from the fields above (a Problem is immutable): the solver
    # asks for them per order and shift, which on 1000 orders made list scans dominate.
    _day_start: datetime = field(init=False, repr=False, compare=False)
    _techs: dict[str, Technician] = field(init=False, repr=False, compare=False)
    _orders: dict[str, WorkOrder] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        day_start = datetime.combine(self.plan_date, time(0), tzinfo=ZoneInfo(self.timezone))
        techs: dict[str, Technician] = {}
        for tech in self.technicians:
            techs.setdefault(tech.tech_id, tech)
        orders: dict[str, WorkOrder] = {}
        for order in self.orders:
            orders.setdefault(order.order_id, order)
        object.__setattr__(self, "_day_start", day_start)
        object.__setattr__(self, "_techs", techs)
        object.__setattr__(self, "_orders", orders)

    @property
    def day_start(self) -> datetime:
        """Midnight of the plan date in the scenario's time zone: solver time 0."""
        return self._day_start

    @property
    def end_date(self) -> date:
        """The last day of the horizon (``plan_date`` for a one-day problem)."""
        return self.plan_date + timedelta(days=self.days - 1)

    @property
    def period(self) -> str:
        """The plan date, or "first to last day" for several days (for titles)."""
        return (f"{self.plan_date} to {self.end_date}" if self.days > 1
                else f"{self.plan_date}")

    @property
    def dates(self) -> tuple[date, ...]:
        """Every calendar day of the horizon, working or not."""
        return tuple(self.plan_date + timedelta(days=k) for k in range(self.days))

    def technician(self, tech_id: str) -> Technician:
        return self._techs[tech_id]

    def order(self, order_id: str) -> WorkOrder:
        return self._orders[order_id]


class MatrixSource(enum.StrEnum):
    """What a :class:`TravelMatrix` was computed from (``SolveMeta.matrix_source``).

    A hand-made matrix (tests, benchmarks) may carry any other label.
    """

    #: Straight lines (the ``haversine`` travel source).
    HAVERSINE = "haversine"
    #: Fastest paths on OSM roads (the ``osm_file``, ``place`` and ``bbox`` sources).
    OSM = "osm"


@dataclass(frozen=True, slots=True, eq=False)
class TravelMatrix:
    """Travel between points: ``travel_s[i][j]`` and ``distance_m[i][j]``.

    ``travel_s`` and ``distance_m`` are square integer arrays (numpy or nested
    sequences) over ``points``. ``reachable[i][j]`` is False where no path exists;
    ``None`` means every pair is reachable. Values of unreachable pairs are
    meaningless and never used.
    """

    points: tuple[Location, ...]
    travel_s: Any
    distance_m: Any
    #: A :class:`MatrixSource` (or any label for a hand-made matrix).
    source: str
    reachable: Any = None
    _index: dict[Location, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {p: i for i, p in enumerate(self.points)})

    def index(self, location: Location) -> int:
        """Position of ``location`` in :attr:`points` (raises KeyError)."""
        return self._index[location]

    def is_reachable(self, i: int, j: int) -> bool:
        return self.reachable is None or bool(self.reachable[i][j])
