"""`fsopt` end to end: exit codes, outputs and messages."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from optimizer.cli import main, terminal
from optimizer.cli.terminal import PlainProgress

TINY = Path(__file__).parent / "data" / "tiny"
BAD = Path(__file__).parent / "data" / "bad"
DEMO = Path(__file__).parents[1] / "scenarios" / "liechtenstein"


def test_solve_writes_outputs_and_exits_0(tmp_path, capsys):
    """`fsopt solve` on the tiny scenario writes the JSON and CSVs and prints the KPIs."""
    code = main(["solve", str(TINY), "--time-limit", "2", "--out", str(tmp_path)])
    assert code == 0
    data = json.loads((tmp_path / "schedule.json").read_text())
    routed = [s["order_id"] for r in data["routes"] for s in r["stops"]]
    assert sorted(routed + [u["order_id"] for u in data["unassigned"]]) == ["WO-1", "WO-2", "WO-3"]
    assert data["meta"]["time_limit_s"] == 2 and data["meta"]["matrix_source"] == "haversine"
    assert "orders scheduled" in capsys.readouterr().out
    assert main(["verify", str(tmp_path / "schedule.json")]) == 0


def test_bad_input_exits_2_and_names_the_row(tmp_path, capsys):
    """A broken file gives exit code 2 and a message naming file, row and field."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    shutil.copy(BAD / "negative_duration.work_orders.csv", folder / "work_orders.csv")
    assert main(["solve", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "work_orders.csv row 2" in err and "service_min='-5'" in err


@pytest.mark.parametrize("command", [["solve", str(TINY), "--time-limit", "30"],
                                     ["geocode", str(TINY)],
                                     ["compare", str(TINY), str(TINY), "--time-limit", "30"],
                                     ["anonymise", str(TINY)]])
def test_an_out_that_is_a_file_exits_2_before_any_work(tmp_path, capsys, command):
    """--out naming a file (or a folder that cannot be made) is an input error, checked
    before any work (it was a FileExistsError traceback after the whole solve)."""
    taken = tmp_path / "afile"
    taken.write_text("mine")
    assert main([*command, "--out", str(taken)]) == 2
    assert "not a folder (a file of that name exists)" in capsys.readouterr().err
    assert taken.read_text() == "mine"
    assert main([*command, "--out", str(taken / "below")]) == 2
    assert "cannot be created" in capsys.readouterr().err


def test_verify_fails_with_exit_3_on_a_tampered_schedule(tmp_path, capsys):
    """Removing a routed order from schedule.json makes `fsopt verify` exit 3."""
    assert main(["solve", str(TINY), "--time-limit", "2", "--out", str(tmp_path), "--quiet"]) == 0
    path = tmp_path / "schedule.json"
    data = json.loads(path.read_text())
    route = next(r for r in data["routes"] if r["stops"])
    route["stops"].pop()
    path.write_text(json.dumps(data))
    assert main(["verify", str(path)]) == 3
    assert "appears 0 times" in capsys.readouterr().out


def test_verify_recomputes_the_kpis_a_file_states(tmp_path, capsys):
    """KPIs edited by hand (or written wrong) passed `fsopt verify`; now each one that
    differs from the file's own routes and unassigned orders is named. A file written
    before a KPI existed (the field absent) is not faulted for it."""
    assert main(["solve", str(TINY), "--time-limit", "2", "--out", str(tmp_path), "--quiet"]) == 0
    path = tmp_path / "schedule.json"
    data = json.loads(path.read_text())
    scheduled = data["kpis"]["scheduled"]
    data["kpis"]["scheduled"] = scheduled + 7
    data["kpis"]["travel_km"] += 1.0
    del data["kpis"]["utilisation_std_pct"]
    path.write_text(json.dumps(data))
    assert main(["verify", str(path)]) == 3
    out = capsys.readouterr().out
    assert f"kpis.scheduled is {scheduled + 7}, but the routes and unassigned orders give " \
           f"{scheduled}" in out
    assert "kpis.travel_km is" in out and "utilisation_std_pct" not in out
    assert "2 violation(s)" in out


def test_check_reports_counts(capsys):
    """`fsopt check` validates without solving."""
    assert main(["check", str(TINY)]) == 0
    assert "3 orders, 2 technicians" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["solve", str(TINY), "--time-limit", "0"],
    ["solve", str(TINY), "--time-limit", "-1"],
    ["solve", str(TINY), "--time-limit", "nan"],
    ["solve", str(TINY), "--time-limit", "inf"],
    ["solve", str(TINY), "--time-limit", "soon"],
    ["solve", str(TINY), "--time-limit", "1e9"],
    ["replan", "s.json", "e.csv", "--now", "13:00", "--time-limit", "86401"],
    ["solve", str(TINY), "--solution-limit", "0"],
    ["solve", str(TINY), "--solution-limit", "2.5"],
    ["solve", str(TINY), "--seed", "-3"],
    ["compare", str(TINY), str(TINY), "--time-limit", "nan"],
    ["replan", "s.json", "e.csv", "--now", "13:00", "--freeze-min", "-5"],
    ["replan", "s.json", "e.csv", "--now", "13:00", "--freeze-min", "nan"],
    ["replan", "s.json", "e.csv", "--now", "13:00", "--time-limit", "0"],
    ["sweep", str(TINY), "--grid", "technicians=1:2", "--workers", "0"],
    ["sweep", str(TINY), "--grid", "technicians=1:2", "--solution-limit", "-1"],
])
def test_bad_numbers_on_the_command_line_exit_2_with_a_message(argv, capsys):
    """Zero, negative, nan or non-numeric limits are refused by argparse with exit 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    option, value = argv[-2], argv[-1]
    err = capsys.readouterr().err
    assert f"argument {option}" in err and f"{value!r}" in err
    assert "must be" in err or "is not a" in err


def _markup_scenario(folder: Path) -> Path:
    """The tiny scenario with rich markup and emoji codes in ids, names, skills and customers."""
    shutil.copytree(TINY, folder)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace('name = "tiny"', 'name = "[red]tiny[/x] :smile:"'))
    orders = folder / "work_orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8")
                      .replace("WO-1,Frick AG", "WO-[/x],[bold]Frick[/b]")
                      .replace("30,electrical,normal", "30,[/]elec,normal")
                      .replace(",T2,,fuse", ',"T[b]2",,fuse')
                      .replace("60,,low", "60,[/]nobody,low"), encoding="utf-8")
    techs = folder / "technicians.csv"
    techs.write_text(techs.read_text(encoding="utf-8")
                     .replace("T2,Beat Meier,electrical", '"T[b]2",[i]Beat[/i],electrical;[/]elec'),
                     encoding="utf-8")
    return folder


def test_rich_markup_in_user_text_is_printed_literally(tmp_path, capsys):
    """Ids, skills, names and reasons like `WO-[/x]` or `[/]elec` print as written, exit 0."""
    folder = _markup_scenario(tmp_path / "s")
    assert main(["check", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "warning: order WO-3: no technician has the skill [/]nobody" in captured.err
    assert "[/]nobody" in captured.err
    code = main(["solve", str(folder), "--time-limit", "1", "--out", str(tmp_path / "out")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "[red]tiny[/x] :smile: — 2026-12-01" in printed
    assert "│ T[b]2 │" in printed and "[/]nobody" in printed
    stops = (tmp_path / "out" / "stops.csv").read_text(encoding="utf-8")
    assert "WO-[/x],[bold]Frick[/b]" in stops
    code = main(["compare", str(folder), str(folder), "--solution-limit", "5",
                 "--out", str(tmp_path / "cmp")])
    assert code == 0
    assert "[red]tiny[/x] :smile:" in capsys.readouterr().out


def test_default_output_folders_stay_inside_maps_output(tmp_path, monkeypatch):
    """A scenario called `../../../../x` is written to maps_output/<safe name>, not above it."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace('name = "tiny"', 'name = "../../../../x"'))
    cwd = tmp_path / "d1" / "d2" / "d3" / "cwd"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    assert main(["solve", str(folder), "--solution-limit", "5", "--quiet"]) == 0
    assert main(["compare", str(folder), str(folder), "--solution-limit", "5"]) == 0
    assert sorted(p.name for p in (cwd / "maps_output").iterdir()) == \
        ["compare-x", "x"]
    assert (cwd / "maps_output" / "x" / "schedule.json").exists()
    assert (cwd / "maps_output" / "compare-x" / "compare.csv").exists()
    assert [p.name for p in cwd.iterdir()] == ["maps_output"]
    assert [p.name for p in (tmp_path / "d1").iterdir()] == ["d2"]


def test_compare_shows_the_full_objective_beside_travel_cost(tmp_path, capsys):
    """Without T2, WO-2 (needs T2's fuse) and WO-3 (T1 excluded) drop: travel and labour cost
    falls, but the full objective with their drop penalties rises, in the table and CSV."""
    base = tmp_path / "base"
    shutil.copytree(TINY, base)
    whatif = tmp_path / "no-t2"
    whatif.mkdir()
    (whatif / "scenario.toml").write_text(
        f'[scenario]\nname = "no-t2"\nbase = "{base.as_posix()}"\n\n'
        '[[changes]]\ntype = "remove_technician"\ntech_id = "T2"\n')
    assert main(["compare", str(base), str(whatif), "--solution-limit", "20",
                 "--out", str(tmp_path / "cmp")]) == 0
    printed = capsys.readouterr().out
    assert "travel and labour cost" in printed and "full objective" in printed
    with open(tmp_path / "cmp" / "compare.csv", encoding="utf-8", newline="") as stream:
        rows = {r["scenario"]: r for r in csv.DictReader(stream)}
    assert float(rows["no-t2"]["unassigned"]) == 2 and float(rows["tiny"]["unassigned"]) == 0
    assert float(rows["no-t2"]["travel_cost"]) < float(rows["tiny"]["travel_cost"])
    assert float(rows["no-t2"]["drop_penalty_cost"]) == 1000 + 300  # normal + low
    assert float(rows["no-t2"]["objective_cost"]) > float(rows["tiny"]["objective_cost"])
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "full objective (cost + drop penalties + balance)" in page


def test_summary_counts_unassigned_sla_orders_as_missed(tmp_path, capsys):
    """An SLA order nobody can do is missed: 0 / 1 overall, beside 0 / 0 of scheduled."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    orders = folder / "work_orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace(
        "45,hvac,high,09:00-11:00,10:30", "45,gas,high,09:00-11:00,10:30"), encoding="utf-8")
    assert main(["solve", str(folder), "--solution-limit", "5", "--out", str(tmp_path / "o")]) == 0
    assert "0 / 1 (0.0%); of scheduled 0 / 0 (100.0%)" in capsys.readouterr().out


def test_progress_lines_appear_when_stderr_is_not_a_terminal(tmp_path, capsys, monkeypatch):
    """Redirected to a file or pipe, `fsopt solve` prints each stage and, every few seconds
    (here 0.1 s), the search's solutions and best cost as plain lines."""
    monkeypatch.setattr(terminal, "PROGRESS_EVERY_S", 0.1)
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace("solution_limit = 50\n", ""))
    assert main(["solve", str(folder), "--time-limit", "1", "--out", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().err.splitlines()
    stages = [re.sub(r" \(\d+ s\)$", "", line) for line in lines
              if not line.startswith("fsopt solve: solving: ")]
    # a stage longer than the interval (writing the report's charts) is repeated: once each
    stages = [stage for k, stage in enumerate(stages) if k == 0 or stage != stages[k - 1]]
    assert stages == [f"fsopt solve: {stage}" for stage in (
        "loading the scenario", "building the travel matrix", "solving",
        "writing the schedule and maps", "done")]
    searching = [line for line in lines if line.startswith("fsopt solve: solving: ")]
    assert searching and all(re.fullmatch(r"fsopt solve: solving: \d+ solutions, best cost "
                                          r"[\d,.]+, \d s of 1 s search \(\d+ s\)", line)
                             for line in searching)
    assert main(["solve", str(folder), "--time-limit", "1", "--quiet",
                 "--out", str(tmp_path / "q")]) == 0
    assert capsys.readouterr().err == ""


def test_plain_progress_repeats_a_long_stage(capsys):
    """A stage with no news (roads being built) is repeated every interval, with the time."""
    with PlainProgress("fsopt x", every_s=0.05) as progress:
        progress.stage("building the travel matrix")
        time.sleep(0.5)
        progress.update("1 of 2")
        time.sleep(0.3)
    lines = [re.sub(r" \(\d+ s\)$", "", line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0] == "fsopt x: building the travel matrix"
    assert lines.count("fsopt x: building the travel matrix") >= 3
    assert "fsopt x: building the travel matrix: 1 of 2" in lines
    with PlainProgress("off", enabled=False) as off:
        off.stage("silent")
    assert capsys.readouterr().err == "" and not off._thread.is_alive()


def test_replan_prints_progress_lines_and_plain_warnings_when_not_a_terminal(tmp_path, capsys,
                                                                            monkeypatch):
    """Redirected to a file or pipe, `fsopt replan` prints each stage as it begins (it used
    to print nothing until the end), and a warning reads `warning: ...`, with no markup."""
    monkeypatch.setattr(terminal, "PROGRESS_EVERY_S", 0.1)
    plan = tmp_path / "plan"
    assert main(["solve", str(TINY), "--solution-limit", "5", "--out", str(plan), "--quiet"]) == 0
    events = tmp_path / "events.csv"
    events.write_text("event,order_id,service_min\ncompleted,WO-1,\nduration,WO-1,10\n",
                      encoding="utf-8")
    capsys.readouterr()
    assert main(["replan", str(plan / "schedule.json"), str(events), "--now", "12:00",
                 "--solution-limit", "5", "--out", str(tmp_path / "new")]) == 0
    lines = capsys.readouterr().err.splitlines()
    stages = [re.sub(r" \(\d+ s\)$", "", line) for line in lines
              if line.startswith("fsopt replan: ") and not line.startswith(
                  "fsopt replan: re-planning: ")]
    stages = [stage for k, stage in enumerate(stages) if k == 0 or stage != stages[k - 1]]
    assert stages == [f"fsopt replan: {stage}" for stage in (
        "re-planning", "writing the schedule, changes.csv and maps", "done")]
    warnings = [line for line in lines if "warning" in line]
    assert warnings and all(line.startswith("warning: ") for line in warnings)
    assert any("row 3 (duration), order_id='WO-1'" in line for line in warnings)
    assert (tmp_path / "new" / "changes.csv").exists()


def _two_towns_scenario(folder: Path, *, route_low_confidence: bool) -> Path:
    """Three orders by address on the invented two-towns extract: an exact one, a street
    2.3 km long without a number (low confidence), and a street name two villages share."""
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "osm" / "two-towns.osm", folder)
    (folder / "scenario.toml").write_text(
        '[scenario]\nname = "two-towns"\nplan_date = "2026-12-01"\ntimezone = "Europe/Lisbon"\n'
        '[travel]\nsource = "haversine"\nspeed_kph = 40\n[solver]\ntime_limit_s = 2\n'
        '[geocode]\nprovider = "gazetteer"\nosm_file = "two-towns.osm"\nmin_confidence = 0.5\n'
        f"route_low_confidence = {str(route_low_confidence).lower()}\n", encoding="utf-8")
    (folder / "work_orders.csv").write_text(
        "order_id,customer,address,service_min\n"
        'WO-1,A,"Avenida João Paulo II 10, 4760-505 Arcozelo",30\n'
        'WO-2,B,"Avenida 25 de Abril, 4760-505 Arcozelo",30\n'
        'WO-3,C,"Avenida João Paulo II 10",30\n', encoding="utf-8")
    (folder / "technicians.csv").write_text(
        "tech_id,name,skills,home_lat,home_lon,shift_start,shift_end\n"
        "T1,Ana,,41.5300,-8.6000,08:00,17:00\n", encoding="utf-8")
    return folder


def test_geocode_says_which_encoding_it_read_the_file_in(tmp_path, capsys):
    """`fsopt check` and `solve` warned that a cp1252 work_orders.csv was read as cp1252;
    `fsopt geocode`, which writes that file back, said nothing."""
    folder = _two_towns_scenario(tmp_path / "s", route_low_confidence=False)
    table = folder / "work_orders.csv"
    table.write_bytes(table.read_text(encoding="utf-8").encode("cp1252"))
    assert main(["geocode", str(folder), "--out", str(tmp_path / "g")]) == 0
    err = capsys.readouterr().err
    assert "work_orders.csv" in err and "read as cp1252" in err


def test_check_refuses_a_home_address_solve_cannot_find(tmp_path, capsys):
    """A technician home by address that the geocoder cannot find stops a solve (exit 2):
    `fsopt check` geocodes as the solve would and refuses it with the same message (it
    said OK), and counts the orders that need review."""
    folder = _two_towns_scenario(tmp_path / "s", route_low_confidence=False)
    assert main(["check", str(folder)]) == 0
    assert "2 address(es) need review" in capsys.readouterr().out
    techs = folder / "technicians.csv"
    techs.write_text("tech_id,name,skills,home_address,shift_start,shift_end\n"
                     "T1,Ana,,Qwxyz 1,08:00,17:00\n", encoding="utf-8")
    messages = []
    for command in ("check", "solve"):
        assert main([command, str(folder), "--quiet"] if command == "solve"
                    else [command, str(folder)]) == 2
        messages.append(capsys.readouterr().err.split("error:")[1])
    assert "tech_id=T1, home_address='Qwxyz 1': address not found" in messages[0]
    assert messages[0] == messages[1]


def test_check_refuses_a_place_far_from_every_road(tmp_path, capsys):
    """On the demo's roads an order moved 36 km off them (and a what-if's new home there)
    made the solve exit 2 while `fsopt check` said OK; now check refuses both, naming the
    place and its distance."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    path = folder / "work_orders.csv"
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    header = rows[0]
    rows[2][header.index("lat")], rows[2][header.index("lon")] = "47.0", "9.0"
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    assert main(["check", str(folder)]) == 2
    far = (f"order {rows[2][header.index('order_id')]} at lat=47.000000, lon=9.000000: 36,478 "
           "m from the nearest drivable road (max_snap_m=1000)")
    assert far in capsys.readouterr().err
    assert main(["check", str(DEMO)]) == 0
    assert "every place within 1000 m of a road" in capsys.readouterr().out
    whatif = tmp_path / "far-home"
    whatif.mkdir()
    (whatif / "scenario.toml").write_text(
        f'[scenario]\nname = "far home"\nbase = "{DEMO}"\n\n[[changes]]\n'
        'type = "add_technician"\ntech_id = "T99"\ncopy_from = "T01"\nhome_lat = 47.0\n'
        'home_lon = 9.0\n',
        encoding="utf-8")
    assert main(["check", str(whatif)]) == 2
    assert ("shift T99 start, shift T99 end at lat=47.000000, lon=9.000000: 36,478 m"
            in capsys.readouterr().err)


def test_low_confidence_order_is_unassigned_for_review_and_counted(tmp_path, capsys):
    """By default the street-only order (±1.2 km) is unassigned with GEOCODE_REVIEW, the
    shared street name with ADDRESS_AMBIGUOUS; `fsopt geocode` says 2 orders need review
    and lists the candidates in geocode_report.csv; the exact one is routed with its
    15 m error radius in schedule.json, which `fsopt verify` accepts."""
    folder = _two_towns_scenario(tmp_path / "s", route_low_confidence=False)
    assert main(["geocode", str(folder), "--out", str(tmp_path / "g")]) == 0
    assert "2 orders need review" in capsys.readouterr().out
    with open(tmp_path / "g" / "geocode_report.csv", encoding="utf-8") as stream:
        report = {r["order_id"]: r for r in csv.DictReader(stream)}
    assert (report["WO-1"]["status"], report["WO-1"]["match"]) == ("ok", "exact")
    assert report["WO-2"]["status"] == "low_confidence"
    assert "Avenida 25 de Abril" in report["WO-2"]["candidates"]
    assert float(report["WO-2"]["error_m"]) > 1000
    assert report["WO-3"]["status"] == "ambiguous"
    assert report["WO-3"]["candidates"].count(" | ") == 1
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out), "--quiet"]) == 0
    # the solve writes the report its summary points to (it did not)
    with open(out / "geocode_report.csv", encoding="utf-8") as stream:
        assert {r["order_id"]: r["status"] for r in csv.DictReader(stream)} == {
            "WO-1": "ok", "WO-2": "low_confidence", "WO-3": "ambiguous"}
    data = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    codes = {u["order_id"]: u["code"] for u in data["unassigned"]}
    assert codes == {"WO-2": "GEOCODE_REVIEW", "WO-3": "ADDRESS_AMBIGUOUS"}
    # the reasons say how sure and which places, not only "needs review"
    reasons = {u["order_id"]: u["reason"] for u in data["unassigned"]}
    assert re.fullmatch(r"geocode below min_confidence: needs review \(confidence 0\.\d\d < "
                        r"0\.5, error radius \d+ m\)", reasons["WO-2"]), reasons["WO-2"]
    assert reasons["WO-3"].startswith("ambiguous address (2 places: ")
    [stop] = [s for r in data["routes"] for s in r["stops"]]
    assert (stop["order_id"], stop["geocode_error_m"]) == ("WO-1", 15.0)
    assert main(["verify", str(out / "schedule.json")]) == 0


def test_route_low_confidence_routes_it_flagged_on_every_page(tmp_path):
    """With route_low_confidence = true the street-only order is routed, its error radius
    goes into schedule.json, and the overview and the technician's page both flag it."""
    folder = _two_towns_scenario(tmp_path / "s", route_low_confidence=True)
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out), "--quiet"]) == 0
    data = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    stops = {s["order_id"]: s for r in data["routes"] for s in r["stops"]}
    assert set(stops) == {"WO-1", "WO-2"}
    assert stops["WO-2"]["geocode_error_m"] > 1000
    assert main(["verify", str(out / "schedule.json")]) == 0
    for page in ("overview.html", "tech-T1.html"):
        html = (out / page).read_text(encoding="utf-8").replace("\\u00b1", "±")
        assert re.search(r"approximate location \(geocode confidence 0\.\d\d, ±1\d{3} m\)",
                         html), page


def test_slots_for_an_address_it_cannot_place_say_what_was_found(tmp_path, capsys):
    """A caller's address below min_confidence gets no slot, and the answer says why in
    full: the confidence, the error radius and what was found (before: "needs review"
    only), with the geocoding's own code; an ambiguous one lists both places."""
    folder = _two_towns_scenario(tmp_path / "s", route_low_confidence=False)
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out), "--quiet"]) == 0
    request = tmp_path / "request.csv"
    for address, expected in (
            ("Avenida 25 de Abril, 4760-505 Arcozelo",
             ["needs review (confidence", "error radius", "found: Avenida 25 de Abril",
              "(GEOCODE_REVIEW)"]),
            ("Avenida João Paulo II 10", ["Barcelinhos (exact", "Arcozelo (exact",
                                          "(ADDRESS_AMBIGUOUS)"])):
        request.write_text(f'order_id,customer,address,service_min\nR-1,New,"{address}",30\n',
                           encoding="utf-8")
        capsys.readouterr()
        assert main(["slots", str(out / "schedule.json"), str(request)]) == 3
        said = capsys.readouterr().out
        assert "no slot for R-1" in said and all(e in said for e in expected), said
