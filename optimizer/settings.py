"""Typed defaults. Override with environment variables where noted."""

from __future__ import annotations

import os
from pathlib import Path

#: Where geocodes, road graphs and matrices are cached (``FSOPT_CACHE_DIR``).
cache_dir: Path = Path(os.environ.get("FSOPT_CACHE_DIR", Path.home() / ".cache" / "fsopt"))

#: User agent sent to online services (geocoders, Overpass).
user_agent: str = "field-service-optimizer/0.1 (+https://github.com/field-service-optimizer)"

#: Straight-line travel: assumed average speed and road detour factor.
default_speed_kph: float = 40.0
default_detour_factor: float = 1.3

#: Solver defaults.
time_limit_s: float = 30.0
seed: int = 0

#: Where ``fsopt solve`` writes its output.
output_dir: Path = Path("maps_output")
