"""Global settings of the tool, read where they are used (set them before that).

Only what the code reads lives here. The defaults of a scenario (travel speed,
detour factor, search time limit, seed, ...) are the defaults of the types that
hold them, :class:`optimizer.model.TravelSettings` and
:class:`optimizer.params.SolveParams`, documented in docs/scenario-format.md.

cache_dir : pathlib.Path
    Where geocodes, the gazetteer index, road graphs, routers and travel matrices
    are cached. Default ``~/.cache/fsopt``; the environment variable
    ``FSOPT_CACHE_DIR``, when set at import, overrides it. Read by the
    :mod:`optimizer.geo` modules whenever a function is given no ``cache_dir``.
output_dir : pathlib.Path
    The folder under which the commands write their results when given no
    ``--out``: ``<output_dir>/<scenario>``, ``<output_dir>/compare-<base>``,
    ``<output_dir>/sweep-<scenario>``. Default ``Path("maps_output")``, relative to
    the working directory. Read by :func:`optimizer.outputs.write` and the command line.
user_agent : str
    The HTTP User-Agent sent to online services (geocoders, Overpass through
    osmnx), which ask for one that names the application. Default
    ``"field-service-optimizer/0.1 (+https://github.com/field-service-optimizer)"``.
"""

from __future__ import annotations

import os
from pathlib import Path

cache_dir: Path = Path(os.environ.get("FSOPT_CACHE_DIR", Path.home() / ".cache" / "fsopt"))

output_dir: Path = Path("maps_output")

user_agent: str = "field-service-optimizer/0.1 (+https://github.com/field-service-optimizer)"
