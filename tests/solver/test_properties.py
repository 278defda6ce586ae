"""Properties that must hold for every valid day, checked on random problems (hypothesis).

How it works, and how to run it longer: docs/testing.md. In short: every example is
solved with one search (``workers=1``: no helper processes) ended by a solution limit, in
a forked child process (so that a native crash fails one example instead of the run);
``derandomize=True`` makes hypothesis draw the same examples on every run.
``FSOPT_HYPOTHESIS_EXAMPLES`` sets the number of examples of the main properties
(default 200); the others run a share of it.

Tests marked ``known_bug`` (strict xfail) show a bug that is being fixed elsewhere, or
was found here and is reported; once the fix is merged they pass, strict xfail turns that
into a failure, and the mark must go.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import select
import signal
import struct
import traceback
from dataclasses import replace
from datetime import timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import (
    DST_DAYS,
    ORDINARY_DAYS,
    absent_twice_cases,
    happenings,
    nested_window_cases,
    problems,
)

from optimizer.io.schedule_json import from_dict, to_dict
from optimizer.model import Priority, Problem, ReasonCode, Schedule
from optimizer.params import PARALLEL_MIN_ORDERS, SolveParams
from optimizer.replanning import pin_times, prepare
from optimizer.report.kpis import with_kpis
from optimizer.solver import parallel, solve
from optimizer.solver.precheck import check
from optimizer.solver.timing import to_s
from optimizer.solver.verify import verify

DEFAULT_EXAMPLES = 200
EXAMPLES = int(os.environ.get("FSOPT_HYPOTHESIS_EXAMPLES", str(DEFAULT_EXAMPLES)))
#: The searches an example is solved with: one search each (``workers=1``: no helper
#: processes), ended by a solution limit so that results are repeatable; the time limit
#: is a safety net. Iterated local search (the default) stops at its first solution: with
#: a larger limit it runs out the clock on days it cannot improve (seen on a 2-order day),
#: and so does guided local search, which a warm start (re-planning) turns it into.
#: Greedy descent stops at its first local optimum.
SEARCHES = st.sampled_from((
    SolveParams(time_limit_s=5, solution_limit=10, workers=1, metaheuristic="GREEDY_DESCENT"),
    SolveParams(time_limit_s=5, solution_limit=1, workers=1),
))
#: Re-plans (warm starts) search with greedy descent.
REPLAN_PARAMS = SolveParams(time_limit_s=5, solution_limit=10, workers=1,
                            metaheuristic="GREEDY_DESCENT")
#: Solves run in a forked child process that serves one job after the other, so that a
#: native abort of OR-Tools (a C++ CHECK) or a hang fails one example, which hypothesis
#: then shrinks, instead of killing the test run; a dead child is replaced. (A fork per
#: example costs 20-40 ms of system time; one child for all costs nothing.)
#: FSOPT_HYPOTHESIS_FORK=0 solves in this process (for a debugger).
FORK = hasattr(os, "fork") and os.environ.get("FSOPT_HYPOTHESIS_FORK", "1") != "0"
CHILD_TIMEOUT_S = 60
_HEADER = struct.Struct("<Q")


class SolverDied(AssertionError):
    """The solving process was killed by a signal (a native crash), or hung."""


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int, timeout_s: float | None = None) -> bytes | None:
    """One message, or None at end of file; TimeoutError if nothing comes in time."""
    def take(n: int) -> bytes | None:
        chunks = b""
        while len(chunks) < n:
            if timeout_s is not None and not select.select([fd], [], [], timeout_s)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(n - len(chunks), 1 << 20))
            if not chunk:
                return None
            chunks += chunk
        return chunks
    header = take(_HEADER.size)
    return None if header is None else take(_HEADER.unpack(header)[0])


def _serve(jobs: int, answers: int) -> None:
    """The child: run each pickled ``(fn, args, kwargs)``; answer ``(ok, value)``."""
    code = 0
    try:
        while (job := _receive(jobs)) is not None:
            fn, args, kwargs = pickle.loads(job)
            try:
                answer = pickle.dumps((True, fn(*args, **kwargs)))
            except BaseException as exc:  # everything goes to the parent
                exc.add_note("in the solving child process:\n" + traceback.format_exc())
                try:
                    answer = pickle.dumps((False, exc))
                except Exception:
                    answer = pickle.dumps((False, RuntimeError(traceback.format_exc())))
            _send(answers, answer)
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # never return into pytest


class _Child:
    """A forked process that runs jobs for :func:`isolated`."""

    def __init__(self) -> None:
        jobs_r, self.jobs = os.pipe()
        self.answers, answers_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.jobs)
            os.close(self.answers)
            _serve(jobs_r, answers_w)
        os.close(jobs_r)
        os.close(answers_w)

    def run(self, job: bytes):
        _send(self.jobs, job)
        try:
            answer = _receive(self.answers, CHILD_TIMEOUT_S)
        except TimeoutError:
            os.kill(self.pid, signal.SIGKILL)
            answer = None
        if answer is not None:
            return pickle.loads(answer)
        os.close(self.jobs)
        os.close(self.answers)
        _, status = os.waitpid(self.pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            raise SolverDied(f"no answer within {CHILD_TIMEOUT_S} s")
        if os.WIFSIGNALED(status):
            raise SolverDied(f"killed by {signal.Signals(os.WTERMSIG(status)).name}")
        raise SolverDied(f"exited with status {os.waitstatus_to_exitcode(status)}")


_child: list[_Child] = []


def isolated(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, run in the child process; its exception is raised here."""
    __tracebackhide__ = True
    if not FORK:
        return fn(*args, **kwargs)
    job = pickle.dumps((fn, args, kwargs))
    if not _child:
        _child.append(_Child())
    try:
        ok, value = _child[0].run(job)
    except SolverDied:
        _child.clear()  # the next example gets a new child
        raise
    if not ok:
        raise value
    return value


def examples(share: float = 1.0, *, shrink: bool = True) -> settings:
    """Deterministic settings for ``share`` of ``EXAMPLES`` examples."""
    return settings(
        max_examples=max(1, round(EXAMPLES * share)),
        phases=tuple(Phase) if shrink else (Phase.explicit, Phase.reuse, Phase.generate),
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def known_bug(what: str, share: float):
    """Settings for a property that fails on a known bug (being fixed elsewhere, or found
    here and reported), marked so (docs/testing.md). Its failing example is not shrunk:
    that costs most of the time.

    The mark is strict (an unexpected pass fails: remove the mark once the fix is in) from
    the default number of examples up; fewer examples may not reach the bug.
    """
    def mark(test):
        test = examples(share, shrink=False)(test)
        return pytest.mark.xfail(strict=EXAMPLES >= DEFAULT_EXAMPLES,
                                 reason=what)(test)
    return mark


FIT_CLAIM = re.compile(r"could fit with ([^)]*)\)$")


def round_trip(schedule: Schedule) -> Schedule:
    """The schedule as a reader of schedule.json sees it."""
    return from_dict(json.loads(json.dumps(to_dict(schedule))))


def placements(schedule: Schedule) -> list[str]:
    """Every order id on a route or in the unassigned list (repeats kept)."""
    return [s.order_id for r in schedule.routes for s in r.stops] + \
        [u.order_id for u in schedule.unassigned]


def plan(problem: Problem, matrix, params: SolveParams, **kw) -> Schedule:
    """Solve and add the KPIs, as ``fsopt solve`` does before writing schedule.json."""
    return with_kpis(problem, solve(problem, matrix, params, **kw))


def assert_valid(problem: Problem, matrix, schedule: Schedule) -> None:
    """Each order once (routed, or unassigned with a reason); the verifier agrees, on the
    schedule itself and on its schedule.json round trip, which changes nothing; the KPIs
    count the same orders."""
    assert sorted(placements(schedule)) == sorted(o.order_id for o in problem.orders)
    assert all(u.reason for u in schedule.unassigned)
    assert verify(problem, matrix, schedule) == []
    again = round_trip(schedule)
    assert verify(problem, matrix, again) == []
    assert json.dumps(to_dict(again)) == json.dumps(to_dict(schedule))
    if schedule.kpis is not None:
        routed = sum(len(r.stops) for r in schedule.routes)
        assert (schedule.kpis.scheduled, schedule.kpis.unassigned) == \
            (routed, len(schedule.unassigned))


def false_fit_claims(problem: Problem, schedule: Schedule) -> list[str]:
    """Technicians named in "could fit with ..." that cannot take the order at all.

    Checked without the solver: skills, parts, exclusion, and room in the van next to
    the orders already on one of the technician's routes.
    """
    wrong = []
    routes = {r.shift_id: r for r in schedule.routes}
    for item in schedule.unassigned:
        match = FIT_CLAIM.search(item.reason)
        if not match:
            continue
        order = problem.order(item.order_id)
        for tech_id in match[1].split(", "):
            tech = problem.technician(tech_id)
            qualified = (order.required_skills <= tech.skills
                         and order.required_parts <= tech.van_stock
                         and tech_id not in order.excluded_techs)
            loads = [sum(problem.order(stop.order_id).demand
                         for stop in (routes[s.shift_id].stops if s.shift_id in routes else ()))
                     for s in problem.shifts if s.tech_id == tech_id]
            room = tech.capacity is None or any(order.demand + load <= tech.capacity
                                                for load in loads)
            if not (qualified and room):
                wrong.append(f"{item.order_id}: {item.reason!r} but {tech_id} "
                             f"{'has no room in the van' if qualified else 'is not qualified'}")
    return wrong


# -- planning ----------------------------------------------------------------------------------


@examples()
@given(case=problems(days=ORDINARY_DAYS), params=SEARCHES)
def test_every_order_is_placed_once_and_the_verifier_agrees(case, params):
    """Any valid day: each order is routed or unassigned (with a reason) exactly once, and the
    independent verifier finds nothing wrong, also after a schedule.json round trip."""
    problem, matrix = case
    assert_valid(problem, matrix, isolated(plan, problem, matrix, params))


@examples(0.25)
@given(case=problems(days=ORDINARY_DAYS, min_orders=5, max_orders=15, max_techs=4),
       params=SEARCHES)
def test_larger_days_too(case, params):
    """The same on days of 5-15 orders and up to four technicians, where several visits
    share a route with its breaks."""
    problem, matrix = case
    assert_valid(problem, matrix, isolated(plan, problem, matrix, params))


@examples(0.25)
@given(case=problems(days=DST_DAYS), params=SEARCHES)
def test_on_daylight_saving_days_too(case, params):
    """The same on the days the clocks change (Vaduz, New York, Sydney; forward and back)."""
    problem, matrix = case
    assert_valid(problem, matrix, isolated(plan, problem, matrix, params))


@examples(0.25)
@given(case=problems(days=ORDINARY_DAYS, islands="broken"), params=SEARCHES)
def test_with_unreachable_shift_ends_too(case, params):
    """The same when a shift's end point cannot be reached from its start point."""
    problem, matrix = case
    assert_valid(problem, matrix, isolated(plan, problem, matrix, params))


@examples()
@given(case=problems())
def test_reasons_are_plain_words(case):
    """No reason shows a dispatcher Python syntax: braces, brackets or frozenset."""
    problem, matrix = case
    reasons = check(problem, matrix).reasons.values()
    assert [r for _, r in reasons if re.search(r"[{}\[\]]|frozenset", r)] == []
    assert all(isinstance(code, ReasonCode) for code, _ in reasons)


@examples(0.25)
@given(case=problems(days=ORDINARY_DAYS, tight_vans=True, max_techs=1, min_orders=3),
       params=SEARCHES)
def test_could_fit_names_technicians_who_can_take_the_order(case, params):
    """"Cheaper to leave out ... could fit with T": T is qualified and has room in the van."""
    problem, matrix = case
    assert false_fit_claims(problem, isolated(plan, problem, matrix, params)) == []


LONE = {"max_orders": 1, "priorities": (Priority.CRITICAL,), "days": ORDINARY_DAYS}


@examples()
@given(case=problems(**LONE, nested=False), params=SEARCHES)
def test_a_lone_critical_order_that_fits_is_served(case, params):
    """A critical order alone in the day (drop penalty 100 000) is never "cheaper to leave
    out": if the pre-check finds a shift for it, the model must route it."""
    problem, matrix = case
    schedule = isolated(plan, problem, matrix, params)
    assert [u.reason for u in schedule.unassigned if u.reason.startswith("cheaper")] == []
    assert_valid(problem, matrix, schedule)


@examples(0.5)
@given(case=problems(days=ORDINARY_DAYS, max_orders=10, city=True), params=SEARCHES)
def test_with_parking_times_and_peak_hours_too(case, params):
    """Days with a parking and access time (the scenario's, and some orders' own) and peak
    hours: every order is placed once and the verifier, which recomputes the parking before
    each start and each leg's peak factor, agrees, also after a schedule.json round trip."""
    problem, matrix = case
    assert_valid(problem, matrix, isolated(plan, problem, matrix, params))


@examples(0.5)
@given(case=problems(**LONE, nested=False, city=True), params=SEARCHES)
def test_a_lone_critical_order_that_fits_in_city_traffic_is_served(case, params):
    """The pre-check's exact fit (with the parking time and the peak factors) and the model
    agree: a lone critical order it lets through is routed, not "cheaper to leave out"."""
    problem, matrix = case
    schedule = isolated(plan, problem, matrix, params)
    assert [u.reason for u in schedule.unassigned if u.reason.startswith("cheaper")] == []
    assert_valid(problem, matrix, schedule)


@examples(0.25)
@given(case=nested_window_cases(**LONE), params=SEARCHES)
def test_a_lone_critical_order_with_nested_windows_is_served(case, params):
    """The same when the order's time windows nest or overlap."""
    problem, matrix = case
    schedule = isolated(plan, problem, matrix, params)
    assert [u.reason for u in schedule.unassigned if u.reason.startswith("cheaper")] == []


def _as_pool_worker(problem, matrix, params):
    """Solve as inside a pool worker (a sweep): the portfolio's other strategies run one
    after the other in this process, and the best routes are read back into the model."""
    with mock.patch.object(parallel, "inside_pool_worker", lambda: True):
        return plan(problem, matrix, params)


@examples(0.25)
@given(case=problems(days=ORDINARY_DAYS, min_orders=PARALLEL_MIN_ORDERS,
                     max_orders=PARALLEL_MIN_ORDERS + 5, max_techs=4),
       first=st.sampled_from(("PARALLEL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC",
                              "LOCAL_CHEAPEST_INSERTION", "GLOBAL_CHEAPEST_ARC")),
       params=SEARCHES)
def test_a_portfolio_answer_read_back_is_valid_too(case, first, params):
    """With two workers' strategies, the winning routes read back into the model (when
    another strategy than the first wins) give a schedule the verifier accepts."""
    problem, matrix = case
    params = replace(params, workers=2, first_solution=first)
    assert_valid(problem, matrix, isolated(_as_pool_worker, problem, matrix, params))


# -- re-planning -------------------------------------------------------------------------------


def _day_minutes(problem: Problem) -> tuple[int, int]:
    """From an hour before the first shift to an hour after the last (wall-clock minutes)."""
    starts = [to_s(problem, s.start) // 60 for s in problem.shifts] or [8 * 60]
    ends = [to_s(problem, s.end) // 60 for s in problem.shifts] or [17 * 60]
    return max(0, min(starts) - 60), max(ends) + 60


def _replan(case, data, *, max_events=4, freeze=(0, 0, 30, 90), between=None):
    """Solve, draw events, re-plan; ``between`` (wall-clock minutes) bounds "now"."""
    problem, matrix = case
    params = data.draw(SEARCHES, label="params")
    published = round_trip(isolated(plan, problem, matrix, params))  # as read from schedule.json
    now, happened = data.draw(happenings(problem, published, matrix.points,
                                         between or _day_minutes(problem),
                                         max_events=max_events, near_visits=between is None),
                              label="now, events")
    freeze_min = data.draw(st.sampled_from(freeze), label="freeze_min")
    prepared, new = isolated(_prepare_and_solve, problem, published, happened, now,
                             freeze_min, matrix)
    return published, now, happened, freeze_min, prepared, new


def _prepare_and_solve(problem, published, happened, now, freeze_min, matrix):
    prepared = pin_times(prepare(problem, published, happened, now, freeze_min=freeze_min),
                         matrix)
    return prepared, plan(prepared.problem, matrix, REPLAN_PARAMS,
                          initial_routes=prepared.initial_routes)


@examples()
@given(case=problems(days=ORDINARY_DAYS, max_orders=6, islands="none"), data=st.data())
def test_replan_accounts_for_every_order(case, data):
    """Re-planning a solved random day after random events: every order of the day (and
    every new one) is frozen, cancelled, routed or unassigned exactly once, the new plan
    passes the verifier and starts nothing before "now"."""
    problem, matrix = case
    _published, now, happened, _freeze, prepared, new = _replan(case, data)
    added = [e.order.order_id for e in happened if e.kind == "new_order"]
    seen = [*prepared.frozen, *prepared.cancelled, *placements(new)]
    assert sorted(seen) == sorted([o.order_id for o in problem.orders] + added)
    assert_valid(prepared.problem, matrix, new)
    assert all(s.start >= now for r in new.routes for s in r.stops)


@examples(0.5)
@given(case=problems(days=ORDINARY_DAYS, max_orders=6, islands="none", city=True),
       data=st.data())
def test_replan_in_city_traffic_accounts_for_every_order(case, data):
    """The same with parking times and peak hours: a technician on the way to a visit
    restarts there once parked, pinned visits keep their factors, and the re-plan still
    verifies."""
    problem, matrix = case
    _published, now, happened, _freeze, prepared, new = _replan(case, data)
    added = [e.order.order_id for e in happened if e.kind == "new_order"]
    seen = [*prepared.frozen, *prepared.cancelled, *placements(new)]
    assert sorted(seen) == sorted([o.order_id for o in problem.orders] + added)
    assert_valid(prepared.problem, matrix, new)
    assert all(s.start >= now for r in new.routes for s in r.stops)


def _kept_visits(case, data):
    """Published visits (tech, order, start) that are neither done nor under way at "now",
    those inside the freeze horizon, and the re-planned ones. Visits ahead are only those of
    a plan that left no order out: otherwise a re-plan may rightly serve a waiting order of
    the same priority in a promised one's place, paying the broken promise."""
    published, now, _, freeze_min, _prepared, new = _replan(case, data, max_events=0,
                                                            freeze=(30, 90))
    horizon = now + timedelta(minutes=freeze_min)
    ahead = {(r.tech_id, s.order_id, s.start) for r in published.routes for s in r.stops
             if s.start > now}
    pinned = {v for v in ahead if v[2] < horizon}
    kept = {(r.tech_id, s.order_id, s.start) for r in new.routes for s in r.stops}
    return (set() if published.unassigned else ahead), pinned, kept


@examples(0.25)
@given(case=problems(days=ORDINARY_DAYS, max_orders=6, islands="none", sla=None),
       data=st.data())
def test_replan_without_events_keeps_the_freeze_horizon(case, data):
    """With nothing happened but time passing, each visit starting inside the freeze horizon
    keeps its technician and start time, and (when the plan left no order out) no visit
    still ahead is dropped."""
    ahead, pinned, kept = _kept_visits(case, data)
    assert pinned - kept == set()
    assert {v[1] for v in ahead} - {v[1] for v in kept} == set()


@examples(0.5)
@given(case=problems(days=ORDINARY_DAYS, max_orders=6, islands="none", sla=None, city=True),
       data=st.data())
def test_replan_in_city_traffic_keeps_the_freeze_horizon(case, data):
    """The same with parking times and peak hours: the pinned starts (simulated with the
    parking and the peak factors) are starts the model can keep."""
    ahead, pinned, kept = _kept_visits(case, data)
    assert pinned - kept == set()
    assert {v[1] for v in ahead} - {v[1] for v in kept} == set()


def visits_in_absences(problem: Problem, schedule: Schedule, now) -> list[str]:
    """Visits of ``schedule`` (a re-plan) during an absence of the original shift that
    was still ahead at ``now``. An absence is a break as long as its window."""
    shifts = {s.shift_id: s for s in problem.shifts}
    found = []
    for route in schedule.routes:
        for b in shifts[route.shift_id].breaks:
            if b.latest_end - b.earliest_start != timedelta(minutes=b.duration_min) or \
                    b.latest_end <= now:
                continue
            found += [f"{s.order_id} at {s.start:%H:%M}-{s.end:%H:%M}, absent "
                      f"{b.earliest_start:%H:%M}-{b.latest_end:%H:%M}" for s in route.stops
                      if s.start < b.latest_end and b.earliest_start < s.end]
    return found


def _absences(shift):
    return [b for b in shift.breaks
            if b.latest_end - b.earliest_start == timedelta(minutes=b.duration_min)]


def forgotten_absences(problem: Problem, rest: Problem) -> list[str]:
    """Absences of ``problem``'s shifts not yet over when the re-planned shift of ``rest``
    starts, which that shift no longer blocks (whole, or from its start on)."""
    found = []
    for new in rest.shifts:
        old = next(s for s in problem.shifts if s.shift_id == new.shift_id)
        for a in _absences(old):
            begin = max(a.earliest_start, new.start)
            if a.latest_end > begin and not any(
                    b.earliest_start <= begin and a.latest_end <= b.latest_end
                    for b in _absences(new)):
                found.append(f"{new.shift_id}: {a.earliest_start:%H:%M}-{a.latest_end:%H:%M}"
                             f" (re-planned from {new.start:%H:%M})")
    return found


@examples(0.25)
@given(case=absent_twice_cases(days=ORDINARY_DAYS, max_orders=6, islands="none"),
       data=st.data())
def test_replan_keeps_later_absences(case, data):
    """No re-planned visit falls in an absence still ahead, also once an earlier absence of
    the same technician is over."""
    problem, _ = case
    first = next((s.breaks for s in problem.shifts if len(s.breaks) == 2), None)
    between = None if first is None else tuple(
        round((t - case.day.at(0)) / timedelta(minutes=1))
        for t in (first[0].latest_end, first[1].earliest_start))
    _published, now, _, _, prepared, new = _replan(case, data, max_events=0, between=between)
    assert forgotten_absences(problem, prepared.problem) == []
    assert visits_in_absences(problem, new, now) == []


@examples(0.25)
@given(case=problems(days=ORDINARY_DAYS, max_orders=6, islands="none", sla=(6 * 60, 9 * 60),
                     priorities=(Priority.LOW,)), data=st.data())
def test_replan_without_events_keeps_late_visits(case, data):
    """The same when orders have SLA due times early in the day, missed by the visits."""
    ahead, pinned, kept = _kept_visits(case, data)
    assert pinned - kept == set()
    assert {v[1] for v in ahead} - {v[1] for v in kept} == set()
