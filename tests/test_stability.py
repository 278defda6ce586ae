"""Stable plans: solving again from a previous plan keeps it, except where it must change."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer import api, outputs
from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.io.schedule_json import read_json
from optimizer.model import ChangeKind, TimeWindow
from optimizer.solver import solve
from optimizer.solver.verify import verify
from optimizer.stability import changes_from, promise_previous

M = line_matrix(6)
DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"
TINY = Path(__file__).parent / "data" / "tiny"


def _day():
    orders = [order(f"o{k}", 1 + k % 5, 45) for k in range(8)]
    return problem(orders, [tech("t1"), tech("t2")], [shift("t1", home=0), shift("t2", home=5)])


def test_the_previous_plan_becomes_promises_and_the_warm_start():
    """Every routed order is promised to its technician and start; the routes are the start."""
    day = _day()
    before = solve(day, M, FAST)
    promised, initial = promise_previous(day, before)
    for route in before.routes:
        assert initial[route.shift_id] == tuple(s.order_id for s in route.stops)
        for stop in route.stops:
            o = promised.order(stop.order_id)
            assert (o.promised_tech, o.promised_start) == (route.tech_id, stop.start)
    assert [o.order_id for o in promised.orders] == [o.order_id for o in day.orders]


def test_a_plan_of_another_day_is_refused():
    """--previous keeps a plan of the same day; another date is an input error."""
    day = _day()
    before = solve(day, M, FAST)
    with pytest.raises(InputError, match="planned for 2026-12-02"):
        promise_previous(day, replace(before, plan_date=before.plan_date.replace(day=2)))


def test_one_changed_window_moves_that_order_and_keeps_the_rest():
    """o3 must now start 15:00-15:30: it is retimed (or moved); every other order keeps its
    technician and start within the tolerance."""
    day = _day()
    before = solve(day, M, FAST)
    changed = replace(day, orders=tuple(
        replace(o, time_windows=(window("15:00", "15:30"),)) if o.order_id == "o3" else o
        for o in day.orders))
    promised, initial = promise_previous(changed, before)
    after = solve(promised, M, FAST, initial_routes=initial)
    assert verify(changed, M, after) == []
    changes = {c.order_id: c.status for c in changes_from(before, after, promised)}
    assert changes.pop("o3") in (ChangeKind.RETIMED, ChangeKind.MOVED)
    assert set(changes.values()) == {ChangeKind.KEPT}


@pytest.fixture(scope="module")
def demo_before(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-before")
    result = api.solve_scenario(DEMO, time_limit_s=10, solution_limit=300)
    outputs.write(result, out, maps=False)
    return result, out / "schedule.json"


def test_demo_one_order_window_changed_moves_at_most_three_others(demo_before, tmp_path):
    """The acceptance test of issue 17: on the demo, WO-1001's window moves from 14:00-16:00
    to 09:00-10:00; re-solved with --previous, at most 3 other orders move (another
    technician, or in or out of the plan), at least 90 % of the others keep technician and
    start (within the 30-minute tolerance; a few may be retimed to make room, at 1 a
    minute beyond it), and the new plan is valid."""
    before, path = demo_before
    loaded = load_scenario(DEMO)
    day = loaded.problem.plan_date
    morning = TimeWindow(*(before.problem.day_start.replace(hour=h) for h in (9, 10)))
    assert day == morning.start.date()
    loaded = replace(loaded, problem=replace(loaded.problem, orders=tuple(
        replace(o, time_windows=(morning,)) if o.order_id == "WO-1001" else o
        for o in loaded.problem.orders)))
    after = api.solve_scenario(loaded, time_limit_s=15, solution_limit=300, previous=path)
    assert after.schedule.meta.previous == str(path)
    others = [c for c in after.changes if c.order_id != "WO-1001"]
    moved = [c for c in others if c.status in (ChangeKind.MOVED, ChangeKind.NEWLY_ASSIGNED,
                                               ChangeKind.NEWLY_UNASSIGNED)]
    assert len(moved) <= 3, moved
    kept = [c for c in others if not c.changed]
    assert len(kept) >= 0.9 * len(others), [c for c in others if c.changed]
    assert verify(loaded.problem, after.matrix, after.schedule) == []
    stop = next(s for r in after.schedule.routes for s in r.stops if s.order_id == "WO-1001")
    assert 9 <= stop.start.hour < 10 or (stop.start.hour, stop.start.minute) == (10, 0)


def test_cli_previous_writes_changes_csv_and_the_schedule_verifies(tmp_path, capsys):
    """fsopt solve --previous on an unchanged scenario keeps every order and writes
    changes.csv; the schedule it writes records the previous plan and passes fsopt verify."""
    first = tmp_path / "first"
    assert main(["solve", str(TINY), "--out", str(first), "--quiet",
                 "--solution-limit", "50"]) == 0
    second = tmp_path / "second"
    assert main(["solve", str(TINY), "--out", str(second), "--previous",
                 str(first / "schedule.json"), "--solution-limit", "50"]) == 0
    printed = capsys.readouterr().out
    assert "Against the previous plan" in printed
    with open(second / "changes.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    before = read_json(first / "schedule.json")
    assert len(rows) == len(before.routes and [s for r in before.routes for s in r.stops]) + \
        len(before.unassigned)
    assert {r["status"] for r in rows} <= {"kept", "still unassigned"}
    assert read_json(second / "schedule.json").meta.previous == str(first / "schedule.json")
    assert main(["verify", str(second / "schedule.json")]) == 0


def test_a_previous_plan_whose_order_is_now_left_out_still_verifies(tmp_path, capsys):
    """WO-1 was routed; now it needs a skill nobody has. The plan made with --previous
    leaves it out (its penalty counts the broken promise, as a re-plan's does), and
    `fsopt verify` accepted nothing of it at first: its money KPIs differed from a
    recomputation without the promises. verify compares the counts, hours and km."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    first = tmp_path / "first"
    assert main(["solve", str(folder), "--out", str(first), "--quiet",
                 "--solution-limit", "50"]) == 0
    assert any(s.order_id == "WO-1" for r in read_json(first / "schedule.json").routes
               for s in r.stops)
    orders = folder / "work_orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace(
        "WO-1,Frick AG,\"Städtle 1, 9490 Vaduz\",47.1391,9.5215,45,hvac,",
        "WO-1,Frick AG,\"Städtle 1, 9490 Vaduz\",47.1391,9.5215,45,elevator,"),
        encoding="utf-8")
    second = tmp_path / "second"
    assert main(["solve", str(folder), "--out", str(second), "--quiet", "--previous",
                 str(first / "schedule.json"), "--solution-limit", "50"]) == 0
    after = read_json(second / "schedule.json")
    assert [u.order_id for u in after.unassigned] == ["WO-1"]
    assert main(["verify", str(second / "schedule.json")]) == 0
    assert "schedule is valid" in capsys.readouterr().out


def test_cli_warns_that_a_seed_alone_is_not_repeatable(tmp_path, capsys):
    """Asked for a seed without a solution limit, fsopt solve says what would repeat."""
    assert main(["solve", str(TINY), "--out", str(tmp_path), "--seed", "1",
                 "--time-limit", "1"]) == 0
    err = capsys.readouterr().err.replace("\n", " ")
    assert "--seed alone does not make runs repeatable" in err
    assert "--solution-limit N" in err and "--previous" in err
