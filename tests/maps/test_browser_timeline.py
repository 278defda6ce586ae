"""The timeline, the technician filter, a 1,000-stop day and the offline background in a
real browser (Debian's chromium through Playwright, every non-file request aborted).

Times are measured in ``benchmarks/maps_scale.py``; these tests assert behaviour only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_modules import load_benchmark

from maps.chromium import CHROMIUM, DESKTOP, png_size
from optimizer.geo.basemap import plan_box, read_basemap
from optimizer.maps import render_maps
from optimizer.model import Problem, Schedule

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

EXTRACT = Path(__file__).resolve().parents[2] / "scenarios" / "liechtenstein" / \
    "liechtenstein-2021-01.osm.bz2"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, problem: Problem, schedule: Schedule):
    out = tmp_path_factory.mktemp("timeline-site")
    return {p.name: p for p in render_maps(problem, schedule, out)}


@pytest.fixture(scope="module")
def day_1000():
    return load_benchmark("maps_scale").synthetic_day(1000)


@pytest.fixture(scope="module")
def basemap_1000(day_1000, tmp_path_factory):
    problem, _ = day_1000
    box = plan_box(o.location for o in problem.orders if o.location is not None)
    return read_basemap(EXTRACT, box, cache_dir=tmp_path_factory.mktemp("cache"))


def test_timeline_has_one_row_per_technician_and_marks_the_late_visit(open_page, site, tmp_path):
    """Three rows (T3 has a shift but no route), T1's late third visit drawn with a red
    outline, T1's lunch and the key shown; a desktop screenshot of it."""
    loaded = open_page(site["overview.html"])
    page = loaded.page
    rows = page.eval_on_selector_all(".fso-timeline .fso-tl-row[data-tech-id]",
                                     "els => els.map(e => e.dataset.techId)")
    assert rows == ["T1", "t2/../\"<b>'x", "T3"]
    late = page.locator(".fso-tl-visit.fso-tl-late")
    assert late.count() == 1
    assert late.get_attribute("data-order-id") == "O3"
    assert late.evaluate("e => getComputedStyle(e).outlineColor") == "rgb(176, 0, 32)"
    assert late.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    on_time = page.locator(".fso-tl-visit:not(.fso-tl-late)").first
    assert on_time.evaluate("e => getComputedStyle(e).outlineStyle") == "none"
    assert page.locator(".fso-tl-row[data-tech-id='T1'] .fso-tl-lunch").count() == 1
    assert late.is_visible() and late.bounding_box()["width"] > 10
    shot = tmp_path / "timeline-desktop.png"
    page.screenshot(path=str(shot))
    assert png_size(shot) == (DESKTOP["width"], DESKTOP["height"])
    assert loaded.js_errors() == []


def test_hovering_a_visit_shows_the_map_card_and_clicking_focuses_the_map(open_page, site):
    """The hover card is the stop's popup; a click zooms the map onto the stop and opens it."""
    loaded = open_page(site["overview.html"])
    page = loaded.page
    late = page.locator(".fso-tl-visit.fso-tl-late")
    late.hover()
    card = page.locator(".fso-tl-card")
    assert card.is_visible()
    assert "late by 25 min" in card.inner_text() and "CUSTC" in card.inner_text()
    popup_text = page.evaluate("""() => {
        const l = window.fso.layers.find(l => l.options.fsoKind === 'stop'
                                         && l.options.fsoRoute === 0 && l.options.fsoSeq === 3);
        const div = document.createElement('div');
        div.innerHTML = l.getPopup().getContent();
        return div.textContent; }""")
    assert card.text_content() == popup_text
    assert page.evaluate("window.fso.map.getZoom()") < 16
    late.click()
    page.wait_for_selector(".fso-map[data-focus='0-3']", state="attached")
    assert page.evaluate("window.fso.map.getZoom()") >= 16
    assert page.evaluate("""() => window.fso.layers.find(l => l.options.fsoKind === 'stop'
        && l.options.fsoRoute === 0 && l.options.fsoSeq === 3).isPopupOpen()""")
    # centred on O3 (52.525, 13.390), give or take the popup's pan (its card is tall here)
    center = page.evaluate("[window.fso.map.getCenter().lat, window.fso.map.getCenter().lng]")
    assert center == pytest.approx([52.525, 13.390], abs=0.01)
    assert not page.evaluate("window.fso.map.getBounds().contains([52.500, 13.350])")  # home
    assert "CUSTC" in page.inner_text(".leaflet-popup-content")
    assert not card.is_visible()
    assert loaded.js_errors() == []


def test_late_list_item_focuses_its_stop(open_page, site):
    """The "Late or at risk" list names O3 as late; clicking it focuses O3 on the map."""
    loaded = open_page(site["overview.html"])
    page = loaded.page
    items = page.locator(".fso-risk li[data-status]")
    assert items.count() == 1 and "late by 25 min" in items.first.inner_text()
    items.first.locator("button").click()
    page.wait_for_selector(".fso-map[data-focus='0-3']", state="attached")
    assert "CUSTC" in page.inner_text(".leaflet-popup-content")
    assert loaded.js_errors() == []


def test_timeline_page_links_a_visit_to_the_overview_focused_on_it(open_page, site):
    """timeline.html has the same rows; a click opens overview.html#stop=0-3 focused there."""
    loaded = open_page(site["timeline.html"])
    page = loaded.page
    assert page.locator(".fso-tl-row[data-tech-id]").count() == 3
    page.locator(".fso-tl-visit.fso-tl-late").hover()
    assert "late by 25 min" in page.inner_text(".fso-tl-card")
    page.locator(".fso-tl-visit.fso-tl-late").click()
    page.wait_for_selector(".fso-map[data-focus='0-3']", state="attached")
    assert page.url.endswith("overview.html#stop=0-3")
    assert "CUSTC" in page.inner_text(".leaflet-popup-content")
    assert loaded.js_errors() == []


def test_showing_one_technician_hides_the_others_routes_and_rows(open_page, site, schedule):
    """Unticking T2 removes T2's legs and stop and its timeline row; "Show all" restores."""
    loaded = open_page(site["overview.html"])
    page = loaded.page
    t2 = schedule.routes[1].tech_id
    page.evaluate("""id => [...document.querySelectorAll('input.fso-tech-toggle')]
                     .find(e => e.dataset.techId === id).click()""", t2)
    assert page.locator("path.fso-leg").count() == 4  # T1's legs only
    assert page.locator(".fso-pin-stop").count() == 3
    assert page.locator(".fso-tl-row[data-tech-id='T1']").is_visible()
    assert page.locator(".fso-tl-row[data-tech-id='T3']").is_visible()
    assert page.get_attribute(".fso-map", "data-shown") == "1"
    page.locator("button.fso-show[data-show='all']").click()
    assert page.locator("path.fso-leg").count() == 6
    assert page.locator(".fso-pin-stop").count() == 4
    assert loaded.js_errors() == []


def test_a_1000_stop_day_opens_clustered_on_the_stops(open_page, tmp_path, day_1000):
    """70 technicians, 1,000 stops: every stop is registered, far fewer pins are drawn,
    the clusters account for the rest, the view holds the stops and not the homes, 70
    timeline rows, and a click on one clustered visit still focuses it."""
    problem, schedule = day_1000
    paths = {p.name: p for p in render_maps(problem, schedule, tmp_path)}
    loaded = open_page(paths["overview.html"])
    page = loaded.page
    assert page.evaluate("window.fso.counts.stop") == 1000
    drawn = page.locator(".fso-pin-stop").count()
    clusters = page.eval_on_selector_all(".fso-cluster", "els => els.map(e => +e.textContent)")
    assert drawn < 200 and clusters
    assert sum(clusters) + drawn == 1000  # (the 20 unassigned pins are too few to cluster)
    bounds = page.evaluate("window.fso.map.getBounds().toBBoxString()").split(",")
    _west, south, _east, north = map(float, bounds)
    lats = [s.location.lat for r in schedule.routes for s in r.stops]
    homes = [t.home.lat for t in problem.technicians]
    assert south <= min(lats) and north >= max(lats)
    assert south > min(homes) or north < max(homes)  # the far homes are not all in view
    assert page.locator(".fso-tl-row[data-tech-id]").count() == 70
    page.locator(".fso-tl-visit").nth(500).click()
    page.wait_for_selector(".fso-map[data-focus]", state="attached")
    assert page.locator(".leaflet-popup-content").count() == 1
    assert loaded.js_errors() == []


def test_offline_background_shows_with_the_network_blocked(open_page, tmp_path, day_1000,
                                                          basemap_1000):
    """With tiles blocked, roads, water and village names from the extract are drawn:
    the background canvas has coloured pixels and the labels include Vaduz; screenshot."""
    problem, schedule = day_1000
    paths = {p.name: p for p in render_maps(problem, schedule, tmp_path,
                                            background=basemap_1000)}
    loaded = open_page(paths["overview.html"])
    page = loaded.page
    page.wait_for_selector(".fso-tile-note", state="visible")
    assert "from the scenario's OSM extract" in page.inner_text(".fso-tile-note")
    assert any(u.startswith("https://tile.openstreetmap.org/") for u in loaded.aborted)
    assert int(page.get_attribute(".fso-map", "data-background-lines")) > 100
    labels = page.eval_on_selector_all(".fso-bg-label", "els => els.map(e => e.textContent)")
    assert "Vaduz" in labels
    painted = page.evaluate("""() => {
        const c = document.querySelector('.leaflet-fsoBackground-pane canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n / (c.width * c.height); }""")
    assert painted > 0.002  # roads and water cover part of the view (0 when blank)
    shot = tmp_path / "offline-background.png"
    page.screenshot(path=str(shot))
    assert png_size(shot) == (DESKTOP["width"], DESKTOP["height"])
    assert loaded.js_errors() == []
