"""Road geometry of every leg a schedule drives, for maps.

:func:`add_leg_geometry` fills :attr:`optimizer.model.Route.legs_geometry` with one
lat/lon polyline per leg (start -> stop 1, ..., stop N -> end). With a road source the
polyline follows the same fastest path as the matrix (the access leg, the part of the
first edge, whole edges, the part of the last edge, the access leg); with ``haversine``
it is the straight two-point line. Only legs that a route drives are computed.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
import shapely.ops
from scipy.sparse.csgraph import dijkstra

from optimizer.geo.matrix import ROAD_SOURCES
from optimizer.model import Location, Problem, Schedule, TravelSettings

Polyline = tuple[Location, ...]


def _route_points(route) -> list[Location]:
    return [route.start_location, *(s.location for s in route.stops), route.end_location]


def _dedupe(points: list[Location]) -> Polyline:
    out: list[Location] = []
    for p in points:
        if not out or (out[-1].lat, out[-1].lon) != (p.lat, p.lon):
            out.append(p)
    if len(out) == 1:
        out.append(out[0])
    return tuple(out)


def straight_legs(points: Sequence[Location]) -> tuple[Polyline, ...]:
    """Two-point polylines between consecutive ``points``."""
    return tuple(
        (Location(lat=a.lat, lon=a.lon), Location(lat=b.lat, lon=b.lon))
        for a, b in itertools.pairwise(points)
    )


class _RoadLegs:
    """Fastest-path polylines on one router for a set of legs."""

    def __init__(self, router, legs: list[tuple[Location, Location]], access_speed_kph: float):
        from optimizer.geo import road_matrix as rm

        self.rm = rm
        self.router = router
        self.access_speed_kph = access_speed_kph
        sources = list(dict.fromkeys(a for a, _ in legs))
        targets = list(dict.fromkeys(b for _, b in legs))
        everything = list(dict.fromkeys(sources + targets))
        snaps = rm.snap_points(router, everything, max_snap_m=np.inf)
        self.snap = dict(zip(everything, snaps, strict=True))
        self.src_index = {p: i for i, p in enumerate(sources)}
        self.tgt_index = {p: j for j, p in enumerate(targets)}
        s_snaps = [self.snap[p] for p in sources]
        t_snaps = [self.snap[p] for p in targets]
        s_opt = rm.snap_options(router, s_snaps, access_speed_kph=access_speed_kph, outgoing=True)
        t_opt = rm.snap_options(router, t_snaps, access_speed_kph=access_speed_kph,
                                outgoing=False)
        csr, self.first_src, self.first_tgt = rm.augmented_graph(router, s_opt, t_opt)
        self.dist, self.pred = dijkstra(
            csr, indices=np.arange(self.first_src, self.first_src + len(sources)),
            return_predecessors=True,
        )
        direct: dict[tuple[int, int], int] = {}
        for i, j, cost in rm._same_edge(router, s_snaps, t_snaps,
                                        access_speed_kph=access_speed_kph):
            direct[(i, j)] = min(cost, direct.get((i, j), cost))
        self.direct = direct
        weight = router.edge_weight
        best: dict[tuple[int, int], int] = {}
        for e in np.argsort(weight, kind="stable")[::-1]:
            best[(int(router.edge_tail[e]), int(router.edge_head[e]))] = int(e)
        self.best_edge = best

    def _coords(self, edge: int, start: float, end: float) -> list[Location]:
        """Points of ``edge`` between fractions ``start`` and ``end`` (may run backwards)."""
        r = self.router
        lo, hi = r.coord_ptr[edge], r.coord_ptr[edge + 1]
        x, y = self.rm._project(r.origin, r.coord_lat[lo:hi], r.coord_lon[lo:hi])
        line = shapely.LineString(np.column_stack([x, y]))
        a, b = min(start, end), max(start, end)
        part = shapely.ops.substring(line, a, b, normalized=True)
        xy = np.asarray(part.coords) if not part.is_empty else np.zeros((0, 2))
        if start > end:
            xy = xy[::-1]
        lat, lon = self.rm._unproject(r.origin, xy[:, 0], xy[:, 1])
        return [Location(lat=float(p), lon=float(q)) for p, q in zip(lat, lon, strict=True)]

    def polyline(self, a: Location, b: Location) -> Polyline:
        r = self.router
        sa, sb = self.snap[a], self.snap[b]
        head = [Location(lat=a.lat, lon=a.lon), sa.on_road]
        tail = [sb.on_road, Location(lat=b.lat, lon=b.lon)]
        if (a.lat, a.lon) == (b.lat, b.lon):
            return _dedupe(head[:1])
        i, j = self.src_index[a], self.tgt_index[b]
        via_graph = self.dist[i, self.first_tgt + j]
        direct = self.direct.get((i, j))
        if direct is not None and direct <= via_graph:
            return _dedupe([*head, *self._coords(sa.edge, sa.fraction, sb.fraction), *tail])
        if not np.isfinite(via_graph):  # no road path: show the straight line
            return _dedupe([head[0], tail[-1]])
        nodes = []
        k = self.first_tgt + j
        while k != self.first_src + i and k >= 0:
            nodes.append(int(k))
            k = int(self.pred[i, k])
        nodes = nodes[::-1][:-1]  # real graph nodes, first to last
        first, last = nodes[0], nodes[-1]
        pts = list(head)
        e = sa.edge
        pts += self._coords(e, sa.fraction, 1.0 if first == r.edge_head[e] else 0.0)
        for x, y in itertools.pairwise(nodes):
            e2 = self.best_edge[(x, y)]
            lo, hi = r.coord_ptr[e2], r.coord_ptr[e2 + 1]
            pts += [Location(lat=float(p), lon=float(q))
                    for p, q in zip(r.coord_lat[lo:hi], r.coord_lon[lo:hi], strict=True)]
        f = sb.edge
        pts += self._coords(f, 0.0 if last == r.edge_tail[f] else 1.0, sb.fraction)
        return _dedupe(pts + tail)


def add_leg_geometry(
    schedule: Schedule,
    problem_or_travel: Problem | TravelSettings,
    *,
    base_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> Schedule:
    """A copy of ``schedule`` whose routes carry one polyline per leg.

    Parameters
    ----------
    schedule
        The solver's answer; routes without stops get no geometry.
    problem_or_travel
        The problem (its ``travel`` is used) or the travel settings themselves.
    base_dir
        The scenario folder, for a relative ``osm_file``.
    cache_dir
        Cache root (default ``settings.cache_dir``).

    Returns
    -------
    Schedule
        Same schedule with ``Route.legs_geometry`` filled: ``len(stops) + 1`` polylines,
        each a tuple of :class:`Location` with at least two points.
    """
    travel = problem_or_travel.travel if isinstance(problem_or_travel, Problem) else (
        problem_or_travel
    )
    driven = [r for r in schedule.routes if r.stops]
    if travel.source not in ROAD_SOURCES:
        routes = {id(r): straight_legs(_route_points(r)) for r in driven}
    else:
        from optimizer import settings
        from optimizer.geo.network import load_road_graph
        from optimizer.geo.road_matrix import ACCESS_SPEED_KPH, prepare_router

        cache = Path(cache_dir) if cache_dir is not None else settings.cache_dir
        router = prepare_router(
            load_road_graph(travel, base_dir=base_dir, cache_dir=cache), cache_dir=cache
        )
        legs = [(a, b) for r in driven
                for a, b in zip(_route_points(r), _route_points(r)[1:], strict=False)]
        routes = {}
        if legs:
            road = _RoadLegs(router, legs, ACCESS_SPEED_KPH)
            memo: dict[tuple[Location, Location], Polyline] = {}
            for r in driven:
                pts = _route_points(r)
                for leg in itertools.pairwise(pts):
                    if leg not in memo:
                        memo[leg] = road.polyline(*leg)
                routes[id(r)] = tuple(memo[leg] for leg in itertools.pairwise(pts))
    new_routes = tuple(
        dataclasses.replace(r, legs_geometry=routes[id(r)]) if id(r) in routes else r
        for r in schedule.routes
    )
    return dataclasses.replace(schedule, routes=new_routes)
