"""build_matrix: the dispatcher between straight-line and road sources."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from _roads import BESIDE_2_3, CACHE_DIR, FREE_FLOW, N1, N3, N5, TINY_OSM
from factories import order, point, problem, shift, tech

from optimizer.errors import InputError
from optimizer.geo.matrix import build_matrix, problem_points
from optimizer.model import Location, TravelSettings


def test_osm_file_relative_to_the_scenario_folder():
    """source="osm_file" with a relative path builds an "osm" matrix over unique points
    (at free-flow speeds, the hand-checked times of test_road_matrix)."""
    travel = TravelSettings(source="osm_file", osm_file="osm/tiny.osm", speed_factors=FREE_FLOW)
    m = build_matrix([N1, N3, N1], travel, base_dir=TINY_OSM.parent.parent, cache_dir=CACHE_DIR)
    assert m.source == "osm" and m.points == (N1, N3)
    assert m.travel_s[0][1] == 146 and m.travel_s[1][0] == 265


def test_speed_factor_from_travel_settings():
    """[travel] speed_factor = 0.8 makes every road time 1/0.8 as long."""
    base = TravelSettings(source="osm_file", osm_file=str(TINY_OSM))
    slow = TravelSettings(source="osm_file", osm_file=str(TINY_OSM), speed_factor=0.8)
    a = build_matrix([N1, BESIDE_2_3], base)
    b = build_matrix([N1, BESIDE_2_3], slow)
    assert b.travel_s[0][1] == pytest.approx(a.travel_s[0][1] / 0.8, abs=1)
    assert (b.distance_m == a.distance_m).all()


def test_unreachable_point_keeps_a_mask_not_an_error():
    """A point on the disconnected piece gives reachable=False, not an exception."""
    m = build_matrix([N1, N5], TravelSettings(source="osm_file", osm_file=str(TINY_OSM)))
    assert np.asarray(m.reachable).tolist() == [[True, False], [False, True]]


def test_far_points_are_named_by_their_labels_and_max_snap_m_applies():
    """Every label of a too-far point appears; raising max_snap_m accepts it."""
    far = Location(lat=47.1, lon=9.0)
    travel = TravelSettings(source="osm_file", osm_file=str(TINY_OSM))
    with pytest.raises(InputError, match=r"order WO-3, order WO-4 at lat=47\.100000"):
        build_matrix([N1, far, far], travel, labels=["depot", "order WO-3", "order WO-4"])
    wide = TravelSettings(source="osm_file", osm_file=str(TINY_OSM), max_snap_m=10_000)
    assert build_matrix([N1, far], wide).points == (N1, far)


def test_haversine_is_unchanged_and_unknown_source_is_rejected():
    """haversine still works; an unknown source is an InputError naming the choices."""
    m = build_matrix([N1, N3], TravelSettings(speed_kph=36, detour_factor=1.0))
    assert m.source == "haversine" and m.travel_s[0][1] == 152
    with pytest.raises(InputError, match="osm_file"):
        build_matrix([N1], TravelSettings(source="teleport"))


def test_problem_points_are_orders_then_shift_ends_with_labels():
    """Each located order, then each shift's start and end, of every problem given, named
    for error messages; an order the geocoder did not find is left out."""
    lost = replace(order("X", 9), location=None, location_issue="address not found")
    first = problem([order("A", 1), lost], [tech("t1")], [shift("t1", home=0)])
    second = problem([order("B", 2)], [tech("t2")], [shift("t2", home=3)])
    points, labels = problem_points(first, second)
    assert labels == ["order A", "shift t1 start", "shift t1 end",
                      "order B", "shift t2 start", "shift t2 end"]
    assert points == [point(1), point(0), point(0), point(2), point(3), point(3)]


def test_problem_points_list_every_shift_end_still_to_geocode():
    """A shift that starts or ends at an address without coordinates is an input error,
    all of them at once, naming the shift and the address."""
    home = Location.to_geocode("Städtle 1, Vaduz")
    s1 = replace(shift("t1"), start_location=home)
    s2 = replace(shift("t2"), end_location=home)
    with pytest.raises(InputError) as info:
        problem_points(problem([], [tech("t1"), tech("t2")], [s1, s2]))
    assert info.value.problems == [
        "shift t1 start 'Städtle 1, Vaduz' is not geocoded yet (run geocode() first)",
        "shift t2 end 'Städtle 1, Vaduz' is not geocoded yet (run geocode() first)"]
