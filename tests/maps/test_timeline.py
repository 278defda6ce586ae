"""The timeline and the "late or at risk" list, checked in the HTML (no browser)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from maps.conftest import at
from optimizer.maps import content as c
from optimizer.maps.timeline import (
    PRIORITY_COLOURS,
    Span,
    at_risk_minutes,
    build_timeline_page,
    risk_list_html,
    timeline_html,
)
from optimizer.model import Priority, ScheduledBreak, TimeWindow


def _rows(html: str) -> dict[str, str]:
    """data-tech-id -> the row's HTML."""
    parts = re.split(r'(?=<div class="fso-tl-row" data-tech-id=")', html)
    out = {}
    for part in parts[1:]:
        tech = re.match(r'<div class="fso-tl-row" data-tech-id="([^"]*)"', part).group(1)
        out[tech] = part
    return out


def _timeline(problem, schedule) -> str:
    return timeline_html(problem, schedule, c.route_colours(schedule), c.Clock.of(schedule))


def test_one_row_per_technician_with_a_shift_idle_ones_included(problem, schedule):
    """T1 and T2 have routes, T3 only a shift: three rows, in route order then the rest."""
    rows = _rows(_timeline(problem, schedule))
    assert list(rows) == ["T1", "t2/../&quot;&lt;b&gt;&#x27;x", "T3"]
    assert rows["T3"].count("fso-tl-visit") == 0 and rows["T3"].count("fso-tl-shift") == 1


def test_visits_are_coloured_by_priority_and_the_late_one_is_marked(problem, schedule):
    """T1: O1 (high), O2 (normal), O3 (critical, 25 min late: class fso-tl-late and said so
    in its label), a lunch block, travel blocks, and the day runs 07:00 to 16:00."""
    row = _rows(_timeline(problem, schedule))["T1"]
    visits = re.findall(r'<div class="fso-tl-b fso-tl-visit( fso-tl-late)?"[^>]*'
                        r'data-order-id="([^"]+)" data-priority="(\w+)" aria-label="([^"]*)" '
                        r'style="[^"]*background:(#\w+)', row)
    assert [(v[1], v[2], v[0] != "", v[4]) for v in visits] == [
        ("O1", "high", False, PRIORITY_COLOURS[Priority.HIGH]),
        ("O2&lt;script&gt;alert(1)&lt;/script&gt;", "normal", False,
         PRIORITY_COLOURS[Priority.NORMAL]),
        ("O3", "critical", True, PRIORITY_COLOURS[Priority.CRITICAL]),
    ]
    assert visits[2][3] == "3. O3 13:25–14:25, late by 25 min"
    assert row.count('data-kind="lunch"') == 1
    assert row.count('data-kind="travel"') == 4  # three legs and the way back
    span = Span.of(problem, schedule)
    assert (span.start, span.end) == (at("07:00"), at("17:00"))


def test_blocks_sit_at_their_times(problem, schedule):
    """A block's left edge and width are its times as a share of the day (07:00-17:00)."""
    row = _rows(_timeline(problem, schedule))["T1"]
    lunch = re.search(r'data-kind="lunch" style="left:([\d.]+)%;width:([\d.]+)%', row)
    assert float(lunch.group(1)) == 50.0  # 12:00 is half of 07:00-17:00
    assert float(lunch.group(2)) == 5.0  # 30 min of 600


def test_overtime_and_absences_are_drawn(problem, schedule):
    """A route that ends after its shift gets an overtime block from the shift's end; a
    break of another kind than lunch is an absence."""
    t1 = schedule.routes[0]
    late_end = replace(t1, end=at("17:10"), breaks=(
        *t1.breaks, ScheduledBreak("doctor", at("10:15"), at("11:00"))))
    longer = replace(schedule, routes=(late_end, *schedule.routes[1:]))
    row = _rows(_timeline(problem, longer))["T1"]
    over = re.search(r'data-kind="overtime" style="left:([\d.]+)%;width:([\d.]+)%" '
                     r'title="([^"]*)"', row)
    assert over.group(3) == "overtime 40 min"  # shift ends 16:30
    assert float(over.group(1)) == round(Span.of(problem, longer).pct(at("16:30")), 3)
    assert 'data-kind="absence"' in row and "doctor 10:15–11:00" in row
    assert 'data-kind="overtime"' not in _rows(_timeline(problem, schedule))["T1"]


def test_at_risk_means_little_time_to_spare(problem, schedule):
    """O1 starts 08:00 in an 08:00-12:00 window, due 11:00: 180 min to spare, not at risk;
    moved to 10:40 it has 20 min and is at risk; a late stop is late, not at risk."""
    o1 = problem.orders[0]
    stop = schedule.routes[0].stops[0]
    assert at_risk_minutes(stop, o1) is None
    later = replace(stop, start=at("10:40"))
    assert at_risk_minutes(later, o1) == 20
    window_only = replace(o1, sla_due=None, time_windows=(TimeWindow(at("10:00"), at("10:50")),))
    assert at_risk_minutes(later, window_only) == 10
    assert at_risk_minutes(replace(later, sla_late_s=60), o1) is None
    assert at_risk_minutes(stop, None) is None


def test_risk_list_puts_the_latest_first_then_the_tightest(problem, schedule):
    """O3 (late 25 min) comes first; O1 moved to 10:40 (20 min to spare) after it."""
    t1 = schedule.routes[0]
    stops = (replace(t1.stops[0], start=at("10:40"), end=at("11:25")), *t1.stops[1:])
    tight = replace(schedule, routes=(replace(t1, stops=stops), *schedule.routes[1:]))
    html = risk_list_html(problem, tight, c.Clock.of(tight))
    items = re.findall(r'<li data-status="(\w+)"><button type="button" class="fso-focus" '
                       r'data-route="(\d+)" data-seq="(\d+)"><b>([^<]*)</b>', html)
    assert items == [("late", "0", "3", "O3"), ("risk", "0", "1", "O1")]
    assert "Late or at risk (2)" in html and "20 min to spare" in html
    none = replace(schedule, routes=())
    assert "Late or at risk (0)" in risk_list_html(problem, none, c.Clock.of(none))


def test_timeline_page_is_self_contained_and_links_back(problem, schedule):
    """timeline.html loads nothing, links the overview and the index, and its hover cards
    are the stops' popups, escaped for the script."""
    page = build_timeline_page(problem, schedule)
    assert "<script src" not in page and "<link" not in page
    assert 'href="overview.html"' in page and 'href="index.html"' in page
    assert page.count('class="fso-tl-row" data-tech-id=') == 3
    assert '"0-3": "\\u003cdiv class=\\"fso-popup\\"\\u003e' in page
    assert "late by 25 min" in page
    assert "overview.html#stop=" in page


def test_timeline_pushes_late_stops_past_the_hour(problem, schedule):
    """A route that ends at 17:10 stretches the day to 18:00."""
    t1 = replace(schedule.routes[0], end=at("17:10"))
    longer = replace(schedule, routes=(t1, *schedule.routes[1:]))
    span = Span.of(problem, longer)
    assert span.end == at("18:00") and span.start == at("07:00")
    assert span.pct(at("12:30")) == 50.0
    assert span.pct(at("06:00")) == 0.0 and span.pct(at("19:00")) == 100.0
    assert span.end - span.start == timedelta(hours=11)
