"""scenario.toml: ranges of every number, data-file paths, tiles, names and safe folder names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.io.config import TOML_RANGES, safe_folder_name
from optimizer.io.load import load_scenario
from optimizer.model import TravelSource

DATA = Path(__file__).parents[1] / "data"
TINY = DATA / "tiny"
SCENARIOS = Path(__file__).parents[2] / "scenarios"
HEAD = '[scenario]\nname = "tiny"\nplan_date = "2026-12-01"\ntimezone = "Europe/Vaduz"\n'


def _tiny_with_toml(tmp_path: Path, toml: str) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_scenario(folder)
    return info.value.problems


@pytest.mark.parametrize(("name", "expected"), [
    ("../../../../x", "x"),
    ("tiny", "tiny"),
    ("Zürich Nord / Süd", "Zürich-Nord-Süd"),
    ("東京 配送", "東京-配送"),
    ("..", "scenario"),
    ("", "scenario"),
    ("/etc/passwd", "etc-passwd"),
    ("a\\..\\b", "a-.-b"),
    (".hidden", "hidden"),
    ("what-if: rush hour?", "what-if-rush-hour"),
    ("con", "con_"),
    ("v1.2..3", "v1.2.3"),
    ("x" * 300, "x" * 100),
])
def test_safe_folder_name(name, expected):
    """A scenario name becomes one safe path component: no separators, no leading dot, no '..'."""
    slug = safe_folder_name(name)
    assert slug == expected
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert not slug.startswith((".", "-"))


def _numeric_keys():
    for section, keys in TOML_RANGES.items():
        for key, allowed in keys.items():
            if section == "objective" and key in ("drop_penalty", "sla_late_cost_per_min",
                                                  "late_cost_per_day"):
                yield f"objective.{key}", "high", allowed
            elif section == "sla":  # a table by priority, written as a dotted key
                yield section, f"{key}.high", allowed
            else:
                yield section, key, allowed


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e300"])
def test_every_numeric_key_rejects_inf_nan_and_huge_values(tmp_path, value):
    """Each number of scenario.toml with inf, nan or 1e300 is one problem naming table and key,
    all reported at once."""
    keys = list(_numeric_keys())
    sections: dict[str, list[str]] = {}
    for section, key, _ in keys:
        sections.setdefault(section, []).append(f"{key} = {value}")
    toml = HEAD + "".join(f"\n[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
    problems = _problems(_tiny_with_toml(tmp_path, toml))
    assert len(problems) == len(keys)
    for section, key, allowed in keys:
        [problem] = [p for p in problems if f"scenario.toml [{section}] {key}=" in p]
        assert str(allowed) in problem


def test_numbers_at_the_ends_of_their_range_are_accepted(tmp_path):
    """The documented bounds themselves load (a range is inclusive unless it says '>')."""
    toml = HEAD + ("\n[travel]\nspeed_kph = 300\ndetour_factor = 1\nspeed_factor = 0.1\n"
                   "\n[solver]\ntime_limit_s = 86400\nsolution_limit = 1\nworkers = 64\n"
                   "\n[objective]\npreferred_tech_bonus = 0\n"
                   "[objective.drop_penalty]\ncritical = 10000000\n")
    loaded = load_scenario(_tiny_with_toml(tmp_path, toml))
    assert loaded.problem.travel.speed_kph == 300 and loaded.params.workers == 64
    assert loaded.problem.weights.drop_penalty["critical"] == 10_000_000


def test_wrong_types_are_named(tmp_path):
    """A string where a number belongs, a bool and a bad bbox are each reported with the key."""
    toml = HEAD + ('\n[travel]\nspeed_kph = "40"\nbbox = [9.6, 47.0, 9.4, 47.3]\n'
                   "\n[solver]\nseed = true\nlog_search = 1\n")
    problems = _problems(_tiny_with_toml(tmp_path, toml))
    assert any("[travel] speed_kph='40': must be a number" in p for p in problems)
    assert any("[travel] bbox=[9.6, 47.0, 9.4, 47.3]" in p and "west < east" in p
               for p in problems)
    assert any("[solver] seed=True: must be a whole number" in p for p in problems)
    assert any("[solver] log_search=1: must be true or false" in p for p in problems)


def test_solver_decompose_loads_and_a_wrong_value_is_named(tmp_path):
    """[solver] decompose takes auto, on or off; anything else is one problem naming the key,
    the value and the choices."""
    loaded = load_scenario(_tiny_with_toml(tmp_path / "a", HEAD + '\n[solver]\ndecompose = "on"\n'))
    assert loaded.params.decompose == "on"
    problems = _problems(_tiny_with_toml(tmp_path / "b", HEAD + '\n[solver]\ndecompose = "yes"\n'))
    assert [p for p in problems if "decompose" in p] == [
        f"{tmp_path / 'b' / 'scenario' / 'scenario.toml'} [solver] decompose='yes': use one of "
        "auto, on, off"]


def test_a_copied_scenario_toml_names_each_missing_file(tmp_path):
    """The demo's scenario.toml in a new folder: both osm_file keys fail, with the path
    given and the folder it was resolved from."""
    folder = tmp_path / "copy"
    shutil.copytree(TINY, folder)
    shutil.copy(SCENARIOS / "liechtenstein" / "scenario.toml", folder / "scenario.toml")
    problems = _problems(folder)
    assert len(problems) == 2
    for section, problem in zip(("travel", "geocode"), problems, strict=True):
        assert f"[{section}] osm_file='liechtenstein-2021-01.osm.bz2': no such file" in problem
        assert str(folder / "liechtenstein-2021-01.osm.bz2") in problem
        assert f"(resolved from {folder})" in problem


def test_osm_file_relative_to_the_toml_and_absolute_both_load(tmp_path):
    """A relative osm_file is found next to scenario.toml (not the working directory)."""
    folder = _tiny_with_toml(tmp_path, HEAD + '\n[travel]\nsource = "osm_file"\n'
                             'osm_file = "roads.osm"\n')
    shutil.copy(DATA / "osm" / "tiny.osm", folder / "roads.osm")
    assert load_scenario(folder).problem.travel.osm_file == "roads.osm"
    folder = _tiny_with_toml(tmp_path / "abs", HEAD + f"\n[geocode]\nosm_file = '{DATA}/osm/"
                             "tiny.osm'\n")
    assert load_scenario(folder).problem.geocode.osm_file.endswith("tiny.osm")


def test_travel_sources_need_what_they_read(tmp_path):
    """source = "place" without place and "bbox" without bbox fail at load, not at solve."""
    for source, needs in (("place", "needs place ="), ("bbox", "needs bbox =")):
        folder = _tiny_with_toml(tmp_path / source, HEAD + f'\n[travel]\nsource = "{source}"\n')
        [problem] = _problems(folder)
        assert f'[travel] source="{source}": {needs}' in problem


def test_travel_source_is_a_travel_source_member_or_named_choices(tmp_path):
    """A valid source loads as the TravelSource member; a misspelt one lists every member."""
    folder = _tiny_with_toml(tmp_path, HEAD + '\n[travel]\nsource = "osm_file"\n'
                             'osm_file = "roads.osm"\n')
    shutil.copy(DATA / "osm" / "tiny.osm", folder / "roads.osm")
    assert load_scenario(folder).problem.travel.source is TravelSource.OSM_FILE
    folder = _tiny_with_toml(tmp_path / "bad", HEAD + '\n[travel]\nsource = "haversin"\n')
    [problem] = _problems(folder)
    assert problem.endswith("[travel] source='haversin': use haversine, osm_file, place, bbox")


def test_unknown_geocoder_and_bad_country_codes(tmp_path):
    """A misspelt geocoder and a three-letter country code are reported with what to use."""
    folder = _tiny_with_toml(tmp_path, HEAD + '\n[geocode]\nprovider = "nominatimm"\n'
                             'country_codes = ["lie"]\n')
    problems = _problems(folder)
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

    folder = _tiny_with_toml(tmp_path, HEAD + f'\n[maps]\ntiles = "{tiles}"\n')
    if loads:
        assert load_scenario(folder).maps == {"tiles": tiles}
    else:
        assert any(f"[maps] tiles={tiles!r}" in p for p in _problems(folder))
    try:
        tile_layer(tiles, None)
        drawn = True
    except ValueError:
        drawn = False
    assert drawn == loads


def test_a_url_template_with_attribution_loads(tmp_path):
    """A tile URL with {z}/{x}/{y} and tile_attribution is accepted."""
    folder = _tiny_with_toml(tmp_path, HEAD + '\n[maps]\ntiles = "https://t.example/{z}/{x}/'
                             '{y}.png"\ntile_attribution = "© Example"\n')
    assert load_scenario(folder).maps["tile_attribution"] == "© Example"


@pytest.mark.parametrize("name", ["Vaduz / Schaan", "../Vaduz", "Zürich"])
def test_display_names_with_separators_still_load(tmp_path, name):
    """A name is display text: slashes and dots are kept in the problem's name."""
    folder = _tiny_with_toml(tmp_path, HEAD.replace('"tiny"', f'"{name}"'))
    assert load_scenario(folder).problem.name == name


@pytest.mark.parametrize("name", ["", "..", " / ", 5])
def test_a_name_with_nothing_to_show_is_refused(tmp_path, name):
    """An empty name, one of dots and separators only, or a number is refused."""
    value = f'"{name}"' if isinstance(name, str) else str(name)
    folder = _tiny_with_toml(tmp_path, HEAD.replace('"tiny"', value))
    [problem] = _problems(folder)
    assert "[scenario] name=" in problem


def test_travel_parking_and_speed_factors_are_read(tmp_path):
    """[travel] stop_overhead_min and [travel.speed_factors] reach the problem; a class not
    given keeps its documented default; a work order's own stop_overhead_min is read too
    (an empty cell means: the scenario's)."""
    from optimizer.model import DEFAULT_SPEED_FACTORS

    toml = HEAD + ("\n[travel]\nstop_overhead_min = 240\n"
                   "\n[travel.speed_factors]\nresidential = 0.5\nmotorway = 2\n")
    folder = _tiny_with_toml(tmp_path, toml)
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
    problems = _problems(_tiny_with_toml(tmp_path, HEAD + "\n[travel]\nspeed_factors = 0.7\n"))
    assert any("[travel] speed_factors=0.7: must be a table" in p for p in problems)


def test_peaks_are_read_in_minutes_of_the_day(tmp_path):
    """[[travel.peaks]] tables become Peak(start_min, end_min, speed_factor); 24:00 ends the
    day."""
    from optimizer.model import Peak

    toml = HEAD + ('\n[[travel.peaks]]\nstart = "07:00"\nend = "09:30"\nspeed_factor = 0.7\n'
                   '\n[[travel.peaks]]\nstart = "16:00"\nend = "24:00"\nspeed_factor = 1\n')
    problem = load_scenario(_tiny_with_toml(tmp_path, toml)).problem
    assert problem.travel.peaks == (Peak(420, 570, 0.7), Peak(960, 1440, 1.0))


def test_peaks_must_be_tables_with_known_keys(tmp_path):
    """peaks = 0.7 and a peak with a misspelt key are named."""
    problems = _problems(_tiny_with_toml(tmp_path, HEAD + "\n[travel]\npeaks = 0.7\n"))
    assert any("[travel] peaks=0.7: must be [[travel.peaks]] tables" in p for p in problems)
    toml = HEAD + ('\n[[travel.peaks]]\nstart = "07:00"\nend = "09:00"\nspeed_factor = 0.7\n'
                   'factor = 0.7\n')
    problems = _problems(_tiny_with_toml(tmp_path / "second", toml))
    assert any("[[travel.peaks]] number 1: unknown key 'factor'" in p for p in problems)
