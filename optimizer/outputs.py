"""Schedule -> files: schedule.json, stops.csv, unassigned.csv, kpis_by_technician.csv.

Every CSV the tool writes passes its cells through :func:`safe_cell` (here, in
the geocoding report and in the compare, sweep and re-plan tables), so that a
customer called ``=HYPERLINK(...)`` is shown as text by a spreadsheet, never run.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optimizer.io.schedule_json import write_json
from optimizer.io.tables import FORMULA_START
from optimizer.model import Problem, Schedule

if TYPE_CHECKING:
    import pandas as pd

#: Text that is one plain number: written as it is, it cannot call anything.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet will run as a formula.

    Following the OWASP advice on CSV injection, a text cell that starts with
    ``= + - @``, a tab or a carriage return gets a single quote in front
    (``=HYPERLINK(...)`` is written as ``'=HYPERLINK(...)``). Numbers are kept
    as they are: ints and floats, and text that is one plain number such as
    ``-5`` or ``-73.985`` (a coordinate), which cannot call anything.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(cells: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` applied to every cell of a row."""
    return [safe_cell(cell) for cell in cells]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`safe_cell` applied to every cell, label and header."""
    frame = frame.map(safe_cell)
    frame.index = frame.index.map(safe_cell)
    frame.columns = frame.columns.map(safe_cell)
    return frame


class SafeCsvWriter:
    """A ``csv.writer`` on ``stream`` whose every row passes through :func:`safe_row`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

STOP_COLUMNS = (
    "tech_id", "shift_id", "seq", "order_id", "customer", "address", "lat", "lon", "priority",
    "arrival", "start", "end", "wait_min", "travel_min", "distance_km", "sla_due",
    "sla_late_min",
)


def write_outputs(problem: Problem, schedule: Schedule, out_dir: Path) -> dict[str, Path]:
    """Write every table of the schedule into ``out_dir``; returns the paths by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    orders = {o.order_id: o for o in problem.orders}
    paths = {"json": write_json(schedule, out_dir / "schedule.json")}

    paths["stops"] = out_dir / "stops.csv"
    with paths["stops"].open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(STOP_COLUMNS)
        for route in schedule.routes:
            for seq, stop in enumerate(route.stops, start=1):
                order = orders[stop.order_id]
                writer.writerow([
                    route.tech_id, route.shift_id, seq, stop.order_id, order.customer,
                    stop.location.address, f"{stop.location.lat:.6f}",
                    f"{stop.location.lon:.6f}", order.priority.value,
                    f"{stop.arrival:%H:%M}", f"{stop.start:%H:%M}", f"{stop.end:%H:%M}",
                    round(stop.wait_s / 60, 1), round(stop.travel_s / 60, 1),
                    round(stop.distance_m / 1000, 2),
                    f"{order.sla_due:%Y-%m-%d %H:%M}" if order.sla_due else "",
                    round(stop.sla_late_s / 60, 1),
                ])

    paths["unassigned"] = out_dir / "unassigned.csv"
    with paths["unassigned"].open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(("order_id", "customer", "priority", "code", "reason"))
        for item in schedule.unassigned:
            order = orders[item.order_id]
            writer.writerow((item.order_id, order.customer, order.priority.value,
                             str(item.code), item.reason))

    if schedule.kpis is not None:
        paths["technicians"] = out_dir / "kpis_by_technician.csv"
        with paths["technicians"].open("w", newline="", encoding="utf-8") as fh:
            writer = SafeCsvWriter(fh)
            fields = ("tech_id", "orders", "service_h", "travel_h", "travel_km", "shift_h",
                      "utilisation_pct", "overtime_min", "cost")
            writer.writerow(fields)
            for t in schedule.kpis.technicians:
                writer.writerow([getattr(t, f) for f in fields])
    return paths
