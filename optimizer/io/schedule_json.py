"""Schedule <-> JSON. The format is documented in docs/schedule-format.md."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from optimizer.errors import InputError
from optimizer.model import (
    Kpis,
    Location,
    Route,
    Schedule,
    ScheduledBreak,
    SolveMeta,
    Stop,
    TechnicianKpis,
    Unassigned,
)

FORMAT_VERSION = 1


def _location(p: Location) -> dict[str, Any]:
    return {"lat": p.lat, "lon": p.lon, "address": p.address}


def _stop(s: Stop) -> dict[str, Any]:
    return {
        "order_id": s.order_id, "location": _location(s.location),
        "arrival": s.arrival.isoformat(), "start": s.start.isoformat(), "end": s.end.isoformat(),
        "wait_s": s.wait_s, "travel_s": s.travel_s, "distance_m": s.distance_m,
        "sla_late_s": s.sla_late_s,
    }


def _route(r: Route) -> dict[str, Any]:
    return {
        "tech_id": r.tech_id, "shift_id": r.shift_id,
        "start_location": _location(r.start_location), "end_location": _location(r.end_location),
        "start": r.start.isoformat(), "end": r.end.isoformat(),
        "travel_s": r.travel_s, "distance_m": r.distance_m,
        "return_travel_s": r.return_travel_s, "return_distance_m": r.return_distance_m,
        "overtime_s": r.overtime_s,
        "breaks": [{"kind": b.kind, "start": b.start.isoformat(), "end": b.end.isoformat()}
                   for b in r.breaks],
        "stops": [_stop(s) for s in r.stops],
    }


def to_dict(schedule: Schedule) -> dict[str, Any]:
    """A JSON-ready dict of ``schedule`` (road geometry is not included)."""
    return {
        "format_version": FORMAT_VERSION,
        "scenario": schedule.problem_name,
        "plan_date": schedule.plan_date.isoformat(),
        "timezone": schedule.timezone,
        "meta": {**asdict(schedule.meta), "versions": dict(schedule.meta.versions)},
        "kpis": _kpis(schedule.kpis) if schedule.kpis else None,
        "routes": [_route(r) for r in schedule.routes],
        "unassigned": [{"order_id": u.order_id, "reason": u.reason} for u in schedule.unassigned],
    }


def _kpis(k: Kpis) -> dict[str, Any]:
    data = asdict(k)
    data["scheduled_by_priority"] = dict(k.scheduled_by_priority)
    data["unassigned_by_priority"] = dict(k.unassigned_by_priority)
    return data


def write_json(schedule: Schedule, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_dict(schedule), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def from_dict(data: dict[str, Any]) -> Schedule:
    """Rebuild a :class:`Schedule` from :func:`to_dict` output."""
    def loc(d):
        return Location(float(d["lat"]), float(d["lon"]), d.get("address", ""))

    def ts(value):
        return datetime.fromisoformat(value)

    routes = tuple(
        Route(
            tech_id=r["tech_id"], shift_id=r["shift_id"],
            start_location=loc(r["start_location"]), end_location=loc(r["end_location"]),
            start=ts(r["start"]), end=ts(r["end"]),
            stops=tuple(Stop(
                order_id=s["order_id"], location=loc(s["location"]), arrival=ts(s["arrival"]),
                start=ts(s["start"]), end=ts(s["end"]), wait_s=int(s["wait_s"]),
                travel_s=int(s["travel_s"]), distance_m=int(s["distance_m"]),
                sla_late_s=int(s.get("sla_late_s", 0)),
            ) for s in r["stops"]),
            breaks=tuple(ScheduledBreak(b["kind"], ts(b["start"]), ts(b["end"]))
                         for b in r.get("breaks", [])),
            return_travel_s=int(r.get("return_travel_s", 0)),
            return_distance_m=int(r.get("return_distance_m", 0)),
            overtime_s=int(r.get("overtime_s", 0)),
        )
        for r in data["routes"]
    )
    kpis = None
    if data.get("kpis"):
        k = dict(data["kpis"])
        k["technicians"] = tuple(TechnicianKpis(**t) for t in k["technicians"])
        kpis = Kpis(**k)
    return Schedule(
        problem_name=data["scenario"],
        plan_date=date.fromisoformat(data["plan_date"]),
        timezone=data["timezone"],
        routes=routes,
        unassigned=tuple(Unassigned(u["order_id"], u["reason"]) for u in data["unassigned"]),
        meta=SolveMeta(**data["meta"]),
        kpis=kpis,
    )


def read_json(path: Path) -> Schedule:
    """Read a schedule written by :func:`write_json`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise InputError(f"{path}: format_version={data.get('format_version')!r}, "
                             f"expected {FORMAT_VERSION}")
        return from_dict(data)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not a schedule written by fsopt ({exc!r})") from None
