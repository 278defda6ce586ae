"""Travel matrices: locations -> :class:`~optimizer.model.TravelMatrix`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from optimizer.errors import InputError
from optimizer.model import (
    Location,
    MatrixSource,
    Problem,
    TravelMatrix,
    TravelSettings,
    TravelSource,
)

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(points: Sequence[Location]) -> np.ndarray:
    """Great-circle distances in metres between every pair of ``points``."""
    lat = np.radians(np.array([p.lat for p in points], dtype=float))
    lon = np.radians(np.array([p.lon for p in points], dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_matrix(
    points: Sequence[Location],
    *,
    speed_kph: float,
    detour_factor: float = 1.0,
    speed_factor: float = 1.0,
) -> TravelMatrix:
    """Straight-line travel: distance times ``detour_factor`` at ``speed_kph * speed_factor``."""
    if speed_kph <= 0 or speed_factor <= 0 or detour_factor <= 0:
        raise InputError(
            f"travel: speed_kph={speed_kph!r}, detour_factor={detour_factor!r} and "
            f"speed_factor={speed_factor!r} must all be > 0"
        )
    points = tuple(points)
    road_m = haversine_m(points) * detour_factor
    travel_s = road_m / (speed_kph * speed_factor / 3.6)
    return TravelMatrix(
        points=points,
        travel_s=np.rint(travel_s).astype(np.int64),
        distance_m=np.rint(road_m).astype(np.int64),
        source=MatrixSource.HAVERSINE,
    )


#: The travel sources that route on OSM roads.
ROAD_SOURCES = tuple(s for s in TravelSource if s.roads)


def problem_points(*problems: Problem) -> tuple[list[Location], list[str]]:
    """Every order location and shift start and end of ``problems``, with a label each
    (``"order WO-12"``, ``"shift S1 start"``) for error messages.

    Orders without a location (not found by the geocoder) are left out. A shift
    end still given only by address is an :class:`InputError` (all of them listed):
    geocode the problem first.
    """
    points: list[Location] = []
    labels: list[str] = []
    unlocated = []
    for problem in problems:
        for order in problem.orders:
            if order.location is not None:
                points.append(order.location)
                labels.append(f"order {order.order_id}")
        for shift in problem.shifts:
            points += [shift.start_location, shift.end_location]
            labels += [f"shift {shift.shift_id} start", f"shift {shift.shift_id} end"]
            unlocated += [f"shift {shift.shift_id} {end} {place.address!r} is not geocoded "
                          "yet (run geocode() first)"
                          for end, place in (("start", shift.start_location),
                                             ("end", shift.end_location)) if not place.located]
    if unlocated:
        raise InputError(unlocated)
    return points, labels


def build_matrix(
    points: Sequence[Location],
    travel: TravelSettings,
    *,
    base_dir: Path | None = None,
    labels: Sequence[str] | None = None,
    cache_dir: Path | None = None,
) -> TravelMatrix:
    """The travel matrix for ``points`` from the source named in ``travel``.

    ``labels`` name each point in error messages (for example ``"order WO-12"``);
    ``base_dir`` resolves relative file names (the scenario folder). Road sources
    (``osm_file``, ``place``, ``bbox``) load the drive graph
    (:func:`optimizer.geo.network.load_road_graph`), prepare it for routing
    (:func:`optimizer.geo.road_matrix.prepare_router`) and compute exact fastest paths
    (:func:`optimizer.geo.road_matrix.road_matrix`); graphs, hierarchies and matrices
    are cached under ``cache_dir`` (default ``settings.cache_dir``).

    Raises
    ------
    InputError
        Unknown source, missing file, or points too far from every road (all listed).
    NetworkError
        A place/bbox network had to be downloaded and could not be.
    """
    unique = tuple(dict.fromkeys(points))
    if travel.source == TravelSource.HAVERSINE:
        return haversine_matrix(
            unique,
            speed_kph=travel.speed_kph,
            detour_factor=travel.detour_factor,
            speed_factor=travel.speed_factor,
        )
    if travel.source in ROAD_SOURCES:
        from optimizer.geo.road_matrix import road_matrix

        router, cache = _router(travel, base_dir, cache_dir)
        return road_matrix(
            router,
            unique,
            speed_factor=travel.speed_factor,
            max_snap_m=travel.max_snap_m,
            labels=_unique_labels(points, unique, labels),
            cache_dir=cache,
        )
    raise _unknown_source(travel)


def check_roads(
    points: Sequence[Location],
    travel: TravelSettings,
    *,
    base_dir: Path | None = None,
    labels: Sequence[str] | None = None,
    cache_dir: Path | None = None,
) -> None:
    """Raise what :func:`build_matrix` would for ``points`` before it computes anything:
    an :class:`InputError` listing every point farther than ``max_snap_m`` from a road
    (road sources only; the graph is loaded, or read from the cache, as for the matrix).
    ``fsopt check`` uses it so that it refuses what ``fsopt solve`` would."""
    if travel.source == TravelSource.HAVERSINE:
        return
    if travel.source not in ROAD_SOURCES:
        raise _unknown_source(travel)
    from optimizer.geo.road_matrix import snap_points

    unique = tuple(dict.fromkeys(points))
    router, _cache = _router(travel, base_dir, cache_dir)
    snap_points(router, unique, max_snap_m=travel.max_snap_m,
                labels=_unique_labels(points, unique, labels))


def _router(travel: TravelSettings, base_dir: Path | None, cache_dir: Path | None):
    """The prepared router of the scenario's roads (cached) and the cache folder."""
    from optimizer import settings
    from optimizer.geo.network import load_road_graph
    from optimizer.geo.road_matrix import prepare_router

    cache = Path(cache_dir) if cache_dir is not None else settings.cache_dir
    road = load_road_graph(travel, base_dir=base_dir, cache_dir=cache)
    return prepare_router(road, cache_dir=cache), cache


def _unique_labels(points: Sequence[Location], unique: Sequence[Location],
                   labels: Sequence[str] | None) -> list[str]:
    """One label per distinct point: the labels of every point at that place, joined."""
    names: dict[Location, list[str]] = {p: [] for p in unique}
    for i, p in enumerate(points):
        names[p].append(labels[i] if labels is not None else f"point {i}")
    return [", ".join(names[p]) for p in unique]


def _unknown_source(travel: TravelSettings) -> InputError:
    return InputError(
        f"scenario.toml [travel] source={str(travel.source)!r}: expected one of "
        f"{', '.join(TravelSource)}"
    )
