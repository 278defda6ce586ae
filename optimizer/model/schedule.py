"""What the solver answers: routes with their stops and breaks, unassigned orders with
reasons, the day's KPIs and how the plan was made."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from optimizer.model.problem import Location
from optimizer.model.reasons import ReasonCode


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
