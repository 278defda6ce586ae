"""Road travel matrices: snap points to drivable edges, then exact shortest paths.

How a matrix is made (see ``docs/roads.md``):

1. :func:`prepare_router` turns a :class:`~optimizer.geo.network.RoadGraph` into arrays
   and a contraction hierarchy (cached on disk and in the process).
2. :func:`snap_points` puts every location on its nearest drivable *edge* (not node),
   with a straight access leg from the location to the road. Points farther than
   ``max_snap_m`` from every road are all reported in one :class:`InputError`.
3. :func:`road_matrix` asks the hierarchy for the fastest path between every pair.
   Each edge weight packs time and distance into one exact integer
   (``time_ms << 27 | distance_dm``), so one search gives the fastest time and the
   length of that same path. Pairs without a path get ``reachable=False`` and a finite
   placeholder. Results are cached on disk per graph; new points reuse known rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra

from optimizer import settings
from optimizer.errors import InputError, NetworkError
from optimizer.geo.contraction import UNREACHABLE, Hierarchy, build_hierarchy, many_to_many
from optimizer.geo.matrix_cache import atomic_savez, cached_packed_costs
from optimizer.geo.network import RoadGraph
from optimizer.model import Location, MatrixSource, TravelMatrix

#: Speed on the straight access leg between a location and its road (driveway, yard).
ACCESS_SPEED_KPH = 20.0
#: A point this close to a graph node may also leave and arrive through that node.
NODE_TOLERANCE_M = 1.0
#: Finite values stored where ``reachable`` is False (never used by the solver).
UNREACHABLE_TRAVEL_S = 9_999_999
UNREACHABLE_DISTANCE_M = 9_999_999

_SHIFT = 27  # distance in decimetres lives in the low 27 bits (up to 13,421 km)
_DIST_MASK = (1 << _SHIFT) - 1
_MAX_TIME_MS = 1 << 26  # 18.6 h: keeps every packed sum below 2**53
_M_PER_DEG = np.pi / 180 * 6_371_008.8
_ROUTER_VERSION = 2
_ROUTERS: dict[str, Router] = {}


@dataclass(frozen=True, slots=True, eq=False)
class Router:
    """Arrays of one road graph, ready for snapping and shortest paths.

    Nodes are ``0..n-1`` (``node_ids`` holds the OSM ids). Edge ``e`` runs from
    ``edge_tail[e]`` to ``edge_head[e]`` along ``coord_lon/lat[coord_ptr[e]:coord_ptr[e+1]]``;
    ``edge_reverse[e]`` is the opposite direction of the same road, or -1 (one-way).
    ``pieces`` lists one edge per physical road piece, for snapping.
    """

    key: str
    node_ids: np.ndarray
    node_lat: np.ndarray
    node_lon: np.ndarray
    edge_tail: np.ndarray
    edge_head: np.ndarray
    edge_time_ms: np.ndarray
    edge_dist_dm: np.ndarray
    edge_reverse: np.ndarray
    coord_ptr: np.ndarray
    coord_lon: np.ndarray
    coord_lat: np.ndarray
    pieces: np.ndarray
    hierarchy: Hierarchy
    origin: Location
    lines: np.ndarray  # projected shapely LineStrings of ``pieces``
    tree: shapely.STRtree
    #: positions in ``pieces`` of the pieces inside the largest strongly connected component
    main_pieces: np.ndarray
    main_tree: shapely.STRtree

    @property
    def edge_weight(self) -> np.ndarray:
        """Packed ``time_ms << 27 | distance_dm`` per edge."""
        return (self.edge_time_ms << _SHIFT) | self.edge_dist_dm


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a location joins the road network.

    ``edge`` is a directed edge index of the :class:`Router`; ``fraction`` runs from its
    tail (0) to its head (1). ``access_m`` is the straight leg to ``on_road``.
    """

    location: Location
    on_road: Location
    edge: int
    fraction: float
    access_m: float


# --------------------------------------------------------------------------- projection
def _project(origin: Location, lat, lon) -> tuple[np.ndarray, np.ndarray]:
    scale = np.cos(np.radians(origin.lat))
    x = (np.asarray(lon, float) - origin.lon) * scale * _M_PER_DEG
    y = (np.asarray(lat, float) - origin.lat) * _M_PER_DEG
    return x, y


def _unproject(origin: Location, x, y) -> tuple[np.ndarray, np.ndarray]:
    scale = np.cos(np.radians(origin.lat))
    return origin.lat + np.asarray(y) / _M_PER_DEG, origin.lon + np.asarray(x) / (
        scale * _M_PER_DEG
    )


def _haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(
        np.radians(np.asarray(lon2) - np.asarray(lon1)) / 2
    ) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# --------------------------------------------------------------------------- router
def _router_arrays(road: RoadGraph) -> dict[str, np.ndarray]:
    graph = road.graph
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    index = {int(n): i for i, n in enumerate(node_ids)}
    lat = np.array([graph.nodes[n]["y"] for n in node_ids], float)
    lon = np.array([graph.nodes[n]["x"] for n in node_ids], float)
    tail, head, time_ms, dist_dm, ptr, c_lon, c_lat = [], [], [], [], [0], [], []
    for u, v, data in graph.edges(data=True):
        iu, iv = index[u], index[v]
        tail.append(iu)
        head.append(iv)
        time_ms.append(max(1, round(float(data["travel_time"]) * 1000)))
        dist_dm.append(max(0, round(float(data["length"]) * 10)))
        geom = data.get("geometry")
        if geom is not None:
            xs, ys = geom.xy
            c_lon.extend(xs)
            c_lat.extend(ys)
        else:
            c_lon.extend((lon[iu], lon[iv]))
            c_lat.extend((lat[iu], lat[iv]))
        ptr.append(len(c_lon))
    arrays = {
        "node_ids": node_ids,
        "node_lat": lat,
        "node_lon": lon,
        "edge_tail": np.array(tail, np.int64),
        "edge_head": np.array(head, np.int64),
        "edge_time_ms": np.array(time_ms, np.int64),
        "edge_dist_dm": np.array(dist_dm, np.int64),
        "coord_ptr": np.array(ptr, np.int64),
        "coord_lon": np.array(c_lon, float),
        "coord_lat": np.array(c_lat, float),
    }
    # the opposite direction of a two-way road has the reversed geometry
    ptr_a = arrays["coord_ptr"]
    rounded = np.round(np.column_stack([arrays["coord_lon"], arrays["coord_lat"]]) * 1e7)
    rounded = rounded.astype(np.int64)
    keys = [rounded[ptr_a[e]: ptr_a[e + 1]].tobytes() for e in range(len(tail))]
    by_key = {k: e for e, k in enumerate(keys)}
    reverse = np.full(len(tail), -1, np.int64)
    for e in range(len(tail)):
        r = by_key.get(rounded[ptr_a[e]: ptr_a[e + 1]][::-1].tobytes(), -1)
        reverse[e] = r if r != e else -1
    arrays["edge_reverse"] = reverse
    arrays["pieces"] = np.flatnonzero((reverse < 0) | (np.arange(len(tail)) < reverse))
    return arrays


def _finish_router(key: str, arrays: dict[str, np.ndarray], hierarchy: Hierarchy) -> Router:
    origin = Location(
        lat=float(np.mean(arrays["node_lat"])), lon=float(np.mean(arrays["node_lon"]))
    )
    x, y = _project(origin, arrays["coord_lat"], arrays["coord_lon"])
    ptr = arrays["coord_ptr"]
    owner = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    all_lines = shapely.linestrings(np.column_stack([x, y]), indices=owner)
    lines = all_lines[arrays["pieces"]]
    n = len(arrays["node_ids"])
    tail, head = arrays["edge_tail"], arrays["edge_head"]
    graph = sp.csr_matrix((np.ones(len(tail)), (tail, head)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    main = label == np.bincount(label).argmax()
    pieces = arrays["pieces"]
    main_pieces = np.flatnonzero(main[tail[pieces]] & main[head[pieces]])
    return Router(
        key=key,
        hierarchy=hierarchy,
        origin=origin,
        lines=lines,
        tree=shapely.STRtree(lines),
        main_pieces=main_pieces,
        main_tree=shapely.STRtree(lines[main_pieces]),
        **arrays,
    )


def prepare_router(road: RoadGraph, *, cache_dir: Path | None = None) -> Router:
    """Arrays, snapping index and contraction hierarchy of ``road`` (cached).

    Parameters
    ----------
    road
        From :func:`optimizer.geo.network.load_road_graph`.
    cache_dir
        Disk cache root (default ``settings.cache_dir``); the hierarchy is stored as
        ``routers/<graph key>.npz`` there.

    Returns
    -------
    Router
    """
    if road.key in _ROUTERS:
        return _ROUTERS[road.key]
    path = Path(cache_dir or settings.cache_dir) / "routers" / f"{road.key}-v{_ROUTER_VERSION}.npz"
    names = ("rank", "up_indptr", "up_indices", "up_weight",
             "down_indptr", "down_indices", "down_weight")
    arrays = None
    if path.is_file():
        try:
            with np.load(path) as data:
                stored = {k: data[k] for k in data.files}
            hierarchy = Hierarchy(
                **{k: stored.pop("h_" + k) for k in names}, shortcuts=int(stored.pop("h_sc"))
            )
            arrays = stored
        except (OSError, KeyError, ValueError):
            arrays = None
    if arrays is None:
        arrays = _router_arrays(road)
        weight = (arrays["edge_time_ms"] << _SHIFT) | arrays["edge_dist_dm"]
        hierarchy = build_hierarchy(
            len(arrays["node_ids"]), arrays["edge_tail"], arrays["edge_head"], weight
        )
        extra = {"h_" + k: getattr(hierarchy, k) for k in names}
        atomic_savez(path, **arrays, **extra, h_sc=np.array(hierarchy.shortcuts))
    router = _finish_router(road.key, arrays, hierarchy)
    _ROUTERS[road.key] = router
    return router


# --------------------------------------------------------------------------- snapping
def snap_points(
    router: Router,
    points: Sequence[Location],
    *,
    max_snap_m: float = 1000.0,
    labels: Sequence[str] | None = None,
) -> tuple[Snap, ...]:
    """Snap each point to the nearest drivable edge.

    Like OSRM, a point whose nearest edge lies off the network's largest strongly
    connected component (a cut-off driveway, a one-way stub) snaps to the nearest
    edge of that component instead, if one is within ``max_snap_m``; only a point
    with no such edge in reach keeps its isolated edge (and is then unreachable).

    Parameters
    ----------
    router
        From :func:`prepare_router`.
    points
        Locations to snap.
    max_snap_m
        A point farther than this from every road is an input problem.
    labels
        Names of the points for error messages (default ``"point <i>"``).

    Returns
    -------
    tuple of Snap
        One per point, in order.

    Raises
    ------
    InputError
        Listing *every* point farther than ``max_snap_m`` from a road, with its distance.
    """
    points = tuple(points)
    if not points:
        return ()
    lat = np.array([p.lat for p in points], float)
    lon = np.array([p.lon for p in points], float)
    x, y = _project(router.origin, lat, lon)
    geoms = shapely.points(x, y)
    (src, found), _ = router.tree.query_nearest(geoms, return_distance=True, all_matches=False)
    piece = np.empty(len(points), np.int64)
    piece[src] = found
    off_main = np.flatnonzero(~np.isin(piece, router.main_pieces))
    if len(off_main) and len(router.main_pieces):
        (m_src, m_found), m_dist = router.main_tree.query_nearest(
            geoms[off_main], return_distance=True, all_matches=False)
        near = m_dist <= max_snap_m
        piece[off_main[m_src[near]]] = router.main_pieces[m_found[near]]
    lines = router.lines[piece]
    frac = np.clip(shapely.line_locate_point(lines, geoms, normalized=True), 0.0, 1.0)
    on = shapely.line_interpolate_point(lines, frac, normalized=True)
    on_lat, on_lon = _unproject(router.origin, shapely.get_x(on), shapely.get_y(on))
    access = _haversine_m(lat, lon, on_lat, on_lon)
    problems = []
    for i in np.flatnonzero(access > max_snap_m):
        name = labels[i] if labels is not None else f"point {i}"
        problems.append(
            f"{name} at lat={lat[i]:.6f}, lon={lon[i]:.6f}: {access[i]:,.0f} m from the "
            f"nearest drivable road (max_snap_m={max_snap_m:g})"
        )
    if problems:
        raise InputError(problems)
    edges = router.pieces[piece]
    return tuple(
        Snap(
            location=p,
            on_road=Location(lat=float(on_lat[i]), lon=float(on_lon[i])),
            edge=int(edges[i]),
            fraction=float(frac[i]),
            access_m=float(access[i]),
        )
        for i, p in enumerate(points)
    )


def _packed(time_ms, dist_dm) -> np.ndarray:
    return (np.rint(time_ms).astype(np.int64) << _SHIFT) | np.rint(dist_dm).astype(np.int64)


def _part(router: Router, edge: np.ndarray, share: np.ndarray) -> np.ndarray:
    return _packed(router.edge_time_ms[edge] * share, router.edge_dist_dm[edge] * share)


def snap_options(router: Router, snaps: Sequence[Snap], *, access_speed_kph: float,
                 outgoing: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Graph nodes through which each snapped point leaves (or is reached), with costs.

    Returns CSR-style ``(ptr, node, packed_cost)`` arrays for
    :func:`optimizer.geo.contraction.many_to_many`; the cost includes the access leg.
    """
    edge = np.array([s.edge for s in snaps], np.int64)
    t = np.array([s.fraction for s in snaps], float)
    access_m = np.array([s.access_m for s in snaps], float)
    access = _packed(access_m / (access_speed_kph / 3.6) * 1000, access_m * 10)
    rev = router.edge_reverse[edge]
    has_rev = rev >= 0
    tail, head = router.edge_tail[edge], router.edge_head[edge]
    length_m = router.edge_dist_dm[edge] / 10
    safe_rev = np.where(has_rev, rev, edge)
    if outgoing:  # drive on to the head, or back to the tail on the opposite lane
        cand = [(head, _part(router, edge, 1 - t), np.ones_like(has_rev)),
                (tail, _part(router, safe_rev, t), has_rev)]
    else:  # arrive from the tail, or from the head on the opposite lane
        cand = [(tail, _part(router, edge, t), np.ones_like(has_rev)),
                (head, _part(router, safe_rev, 1 - t), has_rev)]
    cand += [(tail, np.zeros_like(access), t * length_m <= NODE_TOLERANCE_M),
             (head, np.zeros_like(access), (1 - t) * length_m <= NODE_TOLERANCE_M)]
    node = np.column_stack([c[0] for c in cand])
    cost = np.column_stack([c[1] for c in cand]) + access[:, None]
    use = np.column_stack([c[2] for c in cand]).astype(bool)
    ptr = np.concatenate([[0], np.cumsum(use.sum(axis=1))])
    return ptr, node[use], cost[use]


def _same_edge(router: Router, src: Sequence[Snap], tgt: Sequence[Snap], *,
               access_speed_kph: float) -> list[tuple[int, int, int]]:
    """Direct drives along one road piece, which do not pass any graph node."""
    by_edge: dict[int, list[int]] = {}
    for j, s in enumerate(tgt):
        by_edge.setdefault(s.edge, []).append(j)
    out = []
    mps = access_speed_kph / 3.6
    for i, a in enumerate(src):
        for j in by_edge.get(a.edge, ()):
            b = tgt[j]
            acc = a.access_m + b.access_m
            base = _packed(np.array([acc / mps * 1000]), np.array([acc * 10]))[0]
            rev = int(router.edge_reverse[a.edge])
            if b.fraction >= a.fraction:
                share = np.array([b.fraction - a.fraction])
                out.append((i, j, int(base + _part(router, np.array([a.edge]), share)[0])))
            if rev >= 0 and a.fraction >= b.fraction:
                share = np.array([a.fraction - b.fraction])
                out.append((i, j, int(base + _part(router, np.array([rev]), share)[0])))
    return out


def packed_costs(router: Router, src: Sequence[Snap], tgt: Sequence[Snap], *,
                 access_speed_kph: float = ACCESS_SPEED_KPH, engine: str = "ch") -> np.ndarray:
    """Packed fastest-path costs ``time_ms << 27 | distance_dm`` from ``src`` to ``tgt``.

    ``engine`` is ``"ch"`` (contraction hierarchy, default) or ``"dijkstra"`` (scipy on
    the whole graph; the reference). :data:`UNREACHABLE` marks pairs with no path.
    """
    if not src or not tgt:
        return np.zeros((len(src), len(tgt)), np.int64)
    s_opt = snap_options(router, src, access_speed_kph=access_speed_kph, outgoing=True)
    t_opt = snap_options(router, tgt, access_speed_kph=access_speed_kph, outgoing=False)
    if engine == "ch":
        out = many_to_many(router.hierarchy, s_opt, t_opt)
    elif engine == "dijkstra":
        csr, first_src, first_tgt = augmented_graph(router, s_opt, t_opt)
        dist = dijkstra(csr, indices=np.arange(first_src, first_src + len(src)))
        dist = dist[:, first_tgt: first_tgt + len(tgt)]
        out = np.full(dist.shape, UNREACHABLE, np.int64)
        finite = np.isfinite(dist)
        out[finite] = dist[finite].astype(np.int64)
    else:
        raise ValueError(f"engine={engine!r}: expected 'ch' or 'dijkstra'")
    for i, j, cost in _same_edge(router, src, tgt, access_speed_kph=access_speed_kph):
        out[i, j] = min(out[i, j], cost)
    return out


def augmented_graph(router: Router, s_opt, t_opt) -> tuple[sp.csr_matrix, int, int]:
    """The road graph plus one virtual node per source and per target (scipy CSR).

    Returns the matrix and the indices of the first source and first target node.
    Weights are packed costs as float64 (exact below 2**53).
    """
    n = len(router.node_ids)
    s_ptr, s_node, s_cost = s_opt
    t_ptr, t_node, t_cost = t_opt
    n_src, n_tgt = len(s_ptr) - 1, len(t_ptr) - 1
    first_src, first_tgt = n, n + n_src
    tail = np.concatenate([router.edge_tail, first_src + np.repeat(np.arange(n_src),
                                                                   np.diff(s_ptr)), t_node])
    head = np.concatenate([router.edge_head, s_node,
                           first_tgt + np.repeat(np.arange(n_tgt), np.diff(t_ptr))])
    weight = np.concatenate([router.edge_weight, s_cost, t_cost])
    order = np.lexsort((weight, head, tail))
    tail, head, weight = tail[order], head[order], weight[order]
    first = np.ones(len(tail), bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    size = n + n_src + n_tgt
    csr = sp.csr_matrix(
        (weight[first].astype(float), (tail[first], head[first])), shape=(size, size)
    )
    return csr, first_src, first_tgt


def _cache_path(cache_dir: Path, router: Router, access_speed_kph: float,
                max_snap_m: float) -> Path:
    # snapping depends on max_snap_m (off-network points reach for the main component)
    tag = hashlib.sha256(f"{access_speed_kph!r}|{NODE_TOLERANCE_M!r}|{max_snap_m!r}|"
                         f"v{_ROUTER_VERSION}".encode()).hexdigest()
    return cache_dir / "matrices" / f"{router.key}-{tag[:12]}.npz"


def road_matrix(
    router: Router,
    points: Sequence[Location],
    *,
    speed_factor: float = 1.0,
    max_snap_m: float = 1000.0,
    labels: Sequence[str] | None = None,
    cache_dir: Path | None = None,
    access_speed_kph: float = ACCESS_SPEED_KPH,
    engine: str = "ch",
) -> TravelMatrix:
    """Road travel times and distances between every pair of ``points``.

    Parameters
    ----------
    router
        From :func:`prepare_router`.
    points
        Distinct locations; the matrix follows their order.
    speed_factor
        Every travel time is divided by this (0.8 = rush hour).
    max_snap_m
        Points farther from every drivable road are an :class:`InputError`.
    labels
        Point names for error messages, for example ``"order WO-12"``.
    cache_dir
        Matrix cache root; ``None`` computes everything afresh.
    access_speed_kph
        Speed on the straight leg between a point and its road.
    engine
        ``"ch"`` (default) or ``"dijkstra"`` (reference).

    Returns
    -------
    TravelMatrix
        ``source=MatrixSource.OSM``; integer ``travel_s`` and ``distance_m``; ``reachable``
        False where no road path exists (those cells hold :data:`UNREACHABLE_TRAVEL_S` and
        :data:`UNREACHABLE_DISTANCE_M`).
    """
    if not speed_factor > 0 or not access_speed_kph > 0:
        raise InputError(
            f"travel: speed_factor={speed_factor!r} and access_speed_kph="
            f"{access_speed_kph!r} must be > 0"
        )
    points = tuple(points)
    snaps = snap_points(router, points, max_snap_m=max_snap_m, labels=labels)
    costs, _computed = cached_packed_costs(
        snaps,
        lambda a, b: packed_costs(router, a, b, access_speed_kph=access_speed_kph, engine=engine),
        path=None if cache_dir is None else _cache_path(Path(cache_dir), router, access_speed_kph,
                                                        max_snap_m),
        resnap=lambda coords: list(snap_points(
            router, [Location(lat=a, lon=b) for a, b in coords], max_snap_m=max_snap_m
        )),
    )
    reachable = costs != UNREACHABLE
    np.fill_diagonal(reachable, True)
    time_ms = np.where(reachable, costs >> _SHIFT, 0)
    if time_ms.size and time_ms.max() >= _MAX_TIME_MS:
        raise NetworkError("a road path is longer than 18 h: the graph is too large for routing")
    dist_dm = np.where(reachable, costs & _DIST_MASK, 0)
    travel_s = np.rint(time_ms / 1000 / speed_factor).astype(np.int64)
    distance_m = np.rint(dist_dm / 10).astype(np.int64)
    np.fill_diagonal(travel_s, 0)
    np.fill_diagonal(distance_m, 0)
    travel_s[~reachable] = UNREACHABLE_TRAVEL_S
    distance_m[~reachable] = UNREACHABLE_DISTANCE_M
    return TravelMatrix(
        points=points,
        travel_s=travel_s,
        distance_m=distance_m,
        source=MatrixSource.OSM,
        reachable=None if reachable.all() else reachable,
    )
