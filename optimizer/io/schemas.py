"""Column specifications and cell parsers for scenario tables.

A :class:`RowReader` reads typed values out of one row and records every
problem (file, row, field, value, what is wrong) instead of stopping at the
first, so that a whole file is reported at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from optimizer.model import Priority, TimeWindow

if TYPE_CHECKING:  # only for annotations: what-ifs parse clocks without loading pandas
    from optimizer.io.tables import Row, Table

WORK_ORDER_COLUMNS = {
    "required": ("order_id", "service_min"),
    "optional": (
        "customer", "address", "lat", "lon", "required_skills", "priority", "time_windows",
        "sla_due", "preferred_techs", "excluded_techs", "required_parts", "demand", "phone",
        "notes", "created_at", "remote_resolvable", "parts_ready_at", "postcode",
        "earliest_date", "due_date", "stop_overhead_min",
        # written by `fsopt geocode`, accepted back as input
        "matched_address", "geocode_confidence", "geocode_status", "geocode_error_m",
    ),
}
TECHNICIAN_COLUMNS = {
    "required": ("tech_id", "shift_start", "shift_end"),
    "optional": (
        "name", "skills", "home_address", "home_lat", "home_lon", "end_lat", "end_lon",
        "lunch_earliest", "lunch_latest", "lunch_min", "max_overtime_min", "efficiency",
        "cost_per_km", "cost_per_hour", "van_stock", "capacity", "speed_factor",
        "territories",
        "min_work_h", "max_work_h",
    ),
}
SHIFT_COLUMNS = {
    "required": ("tech_id", "shift_start", "shift_end"),
    "optional": (
        "date", "lunch_earliest", "lunch_latest", "lunch_min", "max_overtime_min",
        "start_lat", "start_lon", "end_lat", "end_lon",
    ),
}
ABSENCE_COLUMNS = {"required": ("tech_id", "start", "end"), "optional": ("reason",)}

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
#: A time window that names its day: ``2026-12-02 14:00-16:00``.
_DATED_WINDOW = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(.+)$")
#: A number written with a decimal comma (``47,1391``), accepted in ;-separated files.
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")


@dataclass(frozen=True, slots=True)
class Range:
    """The values a number may take: ``low..high``, ``> low`` if ``low_open``."""

    low: float
    high: float
    low_open: bool = False
    integer: bool = False

    def __str__(self) -> str:
        low, high = format_number(self.low), format_number(self.high)
        if math.isinf(self.high):
            text = f"{'>' if self.low_open else '>='} {low}"
        elif self.low_open:
            text = f"> {low} and <= {high}"
        else:
            text = f"{low}..{high}"
        return f"{text}, a whole number" if self.integer else text

    def problem(self, value: float) -> str | None:
        """What is wrong with ``value``, or None if it is allowed."""
        allowed = f" (allowed: {self})" if math.isfinite(self.high) else ""
        if not math.isfinite(value):
            return f"not a finite number{allowed}"
        if self.low_open and value <= self.low:
            return f"must be > {format_number(self.low)}{allowed}"
        if not self.low_open and value < self.low:
            return f"must be >= {format_number(self.low)}{allowed}"
        if value > self.high:
            return f"must be <= {format_number(self.high)}{allowed}"
        if self.integer and not float(value).is_integer():
            return "must be a whole number"
        return None


def format_number(value: float) -> str:
    """``1000000`` rather than ``1e+06``; ``0.1`` as is."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


#: The range of every numeric column (also listed in docs/scenario-format.md).
COLUMN_RANGES = {
    "service_min": Range(0, 1440),
    "stop_overhead_min": Range(0, 240),
    "demand": Range(0, 1_000_000, integer=True),
    "geocode_confidence": Range(0, 1),
    "geocode_error_m": Range(0, 1_000_000),
    "lunch_min": Range(0, 1440),
    "max_overtime_min": Range(0, 1440),
    "efficiency": Range(0.1, 10),
    "cost_per_km": Range(0, 100_000),
    "cost_per_hour": Range(0, 1_000_000),
    "capacity": Range(0, 1_000_000, integer=True),
    "speed_factor": Range(0.1, 10),
    "min_work_h": Range(0, 24),
    "max_work_h": Range(0, 24),
}
#: ``sla_due`` further than this from the plan date is a typo (a wrong year); so are a
#: ``created_at`` more than this before it and a ``parts_ready_at`` more than this after.
SLA_MAX_DAYS = 366
#: A postcode: letters and digits, with inner spaces or hyphens, up to 12 characters
#: (``9490``, ``SW1A 1AA``, ``00-950``).
POSTCODE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,10}[A-Za-z0-9])?$")
#: A territory of technicians.csv: a postcode prefix or a polygon name of
#: territories.geojson (letters, digits, spaces, ``_ . -``; up to 64 characters).
TERRITORY = re.compile(r"^[\w][\w .-]{0,63}$")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


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
    #: The days an undated time window repeats on (several-day plans); empty: the plan date.
    dates: tuple[date, ...] = ()

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

    def _float(self, value: str) -> float:
        if self.table.separator == ";" and _DECIMAL_COMMA.match(value):
            value = value.replace(",", ".")
        return float(value)

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
        """The cell as a finite number within its range in :data:`COLUMN_RANGES`.

        ``minimum``, ``above`` and ``maximum`` bound a column that has no range there.
        A value out of range is reported and ``default`` is returned in its place.
        """
        value = self._parse(column, self._float, "a number")
        if value is None:
            if required and not self.text(column):
                self.fail(column, "is required")
            return default
        assert isinstance(value, float)
        if value != value:  # NaN
            self.fail(column, "not a number")
            return default
        allowed = COLUMN_RANGES.get(column)
        if allowed is None and (minimum is not None or above is not None
                                or maximum is not None):
            allowed = Range(above if above is not None else
                            minimum if minimum is not None else -math.inf,
                            maximum if maximum is not None else math.inf,
                            low_open=above is not None)
        problem = allowed.problem(value) if allowed else (
            None if math.isfinite(value) else "not a finite number")
        if problem:
            self.fail(column, problem)
            return default
        return value

    def integer(self, column: str, default: int | None = None) -> int | None:
        """A whole number within :data:`COLUMN_RANGES` (``default`` if empty or wrong)."""
        value = self.number(column, None)
        if value is None:
            return default
        if not value.is_integer():
            self.fail(column, "must be a whole number")
            return default
        return int(value)

    def items(self, column: str) -> frozenset[str]:
        return frozenset(x.strip() for x in self.text(column).split(";") if x.strip())

    def boolean(self, column: str) -> bool:
        """``true``/``false`` (also yes/no, 1/0; any case); empty is false."""
        value = self.text(column).strip().lower()
        if not value or value in _FALSE:
            return False
        if value in _TRUE:
            return True
        self.fail(column, "not true or false")
        return False

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
        elif skipped(moment):
            self.fail(column, skipped_note(moment))
            return None
        return moment

    def near_moment(self, column: str) -> datetime | None:
        """:meth:`moment`, and an error (naming the column) if it is more than
        ``SLA_MAX_DAYS`` from the plan date: most likely a wrong year."""
        moment = self.moment(column)
        if moment is None:
            return None
        midnight = datetime.combine(self.plan_date, time(0), tzinfo=self.tz)
        if abs(moment - midnight) > timedelta(days=SLA_MAX_DAYS):
            self.fail(column, f"more than {SLA_MAX_DAYS} days from the plan date "
                              f"{self.plan_date} (a wrong year?)")
            return None
        return moment

    def day(self, column: str) -> date | None:
        """A date (``YYYY-MM-DD``), or None if the cell is empty or not a date."""
        value = self.text(column)
        if not value:
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self.fail(column, "not a date (use YYYY-MM-DD)")
            return None

    def windows(self, column: str = "time_windows") -> tuple[TimeWindow, ...]:
        """``HH:MM-HH:MM`` windows separated by ``;``. A window may name its day
        (``2026-12-02 14:00-16:00``); one without a day applies to the plan date, and in
        a several-day plan to every day of the horizon (:attr:`dates`)."""
        value = self.text(column)
        if not value:
            return ()
        windows = []
        for part in value.split(";"):
            text = part.strip()
            days = self.dates or (self.plan_date,)
            if dated := _DATED_WINDOW.match(text):
                try:
                    days = (date.fromisoformat(dated[1]),)
                except ValueError:
                    self.fail(column, f"window {text!r}: {dated[1]!r} is not a date "
                                      "(YYYY-MM-DD)")
                    return ()
                text = dated[2]
            bounds = text.split("-")
            if len(bounds) != 2 or parse_clock(bounds[0].strip(), days[0], self.tz) is None \
                    or parse_clock(bounds[1].strip(), days[0], self.tz) is None:
                self.fail(column, f"window {part.strip()!r} is not HH:MM-HH:MM")
                return ()
            for day in days:
                start = parse_clock(bounds[0].strip(), day, self.tz)
                end = parse_clock(bounds[1].strip(), day, self.tz)
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
    """``HH:MM[:SS]`` on ``plan_date`` in ``tz``; None if it is not a time of day.

    The one clock rule of the tool (tables, events, ``--now``, what-if changes):
    ``00:00`` to ``23:59:59``, and ``24:00`` for the end of the day (the next
    midnight), so that a shift or window can run to midnight. ``24:30``, ``25:00``,
    ``9:60``, ``9:5`` and ``9am`` are not times of day.
    """
    match = _HHMM.match(value.strip())
    if not match:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        return None
    base = datetime.combine(plan_date, time(0), tzinfo=tz)
    return base + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def skipped(moment: datetime) -> bool:
    """Whether the wall-clock time of ``moment`` does not exist in its time zone (it was
    skipped when the clocks went forward: 02:30 on the last Sunday of March in Europe)."""
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) != moment.replace(tzinfo=None)


def skipped_note(moment: datetime) -> str:
    """Why ``moment`` (:func:`skipped`) is refused, in words."""
    return (f"{moment:%Y-%m-%d %H:%M} does not exist in {moment.tzinfo}: the clocks go "
            "forward then (give the time before or after the change)")


def parse_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    """An ISO date-time; naive values are local time in ``tz``."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
