"""The handlers of the ``fsopt`` commands: each imports what it needs when it runs, so
that `fsopt --help` and a mistyped command answer at once, without loading the solver,
pandas or the maps."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from optimizer.cli.summaries import geocode_summary, plan_summary
from optimizer.cli.terminal import PlainProgress, console, out, plain_progress, warn
from optimizer.errors import InputError

if TYPE_CHECKING:
    from optimizer.results import PlanResult


def _solve(args: argparse.Namespace) -> int:
    from optimizer import outputs
    from optimizer.io.load import load_scenario

    if args.seed is not None and args.solution_limit is None and not args.quiet:
        console.print("fsopt solve: note: --seed alone does not make runs repeatable (the "
                      "time limit stops the search at a different point each run); add "
                      "--solution-limit N for the same plan every time, or --previous "
                      "schedule.json to keep an earlier plan")
    with plain_progress("fsopt solve", args.quiet) as plain:
        plain.stage("loading the scenario")
        loaded = load_scenario(args.scenario)
        for warning in loaded.warnings:
            warn(warning)
        result = _solve_with_progress(args, loaded, plain)
        if result.geocoding is not None and not args.quiet:
            geocode_summary(result.geocoding)
        plain.stage("writing the schedule and maps")
        paths = outputs.write(result, args.out)
        plain.stage("done")
    if not args.quiet:
        plan_summary(result)
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
    for warning in loaded.warnings:
        warn(warning)
    with plain_progress("fsopt geocode") as plain, Progress(
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
    geocode_summary(result)
    paths = outputs.write_geocoding(loaded, result,
                                    args.out or outputs.default_folder(problem.name))
    out.print(f"Wrote {paths['geocoded']} and {paths['report']}")
    return 0


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
    from optimizer import api
    from optimizer.io.load import load_scenario

    loaded = load_scenario(args.scenario)
    for warning in loaded.warnings:
        warn(warning)
    with plain_progress("fsopt check") as plain:
        plain.stage("geocoding and checking the places against the roads")
        report = api.check_places(loaded, progress=lambda done, total: plain.update(
            f"{done}/{total} addresses"))
    p = loaded.problem
    roads = (f"; every place within {p.travel.max_snap_m:g} m of a road"
             if p.travel.source.roads else "")
    review = f"; {len(report.review)} address(es) need review" if report and report.review \
        else ""
    out.print(f"{args.scenario}: OK — {len(p.orders)} orders, {len(p.technicians)} technicians, "
              f"{len(p.shifts)} shifts on {p.plan_date}"
              + (f" to {p.end_date} ({p.days} days)" if p.days > 1 else "") + roads + review)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from optimizer import api, outputs
    from optimizer.report.compare import METRICS, number_text

    total = 1 + len(args.whatifs)
    with plain_progress("fsopt compare") as plain, console.status("solving") as status:
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
    out_dir = args.out or outputs.default_folder(comparison.results[0].problem.name, "compare-")
    path = outputs.write_comparison(comparison, out_dir)
    out.print(f"Wrote {path} and {path.with_suffix('.csv')}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from optimizer import api, outputs
    from optimizer.io.load import load_scenario
    from optimizer.sweeps import parse_axis

    axes, problems = {}, []
    for text in args.grid:  # every bad axis at once
        try:
            name, values = parse_axis(text)
            # an axis given twice has the values of both (the last one alone was kept)
            axes[name] = list(dict.fromkeys([*axes.get(name, []), *values]))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    total = 1
    for values in axes.values():
        total *= len(values)
    with plain_progress("fsopt sweep") as plain, Progress(
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

    with plain_progress("fsopt replan") as plain, console.status("re-planning") as status:
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
        warn(warning)
    out.print(f"Wrote {', '.join(str(p) for p in paths.values())}")
    return 0


def _anonymise(args: argparse.Namespace) -> int:
    from optimizer import api

    left_out: list = []
    written = api.anonymise(args.scenario, args.out, left_out=left_out)
    out.print(f"Wrote {len(written)} files into {args.out}; check them before sharing "
              "(addresses and coordinates are kept)")
    if left_out:
        out.print(f"Left out {len(left_out)} file(s) that are not scenario data and may hold "
                  f"names: {', '.join(p.name for p in left_out)}")
    return 0


#: The handler of each command.
HANDLERS = {"solve": _solve, "verify": _verify, "check": _check, "geocode": _geocode,
            "slots": _slots, "compare": _compare, "sweep": _sweep, "replan": _replan,
            "anonymise": _anonymise}
