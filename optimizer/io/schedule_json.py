"""Schedule <-> JSON. The format is documented in docs/schedule-format.md.

Format 2 (format 1 files still read):

* ``meta.scenario`` is the scenario folder relative to the schedule's own
  folder (so ``fsopt verify`` works from any directory, and after the output
  folder and the repository move together); ``meta.scenario_absolute`` is the
  same folder as an absolute path, tried when the relative one is not found.
  Format 1 recorded the folder as typed, relative to the directory of the solve.
* A re-planned schedule has a ``replan`` section (see :class:`ReplanRecord`):
  ``now``, ``freeze_min``, the events, what was settled, and the published
  schedule it started from, embedded with its own ``replan`` section, so that
  the verifier can rebuild the re-planned problem.

Times are read back in the scenario's time zone (``zoneinfo``), not as the fixed
UTC offsets written, so that arithmetic across a daylight-saving change is exact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.errors import InputError
from optimizer.model import (
    Kpis,
    Location,
    ReasonCode,
    ResponseKpis,
    Route,
    Schedule,
    ScheduledBreak,
    SolveMeta,
    Stop,
    TechnicianKpis,
    Unassigned,
)
from optimizer.replan_events import Event

FORMAT_VERSION = 2
#: Versions :func:`read_json` accepts.
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True, slots=True)
class ReplanRecord:
    """What a re-planned schedule was planned from: enough to rebuild its problem.

    ``published`` is the schedule the re-plan started from and ``before`` its own
    record when it was itself a re-plan (None for a plan made by ``fsopt solve``).
    ``frozen`` maps each completed or in-progress order to its status.
    """

    now: datetime
    freeze_min: float
    events: tuple[Event, ...]
    published: Schedule
    before: ReplanRecord | None = None
    frozen: Mapping[str, str] = field(default_factory=dict)
    cancelled: tuple[str, ...] = ()


def _location(p: Location) -> dict[str, Any]:
    return {"lat": p.lat, "lon": p.lon, "address": p.address}


def _stop(s: Stop) -> dict[str, Any]:
    return {
        "order_id": s.order_id, "location": _location(s.location),
        "arrival": s.arrival.isoformat(), "start": s.start.isoformat(), "end": s.end.isoformat(),
        "wait_s": s.wait_s, "travel_s": s.travel_s, "distance_m": s.distance_m,
        "sla_late_s": s.sla_late_s, "late_days": s.late_days, "overhead_s": s.overhead_s,
        **({"geocode_error_m": s.geocode_error_m} if s.geocode_error_m is not None else {}),
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


def to_dict(schedule: Schedule, *, folder: Path | None = None,
            replan: ReplanRecord | None = None) -> dict[str, Any]:
    """A JSON-ready dict of ``schedule`` (road geometry is not included).

    ``folder`` is where the file goes: the scenario folder is recorded relative
    to it (and absolute). ``replan`` adds the section of a re-planned schedule.
    """
    meta = {**asdict(schedule.meta), "versions": dict(schedule.meta.versions)}
    if schedule.meta.scenario:
        absolute = Path(schedule.meta.scenario).resolve()
        meta["scenario"] = Path(os.path.relpath(absolute, Path(folder or ".").resolve())
                                ).as_posix()
        meta["scenario_absolute"] = absolute.as_posix()
    data = {
        "format_version": FORMAT_VERSION,
        "scenario": schedule.problem_name,
        "plan_date": schedule.plan_date.isoformat(),
        "timezone": schedule.timezone,
        "meta": meta,
        "kpis": _kpis(schedule.kpis) if schedule.kpis else None,
        "routes": [_route(r) for r in schedule.routes],
        "unassigned": [{"order_id": u.order_id, "code": str(u.code), "reason": u.reason}
                       for u in schedule.unassigned],
    }
    if replan is not None:
        data["replan"] = _replan(replan, folder)
    return data


def _replan(record: ReplanRecord, folder: Path | None) -> dict[str, Any]:
    from optimizer.io.events import event_to_dict

    return {
        "now": record.now.isoformat(),
        "freeze_min": record.freeze_min,
        "events": [event_to_dict(e) for e in record.events],
        "frozen": [{"order_id": k, "status": v} for k, v in record.frozen.items()],
        "cancelled": list(record.cancelled),
        "published": to_dict(record.published, folder=folder, replan=record.before),
    }


def _kpis(k: Kpis) -> dict[str, Any]:
    data = asdict(k)
    data["scheduled_by_priority"] = dict(k.scheduled_by_priority)
    data["unassigned_by_priority"] = dict(k.unassigned_by_priority)
    return data


def write_json(schedule: Schedule, path: Path, *, replan: ReplanRecord | None = None) -> Path:
    """Write ``schedule`` (and the ``replan`` section of a re-plan) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = to_dict(schedule, folder=path.parent, replan=replan)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _scenario_folder(meta: dict[str, Any], version: int, folder: Path | None) -> str:
    """The recorded scenario folder as a path that works from here (see the module doc)."""
    recorded = meta.get("scenario", "")
    if not recorded:
        return ""
    if version == 1:
        # relative to the directory of the solve, unknown now: try here, then the file's folder
        candidates = [Path(recorded)] + ([folder / recorded] if folder is not None else [])
    else:
        candidates = [Path(os.path.normpath((folder or Path(".")) / recorded))]
        if meta.get("scenario_absolute"):
            candidates.append(Path(meta["scenario_absolute"]))
    for candidate in candidates:
        if candidate.is_dir():
            return str(candidate)
    return str(candidates[0])


def from_dict(data: dict[str, Any], *, folder: Path | None = None) -> Schedule:
    """Rebuild a :class:`Schedule` from :func:`to_dict` output.

    ``folder`` is the folder of the file, against which the scenario path resolves.
    """
    tz = ZoneInfo(data["timezone"])

    def loc(d):
        return Location(float(d["lat"]), float(d["lon"]), d.get("address", ""))

    def ts(value):
        return datetime.fromisoformat(value).astimezone(tz)

    routes = tuple(
        Route(
            tech_id=r["tech_id"], shift_id=r["shift_id"],
            start_location=loc(r["start_location"]), end_location=loc(r["end_location"]),
            start=ts(r["start"]), end=ts(r["end"]),
            stops=tuple(Stop(
                order_id=s["order_id"], location=loc(s["location"]), arrival=ts(s["arrival"]),
                start=ts(s["start"]), end=ts(s["end"]), wait_s=int(s["wait_s"]),
                travel_s=int(s["travel_s"]), distance_m=int(s["distance_m"]),
                sla_late_s=int(s.get("sla_late_s", 0)), late_days=int(s.get("late_days", 0)),
                geocode_error_m=(float(s["geocode_error_m"])
                                 if s.get("geocode_error_m") is not None else None),
                overhead_s=int(s.get("overhead_s", 0)),
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
        if k.get("response") is not None:
            k["response"] = tuple(ResponseKpis(**r) for r in k["response"])
        kpis = Kpis(**k)
    meta = {k: v for k, v in data["meta"].items() if k != "scenario_absolute"}
    version = int(data.get("format_version", FORMAT_VERSION))
    meta["scenario"] = _scenario_folder(data["meta"], version, folder)
    return Schedule(
        problem_name=data["scenario"],
        plan_date=date.fromisoformat(data["plan_date"]),
        timezone=data["timezone"],
        routes=routes,
        unassigned=tuple(Unassigned(u["order_id"], u["reason"], _code(u.get("code")))
                         for u in data["unassigned"]),
        meta=SolveMeta(**meta),
        kpis=kpis,
    )


def _code(value: str | None) -> ReasonCode:
    """An unassigned order's code; ``UNKNOWN`` when the file has none (written before codes
    existed) or one this version does not know (written by a newer one)."""
    try:
        return ReasonCode(value)
    except ValueError:
        return ReasonCode.UNKNOWN


def replan_from_dict(data: dict[str, Any], *, folder: Path | None = None
                     ) -> ReplanRecord | None:
    """The :class:`ReplanRecord` of a schedule dict, or None for a plan made by a solve."""
    from optimizer.io.events import event_from_dict

    section = data.get("replan")
    if not section:
        return None
    tz = ZoneInfo(data["timezone"])
    published = section["published"]
    return ReplanRecord(
        now=datetime.fromisoformat(section["now"]).astimezone(tz),
        freeze_min=float(section["freeze_min"]),
        events=tuple(event_from_dict(e, tz) for e in section["events"]),
        published=from_dict(published, folder=folder),
        before=replan_from_dict(published, folder=folder),
        frozen={f["order_id"]: f["status"] for f in section.get("frozen", [])},
        cancelled=tuple(section.get("cancelled", [])),
    )


def read_document(path: Path) -> tuple[Schedule, ReplanRecord | None]:
    """Read a schedule written by :func:`write_json`, with its re-plan record if any."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format_version") not in READABLE_VERSIONS:
            version = data.get("format_version") if isinstance(data, dict) else None
            raise InputError(f"{path}: format_version={version!r}, expected one of "
                             f"{', '.join(map(str, READABLE_VERSIONS))}")
        return from_dict(data, folder=path.parent), replan_from_dict(data, folder=path.parent)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: not a schedule written by fsopt ({exc!r})") from None


def read_json(path: Path) -> Schedule:
    """Read a schedule written by :func:`write_json`."""
    return read_document(path)[0]
