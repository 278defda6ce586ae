"""Why an order is not on a route: stable reason codes, their labels, and the texts of
orders without a location."""

from __future__ import annotations

import enum


class ReasonCode(enum.StrEnum):
    """Why an order is unassigned: a stable machine code beside the human reason.

    A code keeps its meaning across versions (new codes may be added); the human
    text may change. :attr:`label` is a short text for grouping in reports and
    maps. docs/schedule-format.md says what each code means and what a dispatcher
    can do about it.
    """

    # The order has no location.
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    ADDRESS_AMBIGUOUS = "ADDRESS_AMBIGUOUS"
    ADDRESS_OUTSIDE_AREA = "ADDRESS_OUTSIDE_AREA"
    NO_ADDRESS = "NO_ADDRESS"
    NOT_GEOCODED = "NOT_GEOCODED"
    #: Located, but below ``[geocode] min_confidence``: a person should pick the place.
    GEOCODE_REVIEW = "GEOCODE_REVIEW"
    NO_LOCATION = "NO_LOCATION"
    # No technician may serve it (decided before solving).
    NO_SKILL = "NO_SKILL"
    NO_PART = "NO_PART"
    EXCLUDED_ALL = "EXCLUDED_ALL"
    DEMAND_OVER_CAPACITY = "DEMAND_OVER_CAPACITY"
    NO_SHIFT = "NO_SHIFT"
    UNREACHABLE = "UNREACHABLE"
    WINDOW_OUTSIDE_SHIFTS = "WINDOW_OUTSIDE_SHIFTS"
    SHIFT_TOO_SHORT = "SHIFT_TOO_SHORT"
    # Some technician could serve it alone, but not next to the other jobs (after solving).
    NO_TIME = "NO_TIME"
    VAN_FULL = "VAN_FULL"
    UNREACHABLE_FROM_JOBS = "UNREACHABLE_FROM_JOBS"
    NO_ROOM = "NO_ROOM"
    # It would fit, but was left out.
    DROPPED_FOR_COST = "DROPPED_FOR_COST"
    NOT_REACHED = "NOT_REACHED"
    #: Not a visit: resolvable by remote diagnosis or video support (``remote_resolvable``).
    REMOTE = "REMOTE"
    #: Its parts arrive (``parts_ready_at``) too late for every window and shift.
    PARTS_LATE = "PARTS_LATE"
    #: Hard territories: outside the territory of every technician who could serve it.
    OUTSIDE_TERRITORY = "OUTSIDE_TERRITORY"
    #: Read from a schedule.json written before codes existed.
    UNKNOWN = "UNKNOWN"

    @property
    def label(self) -> str:
        """A short human text for the code, for grouping (``"no technician has the skill"``)."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    ReasonCode.ADDRESS_NOT_FOUND: "address not found",
    ReasonCode.ADDRESS_AMBIGUOUS: "ambiguous address",
    ReasonCode.ADDRESS_OUTSIDE_AREA: "address outside the area",
    ReasonCode.NO_ADDRESS: "no address",
    ReasonCode.NOT_GEOCODED: "address not geocoded",
    ReasonCode.GEOCODE_REVIEW: "address needs review",
    ReasonCode.NO_LOCATION: "no location",
    ReasonCode.NO_SKILL: "no technician has the skills",
    ReasonCode.NO_PART: "no qualified van carries the parts",
    ReasonCode.EXCLUDED_ALL: "every qualified technician excluded",
    ReasonCode.DEMAND_OVER_CAPACITY: "too large for every van",
    ReasonCode.NO_SHIFT: "no technician works that day",
    ReasonCode.UNREACHABLE: "not reachable by road",
    ReasonCode.WINDOW_OUTSIDE_SHIFTS: "window outside every shift",
    ReasonCode.SHIFT_TOO_SHORT: "longer than any shift allows",
    ReasonCode.NO_TIME: "fully booked",
    ReasonCode.VAN_FULL: "van full",
    ReasonCode.UNREACHABLE_FROM_JOBS: "no road from the other jobs",
    ReasonCode.NO_ROOM: "no room on any route",
    ReasonCode.DROPPED_FOR_COST: "cheaper to leave out",
    ReasonCode.NOT_REACHED: "not reached in the time limit",
    ReasonCode.REMOTE: "resolved remotely (visit avoided)",
    ReasonCode.PARTS_LATE: "parts arrive too late",
    ReasonCode.OUTSIDE_TERRITORY: "outside every territory",
    ReasonCode.UNKNOWN: "other",
}

#: The codes of orders that are blocked before solving by a missing skill, part or
#: territory (grouped so in report.html).
BLOCKED_BY = {
    "skills": (ReasonCode.NO_SKILL,),
    "parts": (ReasonCode.NO_PART, ReasonCode.PARTS_LATE),
    "territory": (ReasonCode.OUTSIDE_TERRITORY,),
}

#: ``WorkOrder.location_issue`` for each code of an order without a location: the
#: one place these texts are written (loading and geocoding use them, and the
#: pre-check maps them back to their code with :func:`location_code`).
LOCATION_ISSUES = {
    ReasonCode.ADDRESS_NOT_FOUND: "address not found",
    ReasonCode.ADDRESS_AMBIGUOUS: "ambiguous address",
    ReasonCode.ADDRESS_OUTSIDE_AREA: "address outside the scenario area",
    ReasonCode.NO_ADDRESS: "no address and no lat/lon",
    ReasonCode.NOT_GEOCODED: "address not geocoded",
    ReasonCode.GEOCODE_REVIEW: "geocode below min_confidence: needs review",
    ReasonCode.NO_LOCATION: "no location",
}
_LOCATION_CODES = {text: code for code, text in LOCATION_ISSUES.items()}


def location_code(issue: str) -> ReasonCode:
    """The code of a ``WorkOrder.location_issue`` text, which is one of
    :data:`LOCATION_ISSUES`, alone or followed by details in brackets (``NO_LOCATION``
    for any other text)."""
    return _LOCATION_CODES.get(issue.split(" (", 1)[0], ReasonCode.NO_LOCATION)
