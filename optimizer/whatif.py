"""What-if changes: small frozen types with ``apply(problem) -> Problem``.

A what-if scenario names a base scenario and lists changes in its
``scenario.toml``::

    [scenario]
    name = "one-more-hvac"
    base = "../liechtenstein"

    [[changes]]
    type = "add_technician"
    tech_id = "T11"
    copy_from = "T01"

The base problem is never mutated: every change returns a new Problem built
with :func:`dataclasses.replace`. A change that names an unknown technician,
skill or field raises :class:`~optimizer.errors.InputError` naming the change.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.io.schemas import parse_clock
from optimizer.model import (
    Break,
    Location,
    ObjectiveWeights,
    Priority,
    Problem,
    TimeWindow,
    WorkOrder,
    add_s,
    shift_date,
)
from optimizer.roster import rostered, with_roster


class Change:
    """Base of every what-if change. ``label`` names it in error messages."""

    kind: ClassVar[str] = ""

    def apply(self, problem: Problem) -> Problem:  # pragma: no cover - abstract
        raise NotImplementedError

    def _error(self, message: str) -> InputError:
        return InputError(f"change {self.kind!r}: {message}")


def _tech_ids(problem: Problem, tech_id: str, change: Change,
              field: str = "tech_id") -> list[str]:
    known = [t.tech_id for t in problem.technicians]
    if tech_id == "*":
        return known
    if tech_id not in known:
        raise change._error(f"{field}: unknown technician {tech_id!r} "
                            f"(known: {', '.join(known)})")
    return [tech_id]


def _clock(problem: Problem, change: Change, name: str, day: date | None = None) -> datetime:
    """The field ``name`` of ``change`` (``HH:MM``) on ``day`` (default: the plan date), by
    the one rule of :func:`~optimizer.io.schemas.parse_clock`: ``24:00`` is the end of the
    day, ``24:30`` an error. A TOML time (``08:00:00`` unquoted) is read as its text."""
    value = getattr(change, name)
    moment = parse_clock(str(value), day or problem.plan_date, ZoneInfo(problem.timezone))
    if moment is None:
        raise change._error(f"{name}={str(value)!r}: not a time of day "
                            "(use HH:MM, 00:00 to 24:00)")
    return moment


@dataclass(frozen=True, slots=True)
class AddTechnician(Change):
    """Hire someone: a copy of ``copy_from``'s profile, with optional overrides."""

    kind: ClassVar[str] = "add_technician"
    tech_id: str
    copy_from: str
    name: str = ""
    skills: tuple[str, ...] | None = None
    home_lat: float | None = None
    home_lon: float | None = None

    def apply(self, problem: Problem) -> Problem:
        if self.tech_id in {t.tech_id for t in problem.technicians}:
            raise self._error(f"technician {self.tech_id!r} already exists")
        if (self.home_lat is None) != (self.home_lon is None):
            # one of the two was silently ignored: the copy lived at the template's home
            raise self._error("home_lat and home_lon go together (give both, or neither to "
                              "keep the home of copy_from)")
        (source,) = _tech_ids(problem, self.copy_from, self, "copy_from")
        template = problem.technician(source)
        home = template.home
        if self.home_lat is not None and self.home_lon is not None:
            home = Location(self.home_lat, self.home_lon)
        tech = replace(template, tech_id=self.tech_id, name=self.name or self.tech_id, home=home,
                       skills=frozenset(self.skills) if self.skills is not None
                       else template.skills)
        # the template's roster, not its absences (a doctor's appointment, a day off)
        roster = rostered(problem)
        shifts = tuple(
            replace(s, shift_id=s.shift_id.replace(source, self.tech_id, 1),
                    tech_id=self.tech_id,
                    start_location=home if s.start_location == template.home else s.start_location,
                    end_location=home if s.end_location == template.home else s.end_location)
            for s in roster if s.tech_id == source
        )
        return with_roster(replace(problem, technicians=(*problem.technicians, tech)),
                           roster + shifts)


@dataclass(frozen=True, slots=True)
class RemoveTechnician(Change):
    """Someone is off: their shifts disappear."""

    kind: ClassVar[str] = "remove_technician"
    tech_id: str

    def apply(self, problem: Problem) -> Problem:
        _tech_ids(problem, self.tech_id, self)
        removed = replace(
            problem,
            technicians=tuple(t for t in problem.technicians if t.tech_id != self.tech_id),
            orders=tuple(replace(o, preferred_techs=o.preferred_techs - {self.tech_id},
                                 excluded_techs=o.excluded_techs - {self.tech_id})
                         for o in problem.orders),
            absences=tuple(a for a in problem.absences if a.tech_id != self.tech_id),
        )
        return with_roster(removed, (s for s in rostered(problem) if s.tech_id != self.tech_id))


@dataclass(frozen=True, slots=True)
class SetTechnicianCount(Change):
    """Work with ``count`` technicians: drop the last ones or add copies in turn."""

    kind: ClassVar[str] = "technician_count"
    count: int

    def apply(self, problem: Problem) -> Problem:
        if self.count < 1:
            raise self._error(f"count={self.count!r}: must be >= 1")
        techs = list(problem.technicians)
        if self.count <= len(techs):
            for tech in techs[self.count:]:
                problem = RemoveTechnician(tech.tech_id).apply(problem)
            return problem
        for k in range(self.count - len(techs)):
            template = techs[k % len(techs)]
            problem = AddTechnician(f"{template.tech_id}+{k + 1}", template.tech_id,
                                    name=f"{template.name} (extra)").apply(problem)
        return problem


@dataclass(frozen=True, slots=True)
class ChangeShift(Change):
    """New shift hours, lunch or overtime limit for one technician or ``"*"`` (all); in a
    plan of several days, on each shift's own day."""

    kind: ClassVar[str] = "change_shift"
    tech_id: str
    shift_start: str | None = None
    shift_end: str | None = None
    lunch_earliest: str | None = None
    lunch_latest: str | None = None
    lunch_min: float | None = None
    max_overtime_min: float | None = None

    def apply(self, problem: Problem) -> Problem:
        targets = set(_tech_ids(problem, self.tech_id, self))
        window = self.lunch_earliest is not None or self.lunch_latest is not None
        if window and self.lunch_min is None:
            # the window alone was silently ignored: the old lunch stayed
            raise self._error("lunch_earliest and lunch_latest need lunch_min (0 removes "
                              "the lunch)")
        shifts = []
        # the new hours apply to the roster; the absences are applied again after them
        for s in rostered(problem):
            if s.tech_id in targets:
                # each shift keeps its own day (a plan of several days has one a day)
                day = shift_date(s)
                start = _clock(problem, self, "shift_start", day) if self.shift_start else s.start
                end = _clock(problem, self, "shift_end", day) if self.shift_end else s.end
                if end <= start:
                    raise self._error(f"shift {s.shift_id} would end before it starts")
                breaks = s.breaks
                if self.lunch_min is not None:
                    others = tuple(b for b in s.breaks if b.kind != "lunch")
                    lunch = ()
                    if self.lunch_min > 0:
                        if not (self.lunch_earliest and self.lunch_latest):
                            raise self._error("lunch_min needs lunch_earliest and lunch_latest")
                        lunch = (Break(_clock(problem, self, "lunch_earliest", day),
                                       _clock(problem, self, "lunch_latest", day),
                                       self.lunch_min),)
                    breaks = others + lunch
                for b in breaks:  # the rules of technicians.csv
                    if b.kind != "lunch":
                        continue
                    span = f"{b.earliest_start:%H:%M}-{b.latest_end:%H:%M}"
                    if b.latest_end - b.earliest_start < timedelta(minutes=b.duration_min):
                        raise self._error(f"shift {s.shift_id}: the lunch window {span} is "
                                          f"shorter than lunch_min={b.duration_min:g}")
                    if b.earliest_start < start or b.latest_end > end:
                        raise self._error(f"shift {s.shift_id}: the lunch window {span} must "
                                          f"lie inside the shift {start:%H:%M}-{end:%H:%M}")
                overtime = (s.max_overtime_min if self.max_overtime_min is None
                            else self.max_overtime_min)
                s = replace(s, start=start, end=end, breaks=breaks, max_overtime_min=overtime)
            shifts.append(s)
        return with_roster(problem, shifts)


@dataclass(frozen=True, slots=True)
class AddSkills(Change):
    """Train a technician (or ``"*"``)."""

    kind: ClassVar[str] = "add_skills"
    tech_id: str
    skills: tuple[str, ...]

    def apply(self, problem: Problem) -> Problem:
        targets = set(_tech_ids(problem, self.tech_id, self))
        return replace(problem, technicians=tuple(
            replace(t, skills=t.skills | set(self.skills)) if t.tech_id in targets else t
            for t in problem.technicians))


@dataclass(frozen=True, slots=True)
class RemoveSkills(Change):
    """Take skills away (for example, a certificate expired)."""

    kind: ClassVar[str] = "remove_skills"
    tech_id: str
    skills: tuple[str, ...]

    def apply(self, problem: Problem) -> Problem:
        targets = set(_tech_ids(problem, self.tech_id, self))
        for tech in problem.technicians:
            if tech.tech_id in targets and self.tech_id != "*":
                missing = set(self.skills) - tech.skills
                if missing:
                    raise self._error(f"{tech.tech_id} has no skills {sorted(missing)}")
        return replace(problem, technicians=tuple(
            replace(t, skills=t.skills - set(self.skills)) if t.tech_id in targets else t
            for t in problem.technicians))


def _order_matches(order: WorkOrder, priority: str | None, skill: str | None,
                   order_ids: tuple[str, ...]) -> bool:
    return ((priority is None or order.priority.value == priority)
            and (skill is None or skill in order.required_skills)
            and (not order_ids or order.order_id in order_ids))


def _check_priority(change: Change, priority: str | None) -> None:
    if priority is not None and priority not in {p.value for p in Priority}:
        raise change._error(f"unknown priority {priority!r}")


@dataclass(frozen=True, slots=True)
class RemoveOrders(Change):
    """Drop the orders matching every given filter (priority, skill, ids)."""

    kind: ClassVar[str] = "remove_orders"
    priority: str | None = None
    skill: str | None = None
    order_ids: tuple[str, ...] = ()

    def apply(self, problem: Problem) -> Problem:
        _check_priority(self, self.priority)
        unknown = set(self.order_ids) - {o.order_id for o in problem.orders}
        if unknown:
            raise self._error(f"unknown orders {sorted(unknown)}")
        if self.priority is None and self.skill is None and not self.order_ids:
            raise self._error("give at least one filter: priority, skill or order_ids")
        return replace(problem, orders=tuple(
            o for o in problem.orders
            if not _order_matches(o, self.priority, self.skill, self.order_ids)))


@dataclass(frozen=True, slots=True)
class SetSla(Change):
    """Orders of a priority are due ``hours`` after ``from_time`` (a tighter or looser SLA)
    on the plan date, or on an order's ``earliest_date`` if that is later, and never
    before its first appointment window opens (a visit booked for 15:00-17:00 was due at
    12:00: late by construction, whatever the plan)."""

    kind: ClassVar[str] = "set_sla"
    priority: str
    hours: float
    from_time: str = "08:00"

    def apply(self, problem: Problem) -> Problem:
        _check_priority(self, self.priority)
        if self.hours <= 0:
            raise self._error(f"hours={self.hours!r}: must be > 0")
        # in a plan of several days, from ``from_time`` on the first day the order may be
        # served (its earliest_date): not due before it may be served
        def first_day(o):
            return max(o.earliest_date or problem.plan_date, problem.plan_date)

        dues = {day: add_s(_clock(problem, self, "from_time", day), self.hours * 3600)
                for day in {first_day(o) for o in problem.orders}}
        def due(o):
            opens = min((w.start for w in o.time_windows), default=None)
            return dues[first_day(o)] if opens is None else max(dues[first_day(o)], opens)

        return replace(problem, orders=tuple(
            replace(o, sla_due=due(o)) if o.priority.value == self.priority else o
            for o in problem.orders))


@dataclass(frozen=True, slots=True)
class ChangeWindows(Change):
    """Widen (or, if negative, narrow) windows by ``widen_min`` on each side, or drop them.

    A window narrowed by more than half its length becomes the one instant at its middle:
    narrowing never removes a window (an order without one could start at any time)."""

    kind: ClassVar[str] = "change_windows"
    priority: str | None = None
    widen_min: float = 0.0
    remove: bool = False

    def apply(self, problem: Problem) -> Problem:
        _check_priority(self, self.priority)
        delta = timedelta(minutes=self.widen_min)
        orders = []
        for o in problem.orders:
            if _order_matches(o, self.priority, None, ()) and o.time_windows:
                windows = () if self.remove else tuple(_widened(w, delta)
                                                       for w in o.time_windows)
                o = replace(o, time_windows=windows)
            orders.append(o)
        return replace(problem, orders=tuple(orders))


def _widened(window: TimeWindow, delta: timedelta) -> TimeWindow:
    """``window`` widened by ``delta`` on each side; narrowed, at most to its middle."""
    middle = window.start + (window.end - window.start) / 2
    return TimeWindow(min(window.start - delta, middle), max(window.end + delta, middle))


@dataclass(frozen=True, slots=True)
class TravelSpeed(Change):
    """Everything drives ``factor`` times as fast (0.8 = rush hour)."""

    kind: ClassVar[str] = "travel_speed"
    factor: float

    def apply(self, problem: Problem) -> Problem:
        if self.factor <= 0:
            raise self._error(f"factor={self.factor!r}: must be > 0")
        travel = replace(problem.travel, speed_factor=problem.travel.speed_factor * self.factor)
        return replace(problem, travel=travel)


@dataclass(frozen=True, slots=True)
class Objective(Change):
    """New objective weights; by-priority tables merge into the current ones."""

    kind: ClassVar[str] = "objective"
    weights: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, problem: Problem) -> Problem:
        known = {f.name for f in fields(ObjectiveWeights)}
        values: dict[str, Any] = {}
        for key, value in self.weights.items():
            if key not in known:
                raise self._error(f"unknown weight {key!r} (known: {', '.join(sorted(known))})")
            current = getattr(problem.weights, key)
            if isinstance(current, Mapping):
                merged = dict(current)
                for level, amount in dict(value).items():
                    _check_priority(self, level)
                    merged[Priority(level)] = float(amount)
                values[key] = merged
            elif key == "balance" and value in (None, "off"):
                values[key] = None  # workload balance off
            else:
                values[key] = float(value)
        return replace(problem, weights=replace(problem.weights, **values))


def _servable(problem: Problem, order: WorkOrder) -> bool:
    """Whether some technician has the skills and the parts for ``order``, and one of its
    windows (if it has any) meets a shift."""
    if order.remote_resolvable or not any(
            order.required_skills <= t.skills and order.required_parts <= t.van_stock
            for t in problem.technicians):
        return False
    return not order.time_windows or any(
        w.start < s.end + timedelta(minutes=s.max_overtime_min) and s.start < w.end
        for w in order.time_windows for s in problem.shifts)


@dataclass(frozen=True, slots=True)
class ScaleDemand(Change):
    """Add orders: ``percent`` more (or ``count``), sampled from the base orders, seeded.

    New orders copy a sampled base order's location, service time and windows;
    their skills and priority follow ``skills_mix`` / ``priority_mix`` when given
    (weights by name), else the sampled order's. ``locations`` (optional) are
    extra addresses to draw from, for example an OSM extract's.

    More demand is more of the work the team does: orders are sampled among those that
    some technician has the skills and the parts for, in a window that meets a shift, and
    that need a visit (all located ones if none is), and
    an order whose skills come from ``skills_mix`` is a new job, needing no parts and not
    resolvable remotely. Copying them made the shipped winter surge a critical hvac job
    needing a fuse nobody carries (a 100,000 drop penalty in its objective) and two
    "visits avoided" that were never asked for.
    """

    kind: ClassVar[str] = "scale_demand"
    percent: float = 0.0
    count: int | None = None
    seed: int = 0
    skills_mix: Mapping[str, float] = field(default_factory=dict)
    priority_mix: Mapping[str, float] = field(default_factory=dict)
    locations: tuple[Location, ...] = ()

    def apply(self, problem: Problem) -> Problem:
        for level in self.priority_mix:
            _check_priority(self, level)
        known_skills = {s for t in problem.technicians for s in t.skills}
        unknown = set(self.skills_mix) - known_skills - {""}
        if unknown:
            raise self._error(f"no technician has skills {sorted(unknown)}")
        located = [o for o in problem.orders if o.location is not None]
        base = [o for o in located if _servable(problem, o)] or located
        n = self.count if self.count is not None else round(len(base) * self.percent / 100)
        if n < 0:
            raise self._error(f"{n} orders: must add 0 or more")
        if n and not base:
            raise self._error("the base has no located orders to sample from")
        rng = random.Random(self.seed)
        taken = {o.order_id for o in problem.orders}
        added = []
        for k in range(n):
            template = rng.choice(base)
            location = rng.choice(self.locations) if self.locations else template.location
            skills, parts, remote = (template.required_skills, template.required_parts,
                                     template.remote_resolvable)
            if self.skills_mix:
                name = rng.choices(list(self.skills_mix), weights=list(self.skills_mix.values()))
                skills = frozenset(s for s in name if s)
                if skills != template.required_skills:  # another job at that customer
                    parts, remote = frozenset(), False
            priority = template.priority
            if self.priority_mix:
                priority = Priority(rng.choices(list(self.priority_mix),
                                                weights=list(self.priority_mix.values()))[0])
            order_id, copy = f"{template.order_id}+{self.seed}.{k + 1}", 1
            while order_id in taken:  # a second scale_demand with the same seed
                copy += 1
                order_id = f"{template.order_id}+{self.seed}.{k + 1}.{copy}"
            taken.add(order_id)
            added.append(replace(
                template, order_id=order_id,
                customer=f"{template.customer} (extra)", location=location,
                required_skills=skills, required_parts=parts, remote_resolvable=remote,
                priority=priority, preferred_techs=frozenset(),
                excluded_techs=frozenset(), phone="", notes="generated by scale_demand"))
        return replace(problem, orders=problem.orders + tuple(added))


CHANGES: dict[str, type[Change]] = {
    c.kind: c for c in (AddTechnician, RemoveTechnician, SetTechnicianCount, ChangeShift,
                        AddSkills, RemoveSkills, RemoveOrders, SetSla, ChangeWindows,
                        TravelSpeed, Objective, ScaleDemand)
}


def parse_change(spec: Mapping[str, Any], where: str = "changes") -> Change:
    """Build a change from a ``[[changes]]`` table; unknown types or fields are InputErrors."""
    spec = dict(spec)
    kind = spec.pop("type", None)
    if kind not in CHANGES:
        raise InputError(f"{where}: type={kind!r}: use one of {', '.join(CHANGES)}")
    cls = CHANGES[kind]
    names = {f.name for f in fields(cls)}
    unknown = set(spec) - names
    if unknown:
        raise InputError(f"{where} ({kind}): unknown field(s) {sorted(unknown)} "
                         f"(known: {', '.join(sorted(names))})")
    if cls is Objective:
        spec = {"weights": spec.get("weights", {})}
    for key in ("skills", "order_ids"):
        if key in spec:
            spec[key] = tuple(spec[key]) if not isinstance(spec[key], str) else (spec[key],)
    try:
        return cls(**spec)
    except TypeError as exc:
        raise InputError(f"{where} ({kind}): {exc}") from None


def apply_changes(problem: Problem, changes: Sequence[Change], *, where: str = "",
                  numbers: Sequence[int] | None = None) -> Problem:
    """Apply ``changes`` in order; each error names the change's position (``numbers``,
    default 1, 2, ...). A change that fails is left out and the next ones still applied,
    so that every problem is reported at once."""
    problems = []
    for k, change in zip(numbers or range(1, len(changes) + 1), changes, strict=True):
        try:
            problem = change.apply(problem)
        except InputError as exc:
            problems.extend(f"{where}changes[{k}] {p}" for p in exc.problems)
        except (TypeError, ValueError) as exc:  # a value of the wrong type in scenario.toml
            problems.append(f"{where}changes[{k}] ({change.kind}): {exc}")
    if problems:
        raise InputError(problems)
    return problem


__all__ = [
    "CHANGES", "AddSkills", "AddTechnician", "Change", "ChangeShift", "ChangeWindows",
    "Objective", "RemoveOrders", "RemoveSkills", "RemoveTechnician", "ScaleDemand", "SetSla",
    "SetTechnicianCount", "TravelSpeed", "apply_changes", "parse_change",
]
