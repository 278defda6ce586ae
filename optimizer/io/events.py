"""Read re-planning events from CSV or JSON (one event per row or object).

Columns / keys: ``event`` (completed, in_progress, position, unavailable,
new_order, cancelled, duration) plus what that event needs: ``order_id``,
``tech_id``, ``time`` (HH:MM or date-time), ``lat``/``lon``, ``service_min``; a
``new_order`` also takes every ``work_orders.csv`` column.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.io.load import order_from_row
from optimizer.io.schemas import WORK_ORDER_COLUMNS, RowReader, check_columns
from optimizer.io.tables import Row, Table, read_table
from optimizer.model import Location
from optimizer.replan import EVENT_KINDS, Event

EVENT_COLUMNS = {
    "required": ("event",),
    "optional": tuple(dict.fromkeys(("order_id", "tech_id", "time", "lat", "lon", "service_min",
                                     *WORK_ORDER_COLUMNS["optional"]))),
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

    rows = tuple(Row(k, {c: text(v) for c, v in ((c.lower(), v) for c, v in item.items())})
                 for k, item in enumerate(items, start=1))
    return Table(path, columns, rows)


def read_events(path: str | Path, plan_date: date, timezone: str) -> list[Event]:
    """Every event in ``path``; all bad rows are reported in one InputError.

    In JSON, "row N" is the N-th object of the list.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    table = _table(path)
    problems: list[str] = []
    if not check_columns(table, EVENT_COLUMNS, problems):
        raise InputError(problems)
    tz = ZoneInfo(timezone)
    events = []
    for row in table.rows:
        r = RowReader(table, row, plan_date, tz, problems)
        kind = r.text("event").lower()
        if kind not in EVENT_KINDS:
            r.fail("event", f"unknown event (use {', '.join(EVENT_KINDS)})")
            continue
        if kind == "new_order":
            order = order_from_row(r)
            events.append(Event(kind, order_id=order.order_id, order=order))
            continue
        xy = r.coordinates("lat", "lon")
        events.append(Event(
            kind,
            order_id=r.text("order_id"),
            tech_id=r.text("tech_id"),
            time=r.moment("time"),
            location=Location(xy[0], xy[1], "reported position") if xy else None,
            service_min=r.number("service_min", minimum=0),
        ))
    if problems:
        raise InputError(problems)
    return events
