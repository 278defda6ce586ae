"""``fsopt``: a thin command line over :mod:`optimizer.api`.

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 no schedule could be made.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from optimizer import settings
from optimizer.errors import InputError, OptimizerError

if TYPE_CHECKING:
    from optimizer.results import PlanResult

# Each command imports what it needs inside its handler, so that `fsopt --help` and a
# mistyped command answer at once, without loading the solver, pandas or the maps.

# Ids, names, skills, addresses and reasons come from the user's files: both consoles
# print text as it is (no rich markup, no :emoji: codes). Our own colours are added
# with Text objects around the user's text.
console = Console(stderr=True, markup=False, emoji=False)
out = Console(soft_wrap=True, markup=False, emoji=False)


#: Seconds between progress lines when stderr is not a terminal (a log file or a pipe).
PROGRESS_EVERY_S = 5.0


class PlainProgress:
    """Progress as plain lines on stderr, for a log file or a pipe.

    rich's live display is transient or shows nothing until the end when stderr
    is not a terminal, so a long cold run would look dead. Here a new stage is
    printed at once, and while a stage lasts its latest status is printed every
    ``every_s`` seconds (also when nothing reports, such as while roads are
    built), e.g. ``fsopt solve: solving: 240 solutions, best cost 1,234.50 (35 s)``.
    Disabled (``enabled=False``), it prints nothing and starts no thread.
    """

    def __init__(self, label: str, *, enabled: bool = True,
                 every_s: float | None = None) -> None:
        self.label = label
        self.enabled = enabled
        self.every_s = PROGRESS_EVERY_S if every_s is None else every_s
        self._began = self._last_line = time.monotonic()
        self._stage = self._text = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="fsopt-progress", daemon=True)

    def __enter__(self) -> PlainProgress:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()

    def stage(self, stage: str, text: str = "") -> None:
        """Start a new stage and print it now."""
        if self.enabled:
            with self._lock:
                self._stage, self._text = stage, text
                self._print()

    def update(self, text: str) -> None:
        """The latest status of the stage; printed with the next line that is due."""
        if self.enabled:
            with self._lock:
                self._text = text

    def _tick(self) -> None:
        while not self._stop.wait(min(1.0, self.every_s / 4)):
            with self._lock:
                if self._stage and time.monotonic() - self._last_line >= self.every_s:
                    self._print()

    def _print(self) -> None:
        self._last_line = time.monotonic()
        text = f"{self._stage}: {self._text}" if self._text else self._stage
        console.print(Text(f"{self.label}: {text} ({self._last_line - self._began:.0f} s)"),
                      highlight=False, soft_wrap=True)


def _plain(label: str, quiet: bool = False) -> PlainProgress:
    """Plain progress lines, on when stderr is not a terminal (and not ``--quiet``)."""
    return PlainProgress(label, enabled=not quiet and not console.is_terminal)


def _warn(warning: str) -> None:
    console.print(Text.assemble(("warning:", "yellow"), " ", str(warning)), soft_wrap=True)


def _number(text: str, kind: type, *, minimum: float, strict: bool) -> float:
    """``text`` as a finite ``kind`` above ``minimum`` (or at least it), else an argparse error."""
    bound = f"greater than {minimum:g}" if strict else f"{minimum:g} or more"
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}; give {what} {bound}") \
            from None
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        raise argparse.ArgumentTypeError(f"{text!r}: must be {what} {bound}")
    return value


def positive_float(text: str) -> float:
    """A number > 0, such as a time limit in seconds (not 0, negative, nan or inf)."""
    return _number(text, float, minimum=0, strict=True)


def non_negative_float(text: str) -> float:
    """A number >= 0, such as minutes to freeze (not negative, nan or inf)."""
    return _number(text, float, minimum=0, strict=False)


def positive_int(text: str) -> int:
    """A whole number >= 1, such as a solution limit or a number of workers."""
    return int(_number(text, int, minimum=1, strict=False))


def non_negative_int(text: str) -> int:
    """A whole number >= 0, such as a seed."""
    return int(_number(text, int, minimum=0, strict=False))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsopt",
        description="Plan a day of field service: work orders and technicians in, "
                    "routes, maps and KPIs out.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 bad input, 3 no schedule. "
               "Scenario format: docs/scenario-format.md",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    solve = commands.add_parser(
        "solve", help="plan the day for a scenario folder",
        description="Solve SCENARIO (a folder with scenario.toml, work_orders.csv and "
                    "technicians.csv) and write schedule.json, stops.csv and unassigned.csv.")
    solve.add_argument("scenario", type=Path, help="scenario folder, e.g. scenarios/liechtenstein")
    solve.add_argument("--time-limit", type=positive_float, metavar="S", dest="time_limit_s",
                       help="search time in seconds (default: scenario.toml [solver])")
    solve.add_argument("--seed", type=non_negative_int,
                       help="chooses the strategies of the parallel searches (0: the default; "
                            "no effect with one search); recorded in the output. OR-Tools' "
                            "search has no random seed: a run is repeatable only with "
                            "--solution-limit (a time limit stops it at a different point "
                            "each time); to keep an earlier plan, use --previous")
    solve.add_argument("--solution-limit", type=positive_int, metavar="N",
                       help="stop after N solutions: the same N and seed give the same plan "
                            "on any machine (if the time limit does not stop it first)")
    solve.add_argument("--previous", type=Path, metavar="SCHEDULE_JSON",
                       help="start from this earlier plan of the same day and move as little "
                            "of it as possible (each change costs as in a re-plan); writes "
                            "changes.csv")
    solve.add_argument("--out", type=Path, metavar="DIR",
                       help=f"output folder (default: {settings.output_dir}/<scenario name>)")
    solve.add_argument("--scheduler", metavar="ADDRESS",
                       default=os.environ.get("FSOPT_SCHEDULER"),
                       help="Dask scheduler for the regions of a large day (decomposed above "
                            "300 orders), e.g. tcp://host:8786 (default: $FSOPT_SCHEDULER, "
                            "else local processes)")
    solve.add_argument("--quiet", action="store_true", help="no progress or summary")

    verify = commands.add_parser(
        "verify", help="check a written schedule independently of the solver",
        description="Recompute SCHEDULE.json from its scenario and the travel matrix and "
                    "report every violated rule. Exit code 0 if valid, 3 if not.")
    verify.add_argument("schedule", type=Path, help="schedule.json written by `fsopt solve`")
    verify.add_argument("--scenario", type=Path,
                        help="scenario folder (default: the one recorded in the schedule)")

    slots = commands.add_parser(
        "slots", help="offer appointment windows for a new visit, cheapest first",
        description="Rank the windows of the plan's working days by the cost of adding "
                    "the visit of REQUEST.csv (one row in the columns of work_orders.csv, "
                    "without a window) to SCHEDULE.json. No offer breaks a visit's window. "
                    "With --book N, offer N is written into the plan: the visit on its "
                    "route in schedule.json (CSVs and maps rewritten) and its window in the "
                    "scenario's bookings.csv, so that the next solve and re-plan keep it. "
                    "Exit code 3 when nothing fits (the reason is printed).")
    slots.add_argument("schedule", type=Path,
                       help="schedule.json written by `fsopt solve` or `fsopt replan` (on "
                            "a re-planned plan, offers start after its re-plan time)")
    slots.add_argument("request", type=Path, help="CSV with one work order row")
    slots.add_argument("--slots", type=_positive_int, default=3, metavar="N",
                       help="how many offers (default: 3)")
    slots.add_argument("--window-h", type=_positive_float, default=2.0, metavar="H",
                       help="length of an offered window in hours (default: 2)")
    slots.add_argument("--days", type=_positive_int, default=5, metavar="D",
                       help="working days of the plan to offer from (default: 5)")
    slots.add_argument("--book", type=_positive_int, metavar="N",
                       help="book offer N (1 = the first listed)")

    geocode = commands.add_parser(
        "geocode", help="turn the orders' addresses into coordinates, for review",
        description="Geocode every order of SCENARIO that has an address but no lat/lon "
                    "(offline gazetteer from the scenario's OSM extract by default, or the "
                    "provider in scenario.toml [geocode]; cached). Writes "
                    "geocoded_work_orders.csv, which a dispatcher can correct and use as "
                    "work_orders.csv, and geocode_report.csv.")
    geocode.add_argument("scenario", type=Path)
    geocode.add_argument("--out", type=Path, metavar="DIR",
                         help=f"output folder (default: {settings.output_dir}/<scenario name>)")

    check = commands.add_parser("check", help="validate a scenario's input files only")
    check.add_argument("scenario", type=Path)

    anonymise = commands.add_parser(
        "anonymise", help="write a copy of a scenario without personal data, for sharing",
        description="Copy SCENARIO into DIR with customer and technician names, phone "
                    "numbers, notes and absence reasons replaced in every table (the same "
                    "name gets the same pseudonym in every file). Coordinates, addresses "
                    "and all other columns are kept, so the copy loads and plans the same "
                    "day.")
    anonymise.add_argument("scenario", type=Path, help="the scenario folder to copy")
    anonymise.add_argument("--out", type=Path, metavar="DIR", required=True,
                           help="where to write the copy (a new or empty folder)")

    compare = commands.add_parser(
        "compare", help="solve a base scenario and what-ifs, and compare their KPIs",
        description="Solve BASE and each WHATIF with the same search settings, print a KPI "
                    "table with deltas against BASE, and write compare.html (table, charts, "
                    "orders that moved) and compare.csv.")
    compare.add_argument("base", type=Path, help="the base scenario folder")
    compare.add_argument("whatifs", type=Path, nargs="+", help="what-if scenario folders")
    compare.add_argument("--time-limit", type=positive_float, metavar="S", dest="time_limit_s")
    compare.add_argument("--seed", type=non_negative_int)
    compare.add_argument("--solution-limit", type=positive_int, metavar="N")
    compare.add_argument("--out", type=Path, metavar="DIR",
                         help=f"output folder (default: {settings.output_dir}/compare-<base name>)")

    replan = commands.add_parser(
        "replan", help="re-plan the rest of the day after events",
        description="Keep completed and in-progress visits, restart each technician from "
                    "where they are at --now, and re-optimise the rest while moving as few "
                    "promised orders as possible. Writes the new schedule and changes.csv.",
        epilog="EVENTS is a CSV or JSON file with an 'event' column: completed, in_progress, "
               "position, unavailable (from 'time', until 'until' if they come back), "
               "new_order, cancelled or duration (see docs/replan.md).")
    replan.add_argument("schedule", type=Path, help="the published schedule.json")
    replan.add_argument("events", type=Path, help="events file (.csv or .json)")
    replan.add_argument("--now", required=True,
                        help="a date-time (YYYY-MM-DD HH:MM; any day of a plan of several "
                             "days), or HH:MM on the day of the re-plan SCHEDULE comes from, "
                             "else on the plan date")
    replan.add_argument("--freeze-min", type=non_negative_float, default=0.0, metavar="MIN",
                        help="keep visits starting within MIN minutes of now as they are")
    replan.add_argument("--scenario", type=Path,
                        help="scenario folder (default: the one recorded in the schedule)")
    replan.add_argument("--time-limit", type=positive_float, metavar="S", dest="time_limit_s")
    replan.add_argument("--solution-limit", type=positive_int, metavar="N")
    replan.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder (default: the published schedule's folder, "
                             "so technicians' links stay the same)")

    sweep = commands.add_parser(
        "sweep", help="solve a grid of what-ifs on a Dask cluster",
        description="Solve every combination of the --grid axes applied to SCENARIO and write "
                    "one tidy row per run (sweep.csv or .parquet) plus sweep.html. Axes: "
                    "technicians (count), demand_pct (extra orders, %%), speed_factor.",
        epilog="Runs on a local cluster of --workers processes, or on an existing Dask "
               "cluster given by --scheduler or the FSOPT_SCHEDULER environment variable.")
    sweep.add_argument("scenario", type=Path)
    sweep.add_argument("--grid", action="append", required=True, metavar="AXIS=VALUES",
                       help="e.g. technicians=8:14 or demand_pct=0,20,40 (repeatable)")
    sweep.add_argument("--time-limit", type=positive_float, metavar="S", dest="time_limit_s")
    sweep.add_argument("--solution-limit", type=positive_int, metavar="N")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://host:8786 (default: $FSOPT_SCHEDULER, "
                            "else a local cluster)")
    sweep.add_argument("--workers", type=positive_int, default=2,
                       help="processes of the local cluster (default 2)")
    sweep.add_argument("--format", choices=("csv", "parquet"), default="csv")
    sweep.add_argument("--out", type=Path, metavar="DIR")
    return parser


def _solve(args: argparse.Namespace) -> int:
    from optimizer import outputs
    from optimizer.io.load import load_scenario

    if args.seed is not None and args.solution_limit is None and not args.quiet:
        console.print("fsopt solve: note: --seed alone does not make runs repeatable (the "
                      "time limit stops the search at a different point each run); add "
                      "--solution-limit N for the same plan every time, or --previous "
                      "schedule.json to keep an earlier plan")
    with _plain("fsopt solve", args.quiet) as plain:
        plain.stage("loading the scenario")
        loaded = load_scenario(args.scenario)
        for warning in loaded.warnings:
            _warn(warning)
        result = _solve_with_progress(args, loaded, plain)
        if result.geocoding is not None and not args.quiet:
            _geocode_summary(result.geocoding)
        plain.stage("writing the schedule and maps")
        paths = outputs.write(result, args.out)
        plain.stage("done")
    if not args.quiet:
        _summary(result)
        out.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    return 0


def _solve_with_progress(args: argparse.Namespace, loaded, plain: PlainProgress):
    from optimizer import api

    limit = args.time_limit_s or loaded.params.time_limit_s
    best = [float("inf")]
    geocoding: list[bool] = []  # set once the first geocoding report came
    with Progress(
        TextColumn("[bold]solving[/]"), BarColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[status]}", markup=False), console=console,
        disable=args.quiet or plain.enabled, transient=True,
    ) as progress:
        task = progress.add_task("solve", total=limit, status="building model")

        def on_solution(cost: float, elapsed_s: float, count: int) -> None:
            best[0] = min(best[0], cost)
            status = f"{count} solutions, best cost {best[0]:,.2f}"
            progress.update(task, completed=min(elapsed_s, limit), status=status)
            plain.update(f"{status}, {elapsed_s:.0f} s of {limit:g} s search")

        def on_geocode(done: int, total: int) -> None:
            progress.update(task, status=f"geocoding {done}/{total}")
            if not geocoding:
                geocoding.append(True)
                plain.stage("geocoding", f"{done}/{total} addresses")
            else:
                plain.update(f"{done}/{total} addresses")

        def on_stage(stage: str) -> None:
            progress.update(task, status=stage)
            plain.stage(stage)

        return api.solve_scenario(loaded, time_limit_s=args.time_limit_s, seed=args.seed,
                                  solution_limit=args.solution_limit, on_solution=on_solution,
                                  on_geocode=on_geocode, on_stage=on_stage,
                                  scheduler=args.scheduler, previous=args.previous)


def _geocode(args: argparse.Namespace) -> int:
    from optimizer import api, outputs
    from optimizer.io.load import load_scenario

    loaded = load_scenario(args.scenario)
    with _plain("fsopt geocode") as plain, Progress(
            TextColumn("[bold]geocoding[/]"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=True,
            disable=plain.enabled) as progress:
        task = progress.add_task("geocode", total=None)
        plain.stage("geocoding")

        def on_geocode(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
            plain.update(f"{done}/{total} addresses")

        problem, result = api.geocode(loaded, progress=on_geocode)
    if result is None:
        out.print(f"{args.scenario}: every order and home already has lat/lon; nothing to geocode")
        return 0
    _geocode_summary(result)
    paths = outputs.write_geocoding(loaded, result,
                                    args.out or outputs.default_folder(problem.name))
    out.print(f"Wrote {paths['geocoded']} and {paths['report']}")
    return 0


def _geocode_summary(result) -> None:
    counts = Counter(row.status for row in result.report)
    out.print(f"Geocoded {len(result.report)} addresses with {result.provider}: "
              + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
              + f" ({result.requests} requests, {result.cache_hits} from cache)")
    review = result.review
    if review:
        out.print(f"{len(review)} order{'s' if len(review) != 1 else ''} need review "
                  "(below min_confidence or ambiguous): see geocode_report.csv for the "
                  "candidates")
    else:
        out.print("0 orders need review")
    flagged = [row for row in result.report if row.status != "ok"]
    if flagged:
        table = Table(title="Addresses to review")
        for column in ("order", "address", "status", "confidence", "error", "matched / reason"):
            table.add_column(column)
        for row in flagged:
            table.add_row(row.order_id, row.query, row.status,
                          f"{row.confidence:.2f}" if row.confidence is not None else "",
                          f"±{row.error_m:.0f} m" if row.error_m is not None else "",
                          row.matched_address or row.reason)
        out.print(table)


def _sla_text(k) -> str:
    """``114 / 250 (45.6%); of scheduled 114 / 118 (96.6%)``: unassigned SLA orders are missed."""
    scheduled = f"{k.sla_on_time} / {k.sla_orders} ({k.sla_on_time_pct:.1f}%)"
    if k.sla_orders_all is None:
        return f"of scheduled {scheduled}"
    return (f"{k.sla_on_time} / {k.sla_orders_all} ({k.sla_on_time_all_pct:.1f}%); "
            f"of scheduled {scheduled}")


def _summary(result: PlanResult) -> None:
    k = result.schedule.kpis
    plan = result.problem
    days = f"{plan.plan_date} to {plan.end_date}" if plan.days > 1 else f"{plan.plan_date}"
    table = Table(title=f"{plan.name} — {days}", show_header=False)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    by_priority = ", ".join(f"{p} {n}" for p, n in k.scheduled_by_priority.items() if n)
    table.add_row("orders scheduled", f"{k.scheduled} / {k.orders_total} ({by_priority})")
    table.add_row("orders unassigned", str(k.unassigned))
    table.add_row("SLA on time", _sla_text(k))
    for r in k.response or ():
        if r.orders:
            mean = f"mean {r.mean_h:.1f} h, p90 {r.p90_h:.1f} h" if r.mean_h is not None \
                else "none routed"
            table.add_row(f"response {r.priority} (target {r.target_h:g} h)",
                          f"{r.on_target} / {r.orders} on target ({r.on_target_pct:.1f}%); "
                          f"{mean}")
    if k.visits_avoided:
        table.add_row("visits avoided", f"{k.visits_avoided} resolved remotely "
                                        "(listed unassigned with code REMOTE)")
    if k.outside_territory_visits:
        table.add_row("outside territory", f"{k.outside_territory_visits} visits, cost "
                                           f"{k.territory_cost:,.2f}")
    if plan.days > 1:
        table.add_row("late (after due date)", f"{k.late_orders or 0} orders, "
                                               f"{k.late_days or 0} days in all")
    table.add_row("travel", f"{k.travel_km:.1f} km, {k.travel_h:.2f} h")
    table.add_row("service", f"{k.service_h:.2f} h")
    if k.overhead_h:
        table.add_row("parking and access", f"{k.overhead_h:.2f} h")
    table.add_row("overtime", f"{k.overtime_min:.0f} min")
    territory = f", territory {k.territory_cost:,.2f}" if k.territory_cost else ""
    table.add_row("cost", f"{k.cost:,.2f} (travel and labour {k.travel_cost:,.2f}, overtime "
                          f"{k.overtime_cost:,.2f}, SLA {k.sla_late_cost:,.2f}{territory})")
    if k.objective_cost is not None:
        balance = f", balance {k.balance_cost:,.2f}" if k.balance_cost else ""
        table.add_row("full objective", f"{k.objective_cost:,.2f} (cost + drop penalties "
                                        f"{k.drop_penalty_cost:,.2f} of {k.unassigned} unassigned"
                                        f"{balance})")
    if k.utilisation_min_pct is not None:
        table.add_row("utilisation", f"{k.utilisation_min_pct:.0f}% to "
                                     f"{k.utilisation_max_pct:.0f}% (std "
                                     f"{k.utilisation_std_pct:.1f} pp)")
    table.add_row("matrix / solver", f"{result.matrix.source} / {result.schedule.meta.status}, "
                                     f"{result.schedule.meta.wall_s:.1f} s")
    out.print(table)

    techs = Table(title="Technicians")
    for column in ("tech", "orders", "service h", "travel km", "utilisation", "overtime min"):
        techs.add_column(column, justify="left" if column == "tech" else "right")
    for t in k.technicians:
        techs.add_row(t.tech_id, str(t.orders), f"{t.service_h:.2f}", f"{t.travel_km:.1f}",
                      f"{t.utilisation_pct:.0f}%", f"{t.overtime_min:.0f}")
    out.print(techs)
    if result.changes is not None:
        counts = Counter(str(c.status) for c in result.changes)
        out.print(f"Against the previous plan ({result.schedule.meta.previous or 'given'}): "
                  + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))

    if result.schedule.unassigned:
        orders = {o.order_id: o for o in result.problem.orders}
        missed = Table(title="Unassigned orders")
        for column in ("order", "priority", "reason"):
            missed.add_column(column)
        for item in result.schedule.unassigned:
            missed.add_row(item.order_id, orders[item.order_id].priority.value, item.reason)
        out.print(missed)


def _verify(args: argparse.Namespace) -> int:
    from optimizer import api

    issues = api.verify_file(args.schedule, args.scenario)
    for issue in issues:
        out.print(Text.assemble(("✗", "red"), " ", issue))
    if issues:
        out.print(f"{len(issues)} violation(s)")
        return 3
    out.print(Text.assemble(("✓", "green"), " schedule is valid: every order once, "
                                             "all rules hold"))
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0 < value <= 24:
        raise argparse.ArgumentTypeError(f"{text!r} must be > 0 and <= 24 (hours)")
    return value


def _slots(args: argparse.Namespace) -> int:
    from optimizer import api
    from optimizer.outputs import write
    from optimizer.results import PlanResult
    from optimizer.slots import offer_text

    context = api.slot_context(args.schedule, args.request)
    offers = api.offer_slots(context, slots=args.slots, days=args.days,
                             window_h=args.window_h)
    if not offers:
        code, reason = offers.reason
        out.print(Text.assemble(("✗", "red"), f" no slot for {context.request.order_id}: "
                                              f"{reason} ({code})"))
        return 3
    for k, chosen in enumerate(offers, start=1):
        out.print(offer_text(k, chosen))
    if args.book is None:
        return 0
    if args.book > len(offers):
        raise InputError(f"--book {args.book}: only {len(offers)} offer(s) were made")
    chosen = offers[args.book - 1]
    order, schedule = api.book_slot(context, chosen)
    record = api.booked_record(context, order)
    if record is None:
        loaded = api.load_scenario(context.loaded.folder)
        plan, _ = api.geocode(loaded)
    else:  # the rest of the day as re-planned, with the booked visit
        loaded = context.loaded
        plan = replace(context.problem, orders=(*context.problem.orders, order))
    result = PlanResult(loaded, plan, context.matrix, schedule)
    paths = write(result, args.schedule.parent, replan=record)
    out.print(f"Booked {order.order_id}: {offer_text(args.book, chosen)}")
    out.print(f"Wrote {paths['json']} and {context.loaded.folder / 'bookings.csv'}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from optimizer.io.load import load_scenario

    loaded = load_scenario(args.scenario)
    for warning in loaded.warnings:
        _warn(warning)
    p = loaded.problem
    out.print(f"{args.scenario}: OK — {len(p.orders)} orders, {len(p.technicians)} technicians, "
              f"{len(p.shifts)} shifts on {p.plan_date}"
              + (f" to {p.end_date} ({p.days} days)" if p.days > 1 else ""))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from optimizer import api, outputs
    from optimizer.report.compare import METRICS, number_text

    total = 1 + len(args.whatifs)
    with _plain("fsopt compare") as plain, console.status("solving") as status:
        plain.stage(f"solving scenario 1 of {total}")
        done = [0]

        def solved(result: PlanResult) -> None:
            done[0] += 1
            status.update(Text(f"solved {result.problem.name}"))
            if done[0] < total:
                plain.stage(f"solving scenario {done[0] + 1} of {total}",
                            f"{result.problem.name} solved")
            else:
                plain.stage(f"all {total} scenarios solved")

        comparison = api.compare(args.base, args.whatifs, time_limit_s=args.time_limit_s,
                                 seed=args.seed, solution_limit=args.solution_limit,
                                 on_solved=solved)
    names = comparison.names
    table = Table(title="KPIs (delta against the base)")
    table.add_column("KPI")
    for name in names:
        table.add_column(name, justify="right")
    base = comparison.rows[0]
    for key, label, unit, better_high in METRICS:
        cells = [number_text(base[key])]
        for row in comparison.rows[1:]:
            delta = row[key] - base[key]
            colour = "" if abs(delta) < 1e-9 else (
                "green" if (delta > 0) == better_high else "red")
            cells.append(Text.assemble(number_text(row[key]),
                                       (f" ({number_text(delta, sign=True)})", colour)
                                       if colour else ""))
        table.add_row(f"{label}{f' ({unit})' if unit else ''}", *cells)
    out.print(table)
    for name, changes in zip(names[1:], comparison.changes, strict=True):
        counts = Counter(c.status for c in changes)
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no order changed hands"
        out.print(f"{name}: {summary}")
    out_dir = args.out or outputs.default_folder(names[0], "compare-")
    path = outputs.write_comparison(comparison, out_dir)
    out.print(f"Wrote {path} and {path.with_suffix('.csv')}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from optimizer import api, outputs
    from optimizer.io.load import load_scenario
    from optimizer.sweeps import parse_axis

    axes = dict(parse_axis(text) for text in args.grid)
    total = 1
    for values in axes.values():
        total *= len(values)
    with _plain("fsopt sweep") as plain, Progress(
            TextColumn("[bold]sweep[/]"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("{task.fields[last]}", markup=False),
            console=console, disable=plain.enabled) as progress:
        task = progress.add_task("sweep", total=total, last="starting cluster")
        plain.stage("building the travel matrix and starting the cluster")

        def on_row(row: dict, done: int, total: int) -> None:
            last = (f"{row['run']}: {row['status']}" if row["status"] != "ok" else
                    f"{row['run']}: {row['unassigned']:g} unassigned, {row['travel_km']:g} km")
            progress.update(task, completed=done, last=last)
            plain.stage(f"{done} of {total} runs done", f"last {last}")
            if row["status"] != "ok":
                console.print(Text.assemble(("run failed", "red"), f" {row['run']}: "
                                            f"{row['error']}"), soft_wrap=True)

        rows = api.sweep(args.scenario, axes, time_limit_s=args.time_limit_s,
                         solution_limit=args.solution_limit, scheduler=args.scheduler,
                         n_workers=args.workers, on_row=on_row)
    name = load_scenario(args.scenario).problem.name
    paths = outputs.write_sweep(rows, list(axes),
                                args.out or outputs.default_folder(name, "sweep-"),
                                fmt=args.format)
    failed = sum(r["status"] != "ok" for r in rows)
    out.print(f"{len(rows) - failed} runs ok, {failed} failed. Wrote {paths['table']} and "
              f"{paths['report']}")
    return 0


def _replan(args: argparse.Namespace) -> int:
    from optimizer import api, outputs
    from optimizer.report.changes import start_text

    with _plain("fsopt replan") as plain, console.status("re-planning") as status:
        plain.stage("re-planning")

        def on_solution(cost: float, elapsed_s: float, count: int) -> None:
            text = f"{count} solutions, cost {cost:,.2f}, {elapsed_s:.1f} s"
            status.update(f"re-planning: {text}")
            plain.update(text)

        result = api.replan(args.schedule, args.events, args.now, scenario=args.scenario,
                            freeze_min=args.freeze_min, time_limit_s=args.time_limit_s,
                            solution_limit=args.solution_limit, on_solution=on_solution)
        plain.stage("writing the schedule, changes.csv and maps")
        status.update("writing the schedule, changes.csv and maps")
        paths = outputs.write_replan(result, args.out or args.schedule.parent)
        plain.stage("done")
    changes = result.changes
    several = result.prepared.problem.days > 1
    now = result.prepared.now
    table = Table(title=f"Changes at {now:%a %d %b %H:%M}" if several else
                  f"Changes at {now:%H:%M}")
    for column in ("order", "change", "from", "to", "old start", "new start", "reason"):
        table.add_column(column)
    for c in changes.orders:
        if c.status in ("kept", "completed"):
            continue
        table.add_row(c.order_id, c.status, c.old_tech or "", c.new_tech or "",
                      start_text(c.old_start, several_days=several),
                      start_text(c.new_start, several_days=several), c.reason)
    out.print(table)
    counts = Counter(c.status for c in changes.orders)
    out.print(", ".join(f"{n} {s}" for s, n in counts.items()))
    out.print(f"Technicians whose page changed: {', '.join(changes.changed_techs) or 'none'}")
    for warning in changes.warnings:
        _warn(warning)
    out.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    return 0


def _anonymise(args: argparse.Namespace) -> int:
    from optimizer import api

    written = api.anonymise(args.scenario, args.out)
    out.print(f"Wrote {len(written)} files into {args.out}; check them before sharing "
              "(addresses and coordinates are kept)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handlers = {"solve": _solve, "verify": _verify, "check": _check, "geocode": _geocode,
                "slots": _slots,
                "compare": _compare,
                "sweep": _sweep, "replan": _replan, "anonymise": _anonymise}
    try:
        return handlers[args.command](args)
    except OptimizerError as exc:
        console.print("error:", str(exc), style="red", highlight=False, markup=False,
                      soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("interrupted")
        return 1
    except Exception:  # an internal error: show it, exit 1
        console.print(traceback.format_exc(), highlight=False, markup=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
