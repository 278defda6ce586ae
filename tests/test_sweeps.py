"""Sweeps on a real dask.distributed LocalCluster (2 worker processes on loopback)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from optimizer import api, outputs
from optimizer.errors import InputError
from optimizer.io.load import load_scenario
from optimizer.model import Location
from optimizer.params import SolveParams
from optimizer.sweeps import expand, matrix_speed, parse_axis, run_serial, run_sweep

TINY = Path(__file__).parent / "data" / "tiny"
PARAMS = SolveParams(time_limit_s=10, solution_limit=10)


def _without_timing(rows):
    return [{k: v for k, v in row.items() if k != "wall_s"} for row in rows]


def test_parse_axis():
    """Ranges are inclusive; lists are comma-separated; unknown axes are errors."""
    assert parse_axis("technicians=1:3") == ("technicians", [1.0, 2.0, 3.0])
    assert parse_axis("demand_pct=0:40:20") == ("demand_pct", [0.0, 20.0, 40.0])
    assert parse_axis("speed_factor=1,0.8") == ("speed_factor", [1.0, 0.8])
    with pytest.raises(InputError, match="unknown axis 'vans'"):
        parse_axis("vans=1:2")


def test_sweep_on_a_local_cluster_matches_serial_runs():
    """Rows from 2 Dask workers equal the same solution-limited runs done here, in grid order.

    One run is broken on purpose (an order whose location is not in the matrix):
    it is reported as failed and the other runs still come back.
    """
    loaded = load_scenario(TINY)
    runs = expand(loaded.problem, {"technicians": [1, 2, 3], "demand_pct": [0, 100]})
    matrix = api.travel_matrix(loaded.problem, also=[r.problem for r in runs])
    broken = runs[0].problem
    lost = replace(broken.orders[0], location=Location(0.0, 0.0, "nowhere"))
    runs[0] = replace(runs[0], problem=replace(broken, orders=(lost, *broken.orders[1:])))

    rows = run_sweep(runs, matrix, PARAMS, n_workers=2)
    serial = run_serial(runs, matrix, PARAMS)

    assert [r["run"] for r in rows] == [r.run for r in runs]
    assert rows[0]["status"] == "failed" and "KeyError" in rows[0]["error"]
    assert all(r["status"] == "ok" for r in rows[1:])
    assert _without_timing(rows) == _without_timing(serial)
    by_run = {r["run"]: r for r in rows}
    assert by_run["technicians=3 demand_pct=100"]["scheduled"] + \
        by_run["technicians=3 demand_pct=100"]["unassigned"] == 6
    assert all(r["violations"] == 0 for r in rows[1:])


def test_a_speed_factor_axis_changes_the_travel_times():
    """The runs share one matrix built at the base's speed: a speed_factor axis had no
    effect (speed 0.1 and 10 gave the same rows). Now each run's travel times are divided
    by its factor: at half speed the same routes take twice the driving."""
    loaded = load_scenario(TINY)
    runs = expand(loaded.problem, {"speed_factor": [1.0, 0.5]})
    matrix = api.travel_matrix(loaded.problem)
    rows = run_serial(runs, matrix, PARAMS, speeds=matrix_speed(runs, loaded.problem))
    full, half = rows
    assert (full["status"], half["status"]) == ("ok", "ok")
    assert half["travel_km"] == full["travel_km"]
    assert half["travel_h"] == pytest.approx(2 * full["travel_h"], abs=0.02)
    via_api = api.sweep(TINY, {"speed_factor": [1.0, 0.5]}, time_limit_s=10,
                        solution_limit=10, n_workers=1)
    assert [r["travel_h"] for r in via_api] == [full["travel_h"], half["travel_h"]]


def test_write_sweep_table_and_report(tmp_path):
    """The tidy table has one row per run and the report names every failed run."""
    rows = [{"run": "technicians=1", "technicians": 1.0, "status": "failed", "error": "boom"},
            {"run": "technicians=2", "technicians": 2.0, "status": "ok", "error": "",
             **{k: 1.0 for k in ("scheduled", "unassigned", "sla_on_time_pct", "travel_km",
                                 "travel_h", "service_h", "overtime_min", "cost",
                                 "utilisation_mean_pct", "utilisation_spread_pct")}}]
    paths = outputs.write_sweep(rows, ["technicians"], tmp_path, fmt="parquet")
    import pandas as pd

    assert len(pd.read_parquet(paths["table"])) == 2
    html = paths["report"].read_text()
    assert "Failed runs (1)" in html and "boom" in html and "<svg" in html


def test_grid_with_infinite_or_nan_values_is_bad_input():
    """`--grid technicians=0:inf` is refused instead of looping for ever."""
    for text in ("technicians=0:inf", "technicians=1,nan", "demand_pct=0:nan"):
        with pytest.raises(InputError, match="finite numbers"):
            parse_axis(text)


def test_grid_values_outside_their_change_range_are_bad_input(capsys):
    """A negative demand or zero technicians ran as a failed run (exit 0, "1 failed");
    now every bad value of every axis is named before any work (exit 2)."""
    from optimizer.cli import main

    with pytest.raises(InputError) as info:
        parse_axis("technicians=0:2")
    assert info.value.problems == ["--grid 'technicians=0:2': technicians=0: must be >= 1 "
                                   "(allowed: 1..10000, a whole number)"]
    assert main(["sweep", "scenarios/liechtenstein", "--grid", "demand_pct=-50",
                 "--grid", "technicians=0:2", "--grid", "speed_factor=20"]) == 2
    err = capsys.readouterr().err
    assert "demand_pct=-50: must be >= 0" in err and "technicians=0: must be >= 1" in err
    assert "speed_factor=20: must be <= 10" in err


def test_optimizer_sweep_works_twice_in_one_process():
    """`optimizer.sweep` stays the function after a first sweep has loaded the sweeps module
    (it used to become the module `optimizer.sweep`, so a second call failed)."""
    import optimizer

    first = optimizer.sweep(TINY, {"technicians": [1, 2]}, solution_limit=5, n_workers=1)
    second = optimizer.sweep(TINY, {"technicians": [1, 2]}, solution_limit=5, n_workers=1)
    assert [r["status"] for r in first] == ["ok", "ok"]
    assert _without_timing(first) == _without_timing(second)


def test_a_sweep_run_plans_the_day_as_a_solve_does_territories_included(tmp_path):
    """The sweep skipped the step that puts each order in its territory polygons: on the
    demo its base run counted 17 visits outside territory (a solve: 5) and planned
    another day. Now a run equals the solve of the same settings."""
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "territories.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"name": "Schaan"}, "geometry": {"type": "Polygon", "coordinates": '
        '[[[9.49, 47.15], [9.53, 47.15], [9.53, 47.19], [9.49, 47.19], [9.49, 47.15]]]}}]}',
        encoding="utf-8")
    techs = (folder / "technicians.csv").read_text(encoding="utf-8").splitlines()
    techs = [techs[0] + ",territories", techs[1] + ",", techs[2] + ",Schaan"]
    (folder / "technicians.csv").write_text("\n".join(techs) + "\n", encoding="utf-8")
    (row,) = api.sweep(folder, {"technicians": [2]}, solution_limit=20, n_workers=1)
    solved = api.solve_scenario(folder, solution_limit=20).schedule
    assert row["status"] == "ok"
    assert row["outside_territory_visits"] == solved.kpis.outside_territory_visits
    assert row["territory_cost"] == solved.kpis.territory_cost
    assert row["travel_km"] == solved.kpis.travel_km
    assert row["objective_cost"] == solved.kpis.objective_cost


def test_an_axis_given_twice_runs_the_values_of_both(tmp_path):
    """`--grid demand_pct=10 --grid demand_pct=20` made one run (20): the first was
    dropped in silence."""
    import csv

    from optimizer.cli import main

    assert main(["sweep", str(TINY), "--grid", "technicians=1", "--grid", "technicians=2,1",
                 "--solution-limit", "5", "--workers", "1", "--out", str(tmp_path)]) == 0
    with open(tmp_path / "sweep.csv", encoding="utf-8") as stream:
        runs = [row["run"] for row in csv.DictReader(stream)]
    assert runs == ["technicians=1", "technicians=2"]
