"""Schedule -> files: schedule.json, stops.csv, unassigned.csv, kpis_by_technician.csv."""

from __future__ import annotations

import csv
from pathlib import Path

from optimizer.io.schedule_json import write_json
from optimizer.model import Problem, Schedule

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
        writer = csv.writer(fh)
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
        writer = csv.writer(fh)
        writer.writerow(("order_id", "customer", "priority", "reason"))
        for item in schedule.unassigned:
            order = orders[item.order_id]
            writer.writerow((item.order_id, order.customer, order.priority.value, item.reason))

    if schedule.kpis is not None:
        paths["technicians"] = out_dir / "kpis_by_technician.csv"
        with paths["technicians"].open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            fields = ("tech_id", "orders", "service_h", "travel_h", "travel_km", "shift_h",
                      "utilisation_pct", "overtime_min", "cost")
            writer.writerow(fields)
            for t in schedule.kpis.technicians:
                writer.writerow([getattr(t, f) for f in fields])
    return paths
