"""Stable plans: solve a scenario again, starting from a previous plan of the same day.

``fsopt solve SCENARIO --previous schedule.json`` (and ``plan(..., previous=...)``)
treats the previous plan as re-planning treats a published one
(:mod:`optimizer.replanning`): every order it routed is *promised* to its technician
and start, the search starts from its routes (:mod:`optimizer.solver.warm`), and each
change away from it costs what a re-plan charges: ``reassign_cost`` for another
technician (or for leaving the order out), ``retime_cost_per_min`` for every minute
its start moves beyond ``retime_tolerance_min``. So a fix to one order moves little
else. Nothing is frozen or pinned: unlike a re-plan, the day has not begun.

Pure: no files, no solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from optimizer.errors import InputError
from optimizer.model import Problem, Schedule
from optimizer.report.changes import OrderChange, order_changes


def promise_previous(problem: Problem, previous: Schedule, *, source: str = "the previous plan"
                     ) -> tuple[Problem, Mapping[str, tuple[str, ...]]]:
    """``problem`` with each order the previous plan routed promised to its technician and
    start, and the previous routes as a warm start (``shift_id -> order ids``).

    Orders or shifts the scenario no longer has are left out of the start; the warm
    start drops whatever no longer fits (a changed window, a shorter shift).

    Raises
    ------
    InputError
        If the previous plan is for another day.
    """
    if previous.plan_date != problem.plan_date:
        raise InputError(f"{source}: planned for {previous.plan_date}, but the scenario is "
                         f"for {problem.plan_date} (--previous keeps a plan of the same day)")
    placed = {s.order_id: (r.tech_id, s.start) for r in previous.routes for s in r.stops}
    orders = tuple(
        replace(o, promised_tech=placed[o.order_id][0], promised_start=placed[o.order_id][1])
        if o.order_id in placed else o
        for o in problem.orders
    )
    shifts = {s.shift_id for s in problem.shifts}
    initial = {r.shift_id: tuple(s.order_id for s in r.stops)
               for r in previous.routes if r.shift_id in shifts}
    return replace(problem, orders=orders), initial


def changes_from(previous: Schedule, new: Schedule, problem: Problem
                 ) -> tuple[OrderChange, ...]:
    """Every order's fate against the previous plan (the vocabulary of
    :mod:`optimizer.report.changes`): a start moved by more than
    ``retime_tolerance_min`` with the same technician is ``retimed``."""
    return order_changes(previous, new, tolerance_min=problem.weights.retime_tolerance_min)
