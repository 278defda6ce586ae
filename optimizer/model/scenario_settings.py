"""Scenario settings of travel and geocoding (scenario.toml ``[travel]``, ``[geocode]``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class TravelSource(enum.StrEnum):
    """Where a scenario's travel times come from (scenario.toml ``[travel] source``)."""

    #: Straight lines times a detour factor at a fixed speed: no road data needed.
    HAVERSINE = "haversine"
    #: Fastest paths on the roads of an OSM extract (``osm_file``).
    OSM_FILE = "osm_file"
    #: Fastest paths on the roads of a named place, downloaded once (``place``).
    PLACE = "place"
    #: Fastest paths on the roads inside a box, downloaded once (``bbox``).
    BBOX = "bbox"

    @property
    def roads(self) -> bool:
        """True for the sources that route on an OSM road network."""
        return self is not TravelSource.HAVERSINE


#: Road classes of ``[travel.speed_factors]`` (OSM ``highway=*``; ``other`` is every class
#: not listed, such as ``road`` or ``busway``).
ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified",
                "residential", "living_street", "service", "other")

#: Free-flow road speeds (posted ``maxspeed`` or the class default) times these factors
#: give the speeds a van keeps on average in daytime traffic: junctions, lights, turns,
#: congestion and searching. Sources and the resulting demo speeds: docs/roads.md.
DEFAULT_SPEED_FACTORS: Mapping[str, float] = {
    "motorway": 0.8,
    "trunk": 0.75,
    "primary": 0.7,
    "secondary": 0.65,
    "tertiary": 0.65,
    "unclassified": 0.6,
    "residential": 0.6,
    "living_street": 0.6,
    "service": 0.6,
    "other": 0.6,
}


@dataclass(frozen=True, slots=True)
class Peak:
    """Hours of slower traffic (scenario.toml ``[[travel.peaks]]``).

    A leg that may be driven at any moment in ``[start_min, end_min)`` (minutes after
    midnight, wall clock) takes its travel time divided by ``speed_factor`` (0.1..1), the
    whole leg. Which legs "may" be driven then is decided before solving, from the
    order's time windows and the shift (:func:`optimizer.solver.timing.leave_factors`):
    see docs/roads.md, "Peak hours".
    """

    start_min: int
    end_min: int
    speed_factor: float


@dataclass(frozen=True, slots=True)
class TravelSettings:
    """Where travel times come from (scenario.toml ``[travel]``)."""

    source: TravelSource = TravelSource.HAVERSINE
    speed_kph: float = 40.0
    detour_factor: float = 1.3
    speed_factor: float = 1.0
    osm_file: str | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    max_snap_m: float = 1000.0
    #: Minutes to park and reach the door at every stop (between arrival and the start of
    #: work); a work order's own ``stop_overhead_min`` overrides it.
    stop_overhead_min: float = 0.0
    #: Road sources only: each OSM road class's speed is multiplied by its factor
    #: (``_link`` roads use their class; ``other`` covers every unlisted class). See
    #: :data:`DEFAULT_SPEED_FACTORS` and docs/roads.md.
    speed_factors: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SPEED_FACTORS))
    #: Slower hours of the day, on every source (see :class:`Peak`).
    peaks: tuple[Peak, ...] = ()


@dataclass(frozen=True, slots=True)
class GeocodeSettings:
    """How addresses become locations (scenario.toml ``[geocode]``)."""

    provider: str = "gazetteer"
    osm_file: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    country_codes: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    min_confidence: float = 0.5
    #: Route orders below ``min_confidence`` anyway (flagged on every page) instead of
    #: leaving them unassigned with ``GEOCODE_REVIEW``.
    route_low_confidence: bool = False
    #: A TOML file of address rules merged over the built-in ones (see docs/geocoding.md).
    address_rules: str | None = None
    timeout_s: float = 10.0
    #: Seconds between online requests (Nominatim's public service asks for 1).
    min_delay_s: float | None = None
    max_retries: int = 3


#: How far (km) a place may lie from the scenario's other places: a point given farther
#: from their median is warned of when loading, and without a ``[geocode] bbox`` a
#: geocoding hit farther beyond the known places is outside the area.
AREA_REACH_KM = 150.0
#: ``[solver] territories``: an order outside every eligible technician's territory is
#: unassigned ("hard") or served at ``outside_territory_cost`` a visit ("soft").
TERRITORY_MODES = ("hard", "soft")
