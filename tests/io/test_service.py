"""The service-quality columns and territories.geojson load into the right fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from optimizer.io.load import load_scenario
from optimizer.model import Priority

TINY = Path(__file__).parents[1] / "data" / "tiny"


def test_new_columns_and_settings_land_in_the_problem(tmp_path):
    """created_at (a date-time), remote_resolvable (yes/no), parts_ready_at (HH:MM),
    postcode, technicians' territories, territories.geojson and [sla]/[notify]/[privacy]."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    (folder / "work_orders.csv").write_text(
        "order_id,lat,lon,service_min,created_at,remote_resolvable,parts_ready_at,postcode\n"
        "WO-1,47.1391,9.5215,45,2026-11-30 16:45,,13:30,9490\n"
        "WO-2,47.1653,9.5093,30,08:15,Yes,,\n", encoding="utf-8")
    techs = (folder / "technicians.csv").read_text(encoding="utf-8").splitlines()
    (folder / "technicians.csv").write_text(
        "\n".join([techs[0] + ",territories", techs[1] + ",949;Oberland", techs[2] + ","])
        + "\n", encoding="utf-8")
    (folder / "territories.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"name": "Oberland"},
            "geometry": {"type": "Polygon", "coordinates": [[[9.5, 47.1], [9.6, 47.1],
                                                             [9.6, 47.15], [9.5, 47.1]]]}}]}))
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text() + 'territories = "soft"\n\n[sla]\nresponse_target_h = '
                    "{ high = 6 }\n\n[notify]\neta_margin_min = 45\n\n[privacy]\n"
                    'phone_pages = "minimal"\n')
    loaded = load_scenario(folder)
    wo1, wo2 = loaded.problem.orders
    assert f"{wo1.created_at:%Y-%m-%d %H:%M}" == "2026-11-30 16:45"
    assert f"{wo1.parts_ready_at:%H:%M}" == "13:30" and wo1.postcode == "9490"
    assert not wo1.remote_resolvable and wo2.remote_resolvable
    assert f"{wo2.created_at:%H:%M}" == "08:15" and wo2.parts_ready_at is None
    assert loaded.problem.technician("T1").territories == {"949", "Oberland"}
    assert loaded.problem.technician("T2").territories == frozenset()
    assert loaded.problem.territory_mode == "soft"
    assert loaded.problem.response_target_h[Priority.HIGH] == 6.0
    assert loaded.problem.response_target_h[Priority.LOW] == 72.0
    assert (loaded.publish.eta_margin_min, loaded.publish.phone_pages) == (45.0, "minimal")
    assert list(loaded.territories) == ["Oberland"]
    assert loaded.territories["Oberland"].geom_type == "Polygon"


def test_a_territory_naming_no_polygon_is_a_warning(tmp_path):
    """'Oberland' without territories.geojson is read as a postcode prefix, with a warning;
    a digit prefix such as '949' is not warned about."""
    folder = tmp_path / "s"
    shutil.copytree(TINY, folder)
    techs = (folder / "technicians.csv").read_text(encoding="utf-8").splitlines()
    (folder / "technicians.csv").write_text(
        "\n".join([techs[0] + ",territories", techs[1] + ",949;Oberland", techs[2] + ",9494"])
        + "\n", encoding="utf-8")
    loaded = load_scenario(folder)
    assert loaded.warnings == ("technician T1: territory 'Oberland' is no polygon of "
                               "territories.geojson, so it is read as a postcode prefix",)
