"""benchmarks/slots.py: the brute force it compares offers with."""

from __future__ import annotations

from benchmark_modules import load_benchmark
from factories import FAST, line_matrix, order, problem, shift, tech, window

from optimizer.slots import offer
from optimizer.solver import solve

M = line_matrix(6)


def test_brute_force_is_never_dearer_than_the_best_offer():
    """The brute force tries every position of every shift, so its cheapest insertion is at
    most the best offer's cost; on this small day (one route, four positions) they agree.
    A request nobody has the skill for has no insertion at all."""
    bench = load_benchmark("slots")
    p = problem([order("A", 1, 60, time_windows=(window("08:30", "09:00"),)),
                 order("B", 4, 60, time_windows=(window("14:00", "14:30"),))],
                [tech("t1")], [shift("t1", lunch=("11:30", "13:30", 30))])
    plan = solve(p, M, FAST)
    request = order("R", 2, 45)
    best = offer(p, M, plan, request, slots=1)[0].marginal_cost
    brute = bench.brute_force(p, M, plan, request)
    assert brute is not None and brute <= best + 0.01
    assert abs(best - brute) < 0.01
    nobody = order("S", 2, 45, required_skills=frozenset({"elevator"}))
    assert bench.brute_force(p, M, plan, nobody) is None
