"""The one diff of two schedules, used by compare and by re-plan."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from factories import PLAN_DATE, at, point

from optimizer.model import Route, Schedule, SolveMeta, Stop, Unassigned
from optimizer.report.changes import OrderChange, changed_techs, order_changes

META = SolveMeta(0, 1.0, None, "explicit", "ok", 0, 0.0, {})


def _schedule(routes: dict[str, list[tuple[str, str]]], unassigned=(), *,
              plan_date: date = PLAN_DATE, clock=at) -> Schedule:
    """A schedule from ``{tech: [(order, "HH:MM start"), ...]}`` and unassigned order ids."""
    built = []
    for tech_id, visits in routes.items():
        stops = tuple(Stop(oid, point(1), clock(hhmm), clock(hhmm), clock(hhmm), 0, 0, 0)
                      for oid, hhmm in visits)
        built.append(Route(tech_id, tech_id, point(0), point(0), clock("08:00"),
                           clock("17:00"), stops))
    return Schedule("tiny", plan_date, "Europe/Vaduz", tuple(built),
                    tuple(Unassigned(oid, f"why {oid}") for oid in unassigned), META)


OLD = _schedule({"t1": [("kept", "09:00"), ("late", "10:00"), ("moved", "11:00"),
                        ("dropped", "12:00"), ("gone", "13:00"), ("done", "08:30")],
                 "t2": []},
                ["waiting", "taken"])
NEW = _schedule({"t1": [("kept", "09:20"), ("late", "10:45"), ("taken", "14:00"),
                        ("fresh", "15:00")],
                 "t2": [("moved", "11:00")]},
                ["dropped", "waiting", "fresh2"])


def _status(changes) -> dict[str, str]:
    return {c.order_id: c.status for c in changes}


def test_every_status_of_a_replan():
    """With frozen orders, cancellations and a 30-minute tolerance, each order gets its status."""
    changes = order_changes(OLD, NEW, frozen={"done": "completed"}, cancelled={"gone"},
                            tolerance_min=30)
    assert _status(changes) == {
        "kept": "kept", "late": "retimed", "moved": "moved", "dropped": "newly unassigned",
        "gone": "cancelled", "done": "completed", "waiting": "still unassigned",
        "taken": "newly assigned", "fresh": "new, assigned", "fresh2": "new, unassigned",
    }
    by_id = {c.order_id: c for c in changes}
    assert by_id["moved"] == OrderChange("moved", "moved", "t1", "t2", at("11:00"), at("11:00"))
    assert by_id["dropped"] == OrderChange("dropped", "newly unassigned", "t1", None,
                                           at("12:00"), None, "why dropped")
    assert [c.order_id for c in changes] == ["kept", "late", "moved", "dropped", "gone", "done",
                                             "waiting", "taken", "fresh", "fresh2"]


def test_compare_has_no_retimed_and_an_order_the_whatif_removes_is_cancelled():
    """Without a tolerance a later start with the same technician is kept; an order the
    what-if removes is cancelled and one it adds is new, in the same words as a re-plan."""
    status = _status(order_changes(OLD, NEW))
    assert (status["late"], status["gone"], status["done"]) == ("kept", "cancelled", "cancelled")
    assert (status["fresh"], status["fresh2"]) == ("new, assigned", "new, unassigned")


def test_changed_orders_and_technicians():
    """`changed` leaves out kept, still unassigned and settled orders; a cancelled or moved
    order changes the pages of both its technicians."""
    changes = order_changes(OLD, NEW, frozen={"done": "completed"}, cancelled={"gone"},
                            tolerance_min=30)
    assert [c.order_id for c in changes if c.changed] == [
        "late", "moved", "dropped", "gone", "taken", "fresh", "fresh2"]
    assert changed_techs(changes) == ("t1", "t2")
    kept_only = order_changes(OLD, OLD)
    assert not any(c.changed for c in kept_only) and changed_techs(kept_only) == ()


def test_retimed_counts_real_minutes_across_the_clock_change():
    """On 29 March 2026, 01:50 to 03:10 on the clock is 20 real minutes: kept within 30."""
    tz = ZoneInfo("Europe/Vaduz")
    day = date(2026, 3, 29)

    def clock(hhmm: str) -> datetime:
        hours, minutes = map(int, hhmm.split(":"))
        return datetime(2026, 3, 29, hours, minutes, tzinfo=tz)

    old = _schedule({"t1": [("a", "01:50")]}, plan_date=day, clock=clock)
    new = _schedule({"t1": [("a", "03:10")]}, plan_date=day, clock=clock)
    assert _status(order_changes(old, new, tolerance_min=30)) == {"a": "kept"}
    assert _status(order_changes(old, new, tolerance_min=15)) == {"a": "retimed"}
