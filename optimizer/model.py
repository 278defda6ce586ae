"""Domain types: small frozen dataclasses with units in their field names.

Everything here is plain data. Datetimes are timezone-aware; inside the solver
they become integer seconds counted from :attr:`Problem.day_start`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


class TravelSource(enum.StrEnum):
    """Where a scenario's travel times come from (scenario.toml ``[travel] source``)."""

    #: Straight lines times a detour factor at a fixed speed: no road data needed.
    HAVERSINE = "haversine"
    #: Fastest paths on the roads of an OSM extract (``osm_file``).
    OSM_FILE = "osm_file"
    #: Fastest paths on the roads of a named place, downloaded once (``place``).
    PLACE = "place"
    #: Fastest paths on the roads inside a box, downloaded once (``bbox``).
    BBOX = "bbox"

    @property
    def roads(self) -> bool:
        """True for the sources that route on an OSM road network."""
        return self is not TravelSource.HAVERSINE


class MatrixSource(enum.StrEnum):
    """What a :class:`TravelMatrix` was computed from (``SolveMeta.matrix_source``).

    A hand-made matrix (tests, benchmarks) may carry any other label.
    """

    #: Straight lines (the ``haversine`` travel source).
    HAVERSINE = "haversine"
    #: Fastest paths on OSM roads (the ``osm_file``, ``place`` and ``bbox`` sources).
    OSM = "osm"


class ReasonCode(enum.StrEnum):
    """Why an order is unassigned: a stable machine code beside the human reason.

    A code keeps its meaning across versions (new codes may be added); the human
    text may change. :attr:`label` is a short text for grouping in reports and
    maps. docs/schedule-format.md says what each code means and what a dispatcher
    can do about it.
    """

    # The order has no location.
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    ADDRESS_AMBIGUOUS = "ADDRESS_AMBIGUOUS"
    ADDRESS_OUTSIDE_AREA = "ADDRESS_OUTSIDE_AREA"
    NO_ADDRESS = "NO_ADDRESS"
    NOT_GEOCODED = "NOT_GEOCODED"
    #: Located, but below ``[geocode] min_confidence``: a person should pick the place.
    GEOCODE_REVIEW = "GEOCODE_REVIEW"
    NO_LOCATION = "NO_LOCATION"
    # No technician may serve it (decided before solving).
    NO_SKILL = "NO_SKILL"
    NO_PART = "NO_PART"
    EXCLUDED_ALL = "EXCLUDED_ALL"
    DEMAND_OVER_CAPACITY = "DEMAND_OVER_CAPACITY"
    NO_SHIFT = "NO_SHIFT"
    UNREACHABLE = "UNREACHABLE"
    WINDOW_OUTSIDE_SHIFTS = "WINDOW_OUTSIDE_SHIFTS"
    SHIFT_TOO_SHORT = "SHIFT_TOO_SHORT"
    # Some technician could serve it alone, but not next to the other jobs (after solving).
    NO_TIME = "NO_TIME"
    VAN_FULL = "VAN_FULL"
    UNREACHABLE_FROM_JOBS = "UNREACHABLE_FROM_JOBS"
    NO_ROOM = "NO_ROOM"
    # It would fit, but was left out.
    DROPPED_FOR_COST = "DROPPED_FOR_COST"
    NOT_REACHED = "NOT_REACHED"
    #: Not a visit: resolvable by remote diagnosis or video support (``remote_resolvable``).
    REMOTE = "REMOTE"
    #: Its parts arrive (``parts_ready_at``) too late for every window and shift.
    PARTS_LATE = "PARTS_LATE"
    #: Hard territories: outside the territory of every technician who could serve it.
    OUTSIDE_TERRITORY = "OUTSIDE_TERRITORY"
    #: Read from a schedule.json written before codes existed.
    UNKNOWN = "UNKNOWN"

    @property
    def label(self) -> str:
        """A short human text for the code, for grouping (``"no technician has the skill"``)."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    ReasonCode.ADDRESS_NOT_FOUND: "address not found",
    ReasonCode.ADDRESS_AMBIGUOUS: "ambiguous address",
    ReasonCode.ADDRESS_OUTSIDE_AREA: "address outside the area",
    ReasonCode.NO_ADDRESS: "no address",
    ReasonCode.NOT_GEOCODED: "address not geocoded",
    ReasonCode.GEOCODE_REVIEW: "address needs review",
    ReasonCode.NO_LOCATION: "no location",
    ReasonCode.NO_SKILL: "no technician has the skills",
    ReasonCode.NO_PART: "no qualified van carries the parts",
    ReasonCode.EXCLUDED_ALL: "every qualified technician excluded",
    ReasonCode.DEMAND_OVER_CAPACITY: "too large for every van",
    ReasonCode.NO_SHIFT: "no technician works that day",
    ReasonCode.UNREACHABLE: "not reachable by road",
    ReasonCode.WINDOW_OUTSIDE_SHIFTS: "window outside every shift",
    ReasonCode.SHIFT_TOO_SHORT: "longer than any shift allows",
    ReasonCode.NO_TIME: "fully booked",
    ReasonCode.VAN_FULL: "van full",
    ReasonCode.UNREACHABLE_FROM_JOBS: "no road from the other jobs",
    ReasonCode.NO_ROOM: "no room on any route",
    ReasonCode.DROPPED_FOR_COST: "cheaper to leave out",
    ReasonCode.NOT_REACHED: "not reached in the time limit",
    ReasonCode.REMOTE: "resolved remotely (visit avoided)",
    ReasonCode.PARTS_LATE: "parts arrive too late",
    ReasonCode.OUTSIDE_TERRITORY: "outside every territory",
    ReasonCode.UNKNOWN: "other",
}

#: The codes of orders that are blocked before solving by a missing skill, part or
#: territory (grouped so in report.html).
BLOCKED_BY = {
    "skills": (ReasonCode.NO_SKILL,),
    "parts": (ReasonCode.NO_PART, ReasonCode.PARTS_LATE),
    "territory": (ReasonCode.OUTSIDE_TERRITORY,),
}

#: ``WorkOrder.location_issue`` for each code of an order without a location: the
#: one place these texts are written (loading and geocoding use them, and the
#: pre-check maps them back to their code with :func:`location_code`).
LOCATION_ISSUES = {
    ReasonCode.ADDRESS_NOT_FOUND: "address not found",
    ReasonCode.ADDRESS_AMBIGUOUS: "ambiguous address",
    ReasonCode.ADDRESS_OUTSIDE_AREA: "address outside the scenario area",
    ReasonCode.NO_ADDRESS: "no address and no lat/lon",
    ReasonCode.NOT_GEOCODED: "address not geocoded",
    ReasonCode.GEOCODE_REVIEW: "geocode below min_confidence: needs review",
    ReasonCode.NO_LOCATION: "no location",
}
_LOCATION_CODES = {text: code for code, text in LOCATION_ISSUES.items()}


def location_code(issue: str) -> ReasonCode:
    """The code of a ``WorkOrder.location_issue`` text (``NO_LOCATION`` for any other text)."""
    return _LOCATION_CODES.get(issue, ReasonCode.NO_LOCATION)


class ChangeKind(enum.StrEnum):
    """What happened to one order between two plans (``OrderChange.status``).

    The values are the words written to the change CSVs and reports.
    """

    #: Re-planning: same technician, start within the tolerance.
    KEPT = "kept"
    #: Same order, another technician.
    MOVED = "moved"
    #: Re-planning: same technician, start moved by more than the tolerance.
    RETIMED = "retimed"
    NEWLY_ASSIGNED = "newly assigned"
    NEWLY_UNASSIGNED = "newly unassigned"
    #: Unassigned before and after.
    STILL_UNASSIGNED = "still unassigned"
    #: An order that arrived with the events (re-plan) or only the what-if has (compare).
    NEW_ASSIGNED = "new, assigned"
    NEW_UNASSIGNED = "new, unassigned"
    #: Re-planning: settled by the events or the clock.
    COMPLETED = "completed"
    IN_PROGRESS = "in progress"
    #: Cancelled by an event (re-plan), or only in the base scenario (compare).
    CANCELLED = "cancelled"


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


#: Road classes of ``[travel.speed_factors]`` (OSM ``highway=*``; ``other`` is every class
#: not listed, such as ``road`` or ``busway``).
ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified",
                "residential", "living_street", "service", "other")

#: Free-flow road speeds (posted ``maxspeed`` or the class default) times these factors
#: give the speeds a van keeps on average in daytime traffic: junctions, lights, turns,
#: congestion and searching. Sources and the resulting demo speeds: docs/roads.md.
DEFAULT_SPEED_FACTORS: Mapping[str, float] = {
    "motorway": 0.8,
    "trunk": 0.75,
    "primary": 0.7,
    "secondary": 0.65,
    "tertiary": 0.65,
    "unclassified": 0.6,
    "residential": 0.6,
    "living_street": 0.6,
    "service": 0.6,
    "other": 0.6,
}


@dataclass(frozen=True, slots=True)
class Peak:
    """Hours of slower traffic (scenario.toml ``[[travel.peaks]]``).

    A leg that may be driven at any moment in ``[start_min, end_min)`` (minutes after
    midnight, wall clock) takes its travel time divided by ``speed_factor`` (0.1..1), the
    whole leg. Which legs "may" be driven then is decided before solving, from the
    order's time windows and the shift (:func:`optimizer.solver.timing.leave_factors`):
    see docs/roads.md, "Peak hours".
    """

    start_min: int
    end_min: int
    speed_factor: float


@dataclass(frozen=True, slots=True)
class TravelSettings:
    """Where travel times come from (scenario.toml ``[travel]``)."""

    source: TravelSource = TravelSource.HAVERSINE
    speed_kph: float = 40.0
    detour_factor: float = 1.3
    speed_factor: float = 1.0
    osm_file: str | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    max_snap_m: float = 1000.0
    #: Minutes to park and reach the door at every stop (between arrival and the start of
    #: work); a work order's own ``stop_overhead_min`` overrides it.
    stop_overhead_min: float = 0.0
    #: Road sources only: each OSM road class's speed is multiplied by its factor
    #: (``_link`` roads use their class; ``other`` covers every unlisted class). See
    #: :data:`DEFAULT_SPEED_FACTORS` and docs/roads.md.
    speed_factors: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SPEED_FACTORS))
    #: Slower hours of the day, on every source (see :class:`Peak`).
    peaks: tuple[Peak, ...] = ()


@dataclass(frozen=True, slots=True)
class GeocodeSettings:
    """How addresses become locations (scenario.toml ``[geocode]``)."""

    provider: str = "gazetteer"
    osm_file: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    country_codes: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    min_confidence: float = 0.5
    #: Route orders below ``min_confidence`` anyway (flagged on every page) instead of
    #: leaving them unassigned with ``GEOCODE_REVIEW``.
    route_low_confidence: bool = False
    #: A TOML file of address rules merged over the built-in ones (see docs/geocoding.md).
    address_rules: str | None = None
    timeout_s: float = 10.0
    #: Seconds between online requests (Nominatim's public service asks for 1).
    min_delay_s: float | None = None
    max_retries: int = 3


#: ``[solver] territories``: an order outside every eligible technician's territory is
#: unassigned ("hard") or served at ``outside_territory_cost`` a visit ("soft").
TERRITORY_MODES = ("hard", "soft")
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
    def dates(self) -> tuple[date, ...]:
        """Every calendar day of the horizon, working or not."""
        return tuple(self.plan_date + timedelta(days=k) for k in range(self.days))

    def technician(self, tech_id: str) -> Technician:
        return self._techs[tech_id]

    def order(self, order_id: str) -> WorkOrder:
        return self._orders[order_id]


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


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit on a route. ``travel_s``/``distance_m`` are from the previous stop."""

    order_id: str
    location: Location
    arrival: datetime
    start: datetime
    end: datetime
    wait_s: int
    travel_s: int
    distance_m: int
    sla_late_s: int = 0
    #: Days after the order's ``due_date`` (several-day plans; 0 when on time).
    late_days: int = 0
    #: The order's geocoding error radius in metres; None when its coordinates were given.
    geocode_error_m: float | None = None
    #: Parking and access: ``arrival + overhead_s + wait_s == start``.
    overhead_s: int = 0


@dataclass(frozen=True, slots=True)
class ScheduledBreak:
    """A break as planned on a route."""

    kind: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Route:
    """The plan of one shift. ``end`` is the arrival at the end location."""

    tech_id: str
    shift_id: str
    start_location: Location
    end_location: Location
    start: datetime
    end: datetime
    stops: tuple[Stop, ...]
    breaks: tuple[ScheduledBreak, ...] = ()
    return_travel_s: int = 0
    return_distance_m: int = 0
    overtime_s: int = 0
    legs_geometry: tuple[tuple[Location, ...], ...] = ()

    @property
    def travel_s(self) -> int:
        return sum(s.travel_s for s in self.stops) + self.return_travel_s

    @property
    def distance_m(self) -> int:
        return sum(s.distance_m for s in self.stops) + self.return_distance_m


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order that is not on any route, with a reason a dispatcher understands.

    ``code`` says the same for programs: it groups reports and maps and does not
    change when the wording of ``reason`` does.
    """

    order_id: str
    reason: str
    code: ReasonCode = ReasonCode.UNKNOWN


@dataclass(frozen=True, slots=True)
class TechnicianKpis:
    tech_id: str
    orders: int
    service_h: float
    travel_h: float
    travel_km: float
    shift_h: float
    utilisation_pct: float
    overtime_min: float
    cost: float
    #: Service plus travel, in hours (None in a schedule.json written before).
    work_h: float | None = None


@dataclass(frozen=True, slots=True)
class ResponseKpis:
    """Response time (planned arrival - created_at) of one priority's orders.

    ``orders`` counts the routed and unassigned orders with a ``created_at`` (remote
    ones aside); an unassigned one has no arrival and counts as missing the target.
    ``mean_h`` and ``p90_h`` are over the routed ones (None if there are none).
    """

    priority: str
    target_h: float
    orders: int
    scheduled: int
    on_target: int
    on_target_pct: float
    mean_h: float | None
    p90_h: float | None


@dataclass(frozen=True, slots=True)
class Kpis:
    """The day's figures. Costs are in the rates' currency.

    SLA figures come in two kinds. ``sla_orders``, ``sla_on_time`` and
    ``sla_on_time_pct`` count only *scheduled* orders with an SLA (their meaning
    since the first version). ``sla_orders_all`` and ``sla_on_time_all_pct``
    count every order with an SLA, and an unassigned one as missed: that is the
    figure to report. ``travel_cost`` is travel and labour, ``cost`` adds
    overtime and SLA lateness, and ``objective_cost`` adds the drop penalties of
    the unassigned orders too: what the solver weighs, in money.

    The fields after ``technicians`` were added later; in a schedule.json
    written before, they are ``None``.
    """

    orders_total: int
    scheduled: int
    unassigned: int
    scheduled_by_priority: Mapping[str, int]
    unassigned_by_priority: Mapping[str, int]
    #: Scheduled orders with an SLA due time.
    sla_orders: int
    #: Orders with an SLA that start by their due time (only scheduled ones can).
    sla_on_time: int
    #: ``sla_on_time`` / ``sla_orders``: on time among the scheduled SLA orders.
    sla_on_time_pct: float
    travel_km: float
    travel_h: float
    service_h: float
    overtime_min: float
    #: Travel and labour: each route's km and working span at its technician's rates.
    travel_cost: float
    overtime_cost: float
    sla_late_cost: float
    #: ``travel_cost + overtime_cost + sla_late_cost``.
    cost: float
    technicians: tuple[TechnicianKpis, ...]
    #: Every order with an SLA due time, scheduled or not.
    sla_orders_all: int | None = None
    #: Unassigned orders with an SLA due time: each one is a missed SLA.
    sla_unassigned: int | None = None
    #: ``sla_on_time`` / ``sla_orders_all``: on time among all SLA orders.
    sla_on_time_all_pct: float | None = None
    #: ``ObjectiveWeights.drop_penalty`` summed over the unassigned orders.
    drop_penalty_cost: float | None = None
    #: ``cost + drop_penalty_cost + balance_cost``: the full objective in money (without
    #: the preferred-technician bonus and re-plan costs).
    objective_cost: float | None = None
    #: Response time by priority (orders with ``created_at`` only).
    response: tuple[ResponseKpis, ...] | None = None
    #: Orders resolved remotely: visits avoided (they are in ``unassigned`` too).
    visits_avoided: int | None = None
    #: Soft territories: visits outside the technician's territories, and their cost
    #: (part of ``cost``).
    outside_territory_visits: int | None = None
    territory_cost: float | None = None
    #: Scheduled orders served after their ``due_date``, and their days late summed.
    late_orders: int | None = None
    late_days: int | None = None
    #: ``late_cost_per_day`` over the late days (inside ``cost``).
    late_cost: float | None = None
    #: Hours spent parking and reaching the door at the stops (``Stop.overhead_s``); part
    #: of each route's working span, so of ``travel_cost`` too.
    overhead_h: float | None = None
    #: Workload balance (``[objective] balance``): the cost of work away from each
    #: shift's target and of late departures; 0 with balance off.
    balance_cost: float | None = None
    #: Spread of ``utilisation_pct`` over the technicians with a shift: lowest, highest
    #: and population standard deviation, in percent.
    utilisation_min_pct: float | None = None
    utilisation_max_pct: float | None = None
    utilisation_std_pct: float | None = None


@dataclass(frozen=True, slots=True)
class SolveMeta:
    """How a schedule was made, so that it can be reproduced."""

    seed: int
    time_limit_s: float
    solution_limit: int | None
    #: The matrix's :class:`MatrixSource` (or its label, for a hand-made matrix).
    matrix_source: str
    status: str
    objective: int
    wall_s: float
    versions: Mapping[str, str]
    scenario: str = ""
    #: Workload balance: each shift's target of work in seconds (empty with balance off).
    work_targets_s: Mapping[str, int] = field(default_factory=dict)
    #: ``fsopt solve --previous``: the schedule.json the plan started from, as given.
    previous: str = ""


@dataclass(frozen=True, slots=True)
class Schedule:
    """The answer: routes, unassigned orders with reasons, KPIs and meta."""

    problem_name: str
    plan_date: date
    timezone: str
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    meta: SolveMeta
    kpis: Kpis | None = None

    def route_of(self, order_id: str) -> Route | None:
        for route in self.routes:
            if any(s.order_id == order_id for s in route.stops):
                return route
        return None


@dataclass(frozen=True, slots=True)
class BasemapLine:
    """One line of an offline background map: a road, a river or the outline of water.

    ``kind`` is the OSM ``highway`` class (``motorway``, ``trunk``, ``primary``,
    ``secondary``, ``tertiary``), ``river``/``canal`` (a waterway centre line) or
    ``water`` (a closed outline of a lake or riverbank, drawn filled).
    """

    kind: str
    points: tuple[Location, ...]


@dataclass(frozen=True, slots=True)
class BasemapPlace:
    """A named place (``kind``: OSM ``place`` = city, town, village or suburb)."""

    name: str
    kind: str
    location: Location


@dataclass(frozen=True, slots=True)
class Basemap:
    """A light background drawn from the scenario's own OSM extract (see docs/maps.md)."""

    lines: tuple[BasemapLine, ...]
    places: tuple[BasemapPlace, ...]
    #: Where it was read from, for the credit line (for example the extract's file name).
    source: str = ""
