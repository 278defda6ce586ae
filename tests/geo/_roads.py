"""Shared helpers for the road-network tests: data paths and memoised graphs.

Graph loads are memoised in-process by ``optimizer.geo.network`` and routers by
``optimizer.geo.road_matrix``, so each file is parsed once per test session. All caches
go to one temporary folder; nothing touches the network.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from optimizer import settings
from optimizer.geo.network import load_road_graph
from optimizer.geo.road_matrix import prepare_router
from optimizer.model import ROAD_CLASSES, Location, TravelSettings

REPO = Path(__file__).resolve().parents[2]
TINY_OSM = REPO / "tests" / "data" / "osm" / "tiny.osm"
SHARED_OSM = Path(os.environ.get("FSOPT_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))
HELSINKI_DRIVE = SHARED_OSM / "helsinki-centre-2019-04-drive.osm.bz2"
LIECHTENSTEIN_DRIVE = SHARED_OSM / "liechtenstein-2021-01-drive.osm.bz2"
LIECHTENSTEIN_FULL = SHARED_OSM / "liechtenstein-2021-01.osm.bz2"

#: One cache folder for the whole session (settings.cache_dir points here).
CACHE_DIR = Path(tempfile.mkdtemp(prefix="fsopt-roads-test-"))
settings.cache_dir = CACHE_DIR

# tiny.osm nodes, as locations
N1 = Location(lat=47.0, lon=9.0)
N2 = Location(lat=47.0, lon=9.01)
N3 = Location(lat=47.0, lon=9.02)
N4 = Location(lat=47.009, lon=9.01)
N5 = Location(lat=47.02, lon=9.0)
N8 = Location(lat=46.995, lon=9.01)
#: 55.6 m north of the middle of the one-way edge 2 -> 3 (382 m from either node).
BESIDE_2_3 = Location(lat=47.0005, lon=9.015)


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"shared OSM data not found at {path} (set FSOPT_SHARED_OSM)")
    return path


#: Speed factors that keep the free-flow speeds (hand-checked times use these).
FREE_FLOW = dict.fromkeys(ROAD_CLASSES, 1.0)


def osm_travel(path: Path, **kw) -> TravelSettings:
    return TravelSettings(source="osm_file", osm_file=str(path), **kw)


def road(path: Path, speed_factors=FREE_FLOW):
    """The graph of ``path`` at free-flow speeds unless ``speed_factors`` are given."""
    return load_road_graph(osm_travel(need(path), speed_factors=speed_factors),
                           cache_dir=CACHE_DIR)


def router(path: Path, speed_factors=FREE_FLOW):
    return prepare_router(road(path, speed_factors), cache_dir=CACHE_DIR)


class _NoNetwork(socket.socket):
    def connect(self, *_a, **_k):  # pragma: no cover - only hit if code goes online
        raise OSError("network disabled in tests")


@pytest.fixture
def offline(monkeypatch):
    """Make any socket connection fail, to prove a code path stays offline."""
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("network disabled")))
