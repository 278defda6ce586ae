"""The generated pages in a real browser (Debian's chromium, driven by Playwright).

Pages are opened from file:// with every other request aborted, as on a phone
without signal (the ``open_page`` fixture, see ``chromium.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maps.chromium import CHROMIUM, DESKTOP, PHONE, png_size
from optimizer.maps import render_maps
from optimizer.model import Problem, Schedule

T2_PAGE = "tech-t2_.._b_x.html"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

# Opens every popup in turn and returns its text and the number of elements a
# payload could have injected (script, img, svg, iframe).
OPEN_ALL_POPUPS = """() => {
  const out = [];
  for (const layer of window.fso.layers) {
    if (!layer.getPopup || !layer.getPopup()) continue;
    layer.openPopup();
    const el = document.querySelector('.leaflet-popup-content');
    out.push({text: el.textContent,
              injected: el.querySelectorAll('script,img,svg,iframe,object').length});
    layer.closePopup();
  }
  return out;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, problem: Problem, schedule: Schedule):
    out = tmp_path_factory.mktemp("browser-site")
    return {p.name: p for p in render_maps(problem, schedule, out)}


def _expected(schedule: Schedule, tech_id: str | None = None) -> dict[str, int]:
    routes = [r for r in schedule.routes if tech_id is None or r.tech_id == tech_id]
    return {
        "stop": sum(len(r.stops) for r in routes),
        "leg": sum(len(r.stops) + 1 for r in routes),
    }


def test_overview_runs_offline_without_js_errors_and_counts_match(open_page, site, schedule):
    """4 stops, 6 legs, 3 homes/depots, 1 located unassigned order; all drawn, no JS error."""
    loaded = open_page(site["overview.html"])
    page = loaded.page
    assert loaded.js_errors() == []
    counts = page.evaluate("window.fso.counts")
    assert counts == {**_expected(schedule), "place": 3, "unassigned": 1}
    assert page.locator(".fso-pin-stop").count() == 4
    assert page.locator("path.fso-leg").count() == 6
    assert page.locator("path.fso-leg-straight").count() == 2
    assert page.get_attribute(".fso-map", "data-count-stop") == "4"
    # technicians are shown and hidden from the panel's list, not the layer control
    assert page.locator(".leaflet-control-layers-overlays label").count() == 2
    assert page.locator("input.fso-tech-toggle").count() == 2
    assert "OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")


def test_tile_failure_degrades_gracefully(open_page, site, schedule):
    """With tiles blocked, the notice shows while the route lines and the stop list stay."""
    loaded = open_page(site["tech-T1.html"], PHONE)
    page = loaded.page
    assert any(url.startswith("https://tile.openstreetmap.org/") for url in loaded.aborted)
    page.wait_for_selector(".fso-tile-note", state="visible")
    assert page.get_attribute(".fso-map", "data-tiles") == "failed"
    legs = page.locator("path.fso-leg")
    assert legs.count() == _expected(schedule, "T1")["leg"]
    assert all(legs.nth(i).bounding_box()["width"] > 0 for i in range(legs.count()))
    assert page.locator(".fso-list").is_visible()
    assert loaded.js_errors() == []


def test_tech_page_stop_list_and_markers_follow_the_route(open_page, site, schedule):
    """List items and numbered markers are in route order, at the stops' coordinates."""
    loaded = open_page(site["tech-T1.html"], PHONE)
    page = loaded.page
    route = schedule.routes[0]
    ids = page.eval_on_selector_all(
        ".fso-list > li[data-kind='stop']", "els => els.map(e => e.dataset.orderId)"
    )
    assert ids == [s.order_id for s in route.stops]
    kinds = page.eval_on_selector_all(".fso-list > li", "els => els.map(e => e.dataset.kind)")
    assert kinds == ["start", "stop", "stop", "break", "stop", "end"]
    markers = page.evaluate(
        """() => window.fso.layers.filter(l => l.options.fsoKind === 'stop')
             .map(l => [l.options.fsoSeq, l.getLatLng().lat, l.getLatLng().lng,
                        l.getElement().textContent])"""
    )
    assert markers == [
        [i, s.location.lat, s.location.lon, str(i)] for i, s in enumerate(route.stops, start=1)
    ]
    assert page.evaluate("window.fso.counts") == {**_expected(schedule, "T1"), "place": 1}
    assert loaded.js_errors() == []


def test_tech_page_shows_no_other_customer(open_page, site, schedule):
    """T2's page shows T2's one stop and none of T1's or the unassigned customers."""
    loaded = open_page(site[T2_PAGE], PHONE)
    page = loaded.page
    text = page.inner_text("body")
    assert "CUSTD" in text
    for token in ("CUSTA", "CUSTB", "CUSTC", "CUSTE", "CUSTF", "TECHNAME1"):
        assert token not in text
    tech_id = schedule.routes[1].tech_id
    assert page.evaluate("window.fso.counts") == {**_expected(schedule, tech_id), "place": 2}
    assert loaded.js_errors() == []


@pytest.mark.parametrize("name", ["overview.html", "tech-T1.html", T2_PAGE, "index.html",
                                  "timeline.html"])
def test_xss_payloads_do_not_execute(open_page, site, payloads, name):
    """After load and after opening every popup (or hovering every timeline visit): no alert,
    window.__xss unset, no injected tag."""
    loaded = open_page(site[name])
    page = loaded.page
    for i in range(page.locator(".fso-tl-visit").count()):
        page.locator(".fso-tl-visit").nth(i).hover()
        assert page.locator(".fso-tl-card").is_visible()
        assert page.locator(".fso-tl-card").locator("script,img,svg,iframe,object").count() == 0
    if name not in ("index.html", "timeline.html"):
        popups = page.evaluate(OPEN_ALL_POPUPS)
        counts = page.evaluate("window.fso.counts")
        assert len(popups) == sum(counts.values()) - counts["leg"]  # every marker has one
        assert all(p["injected"] == 0 for p in popups)
        texts = "\n".join(p["text"] for p in popups)
        assert payloads[0] in texts and payloads[1] in texts and "{{7*7}}" in texts
    body = page.inner_text("body")
    assert payloads[0] in body and "{{7*7}}{% raw %}${window.__xss=5}`" in body
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == {
        "index.html": 0, "timeline.html": 1,  # the timeline's own script
    }.get(name, 2)  # our two inline scripts: Leaflet and the map
    assert loaded.dialogs == []
    assert loaded.js_errors() == []


def test_tile_attribution_payload_does_not_execute(open_page, tmp_path, problem, schedule):
    """A script/onerror payload in tile_attribution shows as text; its web link stays a link."""
    attribution = ('<a href="https://tiles.example/" onclick="window.__xss=7">Example</a> '
                   "<script>window.__xss=9</script><img src=x onerror=window.__xss=8>")
    paths = {p.name: p for p in render_maps(problem, schedule, tmp_path,
                                            tiles="https://tiles.example/{z}/{x}/{y}.png",
                                            tile_attribution=attribution)}
    for name in ("overview.html", "tech-T1.html"):
        loaded = open_page(paths[name])
        control = loaded.page.locator(".leaflet-control-attribution")
        assert "<script>window.__xss=9</script><img src=x" in control.inner_text()
        assert control.locator("img, script, svg[onload]").count() == 0  # Leaflet has a flag svg
        assert control.locator("a[href='https://tiles.example/']").count() == 1
        assert control.locator("a[onclick]").count() == 0
        assert loaded.page.evaluate("typeof window.__xss") == "undefined"
        assert loaded.dialogs == [] and loaded.js_errors() == []


def test_phone_layout_is_usable_at_390x844(open_page, site):
    """No sideways scrolling; links, buttons and zoom controls are at least 44 px square."""
    page = open_page(site["tech-T1.html"], PHONE).page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "18px"
    assert page.locator("meta[name='viewport']").count() == 1
    targets = page.locator(".fso-list a, .leaflet-control-zoom a")
    assert targets.count() == 3 * 2 + 2 + 2  # navigate + Google per stop, 2 phones, +/-
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, targets.nth(i).inner_text()
    map_box = page.locator(".fso-map").bounding_box()
    assert map_box["width"] == PHONE["width"] and map_box["height"] >= 240


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", ["overview.html", "tech-T1.html"])
def test_screenshots_at_phone_and_desktop_sizes(open_page, site, tmp_path, name, viewport):
    """Each page renders to a screenshot of the viewport's size with the route visible."""
    page = open_page(site[name], viewport).page
    assert page.locator("path.fso-leg").first.is_visible()
    shot = tmp_path / f"{Path(name).stem}-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=str(shot))
    assert png_size(shot) == (viewport["width"], viewport["height"])
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("tiles", ["OpenStreetMap", None], ids=["osm-tiles", "no-tiles"])
def test_large_schedule_clusters_markers_in_the_browser(open_page, tmp_path, big, tiles):
    """125 stops are all registered, but far fewer stop pins are drawn at the overview zoom."""
    problem, schedule = big
    paths = {p.name: p for p in render_maps(problem, schedule, tmp_path, tiles=tiles)}
    loaded = open_page(paths["overview.html"])
    page = loaded.page
    counts = page.evaluate("window.fso.counts")
    assert counts == {**_expected(schedule), "place": 5, "unassigned": 3}
    drawn = page.locator(".fso-pin-stop").count()
    assert drawn < 125
    clusters = page.eval_on_selector_all(".fso-cluster", "els => els.map(e => +e.textContent)")
    assert clusters and sum(clusters) + drawn == 125
    assert loaded.js_errors() == []


def test_index_links_every_page(open_page, site):
    """The index lists the overview and both technician pages, and the links resolve."""
    page = open_page(site["index.html"], PHONE).page
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs == ["overview.html", "timeline.html", "tech-T1.html", T2_PAGE]
    page.click(f"a[href='{T2_PAGE}']")
    page.wait_for_selector(".fso-map[data-ready='1']", state="attached")
    assert page.url.endswith(T2_PAGE)
