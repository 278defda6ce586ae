"""schedule.json: exact times on daylight-saving days, a scenario path that works from
anywhere, older files still read, and the re-plan section."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import FAST, line_matrix, order, point, problem, shift, tech

from optimizer import api, outputs
from optimizer.errors import InputError
from optimizer.io.schedule_json import read_document, read_json, write_json
from optimizer.model import Break, Problem, ReasonCode, Shift, TimeWindow, WorkOrder
from optimizer.solver import solve
from optimizer.solver.verify import verify

TINY = Path(__file__).parents[1] / "data" / "tiny"
VADUZ = ZoneInfo("Europe/Vaduz")
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25)]


def _clock(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VADUZ)


def _dst_problem(day: date) -> Problem:
    orders = tuple(
        WorkOrder(f"o{k}", f"c{k}", point(k), 40,
                  time_windows=(TimeWindow(_clock(day, 8 + k), _clock(day, 8 + k, 15)),))
        for k in range(1, 6))
    shift = Shift("t1", "t1", _clock(day, 8), _clock(day, 17), point(0), point(0),
                  (Break(_clock(day, 13), _clock(day, 15), 30),))
    return Problem("dst", day, "Europe/Vaduz", orders, (tech("t1"),), (shift,))


@pytest.mark.parametrize("day", DST_DAYS)
def test_a_schedule_on_a_daylight_saving_day_reads_back_exact(day, tmp_path):
    """Solve, write, read back: same instants, same local clock times, and the verifier finds
    nothing (before, 09:00 read back at a fixed offset was an hour outside its window)."""
    problem, matrix = _dst_problem(day), line_matrix(6)
    schedule = solve(problem, matrix, FAST)
    assert len(schedule.routes[0].stops) == 5 and verify(problem, matrix, schedule) == []
    again = read_json(write_json(schedule, tmp_path / "schedule.json"))
    assert again.routes == schedule.routes
    first = again.routes[0].stops[0]
    assert (first.start.hour, first.start.tzinfo) == (9, VADUZ)
    assert verify(problem, matrix, again) == []


@pytest.mark.parametrize("day", DST_DAYS)
def test_a_scenario_on_a_daylight_saving_day_solves_and_verifies(day, tmp_path):
    """The tiny scenario moved to a change day: its clock times load, solve, write and
    verify clean; the 09:00-11:00 appointment starts at 09:00 or later, local time."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text().replace("2026-12-01", day.isoformat()))
    result = api.solve_scenario(folder, time_limit_s=2, solution_limit=30)
    paths = outputs.write(result, tmp_path / "out", maps=False)
    assert api.verify_file(paths["json"]) == []
    starts = {s.order_id: s.start for r in read_json(paths["json"]).routes for s in r.stops}
    assert _clock(day, 9) <= starts["WO-1"] <= _clock(day, 11)


def test_the_scenario_path_works_from_any_folder_and_after_a_move(tmp_path, monkeypatch):
    """The scenario folder is recorded relative to the schedule's own folder (and absolute):
    verify needs no --scenario from another directory, nor after the whole tree moves."""
    root = tmp_path / "repo"
    shutil.copytree(TINY, root / "scenarios" / "tiny")
    monkeypatch.chdir(root)
    result = api.solve_scenario("scenarios/tiny", time_limit_s=1, solution_limit=20)
    paths = outputs.write(result, Path("maps_output/tiny"), maps=False)
    data = json.loads(paths["json"].read_text())
    assert data["meta"]["scenario"] == "../../scenarios/tiny"
    monkeypatch.chdir(tmp_path)
    assert api.verify_file(root / "maps_output/tiny/schedule.json") == []
    moved = tmp_path / "elsewhere"
    root.rename(moved)
    assert Path(read_json(moved / "maps_output/tiny/schedule.json").meta.scenario) == \
        moved / "scenarios/tiny"
    assert api.verify_file(moved / "maps_output/tiny/schedule.json") == []


def test_format_1_files_still_read(tmp_path, monkeypatch):
    """A format-1 file (scenario relative to where the solve ran) still reads and verifies."""
    result = api.solve_scenario(TINY, time_limit_s=1, solution_limit=20)
    path = outputs.write(result, tmp_path, maps=False)["json"]
    data = json.loads(path.read_text())
    data["format_version"] = 1
    data["meta"].pop("scenario_absolute")
    data["meta"]["scenario"] = "tests/data/tiny"
    path.write_text(json.dumps(data))
    monkeypatch.chdir(TINY.parents[2])
    schedule, record = read_document(path)
    assert record is None and Path(schedule.meta.scenario).resolve() == TINY.resolve()
    assert api.verify_file(path) == []


def test_an_unknown_format_version_is_an_input_error(tmp_path):
    """A file from a newer fsopt says which versions this one reads."""
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps({"format_version": 99}))
    with pytest.raises(InputError, match="format_version=99, expected one of 1, 2"):
        read_json(path)


def test_unassigned_codes_round_trip_and_old_files_read_as_unknown(tmp_path):
    """Each unassigned order's code is written beside its reason and read back; a file
    without codes (written before them) or with a code this version does not know reads
    as UNKNOWN, reason kept."""
    p = problem([order("A", 1, required_skills=frozenset({"lift"})),
                 order("B", 1, required_parts=frozenset({"pump"}))], [tech("t1")], [shift("t1")])
    schedule = solve(p, line_matrix(3), FAST)
    path = write_json(schedule, tmp_path / "schedule.json")
    data = json.loads(path.read_text())
    assert data["unassigned"] == [
        {"order_id": "A", "code": "NO_SKILL", "reason": "no technician has the skill lift"},
        {"order_id": "B", "code": "NO_PART", "reason": "no technician carries the part pump"}]
    assert read_json(path).unassigned == schedule.unassigned
    del data["unassigned"][0]["code"]
    data["unassigned"][1]["code"] = "FROM_THE_FUTURE"
    path.write_text(json.dumps(data))
    assert [(u.code, u.reason) for u in read_json(path).unassigned] == [
        (ReasonCode.UNKNOWN, "no technician has the skill lift"),
        (ReasonCode.UNKNOWN, "no technician carries the part pump")]
