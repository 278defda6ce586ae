"""Work orders, technicians with their shifts, and absences from the rows of their tables
(work_orders.csv, bookings.csv, technicians.csv, shifts.csv, absences.csv).

Like :func:`optimizer.io.load.load_scenario`, every reader appends each bad row to
``problems`` and carries on, so that one run reports them all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from optimizer.errors import InputError
from optimizer.io import service
from optimizer.io.schemas import (
    ABSENCE_COLUMNS,
    SHIFT_COLUMNS,
    SLA_MAX_DAYS,
    TECHNICIAN_COLUMNS,
    WORK_ORDER_COLUMNS,
    RowReader,
    check_columns,
)
from optimizer.io.tables import Table, read_table
from optimizer.model import (
    LOCATION_ISSUES,
    Absence,
    Break,
    Location,
    Problem,
    ReasonCode,
    Shift,
    Technician,
    WorkOrder,
    shift_date,
)


def _rows(table: Table | None, spec, plan_date, tz, problems):
    if table is None or not check_columns(table, spec, problems):
        return
    for row in table.rows:
        yield RowReader(table, row, plan_date, tz, problems)


def orders_from(table, plan_date, tz, problems, dates=()) -> list[WorkOrder]:
    orders = []
    for r in _rows(table, WORK_ORDER_COLUMNS, plan_date, tz, problems):
        if len(dates) > 1:
            r.dates = dates
        orders.append(order_from_row(r))
    return orders


def bookings_from(table, orders, plan_date, tz, problems, dates) -> list[WorkOrder]:
    """bookings.csv: orders in the columns of work_orders.csv, each id new."""
    known = {o.order_id for o in orders}
    booked = []
    for r in _rows(table, WORK_ORDER_COLUMNS, plan_date, tz, problems):
        r.dates = dates if len(dates) > 1 else ()
        order = order_from_row(r)
        if order.order_id in known:
            r.fail("order_id", "already an order (in work_orders or an earlier booking)")
            continue
        known.add(order.order_id)
        booked.append(order)
    return booked


def read_request(path: str | Path, problem: Problem) -> WorkOrder:
    """The one work order of a request file (``fsopt slots``), in the columns of
    work_orders.csv; any window it gives is ignored by the offers."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    table = read_table(path)
    problems: list[str] = []
    tz = problem.day_start.tzinfo
    rows = list(_rows(table, WORK_ORDER_COLUMNS, problem.plan_date, tz, problems))
    orders = [order_from_row(r) for r in rows]
    if not problems and len(orders) != 1:
        problems.append(f"{path}: must hold exactly one work order row (found {len(orders)})")
    if not problems and orders[0].order_id in {o.order_id for o in problem.orders}:
        problems.append(f"{path} row 2, order_id={orders[0].order_id!r}: already an order "
                        "of the plan")
    if problems:
        raise InputError(problems)
    return orders[0]


def order_from_row(r: RowReader) -> WorkOrder:
    """A work order from the columns of ``work_orders.csv`` (problems go to ``r.problems``)."""
    coordinates = r.coordinates("lat", "lon")
    address = r.text("address")
    location = Location(coordinates[0], coordinates[1], address) if coordinates else None
    confidence = r.number("geocode_confidence")
    error_m = r.number("geocode_error_m")
    return WorkOrder(
        order_id=r.required_text("order_id"),
        customer=r.text("customer"),
        location=location,
        address=address,
        service_min=r.number("service_min", 0.0, required=True),
        required_skills=r.items("required_skills"),
        priority=r.priority(),
        time_windows=r.windows(),
        sla_due=r.near_moment("sla_due"),
        preferred_techs=r.items("preferred_techs"),
        excluded_techs=r.items("excluded_techs"),
        required_parts=r.items("required_parts"),
        demand=r.integer("demand", 0),
        phone=r.text("phone"),
        notes=r.text("notes"),
        earliest_date=(earliest := _order_date(r, "earliest_date")),
        due_date=_due_date(r, earliest),
        stop_overhead_min=r.number("stop_overhead_min"),
        geocode_confidence=confidence if location else None,
        geocode_error_m=error_m if location else None,
        location_issue="" if location else LOCATION_ISSUES[
            ReasonCode.NOT_GEOCODED if address else ReasonCode.NO_ADDRESS],
        created_at=service.created_at(r),
        remote_resolvable=r.boolean("remote_resolvable"),
        parts_ready_at=service.parts_ready_at(r),
        postcode=service.postcode(r),
    )


def _order_date(r: RowReader, column: str) -> date | None:
    day = r.day(column)
    if day is not None and abs((day - r.plan_date).days) > SLA_MAX_DAYS:
        r.fail(column, f"more than {SLA_MAX_DAYS} days from the plan date {r.plan_date} "
                       "(a wrong year?)")
        return None
    return day


def _due_date(r: RowReader, earliest: date | None) -> date | None:
    due = _order_date(r, "due_date")
    if due is not None and earliest is not None and due < earliest:
        r.fail("due_date", f"before its earliest_date {earliest}")
        return None
    return due


def _lunch(r: RowReader, shift_start, shift_end) -> tuple[Break, ...]:
    earliest, latest = r.clock("lunch_earliest"), r.clock("lunch_latest")
    minutes = r.number("lunch_min")
    if r.text("lunch_min") and minutes is None:
        return ()  # not a number or out of range: reported
    if earliest is None and latest is None and not minutes:
        return ()
    if earliest is None or latest is None or minutes is None:
        r.fail("lunch_min", "lunch needs lunch_earliest, lunch_latest and lunch_min together")
        return ()
    if latest - earliest < timedelta(minutes=minutes):
        r.fail("lunch_latest", f"the lunch window is shorter than lunch_min={minutes:g}")
        return ()
    if shift_start and shift_end and (earliest < shift_start or latest > shift_end):
        r.fail("lunch_earliest", "the lunch window must lie inside the shift")
        return ()
    return (Break(earliest, latest, minutes, "lunch"),) if minutes else ()


def _shift_times(r: RowReader):
    start, end = r.clock("shift_start", required=True), r.clock("shift_end", required=True)
    if start and end and end <= start:
        r.fail("shift_end", f"the shift ends before it starts ({r.text('shift_start')})")
        return None, None
    return start, end


def technicians_from(table, plan_date, tz, problems):
    technicians, shifts = [], {}
    first_row: dict[str, int] = {}
    for r in _rows(table, TECHNICIAN_COLUMNS, plan_date, tz, problems):
        tech_id = r.required_text("tech_id")
        if tech_id in first_row:
            r.fail("tech_id", f"duplicate (first in row {first_row[tech_id]})")
        elif tech_id:
            first_row[tech_id] = r.row.number
        home_xy = r.coordinates("home_lat", "home_lon")
        address = r.text("home_address")
        given = r.text("home_lat") or r.text("home_lon")
        if home_xy is not None:
            home = Location(*home_xy, address)
        elif address and not given:
            home = Location.to_geocode(address)  # located by the geocoding step
        else:
            if not given:
                r.fail("home_lat", "give home_lat and home_lon, or a home_address to geocode")
            home = Location(0.0, 0.0, address)
        end_xy = r.coordinates("end_lat", "end_lon")
        end = Location(*end_xy) if end_xy else home
        technicians.append(Technician(
            tech_id=tech_id,
            name=r.text("name", tech_id),
            skills=r.items("skills"),
            home=home,
            efficiency=r.number("efficiency", 1.0),
            cost_per_km=r.number("cost_per_km", 0.35),
            cost_per_hour=r.number("cost_per_hour", 35.0),
            van_stock=r.items("van_stock"),
            capacity=r.integer("capacity"),
            speed_factor=r.number("speed_factor", 1.0),
            territories=service.territories(r),
            min_work_h=r.number("min_work_h"),
            max_work_h=r.number("max_work_h"),
        ))
        low, high = technicians[-1].min_work_h, technicians[-1].max_work_h
        if low is not None and high is not None and low > high:
            r.fail("min_work_h", f"must be <= max_work_h={high:g}")
        start_at, end_at = _shift_times(r)
        breaks = _lunch(r, start_at, end_at)
        overtime = r.number("max_overtime_min", 0.0)
        if start_at and end_at:
            shifts[tech_id] = [Shift(tech_id, tech_id, start_at, end_at, home, end, breaks,
                                     overtime)]
    return technicians, shifts


def _moved(shift: Shift, days: int, shift_id: str) -> Shift:
    """``shift`` ``days`` days later at the same wall-clock times (local time)."""
    if days == 0:
        return replace(shift, shift_id=shift_id)
    step = timedelta(days=days)  # wall clock: 08:00 stays 08:00 across a DST change
    return replace(shift, shift_id=shift_id, start=shift.start + step, end=shift.end + step,
                   breaks=tuple(replace(b, earliest_start=b.earliest_start + step,
                                        latest_end=b.latest_end + step) for b in shift.breaks))


def _day_id(tech_id: str, day: date, several: bool) -> str:
    """A shift's id: the technician's id on a one-day plan, ``T01@2026-12-01`` on several."""
    return f"{tech_id}@{day.isoformat()}" if several else tech_id


def every_working_day(tech_shifts, plan_date: date, working: tuple[date, ...],
                       several: bool):
    """The technicians' default shifts (given on the plan date) on every working day."""
    return {tech_id: [_moved(shift, (day - plan_date).days, _day_id(tech_id, day, several))
                      for shift in shifts for day in working]
            for tech_id, shifts in tech_shifts.items()}


def extra_shifts(table, technicians, tech_shifts, plan_date, tz, problems, dates=(),
                  working=()):
    """shifts.csv: a row with a ``date`` replaces the technician's default shift on that
    day; a row without one, on the plan date (one day) or on every working day that has
    no dated row for the technician."""
    by_id = {t.tech_id: t for t in technicians}
    several = len(dates) > 1
    replaced: dict[tuple[str, date], list[Shift]] = {}
    booked: dict[str, list[tuple[RowReader, Shift]]] = {}
    parsed = []
    for r in _rows(table, SHIFT_COLUMNS, plan_date, tz, problems):
        tech = by_id.get(r.required_text("tech_id"))
        if tech is None:
            r.fail("tech_id", "unknown technician (not in technicians)")
            continue
        day = r.day("date")
        if day is not None and day not in (dates or (plan_date,)):
            r.fail("date", f"outside the plan ({plan_date} to "
                           f"{(dates or (plan_date,))[-1]})")
            continue
        start_at, end_at = _shift_times(r)
        breaks = _lunch(r, start_at, end_at)
        start_xy = r.coordinates("start_lat", "start_lon")
        end_xy = r.coordinates("end_lat", "end_lon")
        default_end = tech_shifts.get(tech.tech_id, [None])[0]
        overtime = r.number("max_overtime_min", 0.0)
        if start_at and end_at:
            shift = Shift(
                tech.tech_id, tech.tech_id, start_at, end_at,
                Location(*start_xy) if start_xy else tech.home,
                Location(*end_xy) if end_xy else (
                    default_end.end_location if default_end else tech.home),
                breaks, overtime)
            parsed.append((r, tech.tech_id, day, shift))
    dated = {(tech_id, day) for _, tech_id, day, _ in parsed if day is not None}
    for r, tech_id, day, shift in parsed:
        days = [day] if day is not None else [
            on for on in (working if several else [plan_date]) if (tech_id, on) not in dated]
        for on in days:
            own = replaced.setdefault((tech_id, on), [])
            own.append(_moved(shift, (on - plan_date).days,
                              f"{_day_id(tech_id, on, several)}#{len(own) + 1}"))
            booked.setdefault(tech_id, []).append((r, own[-1]))
    for tech_id, shifts in booked.items():
        _check_overlaps(tech_id, shifts)
    result = {tech_id: [s for s in shifts if (tech_id, shift_date(s)) not in replaced]
              for tech_id, shifts in tech_shifts.items()}
    for (tech_id, day), own in replaced.items():
        if len(own) == 1:
            own[0] = replace(own[0], shift_id=_day_id(tech_id, day, several))
        result.setdefault(tech_id, []).extend(own)
    return result


def _check_overlaps(tech_id: str, booked: list[tuple[RowReader, Shift]]) -> None:
    """One technician's shifts (shifts.csv rows) must not overlap, overtime included."""
    booked = sorted(booked, key=lambda rs: rs[1].start)

    def span(shift: Shift) -> str:
        return f"{shift.start:%H:%M}-{shift.end:%H:%M}"  # same day: the rows' own times

    for k, (r1, first) in enumerate(booked):
        until = first.end + timedelta(minutes=first.max_overtime_min)
        for r2, second in booked[k + 1:]:
            if second.start < first.end:
                r2.fail("shift_start", f"technician {tech_id}'s shift {span(second)} overlaps "
                                       f"the shift in row {r1.row.number} ({span(first)}); "
                                       "one person cannot work both")
            elif second.start < until:
                r1.fail("max_overtime_min",
                        f"with overtime technician {tech_id}'s shift {span(first)} may run "
                        f"until {until:%H:%M}, into the shift in row {r2.row.number} "
                        f"({span(second)}); lower max_overtime_min or move the shifts apart")


def absences_from(table, tech_ids, plan_date, tz, problems) -> list[tuple[Absence, int]]:
    """absences.csv: an :class:`Absence` and its row number per good row; every bad row is
    reported."""
    absences = []
    for r in _rows(table, ABSENCE_COLUMNS, plan_date, tz, problems):
        tech_id = r.required_text("tech_id")
        start, end = r.moment("start"), r.moment("end")
        if tech_id and tech_id not in tech_ids:
            r.fail("tech_id", "unknown technician (not in technicians)")
            continue
        if start is None or end is None:
            if not (r.text("start") and r.text("end")):
                r.fail("start" if not r.text("start") else "end", "is required")
            continue
        if end <= start:
            r.fail("end", f"the absence ends before it starts ({r.text('start')})")
            continue
        absences.append((Absence(tech_id, start, end, r.text("reason", "absence")),
                         r.row.number))
    return absences
