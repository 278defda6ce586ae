"""Benchmark: road travel matrices vs networkx per-source Dijkstra.

Graphs:

* Liechtenstein, raw (``simplify=False``: every OSM node, about 17k nodes) from the
  full extract in ``../shared/data/osm`` (the drive filter runs first);
* a synthetic 224 x 224 street grid (50,176 nodes, 100 m blocks, arterials every 10th
  street at 50 km/h, other streets 30 km/h, one street in ten one-way).

For 250, 1000 and 2000 random points on each graph it prints the time to load and
prepare the graph (once, then cached), the matrix time (snapping + many-to-many), the
peak resident memory, and the networkx baseline (single-source Dijkstra on
``travel_time`` timed on a sample of sources and extrapolated to all of them).

Run: ``python benchmarks/matrix.py [--sizes 250 1000 2000] [--nx-sample 8]``.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import networkx as nx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer.geo import network  # noqa: E402
from optimizer.geo import road_matrix as rm  # noqa: E402
from optimizer.model import Location, TravelSettings  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "osm"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grid_graph(side: int = 224, block_m: float = 100.0, seed: int = 0) -> nx.MultiDiGraph:
    """A square street grid around 47.0 N, 9.0 E with some one-way streets."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = 47.0, 9.0
    dlat = block_m / 111_195.0
    dlon = dlat / np.cos(np.radians(lat0))
    g = nx.MultiDiGraph(crs="epsg:4326")
    for r in range(side):
        for c in range(side):
            g.add_node(r * side + c, y=lat0 + r * dlat, x=lon0 + c * dlon)
    for r in range(side):
        for c in range(side):
            a = r * side + c
            for b, arterial in ((a + 1, r % 10 == 0), (a + side, c % 10 == 0)):
                if (b == a + 1 and c == side - 1) or (b == a + side and r == side - 1):
                    continue
                kph = 50.0 if arterial else 30.0
                length = block_m * rng.uniform(0.9, 1.1)
                attrs = {"length": length, "speed_kph": kph, "travel_time": length / (kph / 3.6),
                         "highway": "primary" if arterial else "residential"}
                if arterial or rng.random() > 0.1:
                    g.add_edge(a, b, **attrs)
                    g.add_edge(b, a, **attrs)
                else:  # one-way, random direction
                    g.add_edge(*((a, b) if rng.random() < 0.5 else (b, a)), **attrs)
    return g


def random_points(road: network.RoadGraph, n: int, seed: int) -> list[Location]:
    rng = np.random.default_rng(seed)
    nodes = list(road.graph.nodes)
    pick = rng.choice(len(nodes), n, replace=False)
    out = []
    for i in pick:  # a house 0-40 m off a random junction
        d = road.graph.nodes[nodes[i]]
        out.append(Location(lat=d["y"] + rng.uniform(-3e-4, 3e-4),
                            lon=d["x"] + rng.uniform(-3e-4, 3e-4)))
    return out


def networkx_seconds_per_source(road: network.RoadGraph, sample: int) -> float:
    g = road.graph
    nodes = list(g.nodes)
    rng = np.random.default_rng(99)
    t = time.perf_counter()
    for i in rng.choice(len(nodes), sample, replace=False):
        nx.single_source_dijkstra_path_length(g, nodes[i], weight="travel_time")
    return (time.perf_counter() - t) / sample


def bench(name: str, road: network.RoadGraph, load_s: float, sizes, nx_sample: int,
          cache: Path) -> None:
    g = road.graph
    print(f"\n== {name}: {len(g):,} nodes, {g.number_of_edges():,} edges "
          f"(load {load_s:.2f} s)")
    t = time.perf_counter()
    router = rm.prepare_router(road, cache_dir=cache)
    prep_s = time.perf_counter() - t
    rm._ROUTERS.clear()
    t = time.perf_counter()
    rm.prepare_router(road, cache_dir=cache)
    cached_s = time.perf_counter() - t
    print(f"prepare (contraction hierarchy, {router.hierarchy.shortcuts:,} shortcuts): "
          f"{prep_s:.2f} s first, {cached_s:.2f} s from cache; peak RSS {peak_mib():,.0f} MiB")
    rm.road_matrix(router, random_points(road, 10, 0))  # compile / warm up
    nx_s = networkx_seconds_per_source(road, nx_sample)
    print(f"networkx single_source_dijkstra_path_length: {nx_s * 1000:.1f} ms per source "
          f"(mean of {nx_sample})")
    print(f"{'points':>7} {'snap s':>7} {'CH matrix s':>12} {'scipy s':>9} "
          f"{'networkx s (extrap.)':>21} {'speed-up':>9} {'peak MiB':>9}")
    for n in sizes:
        pts = random_points(road, n, n)
        t = time.perf_counter()
        snaps = rm.snap_points(router, pts, max_snap_m=5000)
        snap_s = time.perf_counter() - t
        t = time.perf_counter()
        m = rm.road_matrix(router, pts, max_snap_m=5000)
        total_s = time.perf_counter() - t
        # scipy's Dijkstra on the whole graph, timed on up to 100 sources, extrapolated
        k = min(n, 100)
        t = time.perf_counter()
        rm.packed_costs(router, snaps[:k], snaps, engine="dijkstra")
        scipy_s = (time.perf_counter() - t) * n / k
        nx_total = nx_s * n
        reach = 100.0 if m.reachable is None else 100 * np.asarray(m.reachable).mean()
        print(f"{n:>7} {snap_s:>7.2f} {total_s:>12.2f} {scipy_s:>9.1f} {nx_total:>21.1f} "
              f"{nx_total / total_s:>8.0f}x {peak_mib():>9,.0f}   ({reach:.1f}% pairs reachable)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 2000])
    ap.add_argument("--nx-sample", type=int, default=8)
    ap.add_argument("--grid-side", type=int, default=224)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, osmnx {version('osmnx')}, "
          f"networkx {version('networkx')}, scipy {version('scipy')}, numba {version('numba')}, "
          f"shapely {version('shapely')}; {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="fsopt-bench-") as tmp:
        cache = Path(tmp)
        travel = TravelSettings(source="osm_file",
                                osm_file=str(SHARED / "liechtenstein-2021-01.osm.bz2"))
        t = time.perf_counter()
        road = network.load_road_graph(travel, cache_dir=cache, simplify=False)
        load_s = time.perf_counter() - t
        network.clear_memo()
        t = time.perf_counter()
        network.load_road_graph(travel, cache_dir=cache, simplify=False)
        print(f"Liechtenstein full extract: filter + build + speeds {load_s:.2f} s; "
              f"from the prepared-graph cache {time.perf_counter() - t:.2f} s")
        bench("Liechtenstein raw (simplify=False)", road, load_s, args.sizes, args.nx_sample,
              cache)
        t = time.perf_counter()
        grid = grid_graph(args.grid_side)
        load_s = time.perf_counter() - t
        road = network.RoadGraph(graph=grid, key=f"grid-{args.grid_side}", source="synthetic")
        bench(f"synthetic grid {args.grid_side}x{args.grid_side}", road, load_s, args.sizes,
              max(2, args.nx_sample // 2), cache)


if __name__ == "__main__":
    main()
