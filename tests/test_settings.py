"""Global settings: each one is read where it matters, and nothing else lives there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from optimizer import api, outputs, settings
from optimizer.geo.geocode_cache import CACHE_FILE, GeocodeCache
from optimizer.geo.providers import AddressResolver
from optimizer.model import GeocodeSettings
from optimizer.outputs import default_folder

ROOT = Path(__file__).parents[1]
TINY = ROOT / "tests" / "data" / "tiny"


def _public_settings() -> list[str]:
    return sorted(n for n, v in vars(settings).items()
                  if not n.startswith("_") and isinstance(v, str | Path))


def test_every_setting_is_read_somewhere():
    """Each setting is used as ``settings.<name>`` in the package (no dead defaults)."""
    names = _public_settings()
    assert names == ["cache_dir", "output_dir", "user_agent"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "optimizer").rglob("*.py")
                       if p.name != "settings.py")
    unread = [n for n in names if not re.search(rf"\bsettings\.{n}\b", source)]
    assert unread == []


def _cache_dir_in_fresh_python(env: dict[str, str]) -> str:
    code = "from optimizer import settings; print(settings.cache_dir)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True, cwd=ROOT)
    return done.stdout.strip()


def test_cache_dir_comes_from_fsopt_cache_dir_or_the_home_folder(tmp_path):
    """FSOPT_CACHE_DIR set at import is the cache folder; without it, ~/.cache/fsopt."""
    env = {k: v for k, v in os.environ.items() if k != "FSOPT_CACHE_DIR"}
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp_path / "home")
    assert _cache_dir_in_fresh_python(env) == str(tmp_path / "home" / ".cache" / "fsopt")
    env["FSOPT_CACHE_DIR"] = str(tmp_path / "cache")
    assert _cache_dir_in_fresh_python(env) == str(tmp_path / "cache")


def test_cache_dir_is_where_geocodes_are_cached(tmp_path, monkeypatch):
    """Given no folder, the geocode cache and the resolver use settings.cache_dir."""
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    with GeocodeCache() as cache:
        assert cache.path == tmp_path / "cache" / CACHE_FILE
    assert AddressResolver(GeocodeSettings()).cache_dir == tmp_path / "cache"


def test_user_agent_is_sent_to_online_geocoders(tmp_path, monkeypatch):
    """An online geocoder is built with settings.user_agent (no request is made)."""
    monkeypatch.setattr(settings, "user_agent", "fsopt-test/1.0")
    resolver = AddressResolver(GeocodeSettings(provider="nominatim",
                                               options={"domain": "localhost:9"}),
                               cache_dir=tmp_path)
    assert resolver.geocoder.headers["User-Agent"] == "fsopt-test/1.0"


def test_output_dir_is_the_default_folder_of_every_command(tmp_path, monkeypatch):
    """Without --out, the command line and outputs.write write under settings.output_dir."""
    monkeypatch.setattr(settings, "output_dir", tmp_path / "results")
    assert default_folder("../x y", "compare-") == tmp_path / "results" / "compare-x-y"
    result = api.solve_scenario(TINY, time_limit_s=1, solution_limit=5)
    paths = outputs.write(result, maps=False)
    assert paths["json"] == tmp_path / "results" / "tiny" / "schedule.json"
    assert paths["json"].exists()
