"""Shifts as rostered, and the absences that cut them.

The loader reads the roster (technicians.csv, shifts.csv) and absences.csv; the shifts
the solver plans with are the roster with the absences applied, by
:func:`apply_absences`. A :class:`~optimizer.model.Problem` keeps both
(``roster``, ``absences``), so that a what-if change starts from the roster: a hired
copy of a technician works the technician's roster, not their doctor's appointment or
training day, and new shift hours keep everybody's absences (:func:`with_roster`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from optimizer.model import Absence, Break, Problem, Shift


def absent(shift: Shift, absence: Absence) -> Shift | None:
    """``shift`` with ``absence`` applied: cut at its start or end (no overtime after an
    absence to the end), or a fixed break inside it; None when it covers the whole shift."""
    start, end = absence.start, absence.end
    if absence.tech_id != shift.tech_id or end <= shift.start or start >= shift.end:
        return shift
    if start <= shift.start and end >= shift.end:
        return None
    if start <= shift.start:
        return replace(shift, start=end)
    if end >= shift.end:
        return replace(shift, end=start, max_overtime_min=0.0)
    minutes = (end - start).total_seconds() / 60
    return replace(shift, breaks=(*shift.breaks, Break(start, end, minutes, absence.reason)))


def apply_absences(shifts: Iterable[Shift], absences: Sequence[Absence]
                   ) -> tuple[tuple[Shift, ...], list[tuple[Absence, Shift]]]:
    """The shifts with every absence applied in turn, and the (absence, shift) pairs where
    an absence took a whole shift away (the loader warns about those)."""
    result = list(shifts)
    whole: list[tuple[Absence, Shift]] = []
    for absence in absences:
        kept = []
        for shift in result:
            cut = absent(shift, absence)
            if cut is None:
                whole.append((absence, shift))
            else:
                kept.append(cut)
        result = kept
    return tuple(result), whole


def rostered(problem: Problem) -> tuple[Shift, ...]:
    """The shifts before the absences (``problem.shifts`` when it has none)."""
    return problem.roster or problem.shifts


def with_roster(problem: Problem, roster: Iterable[Shift]) -> Problem:
    """``problem`` with a new roster, its shifts the roster with ``problem.absences``."""
    roster = tuple(roster)
    if not problem.absences:
        return replace(problem, shifts=roster, roster=())
    shifts, _whole = apply_absences(roster, problem.absences)
    return replace(problem, shifts=shifts, roster=roster)


__all__ = ["absent", "apply_absences", "rostered", "with_roster"]
