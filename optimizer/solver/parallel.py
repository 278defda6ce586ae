"""Extra searches in other processes, each on its own core.

The OR-Tools routing search is single-threaded, holds the GIL and its model
cannot be pickled, so a helper is a fresh Python process (``sys.executable``)
that receives the pickled problem, travel matrix and pre-check on stdin,
rebuilds the same model, runs its own :class:`~.search.Strategy` and writes
back its routes as order ids per shift. A plain subprocess rather than
``multiprocessing``: it never re-imports the caller's ``__main__`` script
(so scripts need no ``if __name__ == "__main__"`` guard), never forks a
process that may hold locks, and also works inside daemonic pool workers.

The caller keeps the better of its own answer and the helpers' (by objective,
then by worker number, so that solution-limited runs stay deterministic) and
reads the winning routes into its own model with ``ReadAssignmentFromRoutes``.

Nothing here touches files or the network; a helper that cannot be started
is simply not used.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import struct
import subprocess
import sys
import threading
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp

from optimizer.model import Problem, TravelMatrix
from optimizer.solver.build import BuiltModel, build
from optimizer.solver.precheck import Eligibility, check
from optimizer.solver.search import Strategy, run, search_parameters

#: Seconds a helper may answer after the deadline before it is given up; longer under
#: a solution limit, where waiting keeps the answer deterministic.
GRACE_S = 0.3
GRACE_SOLUTION_LIMIT_S = 2.0
#: Seconds a helper stops before the caller's search does: it still has to read
#: its routes, send them and exit while the caller waits.
HELPER_EARLY_S = 0.25


@dataclass(frozen=True, slots=True)
class Outcome:
    """A finished search: its objective and, per shift position, the order ids visited."""

    objective: int
    routes: tuple[tuple[str, ...], ...]
    status: int
    worker: int


def routes_of(built: BuiltModel, solution: pywrapcp.Assignment) -> tuple[tuple[str, ...], ...]:
    """Order ids per shift position, in visiting order."""
    routing, manager = built.routing, built.manager
    out = []
    for v in range(routing.vehicles()):
        ids = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            ids.append(built.order_of_node(manager.IndexToNode(index)).order_id)
            index = solution.Value(routing.NextVar(index))
        out.append(tuple(ids))
    return tuple(out)


def index_routes(built: BuiltModel, routes: Sequence[Sequence[str]]) -> list[list[int]]:
    """Routing indices per vehicle for order ids per shift position (unknown ids skipped)."""
    position = {o.order_id: k for k, o in enumerate(built.orders)}
    return [[built.index_of_order(position[oid]) for oid in ids if oid in position]
            for ids in routes]


def search_alone(problem: Problem, matrix: TravelMatrix, strategy: Strategy, *,
                 time_limit_s: float, solution_limit: int | None, worker: int,
                 eligibility: Eligibility | None = None) -> Outcome | None:
    """Build the model afresh and run one strategy; None if no solution was found."""
    built = build(problem, matrix, eligibility or check(problem, matrix))
    search = search_parameters(strategy, time_limit_s=max(0.01, time_limit_s),
                               solution_limit=solution_limit, mean_arc_cost=built.mean_arc_cost)
    solution = run(built.routing, search)
    if solution is None:
        return None
    return Outcome(solution.ObjectiveValue(), routes_of(built, solution),
                   built.routing.status(), worker)


def helper_main() -> None:
    """Entry point of a helper process: a pickled job on stdin, a pickled answer on stdout."""
    job = pickle.load(sys.stdin.buffer)
    try:
        remaining = job["deadline"] - clock.time() - job["reserve_s"] - HELPER_EARLY_S
        answer = search_alone(job["problem"], job["matrix"], job["strategy"],
                              time_limit_s=remaining, solution_limit=job["solution_limit"],
                              worker=job["worker"], eligibility=job["eligibility"])
    except Exception as exc:  # report, never hang the caller
        answer = f"{type(exc).__name__}: {exc}"
    data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(struct.pack("<Q", len(data)) + data)
    sys.stdout.buffer.flush()
    os._exit(0)  # the caller has its answer: skip tearing the model down


class Helper:
    """A search running in another process (started before the job is known)."""

    def __init__(self, process: subprocess.Popen, worker: int) -> None:
        self._process = process
        self.worker = worker
        self._sent = False
        self._solution_limited = False

    def send(self, problem: Problem, matrix: TravelMatrix, eligibility: Eligibility,
             strategy: Strategy, *, deadline: float, reserve_s: float,
             solution_limit: int | None) -> bool:
        """Hand the job over; False if the helper is gone.

        The helper searches until ``deadline - reserve_s`` (wall clock), a little less.
        """
        job = {"problem": problem, "matrix": matrix, "eligibility": eligibility,
               "strategy": strategy, "deadline": deadline, "reserve_s": reserve_s,
               "solution_limit": solution_limit, "worker": self.worker}
        try:
            self._process.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            self._process.stdin.close()
            self._process.stdin = None  # so that communicate() only reads the answer
        except (OSError, ValueError):
            self.stop()
            return False
        self._sent = True
        self._solution_limited = solution_limit is not None
        return True

    def result(self, deadline: float) -> Outcome | None:
        """The helper's outcome, waiting at most until ``deadline`` (wall clock) + grace."""
        if not self._sent:
            self.stop()
            return None
        box: list = []
        reader = threading.Thread(target=_read_answer, args=(self._process.stdout, box),
                                  daemon=True)
        reader.start()
        grace = GRACE_SOLUTION_LIMIT_S if self._solution_limited else GRACE_S
        reader.join(max(0.0, deadline - clock.time()) + grace)
        self.stop()
        return box[0] if box and isinstance(box[0], Outcome) else None

    def stop(self) -> None:
        """End the helper (if still running) and close its pipes."""
        process = self._process
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):
            process.wait(timeout=1.0)
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError, ValueError):
                if pipe is not None:
                    pipe.close()


def _read_answer(pipe, box: list) -> None:
    """Read one length-prefixed pickle from ``pipe`` into ``box`` (nothing on failure)."""
    with contextlib.suppress(OSError, ValueError, EOFError, pickle.UnpicklingError,
                             struct.error):
        (size,) = struct.unpack("<Q", pipe.read(8))
        box.append(pickle.loads(pipe.read(size)))


def inside_pool_worker() -> bool:
    """True in a daemonic process, such as a multiprocessing pool or Dask worker."""
    return multiprocessing.current_process().daemon


def start(worker: int, *, log: bool = False) -> Helper | None:
    """Start a helper process (it imports the solver while the caller builds its model).

    Returns None where no process can be started; the caller then searches alone.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _HELPER_CODE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None if log else subprocess.DEVNULL, env=env,
        )
    except (OSError, ValueError):
        return None
    _grow_pipe(process.stdin)
    return Helper(process, worker)


#: What a helper process runs: ``import optimizer`` is light (the API loads lazily).
_HELPER_CODE = "from optimizer.solver.parallel import helper_main; helper_main()"


def _grow_pipe(pipe) -> None:
    """Let the job fit into the pipe so that sending it does not wait for the helper (Linux)."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass

