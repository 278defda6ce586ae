"""``fsopt``: a thin command line over :mod:`optimizer.api`.

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 no schedule could be made.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from optimizer import api
from optimizer.errors import OptimizerError
from optimizer.io.load import load_scenario
from optimizer.report.compare import METRICS
from optimizer.sweep import parse_axis

console = Console(stderr=True)
out = Console(soft_wrap=True)


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
    solve.add_argument("--time-limit", type=float, metavar="S", dest="time_limit_s",
                       help="search time in seconds (default: scenario.toml [solver])")
    solve.add_argument("--seed", type=int, help="seed recorded in the output")
    solve.add_argument("--solution-limit", type=int, metavar="N",
                       help="stop after N solutions (repeatable results)")
    solve.add_argument("--out", type=Path, metavar="DIR",
                       help="output folder (default: maps_output/<scenario name>)")
    solve.add_argument("--quiet", action="store_true", help="no progress or summary")

    verify = commands.add_parser(
        "verify", help="check a written schedule independently of the solver",
        description="Recompute SCHEDULE.json from its scenario and the travel matrix and "
                    "report every violated rule. Exit code 0 if valid, 3 if not.")
    verify.add_argument("schedule", type=Path, help="schedule.json written by `fsopt solve`")
    verify.add_argument("--scenario", type=Path,
                        help="scenario folder (default: the one recorded in the schedule)")

    geocode = commands.add_parser(
        "geocode", help="turn the orders' addresses into coordinates, for review",
        description="Geocode every order of SCENARIO that has an address but no lat/lon "
                    "(offline gazetteer from the scenario's OSM extract by default, or the "
                    "provider in scenario.toml [geocode]; cached). Writes "
                    "geocoded_work_orders.csv, which a dispatcher can correct and use as "
                    "work_orders.csv, and geocode_report.csv.")
    geocode.add_argument("scenario", type=Path)
    geocode.add_argument("--out", type=Path, metavar="DIR",
                         help="output folder (default: maps_output/<scenario name>)")

    check = commands.add_parser("check", help="validate a scenario's input files only")
    check.add_argument("scenario", type=Path)

    compare = commands.add_parser(
        "compare", help="solve a base scenario and what-ifs, and compare their KPIs",
        description="Solve BASE and each WHATIF with the same search settings, print a KPI "
                    "table with deltas against BASE, and write compare.html (table, charts, "
                    "orders that moved) and compare.csv.")
    compare.add_argument("base", type=Path, help="the base scenario folder")
    compare.add_argument("whatifs", type=Path, nargs="+", help="what-if scenario folders")
    compare.add_argument("--time-limit", type=float, metavar="S", dest="time_limit_s")
    compare.add_argument("--seed", type=int)
    compare.add_argument("--solution-limit", type=int, metavar="N")
    compare.add_argument("--out", type=Path, metavar="DIR",
                         help="output folder (default: maps_output/compare-<base name>)")

    replan = commands.add_parser(
        "replan", help="re-plan the rest of the day after events",
        description="Keep completed and in-progress visits, restart each technician from "
                    "where they are at --now, and re-optimise the rest while moving as few "
                    "promised orders as possible. Writes the new schedule and changes.csv.",
        epilog="EVENTS is a CSV or JSON file with an 'event' column: completed, in_progress, "
               "position, unavailable, new_order, cancelled or duration "
               "(see docs/replan.md).")
    replan.add_argument("schedule", type=Path, help="the published schedule.json")
    replan.add_argument("events", type=Path, help="events file (.csv or .json)")
    replan.add_argument("--now", required=True, help="HH:MM on the plan date, or a date-time")
    replan.add_argument("--freeze-min", type=float, default=0.0, metavar="MIN",
                        help="keep visits starting within MIN minutes of now as they are")
    replan.add_argument("--scenario", type=Path,
                        help="scenario folder (default: the one recorded in the schedule)")
    replan.add_argument("--time-limit", type=float, metavar="S", dest="time_limit_s")
    replan.add_argument("--solution-limit", type=int, metavar="N")
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
    sweep.add_argument("--time-limit", type=float, metavar="S", dest="time_limit_s")
    sweep.add_argument("--solution-limit", type=int, metavar="N")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://host:8786 (default: $FSOPT_SCHEDULER, "
                            "else a local cluster)")
    sweep.add_argument("--workers", type=int, default=2,
                       help="processes of the local cluster (default 2)")
    sweep.add_argument("--format", choices=("csv", "parquet"), default="csv")
    sweep.add_argument("--out", type=Path, metavar="DIR")
    return parser


def _solve(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    for warning in loaded.warnings:
        console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
    limit = args.time_limit_s or loaded.params.time_limit_s
    best = [float("inf")]
    with Progress(
        TextColumn("[bold]solving[/]"), BarColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"), console=console, disable=args.quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("solve", total=limit, status="building model")

        def on_solution(cost: float, elapsed_s: float, count: int) -> None:
            best[0] = min(best[0], cost)
            progress.update(task, completed=min(elapsed_s, limit),
                            status=f"{count} solutions, best cost {best[0]:,.2f}")

        def on_geocode(done: int, total: int) -> None:
            progress.update(task, status=f"geocoding {done}/{total}")

        result = api.solve_scenario(loaded, time_limit_s=args.time_limit_s, seed=args.seed,
                                    solution_limit=args.solution_limit, on_solution=on_solution,
                                    on_geocode=on_geocode)
    if result.geocoding is not None and not args.quiet:
        _geocode_summary(result.geocoding)
    paths = api.write(result, args.out)
    if not args.quiet:
        _summary(result)
        out.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    return 0


def _geocode(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    with Progress(TextColumn("[bold]geocoding[/]"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("geocode", total=None)
        problem, result = api.geocode(
            loaded, progress=lambda done, total: progress.update(task, completed=done,
                                                                   total=total))
    if result is None:
        out.print(f"{args.scenario}: every order and home already has lat/lon; nothing to geocode")
        return 0
    _geocode_summary(result)
    paths = api.write_geocoding(loaded, result, args.out or Path("maps_output") / problem.name)
    out.print(f"Wrote {paths['geocoded']} and {paths['report']}")
    return 0


def _geocode_summary(result) -> None:
    counts = Counter(row.status for row in result.report)
    out.print(f"Geocoded {len(result.report)} addresses with {result.provider}: "
              + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
              + f" ({result.requests} requests, {result.cache_hits} from cache)")
    flagged = [row for row in result.report if row.status != "ok"]
    if flagged:
        table = Table(title="Addresses to review")
        for column in ("order", "address", "status", "confidence", "matched / reason"):
            table.add_column(column)
        for row in flagged:
            table.add_row(row.order_id, row.query, row.status,
                          f"{row.confidence:.2f}" if row.confidence is not None else "",
                          row.matched_address or row.reason)
        out.print(table)


def _summary(result: api.PlanResult) -> None:
    k = result.schedule.kpis
    table = Table(title=f"{result.problem.name} — {result.problem.plan_date}", show_header=False)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    by_priority = ", ".join(f"{p} {n}" for p, n in k.scheduled_by_priority.items() if n)
    table.add_row("orders scheduled", f"{k.scheduled} / {k.orders_total} ({by_priority})")
    table.add_row("orders unassigned", str(k.unassigned))
    table.add_row("SLA on time", f"{k.sla_on_time} / {k.sla_orders} ({k.sla_on_time_pct:.1f}%)")
    table.add_row("travel", f"{k.travel_km:.1f} km, {k.travel_h:.2f} h")
    table.add_row("service", f"{k.service_h:.2f} h")
    table.add_row("overtime", f"{k.overtime_min:.0f} min")
    table.add_row("cost", f"{k.cost:,.2f} (travel {k.travel_cost:,.2f}, overtime "
                          f"{k.overtime_cost:,.2f}, SLA {k.sla_late_cost:,.2f})")
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

    if result.schedule.unassigned:
        orders = {o.order_id: o for o in result.problem.orders}
        missed = Table(title="Unassigned orders")
        for column in ("order", "priority", "reason"):
            missed.add_column(column)
        for item in result.schedule.unassigned:
            missed.add_row(item.order_id, orders[item.order_id].priority.value, item.reason)
        out.print(missed)


def _verify(args: argparse.Namespace) -> int:
    issues = api.verify_file(args.schedule, args.scenario)
    for issue in issues:
        out.print(f"[red]✗[/] {issue}")
    if issues:
        out.print(f"{len(issues)} violation(s)")
        return 3
    out.print("[green]✓[/] schedule is valid: every order once, all rules hold")
    return 0


def _check(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    for warning in loaded.warnings:
        console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
    p = loaded.problem
    out.print(f"{args.scenario}: OK — {len(p.orders)} orders, {len(p.technicians)} technicians, "
              f"{len(p.shifts)} shifts on {p.plan_date}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    with console.status("solving") as status:
        def solved(result: api.PlanResult) -> None:
            status.update(f"solved {result.problem.name}")
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
        cells = [f"{base[key]:g}"]
        for row in comparison.rows[1:]:
            delta = row[key] - base[key]
            colour = "" if abs(delta) < 1e-9 else (
                "green" if (delta > 0) == better_high else "red")
            cells.append(f"{row[key]:g}" + (f" [{colour}]({delta:+g})[/]" if colour else ""))
        table.add_row(f"{label}{f' ({unit})' if unit else ''}", *cells)
    out.print(table)
    for name, changes in zip(names[1:], comparison.changes, strict=True):
        counts = Counter(c.status for c in changes)
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no order changed hands"
        out.print(f"{name}: {summary}")
    out_dir = args.out or Path("maps_output") / f"compare-{names[0]}"
    path = api.write_comparison(comparison, out_dir)
    out.print(f"Wrote {path} and {path.with_suffix('.csv')}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    axes = dict(parse_axis(text) for text in args.grid)
    total = 1
    for values in axes.values():
        total *= len(values)
    with Progress(TextColumn("[bold]sweep[/]"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[last]}"),
                  console=console) as progress:
        task = progress.add_task("sweep", total=total, last="starting cluster")

        def on_row(row: dict, done: int, total: int) -> None:
            last = (f"{row['run']}: {row['status']}" if row["status"] != "ok" else
                    f"{row['run']}: {row['unassigned']:g} unassigned, {row['travel_km']:g} km")
            progress.update(task, completed=done, last=last)
            if row["status"] != "ok":
                console.print(f"[red]run failed[/] {row['run']}: {row['error']}", soft_wrap=True)

        rows = api.sweep(args.scenario, axes, time_limit_s=args.time_limit_s,
                         solution_limit=args.solution_limit, scheduler=args.scheduler,
                         n_workers=args.workers, on_row=on_row)
    name = load_scenario(args.scenario).problem.name
    paths = api.write_sweep(rows, list(axes), args.out or Path("maps_output") / f"sweep-{name}",
                            fmt=args.format)
    failed = sum(r["status"] != "ok" for r in rows)
    out.print(f"{len(rows) - failed} runs ok, {failed} failed. Wrote {paths['table']} and "
              f"{paths['report']}")
    return 0


def _replan(args: argparse.Namespace) -> int:
    with console.status("re-planning") as status:
        def on_solution(cost: float, elapsed_s: float, count: int) -> None:
            status.update(f"re-planning: {count} solutions, cost {cost:,.2f}, {elapsed_s:.1f} s")
        result = api.replan(args.schedule, args.events, args.now, scenario=args.scenario,
                            freeze_min=args.freeze_min, time_limit_s=args.time_limit_s,
                            solution_limit=args.solution_limit, on_solution=on_solution)
    changes = result.changes
    table = Table(title=f"Changes at {result.prepared.now:%H:%M}")
    for column in ("order", "change", "from", "to", "old start", "new start", "reason"):
        table.add_column(column)
    for c in changes.orders:
        if c.status in ("kept", "completed"):
            continue
        table.add_row(c.order_id, c.status, c.old_tech or "", c.new_tech or "",
                      f"{c.old_start:%H:%M}" if c.old_start else "",
                      f"{c.new_start:%H:%M}" if c.new_start else "", c.reason)
    out.print(table)
    counts = Counter(c.status for c in changes.orders)
    out.print(", ".join(f"{n} {s}" for s, n in counts.items()))
    out.print(f"Technicians whose page changed: {', '.join(changes.changed_techs) or 'none'}")
    for warning in changes.warnings:
        console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)
    paths = api.write_replan(result, args.out or args.schedule.parent)
    out.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handlers = {"solve": _solve, "verify": _verify, "check": _check, "geocode": _geocode,
                "compare": _compare,
                "sweep": _sweep, "replan": _replan}
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
