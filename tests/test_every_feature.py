"""Every feature at once, through every command that writes a schedule.

tests/data/every_feature is a tiny offline scenario of three days that uses them all:
parking at every stop and a morning peak, soft territories (hard in the what-if
every_feature_hard, which also changes a shift on every day), a remote order, parts
that arrive late (one after the horizon), created_at, earliest and due dates, workload
balance with min/max work, lunches and absences (one covering a whole day). Each
command's schedule.json must pass `fsopt verify`, hold every order exactly once with a
true reason, and carry KPIs that agree with its routes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from optimizer import api, outputs
from optimizer.cli import main
from optimizer.model import ReasonCode

DATA = Path(__file__).parent / "data"
ORDERS = {f"A{k}" for k in range(1, 15)}


@pytest.fixture
def scenario(tmp_path) -> Path:
    """A copy (slots --book writes bookings.csv into the scenario folder)."""
    folder = tmp_path / "every_feature"
    shutil.copytree(DATA / "every_feature", folder)
    shutil.copytree(DATA / "every_feature_hard", tmp_path / "every_feature_hard")
    return folder


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _checked(path: Path, expected: set[str], scenario: Path | None = None) -> dict:
    """The schedule at ``path``: verified, every expected order once, and its KPIs true."""
    assert api.verify_file(path, scenario) == []
    data = _read(path)
    routed = [s["order_id"] for r in data["routes"] for s in r["stops"]]
    unassigned = [u["order_id"] for u in data["unassigned"]]
    assert len(routed) == len(set(routed))
    assert sorted(routed + unassigned) == sorted(expected)
    codes = {u["order_id"]: u["code"] for u in data["unassigned"]}
    # the remote order is never routed; the parts of A14 come after the horizon
    assert codes.get("A6") == ReasonCode.REMOTE
    assert codes.get("A14") == ReasonCode.PARTS_LATE
    kpis = data["kpis"]
    assert kpis["scheduled"] == len(routed) and kpis["unassigned"] == len(unassigned)
    assert kpis["visits_avoided"] == 1
    overhead_h = sum(s["overhead_s"] for r in data["routes"] for s in r["stops"]) / 3600
    assert kpis["overhead_h"] == pytest.approx(overhead_h, abs=0.01)
    assert overhead_h > 0
    for route in data["routes"]:
        for stop in route["stops"]:
            assert stop["overhead_s"] in (0, 300, 600)  # 5 min, A7 10 min
    assert set(data["meta"]["work_targets_s"]) >= {r["shift_id"] for r in data["routes"]}
    # response KPIs, recomputed from the scenario: hours from created_at to the arrival
    problem = api.load_scenario(path.parent / data["meta"]["scenario"]).problem
    arrivals = {s["order_id"]: datetime.fromisoformat(s["arrival"])
                for r in data["routes"] for s in r["stops"]}
    for row in kpis["response"]:
        asked = [o for o in problem.orders if o.priority.value == row["priority"]
                 and o.created_at is not None and not o.remote_resolvable]
        hours = [(arrivals[o.order_id] - o.created_at).total_seconds() / 3600
                 for o in asked if o.order_id in arrivals]
        assert (row["orders"], row["scheduled"]) == (len(asked), len(hours))
        assert row["on_target"] == sum(h <= row["target_h"] for h in hours)
    return data


def test_check_accepts_it_and_names_the_days(scenario, capsys):
    assert main(["check", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "14 orders, 3 technicians, 8 shifts on 2026-12-14 to 2026-12-16 (3 days)" in out


def test_every_command_writes_a_schedule_verify_accepts(scenario, tmp_path):
    """solve, solve --previous, replan, slots --book and the next solve, a decomposed
    solve and a what-if of several days with hard territories."""
    solved = tmp_path / "solve"
    assert main(["solve", str(scenario), "--out", str(solved), "--quiet"]) == 0
    data = _checked(solved / "schedule.json", ORDERS)
    # soft territories: A13 (9488) is outside every territory, served at a cost
    assert "A13" in {s["order_id"] for r in data["routes"] for s in r["stops"]}
    assert data["kpis"]["outside_territory_visits"] >= 1
    assert data["kpis"]["territory_cost"] == pytest.approx(
        30 * data["kpis"]["outside_territory_visits"])
    assert data["kpis"]["balance_cost"] > 0
    by_day = {r["shift_id"].split("@")[1] for r in data["routes"] if r["stops"]}
    assert len(by_day) >= 2
    # A5 may not be served before 2026-12-15; nobody works on T3's training day
    for route in data["routes"]:
        ids = {s["order_id"] for s in route["stops"]}
        assert not ("A5" in ids and route["shift_id"].endswith("2026-12-14"))
        assert route["shift_id"] != "T3@2026-12-16"

    previous = tmp_path / "previous"
    assert main(["solve", str(scenario), "--out", str(previous), "--quiet",
                 "--previous", str(solved / "schedule.json")]) == 0
    again = _checked(previous / "schedule.json", ORDERS)
    assert again["meta"]["previous"] == str(solved / "schedule.json")

    replanned = tmp_path / "replan"
    shutil.copytree(solved, replanned)
    assert main(["replan", str(replanned / "schedule.json"), str(scenario / "events.csv"),
                 "--now", "09:50", "--freeze-min", "30", "--out", str(replanned)]) == 0
    after = _read(replanned / "schedule.json")
    assert api.verify_file(replanned / "schedule.json") == []
    routed = {s["order_id"] for r in after["routes"] for s in r["stops"]}
    assert "E1" in routed | {u["order_id"] for u in after["unassigned"]}
    assert "A2" not in routed  # completed
    # T1 is away from 15:00 on: none of T1's later shifts is in the re-plan
    assert not any(r["tech_id"] == "T1" and not r["shift_id"].endswith("2026-12-14")
                   for r in after["routes"])

    booked = tmp_path / "slots"
    shutil.copytree(solved, booked)
    assert main(["slots", str(booked / "schedule.json"), str(scenario / "request.csv"),
                 "--book", "1"]) == 0
    _checked(booked / "schedule.json", ORDERS | {"B1"})
    order = api.load_scenario(scenario).problem.order("B1")
    assert order.postcode == "9490" and order.created_at is not None
    assert order.parts_ready_at is not None
    next_plan = tmp_path / "next"
    assert main(["solve", str(scenario), "--out", str(next_plan), "--quiet"]) == 0
    _checked(next_plan / "schedule.json", ORDERS | {"B1"})

    loaded = api.load_scenario(scenario)
    split = api.solve_scenario(replace(loaded, params=replace(loaded.params, decompose="on")))
    assert split.schedule.meta.status == "DECOMPOSED"
    outputs.write(split, tmp_path / "decomposed")
    _checked(tmp_path / "decomposed" / "schedule.json", ORDERS | {"B1"})


def test_a_what_if_of_several_days_with_hard_territories(scenario, tmp_path):
    """The what-if's change_shift keeps each of T2's shifts on its own day, and hard
    territories leave A13 unassigned as OUTSIDE_TERRITORY."""
    whatif = scenario.parent / "every_feature_hard"
    out = tmp_path / "hard"
    assert main(["solve", str(whatif), "--out", str(out), "--quiet"]) == 0
    data = _checked(out / "schedule.json", ORDERS)
    codes = {u["order_id"]: u["code"] for u in data["unassigned"]}
    assert codes["A13"] == ReasonCode.OUTSIDE_TERRITORY
    assert data["kpis"]["outside_territory_visits"] == 0
    for route in data["routes"]:
        if route["tech_id"] == "T2":
            day = route["shift_id"].split("@")[1]
            assert route["start"].startswith(day) and route["end"] <= f"{day}T12:00:00+01:00"
    comparison = api.compare(scenario, [whatif])
    assert [row["unassigned"] for row in comparison.rows] == [
        len(r.schedule.unassigned) for r in comparison.results]


def test_a_plan_of_several_days_is_re_planned_on_a_later_day(scenario, tmp_path, capsys):
    """`--now` on the second day: the first day's visits count as done, no route is on the
    first day, an event's HH:MM is on the day of now (T1 away 10:30-12:00 that day only),
    the old plan is kept under a name
    with its date, and the re-plan verifies. The next re-plan's HH:MM is on that day too,
    and a slot booked on it verifies. A now outside the days is an input error naming
    them. (Before, a plan of several days could only be re-planned on its first day.)"""
    from optimizer.io.schedule_json import read_document

    out = tmp_path / "plan"
    assert main(["solve", str(scenario), "--out", str(out), "--quiet"]) == 0
    published, _ = read_document(out / "schedule.json")
    first_day = {s.order_id for r in published.routes if r.shift_id.endswith("2026-12-14")
                 for s in r.stops}
    assert first_day
    events = tmp_path / "events.csv"
    events.write_text("event,order_id,tech_id,time,lat,lon,until\n"
                      "position,,T2,09:55,47.1600,9.5050,\nunavailable,,T1,10:30,,,12:00\n")
    assert main(["replan", str(out / "schedule.json"), str(events),
                 "--now", "2026-12-15 10:00"]) == 0
    assert "Changes at Tue 15 Dec 10:00" in capsys.readouterr().out
    assert (out / "schedule-before-2026-12-15-1000.json").is_file()
    assert api.verify_file(out / "schedule.json") == []
    replanned, record = read_document(out / "schedule.json")
    assert f"{record.events[0].time:%Y-%m-%d %H:%M}" == "2026-12-15 09:55"
    assert f"{record.events[1].until:%Y-%m-%d %H:%M}" == "2026-12-15 12:00"
    # T1 is back at 12:00: nothing of T1 overlaps the absence
    assert not any(r.tech_id == "T1" and s.start < record.events[1].until
                   and s.end > record.events[1].time for r in replanned.routes
                   for s in r.stops)
    assert {oid for oid, status in record.frozen.items() if status == "completed"} >= first_day
    assert replanned.routes and not any(r.shift_id.endswith("2026-12-14")
                                        for r in replanned.routes)
    routed = {s.order_id for r in replanned.routes for s in r.stops}
    assert sorted([*routed, *(u.order_id for u in replanned.unassigned), *record.frozen]) == \
        sorted(ORDERS)

    assert main(["replan", str(out / "schedule.json"), str(events), "--now", "11:30"]) == 0
    assert api.verify_file(out / "schedule.json") == []
    assert f"{read_document(out / 'schedule.json')[1].now:%Y-%m-%d %H:%M}" == "2026-12-15 11:30"
    assert main(["slots", str(out / "schedule.json"), str(scenario / "request.csv"),
                 "--book", "1"]) == 0
    assert api.verify_file(out / "schedule.json") == []

    capsys.readouterr()
    assert main(["replan", str(out / "schedule.json"), str(events),
                 "--now", "2026-12-17 09:00"]) == 2
    assert "not on the plan's days 2026-12-14 to 2026-12-16" in capsys.readouterr().err
