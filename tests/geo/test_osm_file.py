"""Opening extracts: XML, compressed XML and PBF give the same roads and addresses."""

from __future__ import annotations

import bz2
from pathlib import Path

import osmium
import pytest
from _roads import CACHE_DIR, TINY_OSM, osm_travel

from optimizer.errors import GeocodeError, InputError
from optimizer.geo.address_index import read_osm
from optimizer.geo.network import load_road_graph
from optimizer.geo.osm_file import open_osm_xml

ADDRESSES_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" version="1" lat="47.1405" lon="9.5215">
  <tag k="addr:street" v="Städtle"/><tag k="addr:housenumber" v="5"/>
  <tag k="addr:postcode" v="9490"/><tag k="addr:city" v="Vaduz"/>
 </node>
 <node id="2" version="1" lat="47.1400" lon="9.5200"/>
 <node id="3" version="1" lat="47.1410" lon="9.5230"/>
 <way id="10" version="1"><nd ref="2"/><nd ref="3"/>
  <tag k="highway" v="residential"/><tag k="name" v="Städtle"/>
 </way>
</osm>
"""


def to_pbf(src: Path, dst: Path) -> Path:
    """Write ``src`` (any format libosmium reads) as PBF, the way extract services ship it."""
    writer = osmium.SimpleWriter(str(dst))
    for obj in osmium.FileProcessor(str(src)):
        writer.add(obj)
    writer.close()
    return dst


def test_pbf_extract_gives_the_same_drive_graph(tmp_path):
    """tiny.osm as .osm.pbf loads into the same nodes, edges and travel times."""
    pbf = to_pbf(TINY_OSM, tmp_path / "tiny.osm.pbf")
    assert pbf.read_bytes()[:64].find(b"OSMHeader") >= 0  # really PBF, not XML
    from_xml = load_road_graph(osm_travel(TINY_OSM), cache_dir=CACHE_DIR).graph
    from_pbf = load_road_graph(osm_travel(pbf), cache_dir=tmp_path).graph
    assert set(from_pbf.nodes) == set(from_xml.nodes) == {1, 2, 3, 4, 5, 6, 8, 9}
    assert sorted(from_pbf.edges) == sorted(from_xml.edges)
    for u, v, k in from_xml.edges:
        assert from_pbf.edges[u, v, k]["travel_time"] == pytest.approx(
            from_xml.edges[u, v, k]["travel_time"])


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2", ".osm.pbf"])
def test_every_format_gives_the_same_addresses(tmp_path, suffix):
    """The gazetteer reads the same address and street from XML, bzip2 and PBF."""
    xml = tmp_path / "addresses.osm"
    xml.write_text(ADDRESSES_OSM, encoding="utf-8")
    path = xml
    if suffix == ".osm.bz2":
        path = tmp_path / "addresses.osm.bz2"
        path.write_bytes(bz2.compress(xml.read_bytes()))
    elif suffix == ".osm.pbf":
        path = to_pbf(xml, tmp_path / "addresses.osm.pbf")
    addressed, roads = read_osm(path)
    assert addressed == [("node/1", {"addr:street": "Städtle", "addr:housenumber": "5",
                                     "addr:postcode": "9490", "addr:city": "Vaduz"},
                          47.1405, 9.5215)]
    assert [(name, lats, lons) for name, lats, lons in roads] == [
        ("Städtle", [47.14, 47.141], [9.52, 9.523])]


def test_damaged_pbf_is_an_input_error_naming_the_file(tmp_path):
    """A file that is not PBF: an OSError from the opener, and errors naming the file."""
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf file at all")
    with pytest.raises(OSError, match="not a readable OSM PBF file"), open_osm_xml(bad):
        pass
    with pytest.raises(InputError, match=r"broken\.osm\.pbf.*not a readable OSM file"):
        load_road_graph(osm_travel(bad), cache_dir=tmp_path)
    with pytest.raises(GeocodeError, match=r"broken\.osm\.pbf"):
        read_osm(bad)


def test_missing_pbf_is_reported(tmp_path):
    with pytest.raises(OSError), open_osm_xml(tmp_path / "nowhere.osm.pbf"):
        pass
