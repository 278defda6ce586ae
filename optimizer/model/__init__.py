"""Domain types: small frozen dataclasses with units in their field names.

Everything here is plain data. Datetimes are timezone-aware; inside the solver
they become integer seconds counted from :attr:`Problem.day_start`. The types live
in the modules named for what they hold, and are imported from here:

- :mod:`.problem`: what the solver is given (orders, technicians, shifts, weights,
  the problem and its travel matrix);
- :mod:`.schedule`: what it answers (routes, unassigned orders, KPIs, meta);
- :mod:`.reasons`: why an order is unassigned (reason codes and their texts);
- :mod:`.scenario_settings`: the travel and geocoding settings of a scenario;
- :mod:`.basemap`: an offline background map.
"""

from optimizer.model.basemap import (
    Basemap,
    BasemapLine,
    BasemapPlace,
)
from optimizer.model.problem import (
    DEFAULT_RESPONSE_TARGET_H,
    Absence,
    Break,
    Location,
    MatrixSource,
    ObjectiveWeights,
    Priority,
    Problem,
    Shift,
    Technician,
    TimeWindow,
    TravelMatrix,
    WorkOrder,
    add_s,
    drop_penalty,
    elapsed_s,
    in_territory,
    late_days,
    order_drop_penalty,
    pinned_drop_penalty,
    shift_date,
)
from optimizer.model.reasons import (
    BLOCKED_BY,
    LOCATION_ISSUES,
    ReasonCode,
    location_code,
)
from optimizer.model.scenario_settings import (
    AREA_REACH_KM,
    DEFAULT_SPEED_FACTORS,
    ROAD_CLASSES,
    TERRITORY_MODES,
    GeocodeSettings,
    Peak,
    TravelSettings,
    TravelSource,
)
from optimizer.model.schedule import (
    ChangeKind,
    Kpis,
    ResponseKpis,
    Route,
    Schedule,
    ScheduledBreak,
    SolveMeta,
    Stop,
    TechnicianKpis,
    Unassigned,
)

__all__ = [
    "AREA_REACH_KM",
    "BLOCKED_BY",
    "DEFAULT_RESPONSE_TARGET_H",
    "DEFAULT_SPEED_FACTORS",
    "LOCATION_ISSUES",
    "ROAD_CLASSES",
    "TERRITORY_MODES",
    "Absence",
    "Basemap",
    "BasemapLine",
    "BasemapPlace",
    "Break",
    "ChangeKind",
    "GeocodeSettings",
    "Kpis",
    "Location",
    "MatrixSource",
    "ObjectiveWeights",
    "Peak",
    "Priority",
    "Problem",
    "ReasonCode",
    "ResponseKpis",
    "Route",
    "Schedule",
    "ScheduledBreak",
    "Shift",
    "SolveMeta",
    "Stop",
    "Technician",
    "TechnicianKpis",
    "TimeWindow",
    "TravelMatrix",
    "TravelSettings",
    "TravelSource",
    "Unassigned",
    "WorkOrder",
    "add_s",
    "drop_penalty",
    "elapsed_s",
    "in_territory",
    "late_days",
    "location_code",
    "order_drop_penalty",
    "pinned_drop_penalty",
    "shift_date",
]
