#!/usr/bin/env python3
"""Build the Liechtenstein demo week: ``work_orders.csv`` and ``shifts.csv``.

The same 10 technicians as the one-day demo (``technicians.csv`` is a copy of
``../liechtenstein/technicians.csv``) over Monday 14 to Friday 18 December 2026.
300 orders at real addresses of the OpenStreetMap extract of the day demo
(© OpenStreetMap contributors, ODbL 1.0, see ../liechtenstein/ATTRIBUTION.md):
240 called in during the week (a backlog of 64 on Monday, 40 to 48 on the other days;
each from its day on, due that day or one or two days later, some with a 2-hour
appointment on a named day), so that Monday's surplus rolls over, and 60
preventive maintenance visits of low priority that may happen on any day of the
week. Standard library only and seeded, so two runs give byte-identical files:

    python scenarios/liechtenstein-week/make_week.py
"""

import csv
import importlib.util
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_demo", HERE.parent / "liechtenstein" /
                                               "make_demo.py")
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)

MONDAY = date(2026, 12, 14)
DAYS = [MONDAY + timedelta(days=k) for k in range(5)]
CALLS = [64, 48, 44, 44, 40]  # orders called in each day (Monday: the weekend's backlog)
PREVENTIVE = 60
SKILLS = {"hvac": 10, "plumbing": 9, "electrical": 9, "appliance": 6, "gas": 4, "heat_pump": 3,
          "": 7}
SERVICE_MIN = {20: 8, 30: 15, 45: 13, 60: 8, 90: 4}
PRIORITIES = {"critical": 2, "high": 8, "normal": 26, "low": 12}
DUE_AFTER = {"critical": 0, "high": 0, "normal": 1, "low": 2}  # days after the call
WINDOWS = ["08:00-10:00", "10:00-12:00", "13:00-15:00", "14:00-16:00"]
# Friday afternoon off for two technicians: their Friday shift ends at noon, no lunch.
FRIDAY_OFF = {"T02": "08:00", "T06": "08:00"}


def weighted(counts: dict, rng: random.Random):
    keys = list(counts)
    return rng.choices(keys, weights=[counts[k] for k in keys])[0]


def main() -> None:
    rng = random.Random(2612)
    addresses = [a for a in demo.read_addresses(demo.OSM_FILE) if demo.in_liechtenstein(a)]
    pools = demo.postal_pools(addresses)
    # the valley and Triesenberg: the mountain hamlets east of 9.58° lie far from a road
    sites = [a for pool in pools.values() for a in pool if a["lon"] < 9.58]
    rng.shuffle(sites)
    sites = sites[:sum(CALLS) + PREVENTIVE]
    called = [day for day, n in zip(DAYS, CALLS, strict=True) for _ in range(n)]
    orders = []
    for n, site in enumerate(sites, start=1):
        surname = rng.choice(demo.SURNAMES)
        customer = (f"Familie {surname}" if rng.random() < 0.4
                    else f"{rng.choice(demo.FIRST_NAMES)} {surname}")
        row = {"order_id": f"WK-{n:03d}", "customer": customer, "address": site["address"],
               "lat": demo.six(site["lat"]), "lon": demo.six(site["lon"])}
        if n <= len(called):
            day = called[n - 1]
            prio = weighted(PRIORITIES, rng)
            window = ""
            if prio in ("normal", "low") and rng.random() < 0.2:
                window = f"{day.isoformat()} {rng.choice(WINDOWS)}"
            row |= {"service_min": weighted(SERVICE_MIN, rng),
                    "required_skills": weighted(SKILLS, rng), "priority": prio,
                    "time_windows": window, "earliest_date": day.isoformat(),
                    "due_date": (day + timedelta(days=DUE_AFTER[prio])).isoformat(),
                    "notes": ""}
        else:
            row |= {"service_min": rng.choice([45, 60, 60, 90]),
                    "required_skills": rng.choice(["hvac", "heat_pump", "gas", "hvac"]),
                    "priority": "low", "time_windows": "",
                    "earliest_date": DAYS[0].isoformat(), "due_date": DAYS[-1].isoformat(),
                    "notes": "Preventive maintenance (any day this week)"}
        orders.append(row)
    with open(HERE / "work_orders.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(orders[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(orders)
    with open(HERE / "shifts.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["tech_id", "date", "shift_start", "shift_end"])
        for tech_id, start in FRIDAY_OFF.items():
            writer.writerow([tech_id, DAYS[-1].isoformat(), start, "12:00"])
    total = sum(int(o["service_min"]) for o in orders)
    print(f"wrote {len(orders)} orders ({PREVENTIVE} preventive), {total / 60:.1f} service hours")


if __name__ == "__main__":
    main()
