"""The map pages of a plan of several days (optimizer/maps/days.py), without a browser."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from factories import FAST, PLAN_DATE, line_matrix, order, problem, shift, tech, window

from optimizer.maps import render_maps
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve

DAY2 = PLAN_DATE + timedelta(days=1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    first = replace(shift("t1"), shift_id=f"t1@{PLAN_DATE}")
    step = timedelta(days=1)
    second = replace(first, shift_id=f"t1@{DAY2}", start=first.start + step,
                     end=first.end + step)
    p = problem([order("A", 1, time_windows=(window("09:00", "10:00"),)),
                 order("B", 2, earliest_date=DAY2)], [tech("t1")],
                [first, second], days=2)
    schedule = with_kpis(p, solve(p, line_matrix(4), FAST))
    assert {r.shift_id for r in schedule.routes} == {first.shift_id, second.shift_id}
    out = tmp_path_factory.mktemp("days")
    return {path.name: path.read_text(encoding="utf-8")
            for path in render_maps(p, schedule, out, tiles=None)}


def test_one_page_per_technician_and_day_and_one_overview_per_day(site):
    """tech-<id>-<date>.html per day with a route; overview-<date>.html per working day."""
    assert {f"tech-t1-{PLAN_DATE}.html", f"tech-t1-{DAY2}.html", "overview.html",
            f"overview-{PLAN_DATE}.html", f"overview-{DAY2}.html", "index.html"} == set(site)
    assert "Customer A" in site[f"tech-t1-{PLAN_DATE}.html"]
    assert "Customer B" not in site[f"tech-t1-{PLAN_DATE}.html"]
    assert "Customer B" in site[f"tech-t1-{DAY2}.html"]


def test_the_index_links_every_day_and_every_overview_has_a_day_selector(site):
    """The index links each day's overview and technician pages; each overview links the
    other days, marking its own."""
    index = site["index.html"]
    for day in (PLAN_DATE, DAY2):
        assert f'href="overview-{day}.html"' in index
        assert f'href="tech-t1-{day}.html"' in index
    for name in ("overview.html", f"overview-{PLAN_DATE}.html", f"overview-{DAY2}.html"):
        page = site[name]
        assert 'class="fso-days"' in page
        assert f'href="overview-{PLAN_DATE}.html"' in page
        assert f'href="overview-{DAY2}.html"' in page
    assert f'<a href="overview-{DAY2}.html" aria-current=page>' in site[f"overview-{DAY2}.html"]
