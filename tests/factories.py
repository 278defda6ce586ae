"""Tiny hand-checkable problems with explicit travel matrices."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.model import (
    Break,
    Location,
    Priority,
    Problem,
    Shift,
    Technician,
    TimeWindow,
    TravelMatrix,
    WorkOrder,
)
from optimizer.params import SolveParams

PLAN_DATE = date(2026, 12, 1)
TZ = ZoneInfo("Europe/Vaduz")
#: Deterministic, quick searches for tests.
FAST = SolveParams(time_limit_s=1, solution_limit=50)


def at(hhmm: str) -> datetime:
    """A time of day on the test plan date."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(PLAN_DATE, time(0), tzinfo=TZ) + timedelta(hours=hours, minutes=minutes)


def point(k: int) -> Location:
    """Point number ``k`` (only its identity matters: the matrix is explicit)."""
    return Location(47.0 + k / 100, 9.5, f"Point {k}")


def line_matrix(n: int, minutes_per_step: float = 10.0) -> TravelMatrix:
    """Points 0..n-1 on a line: travel |i-j| steps of ``minutes_per_step``, 1 km each."""
    idx = np.arange(n)
    steps = np.abs(idx[:, None] - idx[None, :])
    return TravelMatrix(
        points=tuple(point(k) for k in range(n)),
        travel_s=(steps * minutes_per_step * 60).astype(np.int64),
        distance_m=(steps * 1000).astype(np.int64),
        source="explicit",
    )


def order(order_id: str, k: int, service_min: float = 30, **kw) -> WorkOrder:
    return WorkOrder(order_id=order_id, customer=f"Customer {order_id}", location=point(k),
                     service_min=service_min, **kw)


def window(start: str, end: str) -> TimeWindow:
    return TimeWindow(at(start), at(end))


def tech(tech_id: str, skills=("hvac",), **kw) -> Technician:
    return Technician(tech_id=tech_id, name=tech_id.title(), skills=frozenset(skills),
                      home=point(0), **kw)


def shift(tech_id: str, start="08:00", end="17:00", home: int = 0, lunch=None, **kw) -> Shift:
    breaks = ()
    if lunch:
        earliest, latest, minutes = lunch
        breaks = (Break(at(earliest), at(latest), minutes),)
    return Shift(tech_id, tech_id, at(start), at(end), point(home), point(home), breaks, **kw)


def problem(orders, techs, shifts, **kw) -> Problem:
    return Problem(name="tiny", plan_date=PLAN_DATE, timezone="Europe/Vaduz",
                   orders=tuple(orders), technicians=tuple(techs), shifts=tuple(shifts), **kw)


__all__ = ["FAST", "Priority", "at", "line_matrix", "order", "point", "problem", "shift",
           "tech", "window"]


#: The test data folder, its tiny scenario, and the bundled scenarios.
TINY = Path(__file__).parent / "data" / "tiny"
SCENARIOS = Path(__file__).parents[1] / "scenarios"
#: A scenario.toml's [scenario] table for the tiny scenario.
TOML_HEAD = '[scenario]\nname = "tiny"\nplan_date = "2026-12-01"\ntimezone = "Europe/Vaduz"\n'


def tiny_with_toml(tmp_path: Path, toml: str) -> Path:
    """A copy of the tiny scenario under ``tmp_path`` with ``toml`` as its scenario.toml."""
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    return folder


def load_problems(folder: Path) -> list[str]:
    """The problems loading ``folder`` reports (it must fail)."""
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    return info.value.problems
