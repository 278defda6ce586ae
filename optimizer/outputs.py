"""Every file the tool writes: a plan's schedule.json, stops.csv, unassigned.csv,
kpis_by_technician.csv and maps (:func:`write`), a comparison, a sweep, a re-plan
(with changes.csv) and the geocoding CSVs.

Every CSV passes its cells through :func:`safe_cell`, so that a customer called
``=HYPERLINK(...)`` is shown as text by a spreadsheet, never run. pandas,
matplotlib and folium load only when a writer needs them.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optimizer import settings
from optimizer.errors import InputError
from optimizer.geo.geocode_report import REPORT_COLUMNS, geocoded_table, report_rows
from optimizer.io.config import safe_folder_name
from optimizer.io.schedule_json import ReplanRecord, write_json
from optimizer.io.tables import FORMULA_START, find_table
from optimizer.model import Basemap, Problem, Route, Schedule, WorkOrder

if TYPE_CHECKING:
    from datetime import datetime

    import pandas as pd

    from optimizer.geo.geocode import GeocodeResult
    from optimizer.io.load import LoadedScenario
    from optimizer.results import Comparison, PlanResult, ReplanResult

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

#: Pages the maps' index links to beside the overview.
REPORT_LINKS = (("report.html", "Daily report"),)


def _privacy(loaded: LoadedScenario) -> dict[str, Any]:
    """render_maps' options for ``[privacy]``: only when it asks for less than full pages."""
    return {"minimal": True} if loaded.publish.phone_pages == "minimal" else {}


STOP_COLUMNS = (
    "tech_id", "shift_id", "seq", "order_id", "customer", "address", "lat", "lon", "priority",
    "arrival", "start", "end", "wait_min", "travel_min", "distance_km", "sla_due",
    "sla_late_min", "overhead_min", "kind",
)

#: ``kind`` of a stops.csv row: a visit, the lunch break, or any other planned absence.
STOP_KINDS = ("visit", "lunch", "absence")


def _stop_rows(route: Route, orders: dict[str, WorkOrder],
               several: bool = False) -> list[tuple[tuple, list]]:
    """(sort key, row) for each visit and break of ``route``: visits keep their order, and
    a break comes before the first visit that starts after it (between visits in time).
    A plan of ``several`` days adds each row's date and the visit's days late."""
    rows: list[tuple[tuple, list]] = []
    for seq, stop in enumerate(route.stops, start=1):
        order = orders[stop.order_id]
        rows.append(((stop.start, 1, seq), [
            route.tech_id, route.shift_id, seq, stop.order_id, order.customer,
            stop.location.address, f"{stop.location.lat:.6f}",
            f"{stop.location.lon:.6f}", order.priority.value,
            f"{stop.arrival:%H:%M}", f"{stop.start:%H:%M}", f"{stop.end:%H:%M}",
            round(stop.wait_s / 60, 1), round(stop.travel_s / 60, 1),
            round(stop.distance_m / 1000, 2),
            f"{order.sla_due:%Y-%m-%d %H:%M}" if order.sla_due else "",
            round(stop.sla_late_s / 60, 1), round(stop.overhead_s / 60, 1), "visit",
            *((f"{stop.start:%Y-%m-%d}", stop.late_days) if several else ()),
        ]))
    for brk in route.breaks:
        kind = "lunch" if brk.kind == "lunch" else "absence"
        rows.append(((brk.start, 0, 0), [
            route.tech_id, route.shift_id, "", "", brk.kind, "", "", "", "",
            f"{brk.start:%H:%M}", f"{brk.start:%H:%M}", f"{brk.end:%H:%M}",
            "", "", "", "", "", "", kind,
            *((f"{brk.start:%Y-%m-%d}", "") if several else ()),
        ]))
    return rows


def write_outputs(problem: Problem, schedule: Schedule, out_dir: Path, *,
                  replan: ReplanRecord | None = None) -> dict[str, Path]:
    """Write every table of the schedule into ``out_dir`` (``schedule.json`` with the
    ``replan`` record of a re-planned plan); returns the paths by name."""
    ensure_folder(out_dir)
    orders = {o.order_id: o for o in problem.orders}
    paths = {"json": write_json(schedule, out_dir / "schedule.json", replan=replan)}

    paths["stops"] = out_dir / "stops.csv"
    several = problem.days > 1  # then each stop also says its date and days late
    with paths["stops"].open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(STOP_COLUMNS + (("date", "late_days") if several else ()))
        for route in schedule.routes:
            writer.writerows(row for _, row in sorted(_stop_rows(route, orders, several),
                                                      key=lambda item: item[0]))

    paths["unassigned"] = out_dir / "unassigned.csv"
    with paths["unassigned"].open("w", newline="", encoding="utf-8") as fh:
        writer = SafeCsvWriter(fh)
        writer.writerow(("order_id", "customer", "priority", "code", "reason"))
        for item in schedule.unassigned:
            order = orders[item.order_id]
            writer.writerow((item.order_id, order.customer, order.priority.value,
                             str(item.code), item.reason))

    if problem.days > 1:
        paths["days"] = _write_days(problem, schedule, out_dir / "kpis_by_day.csv")
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


def write_exports(problem: Problem, schedule: Schedule, out_dir: Path, *,
                  eta_margin_min: float = 30.0) -> dict[str, Path]:
    """Write the plan for other tools into ``out_dir`` (:mod:`optimizer.exports`):
    ``tech-<id>.ics`` per technician with a shift (an empty calendar for one without
    visits, so that an earlier plan's visits are not left in it), ``routes.geojson`` and
    ``customer_notifications.csv``. Returns the paths by name: ``geojson`` and
    ``notifications`` (the calendars sit beside them)."""
    import json

    from optimizer.exports import (
        NOTIFICATION_COLUMNS,
        calendar_ics,
        notification_rows,
        routes_geojson,
    )
    from optimizer.maps.render import tech_page_names

    ensure_folder(out_dir)
    names = tech_page_names(list(dict.fromkeys(s.tech_id for s in problem.shifts)))
    for tech_id, page in names.items():  # the same stem as the technician's map page
        path = out_dir / f"{page.removesuffix('.html')}.ics"
        path.write_bytes(calendar_ics(problem, schedule, tech_id))
    geojson = out_dir / "routes.geojson"
    geojson.write_text(json.dumps(routes_geojson(problem, schedule), ensure_ascii=False),
                       encoding="utf-8")
    notifications = _write_csv(out_dir / "customer_notifications.csv", NOTIFICATION_COLUMNS,
                               notification_rows(problem, schedule,
                                                 eta_margin_min=eta_margin_min))
    return {"geojson": geojson, "notifications": notifications}
#: Columns of ``kpis_by_day.csv`` (a plan of several days): one row per working day.
DAY_COLUMNS = ("date", "orders", "late_orders", "late_days", "travel_km", "travel_h",
               "service_h", "overtime_min", "cost")


def _write_days(problem: Problem, schedule: Schedule, path: Path) -> Path:
    """``kpis_by_day.csv``: each working day's figures (:func:`~optimizer.report.kpis.by_day`)."""
    from optimizer.report.kpis import by_day

    rows = [(day.isoformat(), k.scheduled, k.late_orders, k.late_days, k.travel_km,
             k.travel_h, k.service_h, k.overtime_min, k.cost)
            for day, k in by_day(problem, schedule).items()]
    return _write_csv(path, DAY_COLUMNS, rows)


#: Columns of ``bookings.csv`` (those of work_orders.csv that a booking fills).
BOOKING_COLUMNS = ("order_id", "customer", "address", "lat", "lon", "service_min",
                   "required_skills", "priority", "time_windows", "earliest_date", "due_date",
                   "sla_due", "preferred_techs", "excluded_techs", "required_parts", "demand",
                   "phone", "notes", "created_at", "parts_ready_at", "postcode",
                   "stop_overhead_min")


def append_booking(folder: Path, order: WorkOrder) -> Path:
    """Add ``order`` (a booked appointment) to ``folder/bookings.csv``, creating it with a
    header; the loader reads it as more work orders. Returns the file's path."""
    path = Path(folder) / "bookings.csv"
    new = not path.exists()
    window = order.time_windows[0]
    location = order.location
    tz = window.start.tzinfo
    row = {
        "order_id": order.order_id, "customer": order.customer, "address": order.address,
        "lat": f"{location.lat:.6f}" if location else "",
        "lon": f"{location.lon:.6f}" if location else "",
        "service_min": f"{order.service_min:g}",
        "required_skills": ";".join(sorted(order.required_skills)),
        "priority": order.priority.value,
        "time_windows": f"{window.start:%Y-%m-%d %H:%M}-{window.end:%H:%M}",
        "earliest_date": order.earliest_date.isoformat() if order.earliest_date else "",
        "due_date": order.due_date.isoformat() if order.due_date else "",
        "sla_due": f"{order.sla_due:%Y-%m-%d %H:%M}" if order.sla_due else "",
        "preferred_techs": ";".join(sorted(order.preferred_techs)),
        "excluded_techs": ";".join(sorted(order.excluded_techs)),
        "required_parts": ";".join(sorted(order.required_parts)),
        "demand": str(order.demand) if order.demand else "", "phone": order.phone,
        "notes": order.notes, "created_at": _local(order.created_at, tz),
        "parts_ready_at": _local(order.parts_ready_at, tz), "postcode": order.postcode,
        "stop_overhead_min": "" if order.stop_overhead_min is None
        else f"{order.stop_overhead_min:g}",
    }
    with path.open("a", newline="", encoding="utf-8") as stream:
        writer = SafeCsvWriter(stream)
        if new:
            writer.writerow(BOOKING_COLUMNS)
        writer.writerow([row[c] for c in BOOKING_COLUMNS])
    return path


def _local(moment: datetime | None, tz) -> str:
    """A date-time cell of bookings.csv (local time of the scenario), or empty."""
    return "" if moment is None else f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def ensure_folder(folder: Path) -> Path:
    """``folder``, created with its parents if need be; an :class:`InputError` naming it if
    it is a file or cannot be created (every writer makes its folder with it)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder (a file of that name exists); give "
                         "--out a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: the folder cannot be created "
                         f"({exc.strerror or exc})") from None
    return folder


def check_folder(folder: Path) -> None:
    """An :class:`InputError` if ``folder`` is a file or plainly cannot be made (a file or
    an unwritable folder where its parent would be); nothing is created. The command line
    checks ``--out`` with it before any work, so that a long solve does not end in a
    traceback, and a failed command leaves no folder behind."""
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            raise InputError(f"{folder}: not a folder (a file of that name exists); give "
                             "--out a folder")
        return
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        what = "a file" if not parent.is_dir() else "a folder that cannot be written to"
        raise InputError(f"{folder}: the folder cannot be created ({parent} is {what})")


def default_folder(name: str, prefix: str = "") -> Path:
    """``settings.output_dir / <prefix><name>``, the name made one safe folder name
    by :func:`~optimizer.io.config.safe_folder_name` (never ``../..``)."""
    return settings.output_dir / f"{prefix}{safe_folder_name(name)}"


def _write_csv(path: Path, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Path:
    ensure_folder(path.parent)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = SafeCsvWriter(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def offline_background(problem: Problem, schedule: Schedule, folder: Path) -> Basemap | None:
    """The overview's offline background from the scenario's OSM extract
    (:func:`optimizer.geo.basemap.basemap_for`), or ``None`` when the scenario names no
    extract or it cannot be read (the maps are then drawn without it)."""
    from optimizer.geo.basemap import basemap_for

    try:
        return basemap_for(problem, schedule, folder)
    except InputError:
        return None


def write(result: PlanResult, out_dir: Path | None = None, *,
          maps: bool = True, replan: ReplanRecord | None = None) -> dict[str, Path]:
    """Write a plan's JSON and CSV files and its maps (default :func:`default_folder`
    of the scenario's name, under ``maps_output/``); ``replan`` is the re-plan record of a
    re-planned plan booked into (:func:`optimizer.api.booked_record`).

    The maps are ``overview.html`` for the dispatcher (with an offline background from
    the scenario's OSM extract, if it has one), ``timeline.html``, ``tech-<id>.html``
    per technician and ``index.html``; ``[maps]`` in scenario.toml picks the tiles.
    Returns the paths by name: ``json``, ``stops``, ``unassigned``, ``technicians``
    and ``maps`` (the index page); with a previous plan also ``changes``
    (``changes.csv``, as a re-plan writes it); when addresses were geocoded also
    ``geocode_report`` (``geocode_report.csv``).
    """
    from optimizer.maps import render_maps

    out_dir = out_dir or default_folder(result.problem.name)
    previous = result.schedule.meta.previous
    if previous and Path(previous).resolve() == (out_dir / "schedule.json").resolve():
        # solved from the plan this folder holds: keep it beside the new one
        shutil.copy2(previous, out_dir / "schedule-previous.json")
    paths = write_outputs(result.problem, result.schedule, out_dir, replan=replan)
    paths.update(write_exports(result.problem, result.schedule, out_dir,
                               eta_margin_min=result.scenario.publish.eta_margin_min))
    paths["report"] = write_daily_report(result.problem, result.schedule, out_dir)
    if result.changes is not None:  # solved from a previous plan
        paths["changes"] = _write_csv(out_dir / "changes.csv", CHANGE_COLUMNS,
                                      _change_rows(result.changes, result.problem))
    if result.geocoding is not None and result.geocoding.report:
        # the addresses to review, with their candidates (the summary points to it)
        paths["geocode_report"] = write_geocode_report(out_dir / "geocode_report.csv",
                                                       result.geocoding)
    if maps:
        background = offline_background(result.problem, result.schedule, result.scenario.folder)
        pages = render_maps(result.problem, result.schedule, out_dir, background=background,
                            **result.scenario.maps, links=REPORT_LINKS,
                            **_privacy(result.scenario))
        paths["maps"] = next(p for p in pages if p.name == "index.html")
    return paths


def write_daily_report(problem: Problem, schedule: Schedule, out_dir: Path) -> Path:
    """Write ``report.html`` (:mod:`optimizer.report.daily`) into ``out_dir``."""
    from optimizer.report.daily import REPORT_FILE, daily_report

    ensure_folder(out_dir)
    path = out_dir / REPORT_FILE
    path.write_text(daily_report(problem, schedule), encoding="utf-8")
    return path


def write_comparison(comparison: Comparison, out_dir: Path) -> Path:
    """Write ``compare.html`` (table, charts, moved orders) and ``compare.csv`` (one KPI
    row per scenario, base first); returns the page's path."""
    import pandas as pd

    from optimizer.report.html import compare_report

    ensure_folder(out_dir)
    page = compare_report(comparison.names, [r.schedule for r in comparison.results],
                          comparison.rows, comparison.changes)
    path = out_dir / "compare.html"
    path.write_text(page, encoding="utf-8")
    frame = pd.DataFrame(comparison.rows, index=comparison.names)
    frame.index.name = "scenario"
    safe_frame(frame).to_csv(out_dir / "compare.csv")
    return path


def write_sweep(rows: list[dict], parameters: Sequence[str], out_dir: Path, *,
                fmt: str = "csv") -> dict[str, Path]:
    """Write the tidy table (``sweep.csv`` or ``sweep.parquet``) and ``sweep.html``."""
    import pandas as pd

    from optimizer.report.html import sweep_report

    ensure_folder(out_dir)
    frame = pd.DataFrame(rows)
    table = out_dir / f"sweep.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(table, index=False)
    else:
        safe_frame(frame).to_csv(table, index=False)
    report = out_dir / "sweep.html"
    report.write_text(sweep_report(rows, list(parameters)), encoding="utf-8")
    return {"table": table, "report": report}


#: Columns of ``changes.csv``.
CHANGE_COLUMNS = ("order_id", "status", "old_tech", "new_tech", "old_start", "new_start",
                  "reason")


def _change_rows(changes, problem: Problem) -> list[tuple]:
    """Rows of ``changes.csv`` for a sequence of ``OrderChange`` of ``problem``'s plan."""
    from optimizer.report.changes import start_text

    several = problem.days > 1
    return [(c.order_id, c.status, c.old_tech or "", c.new_tech or "",
             start_text(c.old_start, several_days=several),
             start_text(c.new_start, several_days=several), c.reason)
            for c in changes]


def write_replan(result: ReplanResult, out_dir: Path) -> dict[str, Path]:
    """Write the new schedule (JSON, CSVs, maps) and ``changes.csv`` into ``out_dir``.

    Written into the published plan's folder, the previous ``schedule.json`` is
    kept as ``schedule-before-HHMM.json`` (``schedule-before-YYYY-MM-DD-HHMM.json`` in a
    plan of several days) and only the pages of technicians whose
    route changed are rewritten (their links stay the same); the index says what
    changed. ``schedule.json`` gets a ``replan`` section (docs/schedule-format.md),
    so that ``fsopt verify`` checks it with no other input. The warnings of the
    change list are rows of ``changes.csv`` with status ``warning``.
    """
    from optimizer.maps import render_maps

    now = result.prepared.now
    several = result.prepared.problem.days > 1
    stamp = f"{now:%Y-%m-%d-%H%M}" if several else f"{now:%H%M}"
    previous = out_dir / "schedule.json"
    if previous.exists():
        shutil.copy2(previous, out_dir / f"schedule-before-{stamp}.json")
    paths = write_outputs(result.prepared.problem, result.schedule, out_dir,
                          replan=result.record)
    paths.update(write_exports(result.prepared.problem, result.schedule, out_dir,
                               eta_margin_min=result.scenario.publish.eta_margin_min))
    paths["report"] = write_daily_report(result.prepared.problem, result.schedule, out_dir)
    when = f"{now:%a %d %b %H:%M}" if several else f"{now:%H:%M}"
    notes = {t: f"changed at {when}" for t in result.changes.changed_techs}
    background = offline_background(result.prepared.problem, result.schedule,
                                    result.scenario.folder)
    pages = render_maps(result.prepared.problem, result.schedule, out_dir,
                        changed=notes, background=background, **result.scenario.maps,
                        links=REPORT_LINKS, **_privacy(result.scenario))
    paths["maps"] = next(p for p in pages if p.name == "index.html")
    rows = _change_rows(result.changes.orders, result.prepared.problem)
    rows += [("", "warning", "", "", "", "", w) for w in result.changes.warnings]
    paths["changes"] = _write_csv(out_dir / "changes.csv", CHANGE_COLUMNS, rows)
    return paths


def write_geocoded_work_orders(path: str | Path, result: GeocodeResult, *,
                               source: str | Path) -> Path:
    """Write ``geocoded_work_orders.csv``: the input columns of ``source`` plus
    :data:`~optimizer.geo.geocode_report.GEOCODED_COLUMNS`
    (:func:`~optimizer.geo.geocode_report.geocoded_table`).

    A dispatcher can correct it (fill ``lat``/``lon`` of a failed row) and use it as
    ``work_orders.csv``. Parent folders are created; returns ``path``.
    """
    columns, rows = geocoded_table(result, source=source)
    return _write_csv(Path(path), columns, rows)


def write_geocode_report(path: str | Path, result: GeocodeResult) -> Path:
    """Write ``geocode_report.csv``: one row per geocoded address, in the columns
    :data:`~optimizer.geo.geocode_report.REPORT_COLUMNS`; returns ``path``."""
    return _write_csv(Path(path), REPORT_COLUMNS, report_rows(result))


def write_geocoding(loaded: LoadedScenario, result: GeocodeResult,
                    out_dir: Path) -> dict[str, Path]:
    """Write ``geocoded_work_orders.csv`` (reviewable, usable as input) and
    ``geocode_report.csv`` into ``out_dir``; returns them as ``geocoded`` and ``report``."""
    source = find_table(loaded.folder, "work_orders", required=True)
    return {
        "geocoded": write_geocoded_work_orders(out_dir / "geocoded_work_orders.csv", result,
                                               source=source),
        "report": write_geocode_report(out_dir / "geocode_report.csv", result),
    }
