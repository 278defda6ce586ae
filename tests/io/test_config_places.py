"""scenario.toml sections about places: [travel] (sources, OSM files, speed factors,
peaks), [geocode] (providers, country codes) and [maps] (tiles)."""

from __future__ import annotations

import shutil

import pytest
from factories import SCENARIOS, TINY, TOML_HEAD, load_problems, tiny_with_toml

from optimizer.io.load import load_scenario
from optimizer.model import TravelSource

DATA = TINY.parent


def test_a_copied_scenario_toml_names_each_missing_file(tmp_path):
    """The demo's scenario.toml in a new folder: both osm_file keys fail, with the path
    given and the folder it was resolved from."""
    folder = tmp_path / "copy"
    shutil.copytree(TINY, folder)
    shutil.copy(SCENARIOS / "liechtenstein" / "scenario.toml", folder / "scenario.toml")
    problems = load_problems(folder)
    assert len(problems) == 2
    for section, problem in zip(("travel", "geocode"), problems, strict=True):
        assert f"[{section}] osm_file='liechtenstein-2021-01.osm.bz2': no such file" in problem
        assert str(folder / "liechtenstein-2021-01.osm.bz2") in problem
        assert f"(resolved from {folder})" in problem


def test_osm_file_relative_to_the_toml_and_absolute_both_load(tmp_path):
    """A relative osm_file is found next to scenario.toml (not the working directory)."""
    folder = tiny_with_toml(tmp_path, TOML_HEAD + '\n[travel]\nsource = "osm_file"\n'
                             'osm_file = "roads.osm"\n')
    shutil.copy(DATA / "osm" / "tiny.osm", folder / "roads.osm")
    assert load_scenario(folder).problem.travel.osm_file == "roads.osm"
    folder = tiny_with_toml(tmp_path / "abs", TOML_HEAD + f"\n[geocode]\nosm_file = '{DATA}/osm/"
                             "tiny.osm'\n")
    assert load_scenario(folder).problem.geocode.osm_file.endswith("tiny.osm")


def test_travel_sources_need_what_they_read(tmp_path):
    """source = "place" without place and "bbox" without bbox fail at load, not at solve."""
    for source, needs in (("place", "needs place ="), ("bbox", "needs bbox =")):
        folder = tiny_with_toml(tmp_path / source, TOML_HEAD + f'\n[travel]\nsource = "{source}"\n')
        [problem] = load_problems(folder)
        assert f'[travel] source="{source}": {needs}' in problem


def test_travel_source_is_a_travel_source_member_or_named_choices(tmp_path):
    """A valid source loads as the TravelSource member; a misspelt one lists every member."""
    folder = tiny_with_toml(tmp_path, TOML_HEAD + '\n[travel]\nsource = "osm_file"\n'
                             'osm_file = "roads.osm"\n')
    shutil.copy(DATA / "osm" / "tiny.osm", folder / "roads.osm")
    assert load_scenario(folder).problem.travel.source is TravelSource.OSM_FILE
    folder = tiny_with_toml(tmp_path / "bad", TOML_HEAD + '\n[travel]\nsource = "haversin"\n')
    [problem] = load_problems(folder)
    assert problem.endswith("[travel] source='haversin': use haversine, osm_file, place, bbox")


def test_unknown_geocoder_and_bad_country_codes(tmp_path):
    """A misspelt geocoder and a three-letter country code are reported with what to use."""
    folder = tiny_with_toml(tmp_path, TOML_HEAD + '\n[geocode]\nprovider = "nominatimm"\n'
                             'country_codes = ["lie"]\n')
    problems = load_problems(folder)
    assert "[geocode] provider='nominatimm': unknown geocoder" in problems[0]
    assert "nominatim" in problems[0] and "photon" in problems[0]
    assert "[geocode] country_codes=['lie']: must be a list of two-letter codes" in problems[1]


@pytest.mark.parametrize(("tiles", "loads"), [
    ("none", True), ("OpenStreetMap", True), ("OpenStreetMap.HOT", True),
    ("openstreetmap", True), ("OpenTopoMap", True),
    ("https://tiles.example/{z}/{x}/{y}.png", False),
    ("Thunderforest.OpenCycleMap", False), ("Google Satellite", False),
])
def test_tiles_are_checked_at_load_as_the_maps_will_use_them(tmp_path, tiles, loads):
    """Tiles load exactly when the map writer accepts them (a URL needs tile_attribution)."""
    from optimizer.maps.elements import tile_layer

    folder = tiny_with_toml(tmp_path, TOML_HEAD + f'\n[maps]\ntiles = "{tiles}"\n')
    if loads:
        assert load_scenario(folder).maps == {"tiles": tiles}
    else:
        assert any(f"[maps] tiles={tiles!r}" in p for p in load_problems(folder))
    try:
        tile_layer(tiles, None)
        drawn = True
    except ValueError:
        drawn = False
    assert drawn == loads


def test_a_url_template_with_attribution_loads(tmp_path):
    """A tile URL with {z}/{x}/{y} and tile_attribution is accepted."""
    folder = tiny_with_toml(tmp_path, TOML_HEAD + '\n[maps]\ntiles = "https://t.example/{z}/{x}/'
                             '{y}.png"\ntile_attribution = "© Example"\n')
    assert load_scenario(folder).maps["tile_attribution"] == "© Example"


def test_travel_parking_and_speed_factors_are_read(tmp_path):
    """[travel] stop_overhead_min and [travel.speed_factors] reach the problem; a class not
    given keeps its documented default; a work order's own stop_overhead_min is read too
    (an empty cell means: the scenario's)."""
    from optimizer.model import DEFAULT_SPEED_FACTORS

    toml = TOML_HEAD + ("\n[travel]\nstop_overhead_min = 240\n"
                   "\n[travel.speed_factors]\nresidential = 0.5\nmotorway = 2\n")
    folder = tiny_with_toml(tmp_path, toml)
    orders = (folder / "work_orders.csv").read_text(encoding="utf-8").splitlines()
    orders[0] += ",stop_overhead_min"
    orders[1] += ",12.5"
    orders[2:] = [line + "," for line in orders[2:]]
    (folder / "work_orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    problem = load_scenario(folder).problem
    assert problem.travel.stop_overhead_min == 240
    factors = problem.travel.speed_factors
    assert factors["residential"] == 0.5 and factors["motorway"] == 2
    assert factors["primary"] == DEFAULT_SPEED_FACTORS["primary"] == 0.7
    assert [o.stop_overhead_min for o in problem.orders] == [12.5, None, None]


def test_speed_factors_must_be_a_table(tmp_path):
    """speed_factors = 0.7 (not a table) is named with an example of the right form."""
    toml = TOML_HEAD + "\n[travel]\nspeed_factors = 0.7\n"
    problems = load_problems(tiny_with_toml(tmp_path, toml))
    assert any("[travel] speed_factors=0.7: must be a table" in p for p in problems)


def test_peaks_are_read_in_minutes_of_the_day(tmp_path):
    """[[travel.peaks]] tables become Peak(start_min, end_min, speed_factor); 24:00 ends the
    day."""
    from optimizer.model import Peak

    toml = TOML_HEAD + ('\n[[travel.peaks]]\nstart = "07:00"\nend = "09:30"\nspeed_factor = 0.7\n'
                   '\n[[travel.peaks]]\nstart = "16:00"\nend = "24:00"\nspeed_factor = 1\n')
    problem = load_scenario(tiny_with_toml(tmp_path, toml)).problem
    assert problem.travel.peaks == (Peak(420, 570, 0.7), Peak(960, 1440, 1.0))


def test_peaks_must_be_tables_with_known_keys(tmp_path):
    """peaks = 0.7 and a peak with a misspelt key are named."""
    problems = load_problems(tiny_with_toml(tmp_path, TOML_HEAD + "\n[travel]\npeaks = 0.7\n"))
    assert any("[travel] peaks=0.7: must be [[travel.peaks]] tables" in p for p in problems)
    toml = TOML_HEAD + ('\n[[travel.peaks]]\nstart = "07:00"\nend = "09:00"\nspeed_factor = 0.7\n'
                   'factor = 0.7\n')
    problems = load_problems(tiny_with_toml(tmp_path / "second", toml))
    assert any("[[travel.peaks]] number 1: unknown key 'factor'" in p for p in problems)
