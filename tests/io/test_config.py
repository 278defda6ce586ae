"""scenario.toml: ranges of every number, names and safe folder names (the sections about
places: test_config_places.py)."""

from __future__ import annotations

import pytest
from factories import TOML_HEAD, load_problems, tiny_with_toml

from optimizer.io.config import TOML_RANGES, safe_folder_name
from optimizer.io.load import load_scenario


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
    toml = TOML_HEAD + "".join(f"\n[{s}]\n" + "\n".join(lines) + "\n"
                               for s, lines in sections.items())
    problems = load_problems(tiny_with_toml(tmp_path, toml))
    assert len(problems) == len(keys)
    for section, key, allowed in keys:
        [problem] = [p for p in problems if f"scenario.toml [{section}] {key}=" in p]
        assert str(allowed) in problem


def test_numbers_at_the_ends_of_their_range_are_accepted(tmp_path):
    """The documented bounds themselves load (a range is inclusive unless it says '>')."""
    toml = TOML_HEAD + ("\n[travel]\nspeed_kph = 300\ndetour_factor = 1\nspeed_factor = 0.1\n"
                   "\n[solver]\ntime_limit_s = 86400\nsolution_limit = 1\nworkers = 64\n"
                   "\n[objective]\npreferred_tech_bonus = 0\n"
                   "[objective.drop_penalty]\ncritical = 10000000\n")
    loaded = load_scenario(tiny_with_toml(tmp_path, toml))
    assert loaded.problem.travel.speed_kph == 300 and loaded.params.workers == 64
    assert loaded.problem.weights.drop_penalty["critical"] == 10_000_000


def test_wrong_types_are_named(tmp_path):
    """A string where a number belongs, a bool and a bad bbox are each reported with the key."""
    toml = TOML_HEAD + ('\n[travel]\nspeed_kph = "40"\nbbox = [9.6, 47.0, 9.4, 47.3]\n'
                   "\n[solver]\nseed = true\nlog_search = 1\n")
    problems = load_problems(tiny_with_toml(tmp_path, toml))
    assert any("[travel] speed_kph='40': must be a number" in p for p in problems)
    assert any("[travel] bbox=[9.6, 47.0, 9.4, 47.3]" in p and "west < east" in p
               for p in problems)
    assert any("[solver] seed=True: must be a whole number" in p for p in problems)
    assert any("[solver] log_search=1: must be true or false" in p for p in problems)


def test_solver_decompose_loads_and_a_wrong_value_is_named(tmp_path):
    """[solver] decompose takes auto, on or off; anything else is one problem naming the key,
    the value and the choices."""
    on = TOML_HEAD + '\n[solver]\ndecompose = "on"\n'
    loaded = load_scenario(tiny_with_toml(tmp_path / "a", on))
    assert loaded.params.decompose == "on"
    problems = load_problems(tiny_with_toml(tmp_path / "b", on.replace('"on"', '"yes"')))
    assert [p for p in problems if "decompose" in p] == [
        f"{tmp_path / 'b' / 'scenario' / 'scenario.toml'} [solver] decompose='yes': use one of "
        "auto, on, off"]


@pytest.mark.parametrize("name", ["Vaduz / Schaan", "../Vaduz", "Zürich"])
def test_display_names_with_separators_still_load(tmp_path, name):
    """A name is display text: slashes and dots are kept in the problem's name."""
    folder = tiny_with_toml(tmp_path, TOML_HEAD.replace('"tiny"', f'"{name}"'))
    assert load_scenario(folder).problem.name == name


@pytest.mark.parametrize("name", ["", "..", " / ", 5])
def test_a_name_with_nothing_to_show_is_refused(tmp_path, name):
    """An empty name, one of dots and separators only, or a number is refused."""
    value = f'"{name}"' if isinstance(name, str) else str(name)
    folder = tiny_with_toml(tmp_path, TOML_HEAD.replace('"tiny"', value))
    [problem] = load_problems(folder)
    assert "[scenario] name=" in problem
