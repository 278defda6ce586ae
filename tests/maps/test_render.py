"""Pure-Python checks of the generated map pages (no browser)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

from optimizer.maps import assets, render_maps
from optimizer.maps.content import PALETTE, _lab, palette
from optimizer.maps.escape import (
    h,
    js_value,
    safe_attribution,
    safe_filename_part,
    tel_href,
)
from optimizer.maps.render import tech_page_names
from optimizer.maps.tech_page import navigation_links
from optimizer.model import Location, Problem, ReasonCode, Schedule

T2 = "t2/../\"<b>'x"
T2_PAGE = "tech-t2_.._b_x.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, problem: Problem, schedule: Schedule):
    out = tmp_path_factory.mktemp("site")
    paths = render_maps(problem, schedule, out)
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def _render(tmp_path: Path, problem: Problem, schedule: Schedule, **kw) -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in render_maps(problem, schedule, tmp_path, **kw)
    }


def _list_items(page: str) -> list[tuple[str, str | None]]:
    """(data-kind, data-order-id) of the stop list items, in document order."""
    items = re.findall(r'<li class="fso-item[^"]*"([^>]*)>', page)
    out = []
    for attrs in items:
        kind = re.search(r'data-kind="([^"]*)"', attrs)
        order = re.search(r'data-order-id="([^"]*)"', attrs)
        out.append((kind.group(1) if kind else "", order.group(1) if order else None))
    return out


def test_render_writes_overview_one_page_per_routed_tech_and_index(tmp_path, problem, schedule):
    """T1 and T2 have routes and get pages; idle T3 gets none; the index links all of them."""
    paths = render_maps(problem, schedule, tmp_path / "new" / "dir")
    assert [p.name for p in paths] == ["overview.html", "timeline.html", "tech-T1.html", T2_PAGE,
                                       "index.html"]
    assert all(p.is_file() and p.parent == tmp_path / "new" / "dir" for p in paths)
    index = paths[-1].read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+)"', index) == ["overview.html", "timeline.html",
                                                    "tech-T1.html", T2_PAGE]


def test_tech_page_names_cannot_escape_the_folder_and_never_clash():
    """Ids become [A-Za-z0-9_.-] without leading dots; clashes (also by case) get a suffix."""
    names = tech_page_names(["a/b", "a_b", "A_B", "..", "", "../../etc/passwd"])
    assert names == {
        "a/b": "tech-a_b.html",
        "a_b": "tech-a_b-2.html",
        "A_B": "tech-A_B-3.html",
        "..": "tech-_.html",
        "": "tech-_-2.html",
        "../../etc/passwd": "tech-_.._etc_passwd.html",
    }
    assert safe_filename_part("...x") == "x"


def test_pages_load_nothing_from_the_network(site):
    """No external script, stylesheet, import or CSS url; Leaflet is inlined, source maps gone."""
    for name, page in site.items():
        assert not re.search(r"<script[^>]+src=", page), name
        assert "<link" not in page, name
        assert "@import" not in page, name
        assert not re.search(r"url\((['\"]?)(https?:|//)", page), name
        assert "sourceMappingURL" not in page, name
    for name in ("overview.html", "tech-T1.html", T2_PAGE):
        assert "Leaflet 1.9.3" in site[name]
        assert "L.markerClusterGroup(" not in site[name]  # only from 60 stops on


def test_raw_payloads_never_reach_a_page(site, payloads):
    """Every payload appears only escaped; no tag from a user string survives."""
    for name, page in site.items():
        for payload in payloads:
            assert payload not in page, (name, payload)
        assert "<img src=x" not in page and "<svg onload" not in page, name
        assert "{{7*7}}" not in page and "{% raw %}" not in page, name
    # The stop list is plain HTML: the payload is there, escaped once.
    assert h(payloads[0]) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert (
        "NOTEA &#x27;q&#x27; &quot;qq&quot; &lt;script&gt;alert(1)&lt;/script&gt;"
        in site["tech-T1.html"]
    )
    assert "&#123;&#123;7*7&#125;&#125;&#123;% raw %&#125;" in site["tech-T1.html"]


def test_escapers_round_trip_and_stay_inert():
    """js_value output parses back as JSON and contains no <, >, &, ' or braces inside strings."""
    text = "</script><!-- {{ x }} {% y %} 'a' \"b\" & \u2028"
    encoded = js_value({"t": text, "n": [1, 2.5, None, True]})
    assert json.loads(encoded) == {"t": text, "n": [1, 2.5, None, True]}
    inner = encoded[1:-1]  # structural braces of the dict itself are fine
    assert not re.search(r"[<>&'{}\u2028]", inner)
    assert h("{{x}}'\"<&>") == "&#123;&#123;x&#125;&#125;&#x27;&quot;&lt;&amp;&gt;"
    with pytest.raises(TypeError):
        js_value(object())


def test_phone_links_only_for_dialable_numbers():
    """Formatting characters are dropped; text that is not a number gets no tel: link."""
    assert tel_href("+49 (30) 123-45.67") == "tel:+49301234567"
    assert tel_href("030 555-0100 ext;12") is None
    assert tel_href("0305550100;12") == "tel:0305550100;12"
    assert tel_href('"><img src=x onerror=alert(1)>') is None
    assert tel_href("12") is None


def test_tech_page_holds_only_that_technicians_data(site):
    """T1's page has T1's three customers and nothing of T2, unassigned orders or KPIs."""
    t1, t2 = site["tech-T1.html"], site[T2_PAGE]
    for token in ("TECHNAME1", "CUSTA", "CUSTB", "CUSTC", "NOTEA", "ADDRB", "HOMEADDR1"):
        assert token in t1
    for token in ("TECHNAME2", "TECHNAME3", "CUSTD", "CUSTE", "CUSTF", "REASONE", "PROBLEM"):
        assert token not in t1
    assert "CUSTD" in t2 and "DEPOTADDR" in t2 and "HOMEADDR2" in t2
    for token in ("TECHNAME1", "CUSTA", "CUSTB", "CUSTC", "CUSTE", "NOTEA", "HOMEADDR1"):
        assert token not in t2
    assert "KPIs" not in t1 and "Unassigned" not in t1


def test_stop_list_follows_the_route_with_lunch_in_place(site, schedule):
    """Start, O1, O2, lunch (12:00), O3 (13:25), end: the order of the route and the clock."""
    items = _list_items(site["tech-T1.html"])
    route_ids = [h(s.order_id) for s in schedule.routes[0].stops]
    assert [k for k, _ in items] == ["start", "stop", "stop", "break", "stop", "end"]
    assert [o for k, o in items if k == "stop"] == route_ids
    page = site["tech-T1.html"]
    assert re.search(r'data-kind="break"><div class="fso-time">12:00–12:30</div>', page)
    assert "Lunch break" in page
    assert '<div class="fso-time">13:25–14:25</div>' in page
    assert "arrive 13:20 · wait 5 min" in page
    assert "arrive 08:55 · park and walk 5 min · window" in page  # O2's parking
    assert page.count("park and walk") == 1  # only where there is some


def test_stop_list_has_navigation_and_phone_links(site):
    """geo: and Google Maps links per stop; tel: links for real numbers; text for the rest."""
    page = site["tech-T1.html"]
    geo, google = navigation_links(Location(52.51, 13.38), "A (b) & c")
    assert geo == "geo:52.510000,13.380000?q=52.510000,13.380000(A%20%28b%29%20%26%20c)"
    assert google == "https://www.google.com/maps/dir/?api=1&destination=52.510000,13.380000"
    assert page.count('class="fso-btn fso-nav" href="geo:') == 3
    assert 'href="geo:52.510000,13.380000?q=52.510000,13.380000(CUSTA%20%27q%27' in page
    assert (
        'href="https://www.google.com/maps/dir/?api=1&amp;destination=52.510000,13.380000"' in page
    )
    assert page.count('href="https://www.google.com/maps/dir/') == 3
    assert re.findall(r'href="(tel:[^"]*)"', page) == ["tel:+49301234567", "tel:0305550100"]
    assert "Phone: PHONEB &#x27;q&#x27;" in page


def test_low_confidence_geocode_is_flagged(site):
    """O2 (confidence 0.55) is flagged in the stop list, the marker and the overview popup."""
    t1 = site["tech-T1.html"]
    assert t1.count('data-flag="low-confidence"') == 1
    assert "approximate location (geocode confidence 0.55)" in t1
    assert t1.count("fso-pin-lowconf") == 1 + 1  # the marker's class, and the CSS rule
    overview = site["overview.html"]
    assert "approximate location (geocode confidence 0.55)" in overview


def test_overview_popups_state_sla_status(site):
    """O3 started 25 min past its SLA; O1 met its due time."""
    overview = site["overview.html"]
    assert "late by 25 min (due 13:00)" in overview
    assert "on time (due 11:00)" in overview
    assert "SLA late by 25 min (due 13:00)" in site["tech-T1.html"]


def test_kpi_panel_shows_kpis_and_hides_rows_without_them(
    tmp_path, problem, schedule_no_kpis, site
):
    """With KPIs the panel lists them; with kpis=None no KPI row is rendered."""
    overview = site["overview.html"]
    assert re.findall(r'data-kpi="([^"]+)"', overview) == [
        "Orders scheduled",
        "Unassigned",
        "SLA on time",
        "Travel distance",
        "Travel time",
        "Service time",
        "Overtime",
    ]
    assert "<td>66.7 % (2/3)</td>" in overview and "<td>42.3 km</td>" in overview
    bare = _render(tmp_path, problem, schedule_no_kpis)["overview.html"]
    assert "data-kpi=" not in bare and "<h2>KPIs</h2>" not in bare
    assert "<h2>Unassigned (2)</h2>" in bare


def test_kpi_panel_shows_parking_time_when_there_is_some(tmp_path, problem, schedule):
    """A schedule with parking time (overhead_h) gets a row for it after the service time."""
    parked = replace(schedule, kpis=replace(schedule.kpis, overhead_h=6.33))
    overview = _render(tmp_path, problem, parked)["overview.html"]
    rows = re.findall(r'data-kpi="([^"]+)"', overview)
    assert rows[rows.index("Service time") + 1] == "Parking and access"
    assert '<th>Parking and access</th><td>6.3 h</td>' in overview


def test_kpi_panel_counts_unassigned_sla_orders_as_missed(tmp_path, problem, schedule):
    """With the all-orders SLA figures, the panel shows them first, then of scheduled."""
    kpis = replace(schedule.kpis, sla_orders_all=5, sla_unassigned=2, sla_on_time_all_pct=40.0)
    overview = _render(tmp_path, problem, replace(schedule, kpis=kpis))["overview.html"]
    assert "<td>40.0 % (2/5); of scheduled 66.7 % (2/3)</td>" in overview


def test_unassigned_orders_without_location_are_listed_not_mapped(site):
    """O5 has a marker and a panel entry; O6 (no location) only a panel entry, marked so."""
    overview = site["overview.html"]
    assert overview.count('"fsoKind": "unassigned"') == 1
    assert '<li data-order-id="O5">' in overview
    assert re.search(r'<li data-order-id="O6">.*?not on map: no location', overview)


def test_unassigned_panel_groups_orders_by_reason_code(tmp_path, problem, schedule):
    """The panel lists unassigned orders under one heading per code, in the codes' order,
    with the code's label and count; each order keeps its full reason. A code-less order
    (from an old schedule.json) falls under 'other'."""
    overview = _render(tmp_path, problem, schedule)["overview.html"]
    headings = re.findall(r'<h3 class="fso-reason" data-code="(\w+)">([^<]*)</h3>', overview)
    assert headings == [("ADDRESS_NOT_FOUND", "address not found (1)"),
                        ("NO_SKILL", "no technician has the skills (1)")]
    assert re.search(r'<ul class="fso-unassigned" data-code="NO_SKILL"><li data-order-id="O5">',
                     overview)
    old = replace(schedule, unassigned=(
        *schedule.unassigned, replace(schedule.unassigned[0], order_id="O4", code="UNKNOWN")))
    overview = _render(tmp_path / "old", problem, old)["overview.html"]
    assert re.findall(r'data-code="(\w+)">([^<]*)</h3>', overview)[-1] == ("UNKNOWN", "other (1)")
    assert ReasonCode.UNKNOWN.label == "other"


def test_road_geometry_or_dashed_straight_segments(tmp_path, problem, schedule_haversine, site):
    """Road legs follow legs_geometry; no geometry or a haversine matrix gives dashed lines."""
    overview = site["overview.html"]
    assert overview.count('"className": "fso-leg fso-leg-road"') == 4  # T1: 3 stops + return
    assert overview.count('"className": "fso-leg fso-leg-straight"') == 2  # T2 has no geometry
    assert overview.count('"dashArray": "8 8"') == 2
    assert "[52.5, 13.38]" in overview  # the corner point of T1's first road leg
    pages = _render(tmp_path, problem, schedule_haversine)
    assert pages["overview.html"].count('"className": "fso-leg fso-leg-straight"') == 6
    assert "fso-leg-road" not in pages["overview.html"]
    assert "[52.5, 13.38]" not in pages["overview.html"]


def test_tile_provider_is_configurable_and_osm_is_credited(tmp_path, problem, schedule, site):
    """OSM tiles carry the credit; other tiles get it added; no tiles still credits OSM data."""
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in site["overview.html"]
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in site["overview.html"]
    custom = _render(
        tmp_path / "c",
        problem,
        schedule,
        tiles="https://tiles.example/{z}/{x}/{y}.png",
        tile_attribution="Example tiles",
    )
    for page in (custom["overview.html"], custom["tech-T1.html"]):
        assert 'L.tileLayer(\n                "https://tiles.example/{z}/{x}/{y}.png"' in page
        assert '"attribution": "Example tiles"' in page
        assert "if (true) { map.attributionControl.addAttribution(" in page
    for off in (None, "none"):
        none = _render(tmp_path / f"n{off}", problem, schedule, tiles=off)["overview.html"]
        assert "L.tileLayer(" not in none
        assert "if (true) { map.attributionControl.addAttribution(" in none
    topo = _render(tmp_path / "p", problem, schedule, tiles="OpenTopoMap")["overview.html"]
    assert "tile.opentopomap.org" in topo


EVIL_ATTRIBUTION = ('&copy; <a href="https://tiles.example/about" onclick="window.__xss=7">'
                    'Example</a> <script>window.__xss=9</script><img src=x onerror=alert(1)>'
                    '<a href="javascript:alert(2)">js</a><svg onload=alert(3)>')


def test_tile_attribution_keeps_only_text_and_web_links():
    """Links to http(s) keep their href only; scripts, images and js: links become text."""
    assert safe_attribution(EVIL_ATTRIBUTION) == (
        '© <a href="https://tiles.example/about">Example</a> '
        "&lt;script&gt;window.__xss=9&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        "&lt;a href=&quot;javascript:alert(2)&quot;&gt;js&lt;/a&gt;&lt;svg onload=alert(3)&gt;")
    assert safe_attribution("Tiles <b>by</b> x < y") == "Tiles &lt;b&gt;by&lt;/b&gt; x &lt; y"
    assert safe_attribution('<a href="https://a">open') == '<a href="https://a">open</a>'


def test_tile_attribution_payload_never_reaches_a_page(tmp_path, problem, schedule):
    """A script/onerror payload in tile_attribution is on every page only as escaped text."""
    pages = _render(tmp_path, problem, schedule, tiles="https://tiles.example/{z}/{x}/{y}.png",
                    tile_attribution=EVIL_ATTRIBUTION)
    for name in ("overview.html", "tech-T1.html"):
        attribution = json.loads(re.search(r'"attribution": ("(?:[^"\\]|\\.)*")',
                                           pages[name]).group(1))
        assert attribution == safe_attribution(EVIL_ATTRIBUTION)
        assert "<script>window.__xss" not in attribution and "<img" not in attribution
        assert "onclick" not in attribution and 'href="javascript' not in attribution


def test_bad_tile_settings_fail_before_writing(tmp_path, problem, schedule):
    """A URL template without attribution, or an unknown provider, raises ValueError early."""
    with pytest.raises(ValueError, match="tile_attribution"):
        render_maps(problem, schedule, tmp_path / "a", tiles="https://x/{z}/{x}/{y}.png")
    with pytest.raises(ValueError, match="neither an xyzservices provider"):
        render_maps(problem, schedule, tmp_path / "b", tiles="NoSuchProvider", tile_attribution="x")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_output_is_reproducible(tmp_path, problem, schedule):
    """The same schedule gives byte-identical pages (element ids are not random)."""
    first = _render(tmp_path / "1", problem, schedule)
    second = _render(tmp_path / "2", problem, schedule)
    assert first == second


def test_large_schedule_clusters_stop_markers(tmp_path, big):
    """125 stops: markercluster is inlined and all technicians' stops go into one cluster
    (a cluster of one technician's stops takes their colour, a mixed one is grey)."""
    problem, schedule = big
    overview = _render(tmp_path, problem, schedule)["overview.html"]
    assert overview.count("L.markerClusterGroup(") == 1
    assert overview.count('"fsoColour": ') == 125
    assert "MarkerClusterGroup" in overview  # the inlined library
    assert overview.count('"fsoKind": "stop"') == 125
    assert overview.count('"iconSize": [24, 24]') == 125 + 3  # smaller stop and unassigned pins


def test_palette_stays_distinct_for_70_technicians():
    """70 different colours, any two more than 12 apart in CIE L*a*b* (10 is clearly visible),
    the first ten as before, every one dark enough for a white stop number."""
    colours = palette(70)
    assert len(set(colours)) == 70 and colours[:10] == PALETTE[:10]
    labs = [_lab(x) for x in colours]
    assert min(math.dist(a, b) for i, a in enumerate(labs) for b in labs[:i]) > 12
    assert max(lab[0] for lab in labs[10:]) <= 65  # L* of white is 100


def test_inlined_assets_cannot_break_out_of_their_elements():
    """Leaflet's JS has no </script or source map; its CSS images are data URIs."""
    for asset in (assets.leaflet(), assets.markercluster()):
        assert "</script" not in asset.js.lower() and "<!--" not in asset.js
        assert "sourceMappingURL" not in asset.js
        assert "url(images/" not in asset.css
    assert assets.leaflet().version.startswith("1.9.")
    assert "url(data:image/png;base64," in assets.leaflet().css


def test_missing_order_and_empty_route_still_render(tmp_path, problem, schedule):
    """An unknown unassigned id and a route with no stops render without errors."""
    empty = replace(schedule.routes[0], stops=(), breaks=(), legs_geometry=())
    odd = replace(
        schedule,
        routes=(empty,),
        unassigned=(*schedule.unassigned, replace(schedule.unassigned[0], order_id="GHOST")),
    )
    pages = _render(tmp_path, problem, odd)
    assert "No stops planned." in pages["tech-T1.html"]
    assert '<li data-order-id="GHOST"><b>GHOST</b>' in pages["overview.html"]
    assert pages["overview.html"].count('"fsoKind": "leg"') == 1


def test_split_shift_gets_both_routes_on_one_page(tmp_path, problem, schedule):
    """Two routes of one technician: one page, both lists, unique stop anchors."""
    first = schedule.routes[0]
    second = replace(first, shift_id="S1b", stops=first.stops[:1], breaks=())
    pages = _render(tmp_path, problem, replace(schedule, routes=(first, second)))
    assert list(pages) == ["overview.html", "timeline.html", "tech-T1.html", "index.html"]
    page = pages["tech-T1.html"]
    assert re.findall(r'data-shift-id="([^"]+)"', page) == ["S1", "S1b"]
    anchors = re.findall(r'<li class="fso-item fso-item-stop" id="([^"]+)"', page)
    assert anchors == ["stop-1", "stop-2", "stop-3", "stop-2-1"]
    assert "4 stops" in page


def test_minimal_phone_pages_keep_what_a_visit_needs_and_nothing_else(tmp_path, problem,
                                                                     schedule):
    """[privacy] phone_pages = "minimal": T1's page still has its customers' names, addresses,
    phones and notes, but no priority, skills, SLA, geocode confidence or kilometres, and
    nothing of other technicians; the full page has them (the rule binds)."""
    full = _render(tmp_path / "full", problem, schedule)["tech-T1.html"]
    minimal = _render(tmp_path / "min", problem, schedule, minimal=True)["tech-T1.html"]
    for token in ("CUSTA", "ADDRA", "NOTEA", "tel:+49301234567", "CUSTB", "PHONEB"):
        assert token in full and token in minimal
    for text in ("priority high", "SKILLB", "SLA ", "geocode confidence 0.55", " km</p>"):
        assert text in full
        assert text not in minimal
    for token in ("TECHNAME2", "TECHNAME3", "CUSTD", "CUSTE", "KPIs"):
        assert token not in minimal


def test_palette_of_no_technician_is_empty():
    """A day of a re-planned week with no route left (everyone away) has no colours; the
    overview of that day used to crash `fsopt replan` after the schedule was solved."""
    assert palette(0) == ()
    assert palette(3) == PALETTE[:3]
