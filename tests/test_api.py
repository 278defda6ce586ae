"""The wiring of optimizer.api: overrides, the post-solve steps, the re-plan's search time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import FAST, line_matrix, order, point, problem, shift, tech

from optimizer import api, outputs
from optimizer.errors import InputError
from optimizer.replanning import Event
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve

TINY = Path(__file__).parent / "data" / "tiny"


def test_solve_scenario_applies_given_options_and_keeps_the_scenarios_others():
    """--seed and --time-limit replace scenario.toml's values; an unset solution limit keeps
    its 50 (tests/data/tiny/scenario.toml: time_limit_s 5, solution_limit 50)."""
    meta = api.solve_scenario(TINY, time_limit_s=2, seed=9).schedule.meta
    assert (meta.time_limit_s, meta.seed, meta.solution_limit) == (2, 9, 50)
    meta = api.solve_scenario(TINY, solution_limit=5).schedule.meta
    assert (meta.time_limit_s, meta.seed, meta.solution_limit) == (5, 0, 5)


def test_finish_adds_scenario_kpis_and_one_line_per_leg(tmp_path):
    """The post-solve steps: the scenario folder goes into meta, the KPIs are those of
    with_kpis, and every driven route gets len(stops) + 1 legs from start to end."""
    p = problem([order("A", 1), order("B", 2)], [tech("t1")], [shift("t1")])
    raw = solve(p, line_matrix(3), FAST)
    done = api._finish(p, raw, tmp_path)
    assert done.meta.scenario == str(tmp_path) and raw.meta.scenario == ""
    assert done.kpis == with_kpis(p, raw).kpis and done.kpis.scheduled == 2
    route = next(r for r in done.routes if r.stops)
    assert len(route.legs_geometry) == len(route.stops) + 1 == 3
    first, last = route.legs_geometry[0], route.legs_geometry[-1]
    assert (first[0].lat, first[-1].lat) == (point(0).lat, route.stops[0].location.lat)
    assert (last[0].lat, last[-1].lat) == (route.stops[-1].location.lat, point(0).lat)


def test_replan_searches_at_most_six_seconds_unless_told(tmp_path):
    """A re-plan's search time is the scenario's limit capped at REPLAN_TIME_LIMIT_S (tiny
    says 5, so 5); --time-limit and --solution-limit override it."""
    plan = api.solve_scenario(TINY, solution_limit=5).schedule
    result = api.replan(plan, [], "12:00", scenario=TINY)
    assert (result.schedule.meta.time_limit_s, result.schedule.meta.solution_limit) == (5, 50)
    assert api.REPLAN_TIME_LIMIT_S == 6.0
    result = api.replan(plan, [], "12:00", scenario=TINY, time_limit_s=1.5, solution_limit=3)
    assert (result.schedule.meta.time_limit_s, result.schedule.meta.solution_limit) == (1.5, 3)
    assert result.schedule.meta.scenario == str(result.scenario.folder)
    assert result.record.now.isoformat() == "2026-12-01T12:00:00+01:00"


def test_a_large_day_gets_a_longer_replan_by_default():
    """6 s up to 120 open orders, then 5 s per 100 (560 orders: 28 s): at 6 s a re-plan of
    560 orders left most of what it dropped without a reason."""
    assert api.replan_time_limit_s(80) == 6.0
    assert api.replan_time_limit_s(120) == 6.0
    assert api.replan_time_limit_s(560) == 28.0


def test_replan_names_a_now_that_is_not_a_time():
    """--now that is neither HH:MM nor a date-time is an input error naming the text."""
    plan = api.solve_scenario(TINY, solution_limit=5).schedule
    with pytest.raises(InputError, match="--now '25:99': not a time"):
        api.replan(plan, [], "25:99", scenario=TINY)


def test_verify_file_names_a_replan_record_that_does_not_match_its_events(tmp_path):
    """A re-planned schedule.json whose record drops a cancellation is caught twice: the
    events cancel the order but the file does not say so, and the order is nowhere."""
    plan = api.solve_scenario(TINY, solution_limit=5)
    outputs.write(plan, tmp_path, maps=False)
    result = api.replan(tmp_path / "schedule.json", [Event("cancelled", order_id="WO-3")],
                        "12:00", solution_limit=5)
    path = outputs.write_replan(result, tmp_path)["json"]
    assert api.verify_file(path) == []
    data = json.loads(path.read_text(encoding="utf-8"))
    data["replan"]["cancelled"] = []
    path.write_text(json.dumps(data), encoding="utf-8")
    assert api.verify_file(path) == [
        "order WO-3: cancelled by the events but not recorded",
        "order WO-3: appears 0 times on a route, unassigned, completed, in progress or "
        "cancelled (must be 1)"]


def test_a_place_corrected_after_publishing_does_not_fail_the_published_plan(tmp_path):
    """The dispatcher moves an order (a corrected address) after the plan went out and
    re-plans. verify checked the published plan inside the re-planned file at the new
    place ("leg is 7 s/43 m, the matrix says 641 s/6673 m"), though no command wrote
    anything wrong; it is checked at the places it was planned with."""
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    plan = api.solve_scenario(folder, solution_limit=5)
    outputs.write(plan, tmp_path, maps=False)
    routed = plan.schedule.routes[0].stops[-1].order_id
    table = folder / "work_orders.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines = [line.replace(",47.", ",47.0", 1) if line.startswith(f"{routed},") else line
             for line in lines]  # 47.1391 -> 47.01391: about 14 km south
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = api.replan(tmp_path / "schedule.json", [], "08:00", solution_limit=5)
    path = outputs.write_replan(result, tmp_path)["json"]
    assert api.verify_file(path) == []
    moved = {o.order_id: o.location.lat for o in result.prepared.problem.orders}
    assert moved.get(routed, 47.0) < 47.1  # the re-plan itself uses the corrected place


def test_a_decomposed_solve_runs_its_regions_on_the_given_dask_scheduler(tmp_path):
    """solve_scenario(scheduler=...) (fsopt solve --scheduler) sends a decomposed day's
    regions to that cluster: a real 2-worker LocalCluster runs tasks, the plan verifies."""
    import shutil

    from distributed import LocalCluster

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace("[solver]\n", '[solver]\ndecompose = "on"\n'))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        result = api.solve_scenario(folder, scheduler=cluster.scheduler_address)
        ran = cluster.scheduler.transition_counter
    assert ran > 0
    assert result.schedule.meta.status.startswith("DECOMPOSED")
    assert api.verify_file(outputs.write(result, tmp_path / "out", maps=False)["json"]) == []
