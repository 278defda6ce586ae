"""Loading drive graphs: the drive filter, speeds, caches and offline behaviour."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest
from _roads import (
    CACHE_DIR,
    FREE_FLOW,
    LIECHTENSTEIN_FULL,
    TINY_OSM,
    need,
    offline,  # noqa: F401  (fixture)
    osm_travel,
    road,
)

from optimizer.errors import InputError, NetworkError
from optimizer.geo import network
from optimizer.model import TravelSettings


@pytest.mark.parametrize(
    ("tags", "drivable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "primary", "oneway": "yes"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "service"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "motor_vehicle": "no"}, False),
        ({"highway": "unclassified", "area": "yes"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_drive_filter_follows_osmnx(tags, drivable):
    """A way is kept exactly when osmnx's network_type="drive" filter would keep it."""
    assert network.is_drivable(tags) is drivable


def test_tiny_graph_keeps_only_drivable_ways():
    """The footway to the disconnected piece and the building are dropped; roads stay."""
    g = road(TINY_OSM).graph
    assert set(g.nodes) == {1, 2, 3, 4, 5, 6, 8, 9}
    assert not g.has_edge(1, 5) and not g.has_edge(5, 1)
    assert {str(d["highway"]) for *_, d in g.edges(data=True)} == {"primary", "residential"}


def test_tiny_graph_speeds_times_and_one_way():
    """maxspeed becomes speed_kph; travel_time = length / speed; one-way 2->3 has no 3->2."""
    g = road(TINY_OSM).graph
    e12 = g.edges[1, 2, 0]
    assert e12["speed_kph"] == 50.0
    assert e12["length"] == pytest.approx(758.35, abs=0.05)
    assert e12["travel_time"] == pytest.approx(54.60, abs=0.01)
    assert g.has_edge(2, 3) and not g.has_edge(3, 2)
    assert g.edges[2, 3, 0]["travel_time"] == pytest.approx(91.00, abs=0.01)


def test_missing_maxspeed_is_imputed_by_road_class():
    """Untagged classes take the table's speed; a tagged class lends its mean."""
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=9.0, y=47.0)
    g.add_node(2, x=9.01, y=47.0)
    g.add_node(3, x=9.02, y=47.0)
    g.add_edge(1, 2, highway="tertiary", length=100.0)
    g.add_edge(2, 3, highway="primary", length=100.0, maxspeed="70")
    g.add_edge(3, 2, highway="primary", length=100.0)
    network.add_travel_times(g)
    assert g.edges[1, 2, 0]["speed_kph"] == network.DEFAULT_HWY_SPEEDS_KPH["tertiary"]
    assert g.edges[3, 2, 0]["speed_kph"] == 70.0
    assert g.edges[3, 2, 0]["travel_time"] == pytest.approx(100 / (70 / 3.6))


def test_speed_factors_scale_travel_time_by_road_class():
    """travel_time = length / (speed_kph * factor of the road class): the tiny graph's
    primary edge 1->2 (758.35 m at 50 km/h, 54.60 s free flow) at factor 0.5 takes
    109.20 s; its residential edges keep their own factor; speed_kph stays free flow."""
    factors = {**FREE_FLOW, "primary": 0.5, "residential": 0.8}
    slow = road(TINY_OSM, factors)
    g = slow.graph
    e12 = g.edges[1, 2, 0]
    assert e12["speed_kph"] == 50.0 and e12["speed_factor"] == 0.5
    assert e12["travel_time"] == pytest.approx(109.20, abs=0.02)
    free = road(TINY_OSM).graph
    for u, v, k, d in g.edges(keys=True, data=True):
        expected = {"primary": 0.5, "residential": 0.8}[network.road_class(d["highway"])]
        assert d["travel_time"] == pytest.approx(free.edges[u, v, k]["travel_time"] / expected)
    assert slow.key != road(TINY_OSM).key  # cached apart


def test_road_class_of_links_lists_and_unknown_classes():
    """A _link road takes its road's factor; a merged edge its first class; others 'other'."""
    assert network.road_class("motorway_link") == "motorway"
    assert network.road_class(["secondary", "tertiary"]) == "secondary"
    assert network.road_class("busway") == "other"
    assert network.road_class(None) == "other"


@pytest.mark.usefixtures("offline")
def test_liechtenstein_full_extract_loads_offline_with_strong_core():
    """The full extract (buildings, footways, ...) loads with no network and, after the
    drive filter, gives the graph of the pre-filtered -drive file (1,847 nodes and 4,294
    edges with every component kept; a strongly connected core of 1,828 nodes, as
    measured for the -drive file in shared/data/README.md)."""
    full = road(LIECHTENSTEIN_FULL).graph
    assert (len(full), full.number_of_edges()) == (1847, 4294)
    core = max(nx.strongly_connected_components(full), key=len)
    assert len(core) == 1828
    assert all(d["travel_time"] > 0 for *_, d in full.edges(data=True))


def test_prepared_graph_is_cached_on_disk(monkeypatch):
    """A second load in a fresh process state reads the pickle and never re-parses."""
    first = road(TINY_OSM)
    assert (CACHE_DIR / "graphs" / f"{first.key}.pickle").is_file()
    network.clear_memo()
    monkeypatch.setattr(network, "graph_from_osm_file",
                        lambda *a, **k: pytest.fail("re-parsed the OSM file"))
    again = road(TINY_OSM)
    assert again.key == first.key
    assert set(again.graph.nodes) == set(first.graph.nodes)


def test_relative_osm_file_resolves_against_base_dir(tmp_path):
    """osm_file is relative to the scenario folder; a missing file is an InputError."""
    got = network.load_road_graph(
        TravelSettings(source="osm_file", osm_file="osm/tiny.osm"),
        base_dir=TINY_OSM.parent.parent, cache_dir=CACHE_DIR,
    )
    assert got.graph.number_of_nodes() == 8
    with pytest.raises(InputError, match=r"nope\.osm"):
        network.load_road_graph(osm_travel("nope.osm"), base_dir=tmp_path, cache_dir=CACHE_DIR)


@pytest.mark.usefixtures("offline")
def test_offline_download_says_so_and_points_at_osm_file(monkeypatch, tmp_path):
    """With no network, a place request raises NetworkError naming osm_file."""
    import requests

    def fail(*_a, **_k):
        raise requests.ConnectionError("Name or service not known")

    monkeypatch.setattr(network.ox, "graph_from_place", fail)
    with pytest.raises(NetworkError, match="osm_file") as info:
        network.load_road_graph(TravelSettings(source="place", place="Vaduz, Liechtenstein"),
                                cache_dir=tmp_path)
    assert "Vaduz" in str(info.value)


def test_download_is_kept_as_graphml_for_offline_reuse(monkeypatch, tmp_path):
    """The first place request saves GraphML; later runs load it without downloading."""
    tiny = road(TINY_OSM).graph.copy()
    calls = []

    def fake_download(place, **kw):
        calls.append(place)
        assert kw["network_type"] == "drive"
        return tiny

    monkeypatch.setattr(network.ox, "graph_from_place", fake_download)
    travel = TravelSettings(source="place", place="Tinytown")
    first = network.load_road_graph(travel, cache_dir=tmp_path)
    assert calls == ["Tinytown"]
    # other speed factors make another graph from the same download
    slower = replace(travel, speed_factors={**travel.speed_factors, "primary": 0.35})
    other = network.load_road_graph(slower, cache_dir=tmp_path)
    assert calls == ["Tinytown"] and other.key != first.key
    assert len(list((tmp_path / "graphs").glob("*.graphml"))) == 1
    network.clear_memo()
    (tmp_path / "graphs" / f"{first.key}.pickle").unlink()
    monkeypatch.setattr(network.ox, "graph_from_place",
                        lambda *a, **k: pytest.fail("downloaded again"))
    again = network.load_road_graph(travel, cache_dir=tmp_path)
    assert again.graph.number_of_edges() == first.graph.number_of_edges()
    assert all("travel_time" in d for *_, d in again.graph.edges(data=True))


@pytest.mark.parametrize(
    "bbox", [(9.6, 47.0, 9.4, 47.2), (9.4, 47.2, 9.6, 47.0), (200, 47.0, 201, 47.1), ("a",)]
)
def test_bad_bbox_is_input_error(bbox):
    """bbox must be [west, south, east, north] in degrees, west < east, south < north."""
    with pytest.raises(InputError, match="bbox"):
        network.load_road_graph(TravelSettings(source="bbox", bbox=bbox), cache_dir=CACHE_DIR)


def test_full_file_with_no_roads_is_input_error(tmp_path):
    """A file whose ways are all non-drivable is reported, not turned into an empty graph."""
    f = tmp_path / "paths.osm"
    f.write_text(
        '<osm version="0.6"><node id="1" lat="47" lon="9"/><node id="2" lat="47" lon="9.1"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>'
    )
    with pytest.raises(InputError, match="no drivable ways"):
        network.load_road_graph(osm_travel(f), cache_dir=tmp_path)


def test_need_skips_cleanly_without_shared_data(tmp_path):
    """Tests that need shared/ data skip (not crash) when it is absent."""
    with pytest.raises(pytest.skip.Exception):
        need(tmp_path / "missing.osm.bz2")
