"""What the pages say: times, SLA status, colours and popup HTML.

Every function that returns HTML escapes each user string with
:func:`~optimizer.maps.escape.h`; callers may insert the result as-is.
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from optimizer.maps.escape import h
from optimizer.model import Location, Problem, Route, Schedule, Stop, TimeWindow, WorkOrder

#: Geocodes below this confidence are flagged on the map and in the stop list.
LOW_CONFIDENCE = 0.8

#: The first colours, one per technician in the order of the schedule's routes.
#: Grey is kept for unassigned orders and black for homes and depots.
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
    "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354",
)  # fmt: skip

OSM_CREDIT = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


@dataclass(frozen=True, slots=True)
class Clock:
    """Formats tz-aware datetimes in the schedule's time zone."""

    tz: ZoneInfo
    day: object

    @classmethod
    def of(cls, schedule: Schedule) -> Clock:
        return cls(ZoneInfo(schedule.timezone), schedule.plan_date)

    def hm(self, moment: datetime) -> str:
        """``HH:MM``, with the date added when it is not the plan date."""
        local = moment.astimezone(self.tz)
        text = local.strftime("%H:%M")
        if local.date() != self.day:
            text = local.strftime("%a %d %b ") + text
        return text

    def window(self, window: TimeWindow) -> str:
        return f"{self.hm(window.start)}–{self.hm(window.end)}"

    def windows(self, order: WorkOrder | None) -> str:
        if order is None or not order.time_windows:
            return "any time"
        return ", ".join(self.window(w) for w in order.time_windows)


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of ``#rrggbb``: distances there follow what the eye sees."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
           0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


#: Brightest CIE L* of a generated colour (white numbers on yellow would not read).
MAX_LIGHTNESS = 65.0


@cache
def _candidates() -> tuple[tuple[str, tuple[float, float, float]], ...]:
    """Colours dark enough for white numbers on a pin: 36 hues x 3 lightness x 2 saturation."""
    out = []
    for hue in range(0, 360, 10):
        for light in (0.28, 0.38, 0.48):
            for sat in (0.55, 0.9):
                r, g, b = colorsys.hls_to_rgb(hue / 360, light, sat)
                colour = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
                lab = _lab(colour)
                if lab[0] <= MAX_LIGHTNESS:
                    out.append((colour, lab))
    return tuple(out)


@cache
def palette(n: int) -> tuple[str, ...]:
    """``n`` colours: the first ten of :data:`PALETTE`, then each time the candidate farthest
    (in L*a*b*) from every colour taken so far. About 30 stay clearly apart; beyond that the
    pages also label each technician by id, so colour is never the only cue."""
    out = list(PALETTE[:min(n, 10)])
    if len(out) == n:  # no more to pick (and none at all for a day without routes)
        return tuple(out)
    pool = list(_candidates())
    nearest = [min(math.dist(lab, _lab(x)) for x in out) for _, lab in pool]
    while len(out) < n:
        best = max(range(len(pool)), key=nearest.__getitem__)
        colour, lab = pool[best]
        out.append(colour)
        nearest = [min(d, math.dist(cand, lab)) for d, (_, cand) in zip(nearest, pool, strict=True)]
        nearest[best] = -1.0
    return tuple(out)


def route_colours(schedule: Schedule) -> dict[str, str]:
    """Technician id -> colour (:func:`palette`), stable for a given order of routes."""
    techs = list(dict.fromkeys(r.tech_id for r in schedule.routes))
    return dict(zip(techs, palette(len(techs)), strict=True))


def stops_text(n: int) -> str:
    """``1 stop``, ``3 stops``."""
    return f"{n} stop" if n == 1 else f"{n} stops"


def find_order(problem: Problem, order_id: str) -> WorkOrder | None:
    try:
        return problem.order(order_id)
    except KeyError:
        return None


def tech_name(problem: Problem, tech_id: str) -> str:
    try:
        return problem.technician(tech_id).name or tech_id
    except KeyError:
        return tech_id


def late_minutes(stop: Stop) -> int:
    """Minutes past the SLA due time, rounded up (0 when on time)."""
    return math.ceil(stop.sla_late_s / 60) if stop.sla_late_s > 0 else 0


def sla_text(stop: Stop, order: WorkOrder | None, clock: Clock) -> str:
    """Plain text: ``late by 25 min (due 11:00)``, ``on time (due 11:00)`` or ``no due time``."""
    late = late_minutes(stop)
    due = f" (due {clock.hm(order.sla_due)})" if order and order.sla_due else ""
    if late:
        return f"late by {late} min{due}"
    if due:
        return f"on time{due}"
    return "no due time"


def is_low_confidence(order: WorkOrder | None) -> bool:
    conf = order.geocode_confidence if order else None
    return conf is not None and conf < LOW_CONFIDENCE


def stop_pin_classes(stop: Stop, order: WorkOrder | None) -> str:
    """CSS classes of a stop marker: late stops get a red ring, vague addresses a dashed one."""
    classes = "fso-pin-stop"
    if late_minutes(stop):
        classes += " fso-pin-late"
    if is_low_confidence(order):
        classes += " fso-pin-lowconf"
    return classes


def low_confidence_html(order: WorkOrder | None) -> str:
    """A warning badge for an approximate geocode, or ``""``."""
    if not is_low_confidence(order):
        return ""
    assert order is not None and order.geocode_confidence is not None
    radius = (f", ±{order.geocode_error_m:.0f} m" if order.geocode_error_m is not None
              else "")
    return (
        '<span class="fso-badge fso-badge-warn" data-flag="low-confidence">'
        f"⚠ approximate location (geocode confidence {order.geocode_confidence:.2f}{radius})"
        "</span>"
    )


def address_of(order: WorkOrder | None, location: Location | None) -> str:
    if order and order.location and order.location.address:
        return order.location.address
    return location.address if location else ""


def skills_text(order: WorkOrder | None) -> str:
    return ", ".join(sorted(order.required_skills)) if order and order.required_skills else "—"


def rows_html(rows: list[tuple[str, str]]) -> str:
    """A two-column table; labels are ours, values must already be escaped."""
    body = "".join(f"<tr><th>{h(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="fso-rows">{body}</table>'


def stop_popup_html(seq: int, stop: Stop, order: WorkOrder | None, tech: str, clock: Clock) -> str:
    """Popup of a scheduled stop on the dispatcher overview."""
    customer = order.customer if order else ""
    late = late_minutes(stop)
    sla_class = "fso-late" if late else "fso-ok"
    rows = [
        ("Order", h(stop.order_id)),
        ("Technician", h(tech)),
        ("Address", h(address_of(order, stop.location))),
        ("Window", h(clock.windows(order))),
        ("ETA", h(clock.hm(stop.arrival))),
        ("Start", f"{h(clock.hm(stop.start))}–{h(clock.hm(stop.end))}"),
        ("SLA", f'<span class="{sla_class}">{h(sla_text(stop, order, clock))}</span>'),
        ("Skills", h(skills_text(order))),
        ("Priority", h(order.priority.value if order else "—")),
    ]
    return (
        f'<div class="fso-popup"><b>{seq}. {h(customer)}</b>'
        f"{low_confidence_html(order)}{rows_html(rows)}</div>"
    )


def unassigned_popup_html(order: WorkOrder, reason: str, clock: Clock) -> str:
    """Popup of an order that is on no route, with the reason."""
    rows = [
        ("Order", h(order.order_id)),
        ("Address", h(address_of(order, order.location))),
        ("Reason", f'<span class="fso-late">{h(reason)}</span>'),
        ("Window", h(clock.windows(order))),
        ("Skills", h(skills_text(order))),
        ("Priority", h(order.priority.value)),
    ]
    return (
        f'<div class="fso-popup"><b>Unassigned: {h(order.customer)}</b>'
        f"{low_confidence_html(order)}{rows_html(rows)}</div>"
    )


def place_popup_html(title: str, location: Location, roles: list[str]) -> str:
    """Popup of a home or depot; ``roles`` are plain text lines."""
    lines = "".join(f"<li>{h(role)}</li>" for role in roles)
    return (
        f'<div class="fso-popup"><b>{h(title)}</b>'
        f"<div>{h(location.address)}</div><ul>{lines}</ul></div>"
    )


def same_place(a: Location, b: Location) -> bool:
    return round(a.lat, 6) == round(b.lat, 6) and round(a.lon, 6) == round(b.lon, 6)


def place_key(loc: Location) -> tuple[float, float]:
    return (round(loc.lat, 6), round(loc.lon, 6))


def route_roles(problem: Problem, route: Route) -> list[tuple[Location, str, bool]]:
    """(location, role text, is home) for a route's start and end (end only if different)."""
    name = tech_name(problem, route.tech_id)
    try:
        home: Location | None = problem.technician(route.tech_id).home
    except KeyError:
        home = None
    out = []
    if same_place(route.start_location, route.end_location):
        ends = [(route.start_location, "start and end")]
    else:
        ends = [(route.start_location, "start"), (route.end_location, "end")]
    for loc, what in ends:
        is_home = home is not None and same_place(home, loc)
        out.append((loc, f"{name}: {what}{' (home)' if is_home else ''}", is_home))
    return out
