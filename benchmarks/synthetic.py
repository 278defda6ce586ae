"""Write larger Solomon-style VRPTW instances (200 to 1000+ customers) for ``vrptw.py``.

Usage::

    python benchmarks/synthetic.py OUT_DIR [--sizes 200,400,1000] [--seed 1]
    python benchmarks/vrptw.py --data OUT_DIR --time-limit 10 --solvers project,pyvrp

The public Gehring-Homberger instances (200-1000 customers) are not in
``../shared/`` and the benchmark machines have no network, so this script
generates instances of the same kinds with Solomon's recipe, scaled up: random
(R), clustered (C) and mixed (RC) customers; class 1 (short horizon, tight
windows, capacity 200) and class 2 (long horizon, capacity 1000). The area and
the horizon grow with the square root of the size, so that a vehicle covers a
similar share of the customers as in the 100-customer originals. Instances are
named ``SR1_4_1`` (synthetic, R1, 400 customers, seed 1). They are not the
published instances and have no best-known values: compare solvers on them
side by side, not against the literature.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

KINDS = ("C1", "C2", "R1", "R2", "RC1", "RC2")
#: The depot's due date in Solomon's 100-customer instances of each kind.
HORIZON = {"C1": 1236, "C2": 3390, "R1": 230, "R2": 1000, "RC1": 240, "RC2": 960}


def generate(kind: str, n: int, seed: int) -> str:
    """The text of one instance in Solomon's format."""
    rng = np.random.default_rng([seed, n, KINDS.index(kind)])
    scale = math.sqrt(n / 100)
    side = 100.0 * scale
    depot = np.array([side / 2, side / 2])
    clustered = kind.startswith("C")
    mixed = kind.startswith("RC")
    if clustered or mixed:
        n_clustered = n if clustered else n // 2
        centres = rng.uniform(0.1 * side, 0.9 * side, size=(max(1, n_clustered // 10), 2))
        picks = centres[rng.integers(len(centres), size=n_clustered)]
        spread = rng.normal(0.0, 2.5 * (1 + scale / 4), size=(n_clustered, 2))
        xy = np.vstack([picks + spread, rng.uniform(0, side, size=(n - n_clustered, 2))])
    else:
        xy = rng.uniform(0, side, size=(n, 2))
    xy = np.clip(np.round(xy), 0, side)
    class_two = kind.endswith("2")
    horizon = round(HORIZON[kind] * scale)
    capacity = 1000 if class_two else 200
    service = 90 if clustered else 10
    demand = rng.integers(1, 41, size=n)
    # Windows around a time the vehicle could be there, as in Solomon's generator:
    # a centre reachable from the depot and back, a half-width drawn per customer.
    to_depot = np.hypot(*(xy - depot).T)
    latest_centre = np.maximum(to_depot + 1, horizon - to_depot - service - 1)
    centre = rng.uniform(to_depot, latest_centre)
    half = rng.uniform(0.02, 0.13, size=n) * HORIZON[kind] * (1 + (scale - 1) / 4)
    wide = rng.random(n) < 0.25  # a quarter of the customers have the whole day
    ready = np.where(wide, 0, np.maximum(0, np.floor(centre - half)))
    due = np.where(wide, np.floor(horizon - to_depot - service),
                   np.minimum(horizon - to_depot - service, np.ceil(centre + half)))
    due = np.maximum(due, np.ceil(to_depot))
    ready = np.minimum(ready, due)
    vehicles = max(25, math.ceil(n / 4))
    name = f"S{kind}_{n // 100}_{seed}" if n % 100 == 0 else f"S{kind}_{n}_{seed}"
    lines = [name, "", "VEHICLE", "NUMBER     CAPACITY", f"  {vehicles}         {capacity}", "",
             "CUSTOMER",
             "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME", "",
             f"    0  {depot[0]:6.0f} {depot[1]:6.0f}       0          0   {horizon:6d}          0"]
    for c in range(n):
        lines.append(f"{c + 1:5d}  {xy[c, 0]:6.0f} {xy[c, 1]:6.0f}  {demand[c]:6d}  "
                     f"{ready[c]:8.0f}  {due[c]:8.0f}  {service:6d}")
    return "\r\n".join(lines) + "\r\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the .txt files into")
    parser.add_argument("--sizes", default="200,400,1000", help="customers, comma-separated")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        for kind in args.kinds.split(","):
            text = generate(kind, size, args.seed)
            path = args.out / f"{text.split(chr(13))[0]}.txt"
            path.write_text(text, newline="")
            print(path)
    best = args.out / "best_known.csv"
    if not best.exists():
        best.write_text("instance,vehicles,distance\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
