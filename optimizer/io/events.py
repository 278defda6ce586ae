"""Read re-planning events from CSV or JSON (one event per row or object).

Columns / keys: ``event`` (completed, in_progress, position, unavailable,
new_order, cancelled, duration) plus what that event needs: ``order_id``,
``tech_id``, ``time`` (HH:MM or date-time), ``until`` (the end of an ``unavailable``),
``lat``/``lon``, ``service_min``; a ``new_order`` also takes every ``work_orders.csv``
column.

Each event remembers where it came from (``events.csv row 3``, the header being
row 1), so that a later problem with it names the row. :func:`event_to_dict` and
:func:`event_from_dict` store events in a re-planned ``schedule.json``;
:func:`parse_moment` reads the "now" of a re-plan.
"""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.io.records import order_from_row
from optimizer.io.schemas import (
    WORK_ORDER_COLUMNS,
    RowReader,
    check_columns,
    parse_clock,
    parse_datetime,
    skipped,
    skipped_note,
)
from optimizer.io.tables import Row, Table, read_table
from optimizer.model import Location, Priority, TimeWindow, WorkOrder
from optimizer.replan_events import EVENT_KINDS, ORDER_KINDS, Event

EVENT_COLUMNS = {
    "required": ("event",),
    "optional": tuple(dict.fromkeys(("order_id", "tech_id", "time", "until", "lat", "lon",
                                     "service_min", *WORK_ORDER_COLUMNS["optional"]))),
}


def _table(path: Path) -> Table:
    if path.suffix.lower() != ".json":
        return read_table(path)
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{path}: expected a JSON list of event objects")
    if not items:
        raise InputError(f"{path}: the file is empty (no events)")
    columns = tuple(dict.fromkeys(k.lower() for item in items for k in item))

    def text(value) -> str:
        if isinstance(value, list):
            return ";".join(str(v) for v in value)
        return "" if value is None else str(value).strip()

    # "row N" of a JSON file is its N-th object
    rows = tuple(Row(k, {c: text(v) for c, v in ((c.lower(), v) for c, v in item.items())})
                 for k, item in enumerate(items, start=1))
    return Table(path, columns, rows)


def _require(r: RowReader, kind: str, xy) -> None:
    """Name every column the event needs but lacks, all of them."""
    needed = {"position": ("tech_id",), "unavailable": ("tech_id", "time"),
              "duration": ("order_id", "service_min")}.get(kind)
    needed = needed or (("order_id",) if kind in ORDER_KINDS else ())
    for column in needed:
        if not r.text(column):
            r.fail(column, f"is required for a {kind} event")
    if kind == "position" and xy is None and not (r.text("lat") or r.text("lon")):
        for column in ("lat", "lon"):
            r.fail(column, "is required for a position event")
    if r.text("until") and kind != "unavailable":
        r.fail("until", "is only for an unavailable event (when the technician is back)")


def read_events(path: str | Path, plan_date: date, timezone: str, *,
                problems: list[str] | None = None) -> list[Event]:
    """Every event in ``path``; all bad rows are reported in one InputError.

    In JSON, "row N" is the N-th object of the list. Given a ``problems`` list, the bad
    rows are added to it instead (and left out of the events), so that the caller can
    report them together with what it finds in the good ones.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    table = _table(path)
    found: list[str] = []
    if not check_columns(table, EVENT_COLUMNS, found):
        raise InputError(found)
    tz = ZoneInfo(timezone)
    events = []
    for row in table.rows:
        row_problems: list[str] = []
        event = _row_event(path, table, row, plan_date, tz, row_problems)
        if row_problems:  # a row with a bad value is reported, not half-read
            found += row_problems
        elif event is not None:
            events.append(event)
    if problems is not None:
        problems += found
    elif found:
        raise InputError(found)
    return events


def _row_event(path: Path, table, row, plan_date: date, tz, problems: list[str]
               ) -> Event | None:
    """The event of one row; its bad values go to ``problems``."""
    r = RowReader(table, row, plan_date, tz, problems)
    kind = r.text("event").lower()
    if kind not in EVENT_KINDS:
        r.fail("event", f"unknown event (use {', '.join(EVENT_KINDS)})")
        return None
    source = f"{path} row {row.number}"
    if kind == "new_order":
        given = (r.text("lat"), r.text("lon"))
        order = order_from_row(r)
        if not any(given):
            # a re-plan does not geocode: a new order needs its coordinates
            for column in ("lat", "lon"):
                r.fail(column, "is required for a new order (addresses are not geocoded "
                               "when re-planning)")
        return Event(kind, order_id=order.order_id, order=order, source=source)
    xy = r.coordinates("lat", "lon")
    _require(r, kind, xy)
    return Event(
        kind,
        order_id=r.text("order_id"),
        tech_id=r.text("tech_id"),
        time=time.astimezone(tz) if (time := r.moment("time")) else None,
        location=Location(xy[0], xy[1], "reported position") if xy else None,
        service_min=r.number("service_min", minimum=0),
        source=source,
        until=until.astimezone(tz) if (until := r.moment("until")) else None,
    )


def parse_moment(value: str | datetime, plan_date: date, tz: tzinfo, *,
                 name: str = "--now") -> datetime:
    """``value`` as an aware datetime in ``tz``: ``HH:MM[:SS]`` on ``plan_date``, an ISO
    date-time text, or a datetime (naive ones are local time in ``tz``).

    Raises :class:`InputError` naming ``name`` and the text when it is neither.
    """
    if isinstance(value, str):
        moment = parse_clock(value, plan_date, tz) or parse_datetime(value, tz)
        if moment is None:
            raise InputError(f"{name} {value!r}: not a time (HH:MM or YYYY-MM-DD HH:MM)")
        if skipped(moment):
            raise InputError(f"{name} {value!r}: {skipped_note(moment)}")
        value = moment
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def _location(p: Location | None) -> dict[str, Any] | None:
    return None if p is None else {"lat": p.lat, "lon": p.lon, "address": p.address}


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _order_to_dict(o: WorkOrder) -> dict[str, Any]:
    """Every field of ``o`` but ``areas`` (derived from the location and the scenario's
    territories when the problem is rebuilt), so that a re-planned schedule.json rebuilds
    the very order the re-plan solved for."""
    return {
        "order_id": o.order_id, "customer": o.customer, "location": _location(o.location),
        "service_min": o.service_min, "required_skills": sorted(o.required_skills),
        "priority": o.priority.value,
        "time_windows": [[w.start.isoformat(), w.end.isoformat()] for w in o.time_windows],
        "sla_due": _moment(o.sla_due), "preferred_techs": sorted(o.preferred_techs),
        "excluded_techs": sorted(o.excluded_techs), "required_parts": sorted(o.required_parts),
        "demand": o.demand, "phone": o.phone, "notes": o.notes, "address": o.address,
        "geocode_confidence": o.geocode_confidence, "location_issue": o.location_issue,
        "geocode_error_m": o.geocode_error_m, "promised_tech": o.promised_tech,
        "promised_start": _moment(o.promised_start), "pinned": o.pinned,
        "created_at": _moment(o.created_at), "remote_resolvable": o.remote_resolvable,
        "parts_ready_at": _moment(o.parts_ready_at), "postcode": o.postcode,
        "earliest_date": _day(o.earliest_date), "due_date": _day(o.due_date),
        "stop_overhead_min": o.stop_overhead_min,
    }


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict of ``event`` (a new order with all its fields)."""
    return {
        "event": event.kind, "order_id": event.order_id, "tech_id": event.tech_id,
        "time": _moment(event.time),
        "location": _location(event.location), "service_min": event.service_min,
        "order": _order_to_dict(event.order) if event.order is not None else None,
        "source": event.source, "until": _moment(event.until),
    }


def event_from_dict(data: dict[str, Any], tz: tzinfo) -> Event:
    """The :class:`Event` of :func:`event_to_dict` output; times in ``tz``."""
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value).astimezone(tz) if value else None

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    def location(d: dict[str, Any] | None) -> Location | None:
        return None if d is None else Location(float(d["lat"]), float(d["lon"]),
                                               d.get("address", ""))

    order = None
    if data.get("order"):
        o = data["order"]
        order = WorkOrder(
            order_id=o["order_id"], customer=o.get("customer", ""),
            location=location(o.get("location")), service_min=float(o["service_min"]),
            required_skills=frozenset(o.get("required_skills", ())),
            priority=Priority(o.get("priority", "normal")),
            time_windows=tuple(TimeWindow(moment(a), moment(b))
                               for a, b in o.get("time_windows", ())),
            sla_due=moment(o.get("sla_due")),
            preferred_techs=frozenset(o.get("preferred_techs", ())),
            excluded_techs=frozenset(o.get("excluded_techs", ())),
            required_parts=frozenset(o.get("required_parts", ())),
            demand=int(o.get("demand", 0)), phone=o.get("phone", ""), notes=o.get("notes", ""),
            address=o.get("address", ""), geocode_confidence=o.get("geocode_confidence"),
            geocode_error_m=o.get("geocode_error_m"),
            location_issue=o.get("location_issue", ""),
            promised_tech=o.get("promised_tech"), promised_start=moment(o.get("promised_start")),
            pinned=bool(o.get("pinned", False)), created_at=moment(o.get("created_at")),
            remote_resolvable=bool(o.get("remote_resolvable", False)),
            parts_ready_at=moment(o.get("parts_ready_at")), postcode=o.get("postcode", ""),
            earliest_date=day(o.get("earliest_date")), due_date=day(o.get("due_date")),
            stop_overhead_min=o.get("stop_overhead_min"),
        )
    service = data.get("service_min")
    return Event(
        data["event"], order_id=data.get("order_id", ""), tech_id=data.get("tech_id", ""),
        time=moment(data.get("time")), location=location(data.get("location")),
        service_min=float(service) if service is not None else None, order=order,
        source=data.get("source", ""), until=moment(data.get("until")),
    )
