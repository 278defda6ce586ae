"""Road networks: an OSM extract or a downloaded place -> drive graph with travel times.

Three sources, chosen by :class:`~optimizer.model.TravelSettings`:

* ``osm_file``: a local ``.osm``/``.osm.bz2``/``.osm.gz``/``.osm.pbf`` extract (see
  :mod:`.osm_file`). Only ways that pass
  osmnx's own ``network_type="drive"`` filter are kept, so a full extract (buildings,
  footways, land use) gives the same graph as a pre-filtered ``-drive`` file.
* ``place`` / ``bbox``: downloaded by osmnx when a network is available and kept as
  GraphML under ``settings.cache_dir``, so the second run is offline.

Every graph gets ``speed_kph`` (free flow, imputed by road class where ``maxspeed`` is
missing), the ``speed_factor`` of its road class (``[travel.speed_factors]``) and
``travel_time`` (seconds, at the factored speed) on each edge. The prepared graph is
pickled under ``settings.cache_dir`` keyed by a hash of the request and the speed
factors, and memoised in the process, so the parse cost is paid once per set of factors.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox
from osmnx._errors import ResponseStatusCodeError

from optimizer import settings
from optimizer.errors import InputError, NetworkError
from optimizer.geo.osm_file import open_osm_xml
from optimizer.model import ROAD_CLASSES, TravelSettings, TravelSource

#: Bump when the preparation changes, to invalidate cached graphs.
CACHE_VERSION = 1

#: Speeds for road classes that have no ``maxspeed`` tag anywhere in the graph.
DEFAULT_HWY_SPEEDS_KPH: Mapping[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "road": 30.0,
    "busway": 30.0,
}
#: Speed of a road class that is neither tagged nor listed above.
FALLBACK_SPEED_KPH = 30.0

_MEMO: dict[str, RoadGraph] = {}


@dataclass(frozen=True, slots=True, eq=False)
class RoadGraph:
    """A drive graph ready for routing.

    Attributes
    ----------
    graph
        osmnx ``MultiDiGraph`` in lat/lon (node ``y``/``x``), edges with ``length`` (m),
        ``speed_kph`` and ``travel_time`` (s); one-way streets have one direction only.
    key
        Hash of the normalised request and preparation options; names this graph in
        the matrix cache.
    source
        Human-readable origin, for example ``"osm_file liechtenstein.osm.bz2"``.
    """

    graph: nx.MultiDiGraph
    key: str
    source: str


# --------------------------------------------------------------------------- drive filter
_CLAUSE = re.compile(r'\["(?P<key>[^"]+)"(?:(?P<op>!?~)"(?P<regex>[^"]*)")?\]')


Clause = tuple[str, str | None, re.Pattern | None]


def drive_filter(network_type: str = "drive") -> tuple[Clause, ...]:
    """osmnx's way filter for ``network_type`` as ``(key, op, regex)`` clauses.

    The Overpass filter string comes from osmnx itself (falling back to a copy of
    osmnx 2.1's "drive" filter), so the definition of "drivable" is osmnx's.
    ``op`` is ``None`` (key must exist), ``"~"`` (value must match) or ``"!~"``
    (key absent or value not matching).
    """
    try:
        from osmnx._overpass import _get_network_filter

        text = _get_network_filter(network_type)
    except (ImportError, AttributeError):  # pragma: no cover - other osmnx versions
        text = (
            '["highway"]["area"!~"yes"]["access"!~"private"]'
            '["highway"!~"abandoned|bridleway|bus_guideway|construction|corridor|cycleway|'
            "elevator|escalator|footway|no|path|pedestrian|planned|platform|proposed|"
            'raceway|razed|rest_area|service|services|steps|track"]'
            '["motor_vehicle"!~"no"]["motorcar"!~"no"]'
            '["service"!~"alley|driveway|emergency_access|parking|parking_aisle|private"]'
        )
    clauses = []
    for m in _CLAUSE.finditer(text):
        regex = re.compile(m["regex"]) if m["op"] else None
        clauses.append((m["key"], m["op"], regex))
    if not clauses:  # pragma: no cover - defensive
        raise NetworkError(f"cannot parse osmnx network filter {text!r}")
    return tuple(clauses)


def is_drivable(tags: Mapping[str, str], clauses: Sequence[Clause] | None = None) -> bool:
    """Whether a way with ``tags`` passes osmnx's "drive" filter (Overpass semantics)."""
    for key, op, regex in clauses or drive_filter():
        value = tags.get(key)
        if op is None:
            if value is None:
                return False
        elif op == "~":
            if value is None or not regex.search(value):
                return False
        elif value is not None and regex.search(value):
            return False
    return True


def filter_osm_xml(src: Path, dst: Path) -> tuple[int, int]:
    """Copy the drivable ways of an OSM XML file, and the nodes they use, to ``dst``.

    Returns
    -------
    tuple of int
        ``(ways_kept, nodes_kept)``.
    """
    clauses = drive_filter()
    nodes: dict[str, ET.Element] = {}
    ways: list[ET.Element] = []
    try:
        with open_osm_xml(src) as f:
            for _event, elem in ET.iterparse(f, events=("end",)):
                if elem.tag == "node":
                    nodes[elem.get("id")] = elem
                elif elem.tag == "way":
                    tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                    if is_drivable(tags, clauses):
                        ways.append(elem)
                    else:
                        elem.clear()
                elif elem.tag == "relation":
                    elem.clear()
    except (ET.ParseError, OSError, EOFError) as exc:
        raise InputError(f"osm_file {str(src)!r}: not a readable OSM file ({exc})") from exc
    used: dict[str, None] = {}
    for way in ways:
        for nd in way.iter("nd"):
            used[nd.get("ref")] = None
    root = ET.Element("osm", {"version": "0.6", "generator": "field-service-optimizer"})
    root.extend(nodes[ref] for ref in used if ref in nodes)
    root.extend(ways)
    ET.ElementTree(root).write(dst, encoding="utf-8", xml_declaration=True)
    return len(ways), len(used)


# --------------------------------------------------------------------------- speeds
def road_class(highway: Any) -> str:
    """The ``[travel.speed_factors]`` class of an edge's ``highway`` value: ``_link`` roads
    belong to their road's class, an unlisted class is ``other``."""
    hwy = highway[0] if isinstance(highway, list) else (highway or "road")
    hwy = str(hwy).removesuffix("_link")
    return hwy if hwy in ROAD_CLASSES else "other"


def add_travel_times(graph: nx.MultiDiGraph,
                     speed_factors: Mapping[str, float] | None = None) -> nx.MultiDiGraph:
    """Add ``speed_kph``, ``speed_factor`` and ``travel_time`` to every edge, in place.

    ``speed_kph`` is the free-flow speed: ``maxspeed`` where tagged; a road class with
    some tagged edges lends their mean to its untagged edges (osmnx imputation); a class
    with none uses :data:`DEFAULT_HWY_SPEEDS_KPH` or :data:`FALLBACK_SPEED_KPH`.
    ``travel_time`` (s) is the length at ``speed_kph * speed_factor``, the factor of the
    edge's :func:`road_class` in ``speed_factors`` (1 for a class not in it; ``None``
    means every factor is 1).
    """
    if graph.number_of_edges() == 0:
        raise NetworkError("the road graph has no edges: no drivable ways in the input")
    tagged: set[str] = set()
    classes: set[str] = set()
    for _u, _v, data in graph.edges(data=True):
        hwy = data.get("highway", "road")
        hwy = hwy[0] if isinstance(hwy, list) else hwy
        classes.add(hwy)
        if data.get("maxspeed") is not None:
            tagged.add(hwy)
    defaults = {
        hwy: DEFAULT_HWY_SPEEDS_KPH.get(hwy, FALLBACK_SPEED_KPH) for hwy in classes - tagged
    }
    ox.add_edge_speeds(graph, hwy_speeds=defaults or None, fallback=FALLBACK_SPEED_KPH)
    factors = speed_factors or {}
    for _u, _v, data in graph.edges(data=True):
        factor = float(factors.get(road_class(data.get("highway")), 1.0))
        data["speed_factor"] = factor
        data["travel_time"] = float(data["length"]) / (float(data["speed_kph"]) * factor / 3.6)
    return graph


# --------------------------------------------------------------------------- loading
def _hash(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _options(simplify: bool) -> dict[str, Any]:
    return {
        "network_type": "drive",
        "simplify": simplify,
        "retain_all": True,
        "osmnx": ox.__version__,
        "cache_version": CACHE_VERSION,
    }


def graph_from_osm_file(path: Path, *, simplify: bool = True,
                        speed_factors: Mapping[str, float] | None = None) -> nx.MultiDiGraph:
    """Build the drive graph of a local OSM XML extract (no network access).

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file; a full extract is filtered to
        drivable ways first.
    simplify
        Merge chains of degree-2 nodes into single edges with a geometry.
    speed_factors
        Per road class, see :func:`add_travel_times`.

    Returns
    -------
    networkx.MultiDiGraph
        All components are kept (a disconnected piece shows up as unreachable pairs).
    """
    with tempfile.TemporaryDirectory(prefix="fsopt-osm-") as tmp:
        filtered = Path(tmp) / "drive.osm"
        ways, _nodes = filter_osm_xml(path, filtered)
        if ways == 0:
            raise InputError(f"osm_file {str(path)!r}: no drivable ways in the file")
        graph = ox.graph_from_xml(filtered, simplify=simplify, retain_all=True)
    return add_travel_times(graph, speed_factors)


@contextmanager
def _osmnx_settings(cache_dir: Path) -> Iterator[None]:
    saved = (ox.settings.cache_folder, ox.settings.http_user_agent, ox.settings.requests_timeout)
    ox.settings.cache_folder = str(cache_dir / "osmnx-http")
    ox.settings.http_user_agent = settings.user_agent
    ox.settings.requests_timeout = 60
    try:
        yield
    finally:
        (ox.settings.cache_folder, ox.settings.http_user_agent,
         ox.settings.requests_timeout) = saved


def _download(travel: TravelSettings, graphml: Path, cache_dir: Path, simplify: bool):
    what = f"place={travel.place!r}" if travel.place else f"bbox={travel.bbox!r}"
    try:
        with _osmnx_settings(cache_dir):
            if travel.place:
                graph = ox.graph_from_place(
                    travel.place, network_type="drive", simplify=simplify, retain_all=True
                )
            else:
                graph = ox.graph_from_bbox(
                    tuple(travel.bbox), network_type="drive", simplify=simplify, retain_all=True
                )
    except (OSError, InterruptedError, ResponseStatusCodeError) as exc:
        # requests' ConnectionError/Timeout are OSErrors; offline DNS failures land here
        raise NetworkError(
            f"cannot download the road network for {what} ({type(exc).__name__}: {exc}). "
            "Without a network connection, set [travel] source = \"osm_file\" and "
            "osm_file = \"<extract>.osm.bz2\" in scenario.toml."
        ) from exc
    except ValueError as exc:  # nothing found for the place, bad polygon, ...
        raise InputError(f"scenario.toml [travel] {what}: {exc}") from exc
    graphml.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(graph, graphml)
    return graph


def _check_bbox(bbox: Any) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"scenario.toml [travel] bbox={bbox!r}: must be [west, south, east, north]"
        ) from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(
            f"scenario.toml [travel] bbox={bbox!r}: must be [west, south, east, north] in "
            "degrees with west < east and south < north"
        )
    return west, south, east, north


def _atomic_pickle(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def load_road_graph(
    travel: TravelSettings,
    *,
    base_dir: Path | None = None,
    cache_dir: Path | None = None,
    simplify: bool = True,
) -> RoadGraph:
    """The drive graph named by ``travel`` (``osm_file``, ``place`` or ``bbox``).

    Parameters
    ----------
    travel
        ``source`` selects the branch; ``osm_file`` is resolved against ``base_dir``.
    base_dir
        The scenario folder (relative ``osm_file`` names start here).
    cache_dir
        Where prepared graphs and downloads are kept; default ``settings.cache_dir``.
    simplify
        Merge degree-2 chains (osmnx ``simplify_graph``); ``False`` keeps every OSM node.

    Returns
    -------
    RoadGraph

    Raises
    ------
    InputError
        The file is missing or unreadable, or the request is malformed.
    NetworkError
        A download was needed and failed (for example: offline).
    """
    cache_dir = Path(cache_dir or settings.cache_dir)
    source = travel.source
    if source == TravelSource.OSM_FILE:
        if not travel.osm_file:
            raise InputError('scenario.toml [travel] source="osm_file" needs osm_file = "..."')
        path = Path(travel.osm_file)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        if not path.is_file():
            raise InputError(f"scenario.toml [travel] osm_file={travel.osm_file!r}: no such file "
                             f"({str(path)!r})")
        request = {"osm_file_sha256": _file_sha256(path), **_options(simplify)}
        label = f"osm_file {path.name}"
    elif source in (TravelSource.PLACE, TravelSource.BBOX):
        if source == TravelSource.PLACE and not travel.place:
            raise InputError('scenario.toml [travel] source="place" needs place = "..."')
        if source == TravelSource.BBOX:
            if travel.bbox is None:
                raise InputError('scenario.toml [travel] source="bbox" needs bbox = [w, s, e, n]')
            _check_bbox(travel.bbox)
        place = travel.place if source == TravelSource.PLACE else None
        bbox = tuple(travel.bbox) if source == TravelSource.BBOX else None
        request = {"place": place, "bbox": bbox, **_options(simplify)}
        label = f"place {place!r}" if place else f"bbox {bbox!r}"
    else:
        raise InputError(f"scenario.toml [travel] source={str(source)!r}: "
                         "not a road-network source")

    base_key = _hash(request)  # the downloaded roads, whatever the speeds
    factors = {k: float(v) for k, v in sorted(travel.speed_factors.items())}
    key = _hash({**request, "speed_factors": factors})
    if key in _MEMO:
        return _MEMO[key]
    prepared = cache_dir / "graphs" / f"{key}.pickle"
    graph = None
    if prepared.is_file():
        try:
            with prepared.open("rb") as f:
                graph = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            graph = None
    if graph is None:
        if source == "osm_file":
            graph = graph_from_osm_file(path, simplify=simplify, speed_factors=factors)
        else:
            graphml = cache_dir / "graphs" / f"{base_key}.graphml"
            if graphml.is_file():
                graph = ox.load_graphml(graphml)
            else:
                graph = _download(travel, graphml, cache_dir, simplify)
            add_travel_times(graph, factors)
        _atomic_pickle(graph, prepared)
    road = RoadGraph(graph=graph, key=key, source=label)
    _MEMO[key] = road
    return road


def clear_memo() -> None:
    """Forget graphs memoised in this process (the disk cache stays)."""
    _MEMO.clear()
