"""The command line of ``fsopt``: its commands, their options and checked numbers."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from optimizer import settings


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


def time_limit_s(text: str) -> float:
    """Seconds > 0 and at most a day: the range scenario.toml's ``[solver] time_limit_s``
    has."""
    from optimizer.io.config import TOML_RANGES

    value = positive_float(text)
    problem = TOML_RANGES["solver"]["time_limit_s"].problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem} (seconds, as [solver] "
                                         "time_limit_s)")
    return value


def non_negative_float(text: str) -> float:
    """A number >= 0, such as minutes to freeze (not negative, nan or inf)."""
    return _number(text, float, minimum=0, strict=False)


def positive_int(text: str) -> int:
    """A whole number >= 1, such as a solution limit or a number of workers."""
    return int(_number(text, int, minimum=1, strict=False))


def non_negative_int(text: str) -> int:
    """A whole number >= 0, such as a seed."""
    return int(_number(text, int, minimum=0, strict=False))


def hours_within_a_day(text: str) -> float:
    """Hours > 0 and at most 24, such as the length of an offered window."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0 < value <= 24:
        raise argparse.ArgumentTypeError(f"{text!r} must be > 0 and <= 24 (hours)")
    return value


def build_parser() -> argparse.ArgumentParser:
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
    solve.add_argument("--time-limit", type=time_limit_s, metavar="S", dest="time_limit_s",
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
    slots.add_argument("--slots", type=positive_int, default=3, metavar="N",
                       help="how many offers (default: 3)")
    slots.add_argument("--window-h", type=hours_within_a_day, default=2.0, metavar="H",
                       help="length of an offered window in hours (default: 2)")
    slots.add_argument("--days", type=positive_int, default=5, metavar="D",
                       help="working days of the plan to offer from (default: 5)")
    slots.add_argument("--book", type=positive_int, metavar="N",
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

    check = commands.add_parser(
        "check", help="validate a scenario's inputs without solving",
        description="Load SCENARIO and report every problem that `fsopt solve` would refuse "
                    "(all at once), without solving: the files, and then the places: "
                    "addresses are geocoded as for a solve (cached; a technician home not "
                    "found is an error) and, on road sources, every order, home and shift "
                    "place must lie within [travel] max_snap_m of a road. Exit code 0 if "
                    "the scenario can be solved, 2 if not.")
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
    compare.add_argument("--time-limit", type=time_limit_s, metavar="S", dest="time_limit_s")
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
    replan.add_argument("--time-limit", type=time_limit_s, metavar="S", dest="time_limit_s",
                        help="search seconds (default: 6, or 5 per 100 open orders on a "
                             "larger day, at most the scenario's time_limit_s)")
    replan.add_argument("--solution-limit", type=positive_int, metavar="N")
    replan.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder (default: the published schedule's folder, "
                             "so technicians' links stay the same)")

    sweep = commands.add_parser(
        "sweep", help="solve a grid of what-ifs on a Dask cluster",
        description="Solve every combination of the --grid axes applied to SCENARIO and write "
                    "one tidy row per run (sweep.csv or .parquet) plus sweep.html. Axes: "
                    "technicians (count), demand_pct (extra orders, in %), speed_factor.",
        epilog="Runs on a local cluster of --workers processes, or on an existing Dask "
               "cluster given by --scheduler or the FSOPT_SCHEDULER environment variable.")
    sweep.add_argument("scenario", type=Path)
    sweep.add_argument("--grid", action="append", required=True, metavar="AXIS=VALUES",
                       help="e.g. technicians=8:14 or demand_pct=0,20,40 (repeatable; an "
                            "axis given twice takes the values of both)")
    sweep.add_argument("--time-limit", type=time_limit_s, metavar="S", dest="time_limit_s")
    sweep.add_argument("--solution-limit", type=positive_int, metavar="N")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://host:8786 (default: $FSOPT_SCHEDULER, "
                            "else a local cluster)")
    sweep.add_argument("--workers", type=positive_int, default=2,
                       help="processes of the local cluster (default 2)")
    sweep.add_argument("--format", choices=("csv", "parquet"), default="csv")
    sweep.add_argument("--out", type=Path, metavar="DIR")
    return parser
