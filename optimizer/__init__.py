"""field-service-optimizer: plan a day of field service on real roads.

The public API::

    from optimizer import plan
    schedule = plan("scenarios/liechtenstein", time_limit_s=10)
"""

from optimizer.api import (
    PlanResult,
    compare,
    plan,
    replan,
    solve_scenario,
    sweep,
    verify_file,
    write,
)
from optimizer.errors import GeocodeError, InputError, NetworkError, OptimizerError, SolveError
from optimizer.io.load import LoadedScenario, load_scenario
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
from optimizer.solve import solve
from optimizer.solve.params import SolveParams
from optimizer.solve.verify import verify

__all__ = [
    "Break", "GeocodeError", "InputError", "Kpis", "LoadedScenario", "Location",
    "NetworkError", "OptimizerError", "PlanResult", "Priority", "Problem", "Route", "Schedule",
    "Shift", "SolveError", "SolveParams", "Stop", "Technician", "TimeWindow", "TravelMatrix",
    "Unassigned", "WorkOrder", "compare", "load_scenario", "plan", "replan", "solve",
    "solve_scenario", "sweep", "verify", "verify_file", "write",
]
