"""The generator of larger Solomon-style instances: files the harness reads, customers
that can each be served alone, and kinds that differ as Solomon's do."""

from __future__ import annotations

import pytest
from benchmark_modules import load_benchmark

synthetic = load_benchmark("synthetic")
vrptw = load_benchmark("vrptw")


@pytest.mark.parametrize("kind", synthetic.KINDS)
def test_every_customer_can_be_served_on_its_own(tmp_path, kind):
    """The harness parses the file, and a route to each single customer passes its checker
    (window reachable from the depot, and back before the depot closes)."""
    synthetic.main([str(tmp_path), "--sizes", "200", "--kinds", kind, "--seed", "3"])
    (path,) = tmp_path.glob("*.txt")
    inst = vrptw.read_instance(path)
    assert inst.name == path.stem == f"S{kind}_2_3"
    assert len(inst.x) == 201 and inst.vehicles == 50
    for c in inst.customers:
        issues, _ = vrptw.check_routes(inst, [[c]])
        assert [i for i in issues if "served 0 times" not in i] == [], (c, issues[:3])


def test_same_seed_same_instance_and_kinds_differ():
    assert synthetic.generate("R1", 400, 1) == synthetic.generate("R1", 400, 1)
    assert synthetic.generate("R1", 400, 1) != synthetic.generate("R1", 400, 2)
    horizon = {k: int(synthetic.generate(k, 200, 1).split("\r\n")[9].split()[5])
               for k in synthetic.KINDS}
    assert horizon["R1"] < horizon["RC2"] < horizon["C2"]
