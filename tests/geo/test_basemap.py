"""The offline background read from an OSM extract: what is kept, clipping, caching."""

from __future__ import annotations

import bz2
from datetime import date
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.geo.basemap import basemap_for, plan_box, read_basemap, scenario_extract
from optimizer.model import (
    GeocodeSettings,
    Location,
    Problem,
    Schedule,
    SolveMeta,
    TravelSettings,
    WorkOrder,
)

REPO = Path(__file__).resolve().parents[2]
BOX = (47.0, 9.0, 47.2, 9.2)  # south, west, north, east

SMALL_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="47.10" lon="9.10"/>
 <node id="2" lat="47.11" lon="9.10"/>
 <node id="3" lat="47.12" lon="9.10"/>
 <node id="4" lat="47.10" lon="9.12"/>
 <node id="5" lat="47.11" lon="9.13"/>
 <node id="6" lat="48.00" lon="10.00"/>
 <node id="7" lat="48.01" lon="10.00"/>
 <node id="8" lat="47.15" lon="9.15"><tag k="place" v="village"/>
  <tag k="name" v="Dorf &lt;b&gt;"/></node>
 <node id="9" lat="48.50" lon="10.5"><tag k="place" v="town"/><tag k="name" v="Far Town"/></node>
 <node id="10" lat="47.16" lon="9.16"><tag k="place" v="hamlet"/><tag k="name" v="Tiny"/></node>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
 <way id="101"><nd ref="1"/><nd ref="4"/><tag k="highway" v="residential"/></way>
 <way id="102"><nd ref="4"/><nd ref="5"/><tag k="waterway" v="river"/></way>
 <way id="103"><nd ref="1"/><nd ref="4"/><nd ref="5"/><nd ref="1"/>
  <tag k="natural" v="water"/></way>
 <way id="104"><nd ref="6"/><nd ref="7"/><tag k="highway" v="motorway"/></way>
 <way id="105"><nd ref="2"/><nd ref="5"/><tag k="highway" v="secondary_link"/></way>
</osm>
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.osm.bz2"
    path.write_bytes(bz2.compress(SMALL_OSM.encode()))
    return path


def test_keeps_main_roads_water_and_named_places_inside_the_box(small, tmp_path):
    """primary, the secondary link, the river and the lake are kept (water first, the
    straight primary simplified to its two ends); the residential street, the motorway
    outside the box, the hamlet and the town outside the box are not."""
    basemap = read_basemap(small, BOX, cache_dir=tmp_path / "cache")
    assert [line.kind for line in basemap.lines] == ["water", "river", "secondary", "primary"]
    primary = basemap.lines[-1]
    assert primary.points == (Location(47.10, 9.10), Location(47.12, 9.10))
    assert len(basemap.lines[0].points) == 4  # the closed lake outline
    assert [(p.name, p.kind) for p in basemap.places] == [("Dorf <b>", "village")]
    assert basemap.source == "small.osm.bz2"


def test_a_second_read_comes_from_the_cache(small, tmp_path):
    """The same extract and box give the same background from the cache file, and a
    different box is a different cache entry."""
    cache = tmp_path / "cache"
    first = read_basemap(small, BOX, cache_dir=cache)
    files = list((cache / "basemaps").glob("*.json"))
    assert len(files) == 1
    assert read_basemap(small, BOX, cache_dir=cache) == first
    read_basemap(small, (47.0, 9.0, 47.3, 9.3), cache_dir=cache)
    assert len(list((cache / "basemaps").glob("*.json"))) == 2


def test_missing_or_broken_extract_is_an_input_error(tmp_path):
    """A missing file and a file that is not OSM XML both name the file."""
    with pytest.raises(InputError, match="no such file"):
        read_basemap(tmp_path / "none.osm", BOX, cache_dir=tmp_path)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.osm.*not a readable OSM file"):
        read_basemap(broken, BOX, cache_dir=tmp_path)


def test_plan_box_adds_the_margin():
    """The box is the points' extent plus the margin on every side; no points, no box."""
    box = plan_box([Location(47.1, 9.5), Location(47.2, 9.6)], margin_deg=0.01)
    assert box == pytest.approx((47.09, 9.49, 47.21, 9.61))
    assert plan_box([]) is None


def _problem(travel: TravelSettings, geocode: GeocodeSettings) -> Problem:
    order = WorkOrder("O1", "c", Location(47.14, 9.14), 10)  # the box reaches Dorf
    return Problem("p", date(2026, 1, 1), "Europe/Vaduz", (order,), (), (), travel=travel,
                   geocode=geocode)


def test_the_scenario_extract_is_found_relative_to_the_scenario(small, tmp_path):
    """[travel] osm_file first, then [geocode] osm_file, resolved against the folder; a
    scenario without an extract (or with a missing one) gets no background."""
    folder = small.parent
    both = _problem(TravelSettings(osm_file="small.osm.bz2"),
                    GeocodeSettings(osm_file="other.osm"))
    assert scenario_extract(both, folder) == small
    geocode_only = _problem(TravelSettings(), GeocodeSettings(osm_file="small.osm.bz2"))
    assert scenario_extract(geocode_only, folder) == small
    assert scenario_extract(_problem(TravelSettings(osm_file="gone.osm"), GeocodeSettings()),
                            folder) is None
    schedule = Schedule("p", date(2026, 1, 1), "Europe/Vaduz", (), (),
                        SolveMeta(0, 1.0, None, "haversine", "ok", 0, 0.0, {}))
    background = basemap_for(both, schedule, folder, cache_dir=tmp_path / "cache")
    assert background is not None and background.places[0].name == "Dorf <b>"
    assert basemap_for(_problem(TravelSettings(), GeocodeSettings()), schedule, folder) is None


def test_the_bundled_liechtenstein_extract_gives_a_small_background(tmp_path):
    """Around Vaduz: main roads, the Rhine and the village names, in well under 100 kB."""
    extract = REPO / "scenarios" / "liechtenstein" / "liechtenstein-2021-01.osm.bz2"
    basemap = read_basemap(extract, (47.10, 9.48, 47.18, 9.56), cache_dir=tmp_path)
    kinds = {line.kind for line in basemap.lines}
    assert {"primary", "secondary", "river"} <= kinds
    assert {"Vaduz", "Schaan"} <= {p.name for p in basemap.places}
    points = sum(len(line.points) for line in basemap.lines)
    assert 100 < points < 5000
