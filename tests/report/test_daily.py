"""report.html: what it says, that it needs nothing from the network, and how it renders
in a real browser (Debian's chromium via Playwright) with every request but file:// blocked."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from factories import FAST, at, line_matrix, order, problem, shift, tech, window

from optimizer.model import Priority
from optimizer.report.daily import daily_report
from optimizer.report.kpis import with_kpis
from optimizer.solver import solve

M = line_matrix(6)
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def day():
    """Six orders: four visits (one late for its SLA), one remote, one no one has the skill
    for (blocked by skills), and one whose parts never come (blocked by parts)."""
    p = problem([
        order("A", 1, postcode="9490", created_at=at("06:00"), priority=Priority.HIGH),
        order("B", 2, postcode="9490", sla_due=at("08:00"),
              time_windows=(window("10:00", "11:00"),)),
        order("C", 3, postcode="9494", areas=frozenset({"<script>alert(1)</script>"})),
        order("D", 4, postcode="9494"),
        order("R", 5, remote_resolvable=True),
        order("S", 5, required_skills=frozenset({"gas"})),
        order("P", 5, parts_ready_at=at("20:00")),
    ], [tech("t1")], [shift("t1")])
    return p, with_kpis(p, solve(p, M, FAST))


def test_report_states_the_day_with_its_charts(day):
    """Eight charts with captions; remote share 1 of 7; the KPI and response tables carry
    the day's numbers; nothing to fetch and no script (an area's name is escaped)."""
    p, schedule = day
    page = daily_report(p, schedule)
    assert page.count("<figure>") == 8 and page.count("<svg") == 8
    assert "Remote-resolvable share: 14.3% of 7 orders" in page
    assert "<tr><td>resolved remotely</td><td>1 (14.3%)</td></tr>" in page
    assert "<tr><td>unassigned (not remote)</td><td>2</td></tr>" in page
    assert "<tr><td>SLA on time, of all SLA orders</td><td>0 / 1 (0.0%)</td></tr>" in page
    assert re.search(r"<tr><td>high</td><td>8 h</td><td>1</td><td>1 \(100\.0%\)</td>", page)
    assert "<script" not in page.lower()  # the area's payload is only there escaped
    assert "&lt;script&gt;alert(1)" in page
    assert not re.search(r"(src|href)=\"https?:", page)


def _png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_report_renders_offline_in_chromium(day, tmp_path):
    """Opened from file:// with the network blocked: no request leaves, no JS or console
    error, every chart is laid out with a size, and the screenshot is a real picture."""
    from playwright.sync_api import sync_playwright

    p, schedule = day
    path = tmp_path / "report.html"
    path.write_text(daily_report(p, schedule), encoding="utf-8")
    blocked: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                       else (blocked.append(r.request.url), r.abort()))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            sizes = page.eval_on_selector_all(
                "figure svg", "els => els.map(e => [e.getBoundingClientRect().width, "
                "e.getBoundingClientRect().height])")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert blocked == [] and errors == []
    assert len(sizes) == 8 and all(w > 100 and h > 80 for w, h in sizes)
    width, height = _png_size(shot)
    assert width == 1280 and height > 900
    assert shot.stat().st_size > 20_000
