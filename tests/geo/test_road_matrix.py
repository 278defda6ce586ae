"""Road matrices: hand-checked paths, one-way streets, snapping, reachability, exactness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from _roads import (
    BESIDE_2_3,
    CACHE_DIR,
    FREE_FLOW,
    HELSINKI_DRIVE,
    LIECHTENSTEIN_FULL,
    N1,
    N2,
    N3,
    N5,
    N8,
    TINY_OSM,
    road,
    router,
)

from optimizer.errors import InputError
from optimizer.geo import road_matrix as rm
from optimizer.geo.contraction import UNREACHABLE, build_hierarchy, many_to_many
from optimizer.geo.matrix import haversine_m
from optimizer.geo.matrix_cache import cached_packed_costs
from optimizer.model import Location


def tiny(points, **kw):
    return rm.road_matrix(router(TINY_OSM), points, **kw)


def test_tiny_graph_hand_checked_times_and_distances():
    """1->3 drives 1-2-3 (54.60 + 91.00 s, 758.35 + 758.35 m). 3->1 cannot use the
    one-way 2->3 backwards, so it goes 3-4-2-1: 90.40 + 120.09 + 54.60 s and
    1255.59 + 1000.76 + 758.35 m."""
    m = tiny([N1, N3])
    assert m.source == "osm"
    assert m.travel_s[0][1] == 146 and m.distance_m[0][1] == 1517
    assert m.travel_s[1][0] == 265 and m.distance_m[1][0] == 3015
    assert m.travel_s[0][0] == 0 and m.reachable is None


def test_unreachable_pairs_are_flagged_with_finite_placeholders():
    """The disconnected piece (node 5) is unreachable both ways; the one-way trap
    (node 8) can be entered (1-2-8: 54.60 + 66.72 s) but never left, when nothing
    else is within snapping distance (max_snap_m=50)."""
    m = tiny([N1, N5, N8], max_snap_m=50)
    r = np.asarray(m.reachable)
    assert r.tolist() == [[True, False, True], [False, True, False], [False, False, True]]
    assert m.travel_s[0][2] == 121 and m.distance_m[0][2] == 1314
    assert m.travel_s[2][0] == rm.UNREACHABLE_TRAVEL_S
    assert np.isfinite(m.travel_s).all() and np.isfinite(m.distance_m).all()
    assert m.travel_s.dtype == np.int64 and not m.is_reachable(2, 0)


def test_a_point_in_a_one_way_trap_snaps_to_the_main_network_when_in_reach():
    """With the default 1 km reach, node 8 (a one-way trap) joins the strongly
    connected main network instead, so it can be left again (as OSRM does)."""
    m = tiny([N1, N8])
    assert m.reachable is None or np.asarray(m.reachable).all()
    snap = rm.snap_points(router(TINY_OSM), [N8])[0]
    assert snap.access_m > 0


def test_snap_beside_a_long_edge_uses_the_edge_not_a_far_node():
    """A house 55.6 m beside the middle of the 758 m one-way 2->3 joins that edge at
    fraction 0.5, not node 2 or 3 (382 m away)."""
    (snap,) = rm.snap_points(router(TINY_OSM), [BESIDE_2_3])
    r = router(TINY_OSM)
    assert (r.node_ids[r.edge_tail[snap.edge]], r.node_ids[r.edge_head[snap.edge]]) == (2, 3)
    assert snap.fraction == pytest.approx(0.5, abs=1e-3)
    assert snap.access_m == pytest.approx(55.6, abs=0.2)
    assert snap.on_road.lat == pytest.approx(47.0, abs=1e-6)
    assert snap.on_road.lon == pytest.approx(9.015, abs=1e-6)


def test_access_leg_and_half_edges_are_added_respecting_one_way():
    """1->house: 54.60 + 45.50 (half of 2->3) + 10.01 s access (55.6 m at 20 km/h).
    house->1 must first follow the one-way to 3: 45.50 + 90.40 + 120.09 + 54.60 + 10.01."""
    m = tiny([N1, BESIDE_2_3])
    assert m.travel_s[0][1] == 110 and m.distance_m[0][1] == round(758.35 + 379.18 + 55.6)
    assert m.travel_s[1][0] == 321
    assert m.distance_m[1][0] == round(379.18 + 1255.59 + 1000.76 + 758.35 + 55.6)


def test_two_points_on_one_edge_drive_along_it():
    """Two houses on the same one-way edge: forward is a short direct drive; backward
    has to go round the loop 3-4-2."""
    a = Location(lat=47.0003, lon=9.012)
    b = Location(lat=47.0003, lon=9.018)
    m = tiny([a, b])
    along_s = 0.6 * 91.00
    access_s = 2 * 33.36 / (20 / 3.6)
    assert m.travel_s[0][1] == pytest.approx(along_s + access_s, abs=1)
    assert m.travel_s[1][0] == pytest.approx(0.2 * 91 + 90.40 + 120.09 + 0.2 * 91 + access_s,
                                             abs=1)


def test_points_far_from_every_road_are_all_reported_at_once():
    """Two points in the hills are both named, with their distance, in one InputError."""
    far1 = Location(lat=47.1, lon=9.0)
    far2 = Location(lat=46.9, lon=9.05)
    with pytest.raises(InputError) as info:
        tiny([N1, far1, far2], labels=["depot", "order WO-7", "order WO-9"])
    assert len(info.value.problems) == 2
    assert "order WO-7" in info.value.problems[0] and "m from the nearest drivable road" in str(
        info.value)
    # nearest road to far1 is the piece 5-6 at lat 47.02: 0.08 deg = 8,896 m due south
    assert "8,896 m" in info.value.problems[0]
    assert "order WO-9" in info.value.problems[1]


def test_speed_factor_divides_times_and_keeps_distances():
    """speed_factor=0.5 (heavy traffic) doubles every time and leaves distances alone."""
    base = tiny([N1, N3])
    slow = tiny([N1, N3], speed_factor=0.5)
    assert slow.travel_s[0][1] == pytest.approx(2 * 145.6, abs=1)
    assert (slow.distance_m == base.distance_m).all()
    with pytest.raises(InputError, match="speed_factor"):
        tiny([N1, N3], speed_factor=0)


def test_road_class_speed_factors_scale_each_edge_of_the_path():
    """With primary at 0.5 and residential at 0.7, 1->3 (primary 1-2 54.60 s, residential
    2-3 91.00 s free flow) takes 54.60 / 0.5 + 91.00 / 0.7 = 109.20 + 130.00 = 239 s; the
    distance stays 1517 m. A haversine matrix ignores the factors."""
    factors = {**FREE_FLOW, "primary": 0.5, "residential": 0.7}
    m = rm.road_matrix(router(TINY_OSM, factors), [N1, N3])
    assert m.travel_s[0][1] == 239 and m.distance_m[0][1] == 1517
    assert tiny([N1, N3]).travel_s[0][1] == 146


def test_default_speed_factors_are_used_by_build_matrix(tmp_path):
    """A scenario's default [travel] (no speed_factors given) routes at the documented
    defaults: 1->3 is 54.60 / 0.7 + 91.00 / 0.6 = 78.00 + 151.67 = 230 s."""
    from optimizer.geo.matrix import build_matrix
    from optimizer.model import DEFAULT_SPEED_FACTORS, TravelSettings

    assert DEFAULT_SPEED_FACTORS["primary"] == 0.7
    assert DEFAULT_SPEED_FACTORS["residential"] == 0.6
    travel = TravelSettings(source="osm_file", osm_file=str(TINY_OSM))
    m = build_matrix([N1, N3], travel, cache_dir=CACHE_DIR)
    assert m.travel_s[0][1] == 230 and m.distance_m[0][1] == 1517


def _node_points(graph, rng, k):
    nodes = list(graph.nodes)
    pick = [nodes[i] for i in rng.choice(len(nodes), k, replace=False)]
    return pick, [Location(lat=graph.nodes[n]["y"], lon=graph.nodes[n]["x"]) for n in pick]


def test_matrix_equals_networkx_exact_answer_on_sampled_pairs():
    """On Helsinki (one-way grid), times from node to node equal networkx's Dijkstra on
    travel_time within rounding, and no-path pairs are exactly networkx's missing ones."""
    g = road(HELSINKI_DRIVE).graph
    rng = np.random.default_rng(7)
    core = sorted(max(nx.strongly_connected_components(g), key=len))
    rest = sorted(set(g.nodes) - set(core))
    pick = [core[i] for i in rng.choice(len(core), 45, replace=False)]
    pick += [rest[i] for i in rng.choice(len(rest), 15, replace=False)]
    pts = [Location(lat=g.nodes[n]["y"], lon=g.nodes[n]["x"]) for n in pick]
    # points sit on nodes; a 1 m reach keeps off-core nodes on their own edges
    m = rm.road_matrix(router(HELSINKI_DRIVE), pts, max_snap_m=1)
    assert m.reachable is not None
    checked = 0
    for i in range(0, 60, 6):
        lengths = nx.single_source_dijkstra_path_length(g, pick[i], weight="travel_time")
        for j in range(60):
            expect = lengths.get(pick[j])
            assert m.is_reachable(i, j) == (expect is not None)
            if expect is not None:
                assert abs(m.travel_s[i][j] - expect) <= 1
                checked += 1
    assert checked > 300


def test_road_time_is_never_below_straight_line_at_top_speed():
    """No pair beats the crow-flies distance driven at the graph's top speed."""
    g = road(HELSINKI_DRIVE).graph
    rng = np.random.default_rng(3)
    pts = [Location(lat=float(a), lon=float(b))
           for a, b in zip(rng.uniform(60.166, 60.177, 80), rng.uniform(24.937, 24.952, 80),
                           strict=True)]
    m = rm.road_matrix(router(HELSINKI_DRIVE), pts)
    top_mps = max(d["speed_kph"] for *_, d in g.edges(data=True)) / 3.6
    floor_s = haversine_m(pts) / top_mps
    ok = np.asarray(m.reachable) if m.reachable is not None else np.ones((80, 80), bool)
    assert (m.travel_s[ok] >= np.floor(floor_s[ok]) - 1).all()
    assert (m.distance_m[ok] >= np.floor(haversine_m(pts)[ok]) - 1).all()


def test_hierarchy_equals_plain_dijkstra_on_liechtenstein():
    """The contraction hierarchy gives exactly the packed costs of scipy's Dijkstra on
    the whole graph, for 120 random houses in Liechtenstein."""
    r = router(LIECHTENSTEIN_FULL)
    rng = np.random.default_rng(11)
    pts = [Location(lat=float(a), lon=float(b))
           for a, b in zip(rng.uniform(47.06, 47.24, 120), rng.uniform(9.49, 9.60, 120),
                           strict=True)]
    snaps = rm.snap_points(r, pts, max_snap_m=5000)
    ch = rm.packed_costs(r, snaps, snaps, engine="ch")
    ref = rm.packed_costs(r, snaps, snaps, engine="dijkstra")
    assert (ch == ref).all()
    assert (ch != UNREACHABLE).mean() > 0.95


def test_contraction_hierarchy_on_a_random_directed_graph():
    """Random sparse digraph with one-way edges: hierarchy == all-pairs Dijkstra."""
    rng = np.random.default_rng(5)
    n = 300
    tail = rng.integers(0, n, 1200)
    head = rng.integers(0, n, 1200)
    w = rng.integers(1, 1000, 1200)
    h = build_hierarchy(n, tail, head, w)
    opts = (np.arange(n + 1), np.arange(n), np.zeros(n, np.int64))
    got = many_to_many(h, opts, opts)
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    keep = tail != head
    dense = np.full((n, n), np.inf)
    for a, b, c in zip(tail[keep], head[keep], w[keep], strict=True):
        dense[a, b] = min(dense[a, b], c)
    ref = dijkstra(sp.csr_matrix(np.where(np.isinf(dense), 0, dense)))
    assert ((got == UNREACHABLE) == np.isinf(ref)).all()
    assert (got[np.isfinite(ref)] == ref[np.isfinite(ref)]).all()


def test_matrix_cache_reuses_known_rows_when_points_are_added(tmp_path):
    """A second run with 3 extra points computes only those 3 points' rows and columns,
    and gives the same numbers as a fresh computation."""
    r = router(HELSINKI_DRIVE)
    g = road(HELSINKI_DRIVE).graph
    _pick, pts = _node_points(g, np.random.default_rng(2), 33)
    snaps = rm.snap_points(r, pts)
    asked = []

    def costs(a, b):
        asked.append((len(a), len(b)))
        return rm.packed_costs(r, a, b)

    path = tmp_path / "m.npz"
    first, n1 = cached_packed_costs(snaps[:30], costs, path=path)
    second, n2 = cached_packed_costs(snaps, costs, path=path)
    third, n3 = cached_packed_costs(snaps[5:], costs, path=path)
    assert (n1, n2, n3) == (30, 3, 0)
    assert asked == [(30, 30), (0, 30), (3, 33), (30, 3)]
    fresh = rm.packed_costs(r, snaps, snaps)
    np.fill_diagonal(fresh, 0)
    assert (second == fresh).all() and (third == fresh[5:, 5:]).all()
    assert (first == fresh[:30, :30]).all()


def test_road_matrix_uses_the_disk_cache(monkeypatch):
    """With cache_dir set, a repeated request is answered from disk with no search."""
    pts = [N1, N2, N3]
    first = rm.road_matrix(router(TINY_OSM), pts, cache_dir=CACHE_DIR)
    monkeypatch.setattr(rm, "many_to_many", lambda *a: pytest.fail("searched again"))
    again = rm.road_matrix(router(TINY_OSM), pts, cache_dir=CACHE_DIR)
    assert (again.travel_s == first.travel_s).all()
