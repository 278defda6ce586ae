"""Measure: the road speeds a scenario's travel model gives, at free flow and with the
speed factors of ``[travel.speed_factors]`` (docs/roads.md, "City speeds").

For each model it prints, over every leg between two distinct points of the day (order
locations and shift starts and ends; pairs at one point and unreachable pairs left out):
the number of legs, the mean of their speeds (distance / time per leg), the overall
speed (all distance / all time) and the median speed of the legs longer than 2 km.
With ``--solve S`` it also plans the day for S seconds with each model and prints the
same figures over the legs the routes drive (start -> stops -> end).

With ``--osm FILE`` it measures an OSM extract instead (a city: the Helsinki centre of
``../shared/data/osm``), over ``--points`` road nodes drawn with a fixed seed.

Run: ``python benchmarks/city_speeds.py [scenarios/liechtenstein] [--solve 10]`` or
``python benchmarks/city_speeds.py --osm ../shared/data/osm/helsinki-centre-2019-04-drive.osm.bz2``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from optimizer import api  # noqa: E402
from optimizer.io.load import load_scenario  # noqa: E402
from optimizer.model import ROAD_CLASSES, Problem, TravelMatrix  # noqa: E402
from optimizer.params import SolveParams  # noqa: E402
from optimizer.solver import solve  # noqa: E402
from optimizer.solver.verify import verify  # noqa: E402

FREE_FLOW = dict.fromkeys(ROAD_CLASSES, 1.0)


def stats(distance_m: np.ndarray, travel_s: np.ndarray) -> dict[str, float]:
    """Mean, overall and median (legs > 2 km) speeds in km/h of legs with these values."""
    keep = (travel_s > 0) & (distance_m > 0)
    d, t = distance_m[keep].astype(float), travel_s[keep].astype(float)
    kph = d / t * 3.6
    long = d > 2000
    return {"legs": int(keep.sum()), "mean_kph": float(kph.mean()),
            "overall_kph": float(d.sum() / t.sum() * 3.6),
            "median_over_2km_kph": float(np.median(kph[long])) if long.any() else float("nan"),
            "legs_over_2km": int(long.sum())}


def matrix_legs(matrix: TravelMatrix) -> tuple[np.ndarray, np.ndarray]:
    travel = np.asarray(matrix.travel_s)
    distance = np.asarray(matrix.distance_m)
    mask = ~np.eye(len(travel), dtype=bool)
    if matrix.reachable is not None:
        mask &= np.asarray(matrix.reachable, bool)
    return distance[mask], travel[mask]


def driven_legs(problem: Problem, matrix: TravelMatrix, seconds: float):
    schedule = solve(problem, matrix, SolveParams(time_limit_s=seconds))
    assert verify(problem, matrix, schedule) == []
    d, t = [], []
    for route in schedule.routes:
        for stop in route.stops:
            d.append(stop.distance_m)
            t.append(stop.travel_s)
        d.append(route.return_distance_m)
        t.append(route.return_travel_s)
    return np.asarray(d), np.asarray(t), schedule


def extract_legs(path: Path, factors, n_points: int):
    """Legs between ``n_points`` road nodes of the extract at ``path`` (seed 0)."""
    from optimizer.geo.network import load_road_graph
    from optimizer.geo.road_matrix import prepare_router, road_matrix
    from optimizer.model import Location, TravelSettings

    travel = TravelSettings(source="osm_file", osm_file=str(path), speed_factors=factors)
    road = load_road_graph(travel)
    nodes = list(road.graph.nodes)
    pick = np.random.default_rng(0).choice(len(nodes), n_points, replace=False)
    points = [Location(lat=road.graph.nodes[nodes[i]]["y"], lon=road.graph.nodes[nodes[i]]["x"])
              for i in pick]
    return matrix_legs(road_matrix(prepare_router(road), points))


def line(name: str, s: dict[str, float]) -> str:
    return (f"| {name} | {s['legs']} | {s['mean_kph']:.1f} | {s['overall_kph']:.1f} | "
            f"{s['median_over_2km_kph']:.1f} ({s['legs_over_2km']} legs) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(REPO / "scenarios" / "liechtenstein"))
    parser.add_argument("--solve", type=float, default=0.0,
                        help="also plan the day for this many seconds per model")
    parser.add_argument("--osm", type=Path, help="measure this OSM extract instead")
    parser.add_argument("--points", type=int, default=200)
    args = parser.parse_args()
    print("| model | legs | mean of leg speeds km/h | overall km/h | median, legs > 2 km |")
    print("|---|---|---|---|---|")
    if args.osm:
        from optimizer.model import DEFAULT_SPEED_FACTORS

        for name, factors in (("free flow", FREE_FLOW), ("default factors", DEFAULT_SPEED_FACTORS)):
            print(line(f"{args.osm.name}, {name}",
                       stats(*extract_legs(args.osm, dict(factors), args.points))))
        return
    loaded = load_scenario(args.scenario)
    problem, _ = api.geocode(loaded)
    models = {"free flow (all factors 1)": FREE_FLOW,
              "speed factors (scenario / defaults)": dict(problem.travel.speed_factors)}
    for name, factors in models.items():
        p = replace(problem, travel=replace(problem.travel, speed_factors=factors))
        matrix = api.travel_matrix(p, base_dir=loaded.folder)
        print(line(f"{name}: all pairs", stats(*matrix_legs(matrix))))
        if args.solve:
            d, t, schedule = driven_legs(p, matrix, args.solve)
            routed = sum(len(r.stops) for r in schedule.routes)
            print(line(f"{name}: driven legs ({routed} orders routed)", stats(d, t)))


if __name__ == "__main__":
    main()
