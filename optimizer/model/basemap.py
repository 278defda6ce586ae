"""A light offline background map, read from the scenario's own OSM extract."""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.model.problem import Location


@dataclass(frozen=True, slots=True)
class BasemapLine:
    """One line of an offline background map: a road, a river or the outline of water.

    ``kind`` is the OSM ``highway`` class (``motorway``, ``trunk``, ``primary``,
    ``secondary``, ``tertiary``), ``river``/``canal`` (a waterway centre line) or
    ``water`` (a closed outline of a lake or riverbank, drawn filled).
    """

    kind: str
    points: tuple[Location, ...]


@dataclass(frozen=True, slots=True)
class BasemapPlace:
    """A named place (``kind``: OSM ``place`` = city, town, village or suburb)."""

    name: str
    kind: str
    location: Location


@dataclass(frozen=True, slots=True)
class Basemap:
    """A light background drawn from the scenario's own OSM extract (see docs/maps.md)."""

    lines: tuple[BasemapLine, ...]
    places: tuple[BasemapPlace, ...]
    #: Where it was read from, for the credit line (for example the extract's file name).
    source: str = ""
