"""The map pages of a plan of several days (optimizer/maps/days.py), without a browser."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from factories import FAST, PLAN_DATE, line_matrix, order, problem, shift, tech, window

from optimizer.maps import render_maps
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve

DAY2 = PLAN_DATE + timedelta(days=1)


@pytest.fixture(scope="module")
def week():
    first = replace(shift("t1"), shift_id=f"t1@{PLAN_DATE}")
    step = timedelta(days=1)
    second = replace(first, shift_id=f"t1@{DAY2}", start=first.start + step,
                     end=first.end + step)
    p = problem([order("A", 1, time_windows=(window("09:00", "10:00"),)),
                 order("B", 2, earliest_date=DAY2)], [tech("t1")],
                [first, second], days=2)
    schedule = with_kpis(p, solve(p, line_matrix(4), FAST))
    assert {r.shift_id for r in schedule.routes} == {first.shift_id, second.shift_id}
    return p, schedule


@pytest.fixture(scope="module")
def folder(tmp_path_factory, week):
    out = tmp_path_factory.mktemp("days")
    render_maps(*week, out, tiles=None)
    return out


@pytest.fixture(scope="module")
def site(folder):
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}


def test_one_page_per_technician_and_day_and_one_overview_per_day(site):
    """tech-<id>-<date>.html per day with a route; overview-<date>.html per working day."""
    assert {f"tech-t1-{PLAN_DATE}.html", f"tech-t1-{DAY2}.html", "overview.html",
            f"overview-{PLAN_DATE}.html", f"overview-{DAY2}.html", "index.html",
            "timeline.html"} == set(site)
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


def test_the_pages_of_several_days_keep_the_links_and_the_privacy_of_one_day(tmp_path, week):
    """A week's overviews linked timeline.html, which was never written; its index left out
    report.html; and [privacy] phone_pages = "minimal" did not reach its phone pages."""
    full, small = tmp_path / "full", tmp_path / "minimal"
    render_maps(*week, full, tiles=None)
    render_maps(*week, small, tiles=None, minimal=True, links=(("report.html", "Report"),))
    index = (small / "index.html").read_text(encoding="utf-8")
    assert 'href="report.html"' in index and 'href="timeline.html"' in index
    assert "Customer A" in (small / "timeline.html").read_text(encoding="utf-8")
    assert 'href="timeline.html"' in (small / f"overview-{PLAN_DATE}.html").read_text(
        encoding="utf-8")
    page = f"tech-t1-{PLAN_DATE}.html"
    assert " km</p>" in (full / page).read_text(encoding="utf-8")
    assert " km</p>" not in (small / page).read_text(encoding="utf-8")


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                    reason="needs Debian's chromium at /usr/bin/chromium")
def test_a_day_overview_loads_in_a_browser_and_its_selector_leads_to_the_next_day(folder):
    """Day 1's overview draws its one stop with no JavaScript error; the selector's link
    to day 2 opens day 2's overview, which draws day 2's stop."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("http*://**", lambda route: route.abort())
        page.goto((folder / f"overview-{PLAN_DATE}.html").as_uri())
        page.wait_for_selector(".fso-map[data-ready='1']")
        assert page.get_attribute(".fso-map", "data-count-stop") == "1"
        page.click(f'nav.fso-days a[href="overview-{DAY2}.html"]')
        page.wait_for_selector(".fso-map[data-ready='1']")
        assert page.url.endswith(f"overview-{DAY2}.html")
        assert "Customer B" in page.content()
        browser.close()
    assert errors == []


def test_a_day_without_a_route_any_more_gets_an_empty_page(tmp_path):
    """After a re-plan takes B off day 2, the old tech-t1-<day 2>.html listing it was left
    in the folder (the index no longer linked it, a bookmark still did); now it is
    rewritten without stops."""
    first = replace(shift("t1"), shift_id=f"t1@{PLAN_DATE}")
    step = timedelta(days=1)
    second = replace(first, shift_id=f"t1@{DAY2}", start=first.start + step,
                     end=first.end + step)
    p = problem([order("A", 1, time_windows=(window("09:00", "10:00"),)),
                 order("B", 2, earliest_date=DAY2)], [tech("t1")], [first, second], days=2)
    schedule = with_kpis(p, solve(p, line_matrix(4), FAST))
    render_maps(p, schedule, tmp_path, tiles=None)
    assert "Customer B" in (tmp_path / f"tech-t1-{DAY2}.html").read_text(encoding="utf-8")
    without_b = replace(p, orders=p.orders[:1])
    later = with_kpis(without_b, solve(without_b, line_matrix(4), FAST))
    assert {r.shift_id for r in later.routes} == {first.shift_id}
    render_maps(without_b, later, tmp_path, tiles=None)
    assert "Customer B" not in (tmp_path / f"tech-t1-{DAY2}.html").read_text(encoding="utf-8")


def test_the_whole_plan_pages_name_every_day_in_their_titles(site):
    """The whole plan's overview said only the first day in its title; a day's overview
    says its own day."""
    assert f"{PLAN_DATE} to {DAY2}</title>" in site["overview.html"]
    assert f"– {PLAN_DATE}</title>" in site[f"overview-{PLAN_DATE}.html"]
