"""field-service-optimizer: plan a day of field service on real roads.

The public API::

    from optimizer import plan
    schedule = plan("scenarios/liechtenstein", time_limit_s=10)

``import optimizer`` loads only the domain types and the errors. The API functions
(``plan``, ``solve``, ``replan``, ``sweep``, ...) are resolved on first use
(PEP 562), so a command that needs no solver, pandas or map library never loads them.
No public name here is also a submodule, so ``optimizer.solve`` is always the function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from optimizer.errors import GeocodeError, InputError, NetworkError, OptimizerError, SolveError
from optimizer.model import (
    Break,
    Kpis,
    Location,
    Priority,
    Problem,
    Route,
    Schedule,
    Shift,
    Stop,
    Technician,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    WorkOrder,
)

#: Public names loaded on first use, and the module each comes from.
_LAZY = {
    "LoadedScenario": "optimizer.io.load",
    "load_scenario": "optimizer.io.load",
    "SolveParams": "optimizer.params",
    "solve": "optimizer.solver",
    "verify": "optimizer.solver.verify",
    "Comparison": "optimizer.results",
    "PlanResult": "optimizer.results",
    "ReplanResult": "optimizer.results",
    "compare": "optimizer.api",
    "offer_slots": "optimizer.api",
    "Offer": "optimizer.slots",
    "plan": "optimizer.api",
    "replan": "optimizer.api",
    "solve_scenario": "optimizer.api",
    "sweep": "optimizer.api",
    "verify_file": "optimizer.api",
    "write": "optimizer.outputs",
    "write_exports": "optimizer.outputs",
}

if TYPE_CHECKING:
    from optimizer.api import (
        compare,
        offer_slots,
        plan,
        replan,
        solve_scenario,
        sweep,
        verify_file,
    )
    from optimizer.io.load import LoadedScenario, load_scenario
    from optimizer.outputs import write, write_exports
    from optimizer.params import SolveParams
    from optimizer.results import Comparison, PlanResult, ReplanResult
    from optimizer.slots import Offer
    from optimizer.solver import solve
    from optimizer.solver.verify import verify


def __getattr__(name: str) -> Any:
    """Load a public API name on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Break", "Comparison", "GeocodeError", "InputError", "Kpis", "LoadedScenario", "Location",
    "NetworkError", "Offer", "OptimizerError", "PlanResult", "Priority", "Problem", "ReplanResult",
    "Route", "Schedule", "Shift", "SolveError", "SolveParams", "Stop", "Technician",
    "TimeWindow", "TravelMatrix",
    "Unassigned", "WorkOrder", "compare", "load_scenario", "offer_slots", "plan", "replan", "solve",
    "solve_scenario", "sweep", "verify", "verify_file", "write",
    "write_exports",
]
