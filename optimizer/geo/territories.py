"""Where an order lies: its postcode (from the address if none was given) and the
territory polygons of territories.geojson that contain it.

Technicians' ``territories`` name postcode prefixes or these polygons
(:func:`optimizer.model.in_territory` decides); this module only fills in the
order's side, ``WorkOrder.postcode`` and ``WorkOrder.areas``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from optimizer.model import Problem, WorkOrder

#: A postcode as most European addresses write it: 4 or 5 digits (optionally after a
#: country prefix such as ``FL-`` or ``D-``) followed by the town, at the start of the
#: address or after a comma: ``Landstrasse 302, 9495 Triesen`` -> ``9495``.
_POSTCODE_IN_ADDRESS = re.compile(r"(?:^|,)\s*(?:[A-Z]{1,3}-)?(\d{4,5})\s+\D")


def postcode_from_address(address: str) -> str:
    """The postcode written in ``address`` (see :data:`_POSTCODE_IN_ADDRESS`), or ``""``."""
    found = _POSTCODE_IN_ADDRESS.findall(address)
    return found[-1] if found else ""


def with_territories(problem: Problem, polygons: Mapping[str, Any]) -> Problem:
    """``problem`` with each order's postcode taken from its address when none was given,
    and ``areas`` set to the names of the ``polygons`` (shapely) that contain it."""
    if not polygons and all(o.postcode or not o.address for o in problem.orders):
        return problem
    orders = tuple(_placed(order, polygons) for order in problem.orders)
    return replace(problem, orders=orders)


def _placed(order: WorkOrder, polygons: Mapping[str, Any]) -> WorkOrder:
    postcode = order.postcode or postcode_from_address(order.address)
    areas = order.areas
    if polygons and order.location is not None:
        from shapely.geometry import Point

        point = Point(order.location.lon, order.location.lat)  # GeoJSON order: x = lon
        areas = frozenset(name for name, shape in polygons.items() if shape.covers(point))
    if postcode == order.postcode and areas == order.areas:
        return order
    return replace(order, postcode=postcode, areas=areas)
