"""The public face: a light `import optimizer`, lazy API names, no name that is also a module."""

from __future__ import annotations

import subprocess
import sys

import pytest

import optimizer

HEAVY = ("ortools", "matplotlib", "folium", "osmnx", "dask", "pandas")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


def test_import_optimizer_loads_no_solver_pandas_or_maps():
    """`import optimizer` brings only the model and errors: none of the heavy libraries."""
    assert not _loaded_after("import optimizer") & set(HEAVY)


def test_cli_help_loads_no_solver_pandas_or_maps():
    """`fsopt --help` builds the parser only: each command imports what it needs itself."""
    code = ("import contextlib, io\nfrom optimizer import cli\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    cli.main(['--help'])")
    assert not _loaded_after(code) & set(HEAVY)


def test_reading_a_scenario_loads_no_solver_or_maps():
    """io.load reads tables with pandas but never loads OR-Tools, matplotlib or folium."""
    assert not _loaded_after("import optimizer.io.load") & {"ortools", "matplotlib", "folium"}


@pytest.mark.parametrize("name", ["solve", "sweep", "replan", "plan", "verify", "compare"])
def test_public_functions_stay_functions_after_their_modules_load(name):
    """No public name is also a submodule: after the whole API has loaded, each is still
    the function (a submodule import used to replace `optimizer.sweep` with the module)."""
    import optimizer.api
    import optimizer.replanning
    import optimizer.solver.verify
    import optimizer.sweeps

    assert callable(getattr(optimizer, name))
    assert type(getattr(optimizer, name)).__name__ == "function"


def test_unknown_names_raise_attribute_error():
    """A typo is an AttributeError naming the attribute, not a failed import."""
    with pytest.raises(AttributeError, match="no_such_thing"):
        optimizer.no_such_thing  # noqa: B018


def test_api_names_resolve_to_their_homes():
    """The result types come from optimizer.results and `write` from optimizer.outputs;
    importing the result types loads none of the heavy libraries."""
    import optimizer.outputs
    import optimizer.results

    assert optimizer.write is optimizer.outputs.write
    for name in ("PlanResult", "Comparison", "ReplanResult"):
        assert getattr(optimizer, name) is getattr(optimizer.results, name)
    assert not _loaded_after("import optimizer.results") & set(HEAVY)
