"""The Solomon benchmark harness: its parser, its independent checker, and one quick solve.

The checker is what makes the benchmark's numbers trustworthy, so each way a
route plan can be wrong gets a hand-made bad plan here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_modules import load_benchmark

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "vrptw" / "solomon"

pytestmark = pytest.mark.skipif(
    not (DATA / "C101.txt").exists(),
    reason=f"Solomon instances not found at {DATA} (the shared data folder is not checked out)",
)




vrptw = load_benchmark("vrptw")


@pytest.fixture(scope="module")
def c101():
    return vrptw.read_instance(DATA / "C101.txt")


@pytest.fixture(scope="module")
def c101_routes():
    """The published optimal routes of C101 (10 vehicles, 828.94 in exact distances)."""
    text = (DATA / "C101.sol").read_text()
    return [[int(c) for c in line.split(":")[1].split()]
            for line in text.splitlines() if line.startswith("Route")]


def test_parser_reads_crlf_files(c101):
    """The CRLF file gives the depot plus 100 customers, 25 vehicles of capacity 200."""
    assert (DATA / "C101.txt").read_bytes().count(b"\r\n") > 100
    assert len(c101.x) == 101 and c101.vehicles == 25 and c101.capacity == 200
    assert (c101.x[1], c101.y[1], c101.demand[1]) == (45.0, 68.0, 10)
    assert (c101.ready[1], c101.due[1], c101.service[1]) == (912, 967, 90)
    assert vrptw.family("RC104") == "RC1" and vrptw.family("C201") == "C2"


def test_checker_accepts_the_published_solution(c101, c101_routes):
    """The known optimum passes, and its distance is recomputed exactly."""
    issues, distance = vrptw.check_routes(c101, c101_routes)
    assert issues == []
    assert distance == pytest.approx(828.936867, abs=1e-6)


def test_checker_rejects_a_broken_window(c101, c101_routes):
    """Visiting a route backwards starts its first visits after their due dates."""
    bad = [list(reversed(c101_routes[0])), *c101_routes[1:]]
    issues, _ = vrptw.check_routes(c101, bad)
    assert any("> due" in i for i in issues)


def test_checker_rejects_a_late_return(c101, c101_routes):
    """A vehicle that cannot be back at the depot by its due date is caught."""
    route = c101_routes[0]
    inst = vrptw.Instance(c101.name, c101.vehicles, c101.capacity, c101.x, c101.y,
                          c101.demand, c101.ready, (1000, *c101.due[1:]), c101.service)
    issues, _ = vrptw.check_routes(inst, [route, *c101_routes[1:]])
    assert any("back at the depot" in i for i in issues)


def test_checker_rejects_over_capacity(c101, c101_routes):
    """Two full routes merged into one exceed the capacity of 200."""
    merged = c101_routes[0] + c101_routes[1]
    assert sum(c101.demand[c] for c in merged) > c101.capacity
    issues, _ = vrptw.check_routes(c101, [merged, *c101_routes[2:]])
    assert any("> capacity 200" in i for i in issues)


def test_checker_rejects_a_missing_or_repeated_customer(c101, c101_routes):
    """Dropping a customer, or serving one twice, is reported by customer number."""
    dropped = [c101_routes[0][1:], *c101_routes[1:]]
    first = c101_routes[0][0]
    issues, _ = vrptw.check_routes(c101, dropped)
    assert issues == [f"customer {first} is served 0 times"]
    twice = [[*c101_routes[0], c101_routes[1][-1]], *c101_routes[1:]]
    issues, _ = vrptw.check_routes(c101, twice)
    assert f"customer {c101_routes[1][-1]} is served 2 times" in issues


def test_checker_rejects_too_many_vehicles(c101, c101_routes):
    """26 routes with a fleet of 25 are refused."""
    singles = [[c] for route in c101_routes for c in route][:26]
    rest = [c for route in c101_routes for c in route][26:]
    issues, _ = vrptw.check_routes(c101, [*singles[:-1], [singles[-1][0], *rest]])
    assert any("26 routes" in i for i in issues)


def test_matrices_round_travel_up(c101):
    """Integer travel times never undercut the exact ones, so solver-feasible is truly feasible."""
    travel, distance = vrptw.matrices(c101)
    for i, j in ((0, 1), (1, 2), (5, 77)):
        exact = c101.dist(i, j) * vrptw.SCALE
        assert exact <= travel[i][j] < exact + 1
        assert abs(distance[i][j] - exact) <= 0.5


def test_conversion_is_the_products_own_problem(c101):
    """The instance becomes 100 work orders and 25 technicians that the verifier accepts."""
    problem, matrix = vrptw.to_problem(c101)
    assert len(problem.orders) == 100 and len(problem.shifts) == 25
    assert {t.capacity for t in problem.technicians} == {200}
    order = problem.order("1")
    assert order.demand == 10 and order.service_min * 60 == 90 * vrptw.SCALE
    assert len(set(matrix.points)) == 101


def test_c101_solves_near_the_best_known_in_a_few_seconds(c101):
    """Through the production solve(), C101 comes within 3% of its best known 828.94 in 4 s."""
    record = vrptw.run_one(c101, "project", 4.0)
    assert record["feasible"], record.get("issues")
    assert record["distance"] <= 828.94 * 1.03
    assert record["wall_s"] < 4.0 + 1.5
