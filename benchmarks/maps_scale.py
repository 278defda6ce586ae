"""Size and load time of the dispatcher overview on a synthetic day of 300 and 1,000 stops.

Usage::

    python benchmarks/maps_scale.py [--sizes 300,1000] [--runs 3] [--out /tmp/maps-scale]

For each size it builds a made-up day in Liechtenstein (:func:`synthetic_day`: stops
spread over the valley, technicians' homes up to ~25 km out, a lunch per route, a
late visit in every 15, some unassigned orders), draws the offline background from
the bundled extract (``scenarios/liechtenstein``), writes the pages with
:func:`optimizer.maps.render_maps`, and opens ``overview.html`` in headless Chromium
(``/usr/bin/chromium``) from ``file://`` with every other request aborted (no
tiles). It reports the page sizes and the time from navigation until the page
script has set ``data-ready`` (all markers built, clustered, fitted), the median of
``--runs``. The figures in docs/maps.md come from here; tests assert only behaviour.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.model import (  # noqa: E402
    Location,
    Priority,
    Problem,
    ReasonCode,
    Route,
    Schedule,
    ScheduledBreak,
    Shift,
    SolveMeta,
    Stop,
    Technician,
    TimeWindow,
    Unassigned,
    WorkOrder,
)

EXTRACT = REPO / "scenarios" / "liechtenstein" / "liechtenstein-2021-01.osm.bz2"
TZ = "Europe/Vaduz"
DAY = date(2026, 3, 10)
#: Where the stops fall: the Rhine valley of Liechtenstein (south, west, north, east).
AREA = (47.06, 9.49, 47.24, 9.58)
TECHS_FOR = {300: 25, 1000: 70}


def _at(minutes: float) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, tzinfo=ZoneInfo(TZ)) + timedelta(minutes=minutes)


def _km(a: Location, b: Location) -> float:
    dy = (a.lat - b.lat) * 111.2
    dx = (a.lon - b.lon) * 111.2 * math.cos(math.radians(a.lat))
    return math.hypot(dx, dy)


def synthetic_day(n_stops: int, n_techs: int | None = None, *, seed: int = 1,
                  n_unassigned: int = 20) -> tuple[Problem, Schedule]:
    """A planned day of ``n_stops`` visits over ``n_techs`` technicians (straight-line legs).

    Each technician gets a contiguous sector of the area (stops sorted by angle around
    the centre), visits in nearest-neighbour order from 08:00 at 30 km/h, a 30-minute
    lunch after the visit that ends past 12:00, and every 15th visit starts after its SLA
    due time (late). Homes lie up to ~25 km outside the area.
    """
    rng = random.Random(seed)
    n_techs = n_techs or TECHS_FOR.get(n_stops, max(1, n_stops // 14))
    south, west, north, east = AREA
    centre = Location((south + north) / 2, (west + east) / 2)
    points = [Location(rng.uniform(south, north), rng.uniform(west, east), f"Weg {i}")
              for i in range(n_stops)]
    points.sort(key=lambda p: math.atan2(p.lat - centre.lat, p.lon - centre.lon))
    techs, shifts, orders, routes = [], [], [], []
    per = [n_stops // n_techs + (1 if t < n_stops % n_techs else 0) for t in range(n_techs)]
    k = 0
    priorities = (Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW, Priority.CRITICAL)
    for t in range(n_techs):
        angle = 2 * math.pi * t / n_techs
        home = Location(centre.lat + 0.2 * math.sin(angle), centre.lon + 0.25 * math.cos(angle),
                        f"Home {t}")
        tech_id = f"T{t + 1:02d}"
        techs.append(Technician(tech_id, f"Technician {t + 1}", frozenset(), home))
        shift = Shift(f"S{t + 1:02d}", tech_id, _at(7 * 60 + 30), _at(16 * 60 + 30), home, home)
        shifts.append(shift)
        todo = points[k:k + per[t]]
        k += per[t]
        here, clock, stops, breaks = home, 8 * 60.0, [], []
        while todo:
            nxt = min(todo, key=lambda p: _km(here, p))
            todo.remove(nxt)
            km = _km(here, nxt)
            travel = km / 30 * 60
            arrive = clock + travel
            start = arrive + (10 if rng.random() < 0.1 else 0)
            service = rng.choice((15, 20, 25))
            n = len(orders)
            due = _at(start - 20) if n % 15 == 7 else None
            window = (TimeWindow(_at(start - 60), _at(start + rng.choice((15, 90)))),)
            order = WorkOrder(f"W{n + 1:04d}", f"Customer {n + 1}", nxt, service,
                              priority=priorities[n % len(priorities)], time_windows=window,
                              sla_due=due)
            orders.append(order)
            late_s = 20 * 60 if due else 0
            stops.append(Stop(order.order_id, nxt, _at(arrive), _at(start), _at(start + service),
                              round((start - arrive) * 60), round(travel * 60),
                              round(km * 1000), late_s))
            clock = start + service
            if not breaks and clock >= 12 * 60:
                breaks.append(ScheduledBreak("lunch", _at(clock), _at(clock + 30)))
                clock += 30
            here = nxt
        back = _km(here, home)
        leave = _at(8 * 60 - stops[0].travel_s / 60) if stops else _at(8 * 60)
        routes.append(Route(tech_id, shift.shift_id, home, home, leave,
                            _at(clock + back / 30 * 60), tuple(stops), tuple(breaks),
                            round(back / 30 * 3600), round(back * 1000)))
    extra = [WorkOrder(f"U{i + 1:03d}", f"Open {i + 1}",
                       Location(rng.uniform(south, north), rng.uniform(west, east)), 30)
             for i in range(n_unassigned)]
    problem = Problem(f"synthetic-{n_stops}", DAY, TZ, tuple(orders + extra), tuple(techs),
                      tuple(shifts))
    meta = SolveMeta(seed, 0.0, None, "haversine", "synthetic", 0, 0.0, {})
    unassigned = tuple(Unassigned(o.order_id, "no technician has time left",
                                  ReasonCode.NO_TIME) for o in extra)
    return problem, Schedule(problem.name, DAY, TZ, tuple(routes), unassigned, meta)


def load_seconds(page_path: Path, runs: int) -> list[float]:
    """Seconds from ``goto`` until ``data-ready``, each in a fresh browser context."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                       else r.abort())
            started = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_selector(".fso-map[data-ready='1']", state="attached", timeout=60_000)
            times.append(time.perf_counter() - started)
            context.close()
        browser.close()
    return times


def main(argv: list[str] | None = None) -> int:
    from optimizer.geo.basemap import plan_box, read_basemap
    from optimizer.maps import render_maps

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/fsopt-maps-scale"))
    args = parser.parse_args(argv)
    print("stops techs  overview_MB  background_kB  timeline_kB  render_s  load_s(median, runs)")
    for size in (int(s) for s in args.sizes.split(",")):
        problem, schedule = synthetic_day(size)
        box = plan_box(o.location for o in problem.orders if o.location is not None)
        assert box is not None
        background = read_basemap(EXTRACT, box)
        out = args.out / str(size)
        started = time.perf_counter()
        render_maps(problem, schedule, out, background=background)
        render_s = time.perf_counter() - started
        bare = args.out / f"{size}-bare"
        render_maps(problem, schedule, bare)
        overview = out / "overview.html"
        bg_kb = (overview.stat().st_size - (bare / "overview.html").stat().st_size) / 1000
        times = load_seconds(overview, args.runs)
        print(f"{size:5d} {len(problem.technicians):5d}  {overview.stat().st_size / 1e6:10.2f}  "
              f"{bg_kb:13.0f}  {(out / 'timeline.html').stat().st_size / 1000:11.0f}  "
              f"{render_s:8.1f}  {statistics.median(times):.2f} "
              f"({', '.join(f'{t:.2f}' for t in times)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
