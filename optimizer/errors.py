"""One exception tree. The CLI maps each class to an exit code."""

from __future__ import annotations


class OptimizerError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class InputError(OptimizerError):
    """Bad scenario input. Holds every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        count = len(self.problems)
        head = f"{count} input problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class GeocodeError(OptimizerError):
    """A geocoding service failed (not: an address was not found)."""

    exit_code = 2


class NetworkError(OptimizerError):
    """The road network could not be loaded or downloaded."""

    exit_code = 2


class SolveError(OptimizerError):
    """The solver could not produce any schedule."""

    exit_code = 3
