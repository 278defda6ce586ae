"""Column specifications and cell parsers for scenario tables.

A :class:`RowReader` reads typed values out of one row and records every
problem (file, row, field, value, what is wrong) instead of stopping at the
first, so that a whole file is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from optimizer.io.tables import Row, Table
from optimizer.model import Priority, TimeWindow

WORK_ORDER_COLUMNS = {
    "required": ("order_id", "service_min"),
    "optional": (
        "customer", "address", "lat", "lon", "required_skills", "priority", "time_windows",
        "sla_due", "preferred_techs", "excluded_techs", "required_parts", "demand", "phone",
        "notes",
        # written by `fsopt geocode`, accepted back as input
        "matched_address", "geocode_confidence", "geocode_status",
    ),
}
TECHNICIAN_COLUMNS = {
    "required": ("tech_id", "shift_start", "shift_end"),
    "optional": (
        "name", "skills", "home_address", "home_lat", "home_lon", "end_lat", "end_lon",
        "lunch_earliest", "lunch_latest", "lunch_min", "max_overtime_min", "efficiency",
        "cost_per_km", "cost_per_hour", "van_stock", "capacity", "speed_factor",
    ),
}
SHIFT_COLUMNS = {
    "required": ("tech_id", "shift_start", "shift_end"),
    "optional": (
        "lunch_earliest", "lunch_latest", "lunch_min", "max_overtime_min",
        "start_lat", "start_lon", "end_lat", "end_lon",
    ),
}
ABSENCE_COLUMNS = {"required": ("tech_id", "start", "end"), "optional": ("reason",)}

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def check_columns(table: Table, spec: dict[str, tuple[str, ...]], problems: list[str]) -> bool:
    """Record missing and unknown columns; True if all required columns exist."""
    known = set(spec["required"]) | set(spec["optional"])
    missing = [c for c in spec["required"] if c not in table.columns]
    unknown = [c for c in table.columns if c not in known]
    for column in missing:
        problems.append(f"{table.path}: missing column {column!r}")
    for column in unknown:
        problems.append(
            f"{table.path}: unknown column {column!r} (known: {', '.join(sorted(known))})"
        )
    return not missing


@dataclass(slots=True)
class RowReader:
    """Typed access to the cells of one row; problems accumulate in ``problems``."""

    table: Table
    row: Row
    plan_date: date
    tz: ZoneInfo
    problems: list[str]

    def fail(self, column: str, message: str) -> None:
        value = self.row.cells.get(column, "")
        self.problems.append(
            f"{self.table.path} row {self.row.number}, {column}={value!r}: {message}"
        )

    def text(self, column: str, default: str = "") -> str:
        return self.row.cells.get(column, "") or default

    def required_text(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.fail(column, "is required")
        return value

    def _parse(self, column: str, parse: Callable[[str], object], what: str) -> object | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return parse(value)
        except (ValueError, OverflowError):
            self.fail(column, f"not {what}")
            return None

    def number(
        self,
        column: str,
        default: float | None = None,
        *,
        minimum: float | None = None,
        above: float | None = None,
        maximum: float | None = None,
        required: bool = False,
    ) -> float | None:
        value = self._parse(column, float, "a number")
        if value is None:
            if required and not self.text(column):
                self.fail(column, "is required")
            return default
        assert isinstance(value, float)
        if value != value:  # NaN
            self.fail(column, "not a number")
            return default
        if minimum is not None and value < minimum:
            self.fail(column, f"must be >= {minimum:g}")
        elif above is not None and value <= above:
            self.fail(column, f"must be > {above:g}")
        elif maximum is not None and value > maximum:
            self.fail(column, f"must be <= {maximum:g}")
        return value

    def integer(self, column: str, default: int | None = None, *, minimum: int = 0) -> int | None:
        value = self.number(column, None, minimum=minimum)
        if value is None:
            return default
        if not value.is_integer():
            self.fail(column, "must be a whole number")
        return int(value)

    def items(self, column: str) -> frozenset[str]:
        return frozenset(x.strip() for x in self.text(column).split(";") if x.strip())

    def priority(self, column: str = "priority") -> Priority:
        value = self.text(column, "normal").lower()
        try:
            return Priority(value)
        except ValueError:
            levels = ", ".join(p.value for p in Priority)
            self.fail(column, f"unknown priority (use one of {levels})")
            return Priority.NORMAL

    def clock(self, column: str, *, required: bool = False) -> datetime | None:
        """A time of day on the plan date (``HH:MM``); ``24:00`` is the next midnight."""
        value = self.text(column)
        if not value:
            if required:
                self.fail(column, "is required")
            return None
        moment = parse_clock(value, self.plan_date, self.tz)
        if moment is None:
            self.fail(column, "not a time of day (use HH:MM)")
        return moment

    def moment(self, column: str) -> datetime | None:
        """``HH:MM`` on the plan date, or a full date-time."""
        value = self.text(column)
        if not value:
            return None
        moment = parse_clock(value, self.plan_date, self.tz) or parse_datetime(value, self.tz)
        if moment is None:
            self.fail(column, "not a time (use HH:MM or YYYY-MM-DD HH:MM)")
        return moment

    def windows(self, column: str = "time_windows") -> tuple[TimeWindow, ...]:
        value = self.text(column)
        if not value:
            return ()
        windows = []
        for part in value.split(";"):
            bounds = part.strip().split("-")
            start, end = (
                (parse_clock(bounds[0].strip(), self.plan_date, self.tz),
                 parse_clock(bounds[1].strip(), self.plan_date, self.tz))
                if len(bounds) == 2 else (None, None)
            )
            if start is None or end is None:
                self.fail(column, f"window {part.strip()!r} is not HH:MM-HH:MM")
                return ()
            if end < start:
                self.fail(column, f"window {part.strip()!r} ends before it starts")
                return ()
            windows.append(TimeWindow(start, end))
        return tuple(sorted(windows, key=lambda w: w.start))

    def coordinates(self, lat_column: str, lon_column: str) -> tuple[float, float] | None:
        """A (lat, lon) pair if both are given and in range; a problem if only one is."""
        lat = self.number(lat_column)
        lon = self.number(lon_column)
        if lat is None and lon is None:
            return None
        if lat is None or lon is None:
            missing = lat_column if lat is None else lon_column
            self.fail(missing, f"is required when {lat_column}/{lon_column} is partly given")
            return None
        ok = True
        if not -90 <= lat <= 90:
            hint = " (lat and lon swapped?)" if -90 <= lon <= 90 else ""
            self.fail(lat_column, f"latitude must be within -90..90{hint}")
            ok = False
        if not -180 <= lon <= 180:
            self.fail(lon_column, "longitude must be within -180..180")
            ok = False
        return (lat, lon) if ok else None


def parse_clock(value: str, plan_date: date, tz: ZoneInfo) -> datetime | None:
    """``HH:MM[:SS]`` on ``plan_date`` in ``tz``; None if it is not a time of day."""
    match = _HHMM.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        return None
    base = datetime.combine(plan_date, time(0), tzinfo=tz)
    return base + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    """An ISO date-time; naive values are local time in ``tz``."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
