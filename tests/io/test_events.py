"""Re-planning events from CSV or JSON: every row named by file and row, all problems at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from factories import at

from optimizer.errors import InputError
from optimizer.io.events import event_from_dict, event_to_dict, parse_moment, read_events
from optimizer.model import Location, Priority, TimeWindow, WorkOrder
from optimizer.replanning import Event

DAY = date(2026, 12, 1)
TZ = "Europe/Vaduz"


def test_each_event_remembers_its_file_and_row(tmp_path):
    """The header is row 1 of a CSV and a blank line is a row too (as in a spreadsheet);
    in JSON, row N is the N-th object."""
    csv = tmp_path / "events.csv"
    csv.write_text("event,order_id,tech_id\ncompleted,o1,\n\ncancelled,o2,\n")
    js = tmp_path / "events.json"
    js.write_text('[{"event": "completed", "order_id": "o1"}, {"event": "cancelled", '
                  '"order_id": "o2"}]')
    assert [e.source for e in read_events(csv, DAY, TZ)] == [f"{csv} row 2", f"{csv} row 4"]
    assert [e.source for e in read_events(js, DAY, TZ)] == [f"{js} row 1", f"{js} row 2"]


def test_a_new_order_missing_several_columns_names_them_all(tmp_path):
    """No service_min and no lat/lon: all three are reported for the row, not only the first."""
    path = tmp_path / "events.csv"
    path.write_text("event,order_id,lat,lon,service_min\nnew_order,X1,,,\n")
    with pytest.raises(InputError) as info:
        read_events(path, DAY, TZ)
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [
        f"{path} row 2, service_min=''", f"{path} row 2, lat=''", f"{path} row 2, lon=''"]


def test_events_survive_a_round_trip_through_json_dicts():
    """What a re-planned schedule.json stores gives back the same events, times in the zone."""
    order = WorkOrder("EM-1", "Hilti", Location(47.1653, 9.5092, "Feldkircher Strasse 100"), 45,
                      required_skills=frozenset({"electrical"}), priority=Priority.CRITICAL,
                      time_windows=(TimeWindow(at("13:00"), at("17:00")),), sla_due=at("15:00"),
                      preferred_techs=frozenset({"T01", "T02"}), notes="outage", phone="+423")
    events = [
        Event("completed", order_id="WO-1", source="e.csv row 2"),
        Event("in_progress", order_id="WO-2", time=at("13:20")),
        Event("position", tech_id="T05", location=Location(47.141, 9.521, "reported position")),
        Event("duration", order_id="WO-3", service_min=90.5),
        Event("new_order", order_id="EM-1", order=order),
        Event("unavailable", tech_id="T02", time=at("10:00"), until=at("12:30")),
    ]
    again = [event_from_dict(event_to_dict(e), ZoneInfo(TZ)) for e in events]
    assert again == events
    assert again[0].source == "e.csv row 2"
    assert again[1].time.tzinfo == ZoneInfo(TZ)


def test_a_new_order_keeps_every_field_through_a_round_trip():
    """A re-planned schedule.json rebuilds the new order the re-plan solved for: every field
    of a work order survives (only ``areas``, derived from the location, is not stored)."""
    from datetime import date

    order = WorkOrder(
        "EM-2", "Hilti", Location(47.1653, 9.5092, "Feldkircher Strasse 100"), 45,
        required_skills=frozenset({"electrical"}), priority=Priority.HIGH,
        time_windows=(TimeWindow(at("13:00"), at("17:00")),), sla_due=at("15:00"),
        preferred_techs=frozenset({"T01"}), excluded_techs=frozenset({"T02"}),
        required_parts=frozenset({"fuse"}), demand=2, phone="+423", notes="outage",
        address="Feldkircher Strasse 100, 9494 Schaan", geocode_confidence=0.8,
        location_issue="", promised_tech="T01", promised_start=at("13:30"), pinned=True,
        created_at=at("08:10"), remote_resolvable=True, parts_ready_at=at("12:00"),
        postcode="9494", earliest_date=date(2026, 3, 2), due_date=date(2026, 3, 4),
        geocode_error_m=25.0, stop_overhead_min=7.5)
    event = Event("new_order", order_id="EM-2", order=order)
    assert event_from_dict(event_to_dict(event), ZoneInfo(TZ)).order == order


def test_every_missing_column_of_an_event_is_named(tmp_path):
    """A position without lat and lon and tech, a completed without order: each column named."""
    path = tmp_path / "events.csv"
    path.write_text("event,order_id,tech_id,lat,lon,time\nposition,,,,,\ncompleted,,,,,\n"
                    "unavailable,,T1,,,\n")
    with pytest.raises(InputError) as info:
        read_events(path, DAY, TZ)
    assert [p.split(":")[0] for p in info.value.problems] == [
        f"{path} row 2, tech_id=''", f"{path} row 2, lat=''", f"{path} row 2, lon=''",
        f"{path} row 3, order_id=''", f"{path} row 4, time=''"]


def test_parse_moment_reads_a_clock_a_date_time_or_a_datetime():
    """`--now` as HH:MM on the plan date, an ISO date-time (naive = local), or a datetime;
    each comes back aware, in the scenario's time zone."""
    tz = ZoneInfo(TZ)
    assert parse_moment("13:05", DAY, tz) == at("13:05")
    assert parse_moment(" 2026-12-01 13:05 ", DAY, tz) == at("13:05")
    assert parse_moment("2026-12-01T12:05:00+00:00", DAY, tz) == at("13:05")
    assert parse_moment(datetime(2026, 12, 1, 13, 5), DAY, tz) == at("13:05")
    moment = parse_moment(datetime(2026, 12, 1, 12, 5, tzinfo=UTC), DAY, tz)
    assert moment == at("13:05") and moment.tzinfo == tz


@pytest.mark.parametrize("text", ["25:99", "noon", ""])
def test_parse_moment_names_text_that_is_not_a_time(text):
    """Anything else is an InputError naming the option and the text as given."""
    with pytest.raises(InputError, match=f"--now '{text}': not a time"):
        parse_moment(text, DAY, ZoneInfo(TZ))


def test_a_time_the_clocks_skip_is_refused_not_moved(tmp_path):
    """02:30 on 28 March 2027 does not exist in Vaduz (the clocks go from 02:00 to 03:00):
    --now and an event's time were silently taken as 03:30; now both are refused, naming
    the time. 01:30 and 03:30 that day are fine."""
    spring = date(2027, 3, 28)
    with pytest.raises(InputError, match="2027-03-28 02:30 does not exist in Europe/Vaduz"):
        parse_moment("02:30", spring, ZoneInfo(TZ))
    assert parse_moment("03:30", spring, ZoneInfo(TZ)).hour == 3
    csv = tmp_path / "events.csv"
    csv.write_text("event,tech_id,time\nunavailable,t1,02:30\nunavailable,t2,01:30\n")
    with pytest.raises(InputError) as info:
        read_events(csv, spring, TZ)
    assert info.value.problems == [
        f"{csv} row 2, time='02:30': 2027-03-28 02:30 does not exist in Europe/Vaduz: the "
        "clocks go forward then (give the time before or after the change)"]
