"""Worker processes for the sub-problems of a decomposed solve (:mod:`.decompose`).

Like the helpers of :mod:`.parallel`, a worker is a fresh Python process started with
:mod:`subprocess` (no ``multiprocessing``: it never re-imports the caller's
``__main__``, and it also works where ``fork`` would be unsafe). Unlike them it stays up
and takes one job after another: a length-prefixed pickle on its stdin, the answer the
same way on its stdout. Starting a worker and importing OR-Tools costs about a second,
once per solve rather than once per sub-problem.

A job that overruns its time limit plus :data:`GRACE_S` is given up: its worker is
killed (and replaced if time is left) and the job's answer is ``None``. Where no
process may be started (inside a daemonic pool or Dask worker, or with one worker),
jobs run here one after the other. Nothing here touches files or the network.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError
from optimizer.model import Location, TravelMatrix
from optimizer.solver.parallel import inside_pool_worker

#: Seconds a job may answer after its own time limit before it is given up.
GRACE_S = 1.0
#: Seconds to wait for a Dask scheduler to answer.
CONNECT_S = 10.0


@dataclass(frozen=True, eq=False)
class Cut:
    """A job's travel matrix as the day's matrix cut down to ``points`` (at ``idx`` of it):
    a few KB to send instead of the sub-matrix itself."""

    points: tuple[Location, ...]
    idx: np.ndarray

    def of(self, day: TravelMatrix) -> TravelMatrix:
        ix = np.ix_(self.idx, self.idx)
        reachable = None if day.reachable is None else np.asarray(day.reachable, bool)[ix]
        return TravelMatrix(self.points, np.asarray(day.travel_s)[ix],
                            np.asarray(day.distance_m)[ix], day.source, reachable)


def resolve(payload: tuple, day: TravelMatrix | None) -> tuple:
    """``payload`` with its :class:`Cut` (third item) made a matrix of the ``day``."""
    if isinstance(payload[2], Cut):
        if day is None:
            raise ValueError("a job refers to the day's matrix, but none was shared")
        return (*payload[:2], payload[2].of(day), *payload[3:])
    return payload


def execute(payload: tuple, day: TravelMatrix | None = None):
    """Run one job: ``("solve", problem, matrix, params, initial_routes)`` -> Schedule, or
    ``("diagnose", problem, matrix, items, routes)`` -> reasons by order id. The matrix
    may be a :class:`Cut` of ``day``, the day's matrix."""
    payload = resolve(payload, day)
    kind = payload[0]
    if kind == "solve":
        from optimizer.solver import solve

        _, problem, matrix, params, initial = payload
        return solve(problem, matrix, params, initial_routes=initial)
    if kind == "diagnose":
        from optimizer.solver.decompose import diagnose_items

        return diagnose_items(*payload[1:])
    raise ValueError(f"unknown job kind {kind!r}")


def worker_main() -> None:
    """Entry point of a worker process: jobs on stdin until it closes."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the answers
    import optimizer.solver  # noqa: F401  (the slow part of starting up, before "ready")

    channel.write(READY)
    channel.flush()
    source = sys.stdin.buffer
    while True:
        head = source.read(8)
        if len(head) < 8:
            break
        (size,) = struct.unpack("<Q", head)
        payload = pickle.loads(source.read(size))
        try:
            answer = execute(payload)
        except Exception as exc:  # report, never hang the caller
            answer = f"{type(exc).__name__}: {exc}"
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        channel.write(struct.pack("<Q", len(data)) + data)
        channel.flush()
    os._exit(0)


_WORKER_CODE = "from optimizer.solver.pool import worker_main; worker_main()"
#: What a worker writes once it has imported the solver.
READY = b"ready\n"


class _Worker:
    """One worker process and the thread that talks to it."""

    def __init__(self, outbox: queue.Queue) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.process = subprocess.Popen([sys.executable, "-c", _WORKER_CODE],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env)
        self.inbox: queue.Queue = queue.Queue()
        self._outbox = outbox
        #: When the worker had imported the solver (``time.monotonic()``), or None.
        self.ready_at: float | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdout.read(len(READY)) == READY:
                self.ready_at = clock.monotonic()
        while True:
            item = self.inbox.get()
            if item is None:
                return
            ticket, payload = item
            answer = None
            with contextlib.suppress(OSError, ValueError, EOFError, pickle.PickleError,
                                     struct.error, AttributeError):
                data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
                self.process.stdin.write(struct.pack("<Q", len(data)) + data)
                self.process.stdin.flush()
                (size,) = struct.unpack("<Q", self.process.stdout.read(8))
                answer = pickle.loads(self.process.stdout.read(size))
            self._outbox.put((ticket, self, answer))

    def stop(self) -> None:
        self.inbox.put(None)
        process = self.process
        with contextlib.suppress(OSError, ValueError):
            process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.5)
        if process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1.0)
        with contextlib.suppress(OSError, ValueError):
            process.stdout.close()


class Pool:
    """``workers`` processes; use as a context manager.

    ``size`` is how many jobs a caller should hand over together (the number of workers
    asked for, even when they run here one after the other, so that a solution-limited
    solve takes the same steps everywhere); ``slots`` is how many really run at once.
    """

    def __init__(self, workers: int) -> None:
        self.size = max(1, workers)
        self._outbox: queue.Queue = queue.Queue()
        self._workers: list[_Worker] = []
        if self.size > 1 and not inside_pool_worker():
            for _ in range(self.size):
                try:
                    self._workers.append(_Worker(self._outbox))
                except (OSError, ValueError):
                    break
        self.slots = max(1, len(self._workers))
        self._day: TravelMatrix | None = None

    def share(self, matrix: TravelMatrix) -> None:
        """The day's matrix, which the jobs' :class:`Cut` refer to (each local worker gets
        its job's cut of it)."""
        self._day = matrix

    def wait_ready(self, deadline: float) -> None:
        """Wait until every worker has started (imported the solver), at most until
        ``deadline`` (``time.monotonic()``): a job's time counts from then, so time limits
        handed out before would end late (starting takes a second, more under load)."""
        while clock.monotonic() < deadline and any(
                w.ready_at is None and w.process.poll() is None for w in self._workers):
            clock.sleep(0.02)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []

    def run(self, payloads: Sequence[tuple], limits: Sequence[float], deadline: float) -> list:
        """The answer to each payload (``None`` where it failed or was given up).

        ``limits[i]`` is the seconds job ``i`` may take (its own time limit); no job runs
        past ``deadline`` (``time.monotonic()``) plus :data:`GRACE_S`.
        """
        answers: list = [None] * len(payloads)
        payloads = [resolve(p, self._day) for p in payloads]
        if not self._workers:
            for i, payload in enumerate(payloads):
                if clock.monotonic() < deadline:
                    with contextlib.suppress(Exception):
                        answers[i] = _checked(execute(payload))
            return answers
        pending = list(range(len(payloads)))
        free = list(self._workers)
        busy: dict[_Worker, tuple[int, float]] = {}  # ticket, when it was handed over
        while pending or busy:
            while pending and free:
                worker, i = free.pop(0), pending.pop(0)
                worker.inbox.put((i, payloads[i]))
                busy[worker] = (i, clock.monotonic())
            if not busy:
                break

            def overdue_at(worker: _Worker) -> float:
                # a job's time starts once its worker is up (starting one takes a second)
                ticket, sent = busy[worker]
                if worker.ready_at is None:
                    return deadline + GRACE_S
                return min(max(sent, worker.ready_at) + limits[ticket], deadline) + GRACE_S

            wait = min(overdue_at(w) for w in busy) - clock.monotonic()
            try:
                ticket, worker, answer = self._outbox.get(timeout=min(0.5, max(0.0, wait)))
            except queue.Empty:
                for worker in list(busy):
                    if clock.monotonic() >= overdue_at(worker):
                        del busy[worker]
                        free.extend(self._replace(worker, deadline))
                continue
            if busy.get(worker, (None,))[0] == ticket:
                del busy[worker]
                answers[ticket] = _checked(answer)
                free.append(worker)
        return answers

    def _replace(self, worker: _Worker, deadline: float) -> list[_Worker]:
        """Kill an overdue worker; a new one if there is time for it to start."""
        worker.stop()
        self._workers.remove(worker)
        if deadline - clock.monotonic() < 2.0:
            return []
        try:
            fresh = _Worker(self._outbox)
        except (OSError, ValueError):
            return []
        self._workers.append(fresh)
        return [fresh]


def _checked(answer):
    """An answer, or None for a worker's error message."""
    return None if isinstance(answer, str) else answer


class DaskPool:
    """The same jobs on a Dask cluster (``address`` of its scheduler); a context manager.

    The day's matrix goes to every worker once (:meth:`share`, a broadcast scatter);
    each job carries its small problem and a :class:`Cut` (the indices of its points),
    which the worker resolves against its copy. ``size`` and ``slots`` are the cluster's
    threads.
    """

    def __init__(self, address: str) -> None:
        from distributed import Client

        try:
            self._client = Client(address, timeout=CONNECT_S)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler {address!r}: no Dask scheduler answered within "
                             f"{CONNECT_S:g} s ({exc})") from None
        threads = sum(self._client.nthreads().values())
        self.size = self.slots = max(1, threads)
        self._day = None  # the future of the day's matrix on every worker

    def share(self, matrix: TravelMatrix) -> None:
        """Send the day's matrix to every worker, once."""
        self._day = self._client.scatter(matrix, broadcast=True, hash=False)

    def wait_ready(self, deadline: float) -> None:
        """The cluster's workers are up already."""

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()

    def run(self, payloads: Sequence[tuple], limits: Sequence[float], deadline: float) -> list:
        """As :meth:`Pool.run`; jobs not finished by ``deadline`` plus grace are cancelled."""
        from distributed import wait

        stamp = clock.monotonic_ns()
        futures = [self._client.submit(execute, payload, self._day, pure=False,
                                       key=f"fsopt-sub-{stamp}-{i}")
                   for i, payload in enumerate(payloads)]
        with contextlib.suppress(TimeoutError):  # late jobs are cancelled below
            wait(futures, timeout=max(0.0, deadline + GRACE_S - clock.monotonic()))
        answers = []
        for future in futures:
            answer = None
            if future.status == "finished":
                with contextlib.suppress(Exception):
                    answer = _checked(future.result())
            else:
                future.cancel()
            answers.append(answer)
        return answers
