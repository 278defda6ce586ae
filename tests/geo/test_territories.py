"""An order's postcode from its address, and the territory polygons it lies in."""

from __future__ import annotations

import pytest
from factories import order, problem, shift, tech
from shapely.geometry import box

from optimizer.geo.territories import postcode_from_address, with_territories
from optimizer.model import Location


@pytest.mark.parametrize(("address", "postcode"), [
    ("Landstrasse 302, 9495 Triesen", "9495"),
    ("Städtle 1, FL-9490 Vaduz", "9490"),
    ("Mannerheimintie 1, 00100 Helsinki", "00100"),
    ("Landstrasse 302 Triesen", ""),          # no postcode written
    ("Haus 1234, Vaduz", ""),                 # a house number is not a postcode
])
def test_postcode_from_address(address, postcode):
    """4 or 5 digits before the town, at the start or after a comma; nothing else."""
    assert postcode_from_address(address) == postcode


def test_orders_get_their_polygons_and_postcode_but_keep_a_given_one():
    """A point inside 'Nord' (lon 9.5, lat 47.01) gets areas {'Nord'}; one outside gets none;
    a given postcode is kept, a missing one is read from the address."""
    inside = order("A", 1, address="Weg 1, 9494 Schaan")      # point(1): lat 47.01, lon 9.5
    outside = order("B", 50, postcode="9490", address="Weg 2, 9494 Schaan")  # lat 47.5
    p = with_territories(problem([inside, outside], [tech("t1")], [shift("t1")]),
                         {"Nord": box(9.4, 46.9, 9.6, 47.1)})
    a, b = p.orders
    assert (a.areas, a.postcode) == (frozenset({"Nord"}), "9494")
    assert (b.areas, b.postcode) == (frozenset(), "9490")
    assert b.location == Location(47.5, 9.5, "Point 50")
