"""The dispatcher's timeline: one row per technician across the day.

Drawn as positioned HTML blocks (percentages of the day), not with a charting
library: see docs/maps.md ("Timeline") for why vis-timeline was not used. Each
row shows the shift, travel, waiting, the visits coloured by priority (late
ones hatched and outlined in red), lunch and absences, and overtime beyond the
shift. A visit carries ``data-route`` and ``data-seq``, the same keys as the
stop markers (``fsoRoute``, ``fsoSeq``), so the page script can find its
marker, and its hover card is the marker's popup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from optimizer.maps import content as c
from optimizer.maps.escape import h, js_value
from optimizer.maps.styles import BASE_CSS, TIMELINE_CSS
from optimizer.model import Priority, Problem, Route, Schedule, Shift, Stop, WorkOrder

TIMELINE_FILE = "timeline.html"

#: A visit that starts this close to its SLA due time or the end of its time window
#: (and is not late) is listed as "at risk".
AT_RISK_MIN = 30

PRIORITY_COLOURS = {
    Priority.CRITICAL: "#8e0000",
    Priority.HIGH: "#e65100",
    Priority.NORMAL: "#1565c0",
    Priority.LOW: "#78909c",
}


@dataclass(frozen=True, slots=True)
class Span:
    """The day the timeline covers, on whole hours."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, problem: Problem, schedule: Schedule) -> Span:
        moments = [m for s in problem.shifts for m in (s.start, s.end)]
        moments += [m for r in schedule.routes for m in (r.start, r.end)]
        if not moments:
            moments = [datetime.combine(schedule.plan_date, datetime.min.time())]
        first, last = min(moments), max(moments)
        start = first.replace(minute=0, second=0, microsecond=0)
        end = last.replace(minute=0, second=0, microsecond=0)
        if end < last or end <= start:
            end += timedelta(hours=1)
        return cls(start, end)

    def pct(self, moment: datetime) -> float:
        total = (self.end - self.start).total_seconds()
        return max(0.0, min(100.0, (moment - self.start).total_seconds() / total * 100))

    def block(self, a: datetime, b: datetime) -> str:
        """``left:..%;width:..%`` of the block from ``a`` to ``b``."""
        left = self.pct(a)
        return f"left:{left:.3f}%;width:{max(self.pct(b) - left, 0.0):.3f}%"


def at_risk_minutes(stop: Stop, order: WorkOrder | None) -> int | None:
    """Minutes to spare before the SLA due time or the end of the start window, when that is
    at most :data:`AT_RISK_MIN` and the visit is not late; else ``None``."""
    if order is None or stop.sla_late_s > 0:
        return None
    limits = [order.sla_due] if order.sla_due else []
    limits += [w.end for w in order.time_windows if w.start <= stop.start <= w.end]
    if not limits:
        return None
    spare = min((limit - stop.start).total_seconds() for limit in limits) / 60
    return int(spare) if 0 <= spare <= AT_RISK_MIN else None


def _rows_for(problem: Problem, schedule: Schedule) -> list[tuple[str, list[Shift]]]:
    """Technician id -> shifts, for every technician with a shift or a route, routes first."""
    order = list(dict.fromkeys([r.tech_id for r in schedule.routes]
                               + [s.tech_id for s in problem.shifts]))
    shifts: dict[str, list[Shift]] = {t: [] for t in order}
    for shift in problem.shifts:
        shifts[shift.tech_id].append(shift)
    return [(t, shifts[t]) for t in order]


def _block(kind: str, style: str, title: str) -> str:
    return (f'<div class="fso-tl-b fso-tl-{kind}" data-kind="{kind}" style="{style}" '
            f'title="{h(title)}"></div>')


def _route_blocks(route: Route, route_index: int, shift: Shift | None, span: Span,
                  problem: Problem, clock: c.Clock) -> list[str]:
    out = []
    prev_end = route.start
    for seq, stop in enumerate(route.stops, start=1):
        leave = stop.arrival - timedelta(seconds=stop.travel_s)
        if stop.travel_s > 0:
            out.append(_block("travel", span.block(max(leave, prev_end), stop.arrival),
                              f"travel {round(stop.travel_s / 60)} min"))
        if stop.wait_s > 0:
            out.append(_block("wait", span.block(stop.arrival, stop.start),
                              f"waiting {round(stop.wait_s / 60)} min"))
        order = c.find_order(problem, stop.order_id)
        priority = order.priority if order else Priority.NORMAL
        late = c.late_minutes(stop)
        classes = "fso-tl-b fso-tl-visit" + (" fso-tl-late" if late else "")
        label = f"{seq}. {stop.order_id} {clock.hm(stop.start)}–{clock.hm(stop.end)}"
        if late:
            label += f", late by {late} min"
        out.append(
            f'<div class="{classes}" role="button" tabindex="0" data-route="{route_index}" '
            f'data-seq="{seq}" data-order-id="{h(stop.order_id)}" '
            f'data-priority="{h(priority.value)}" aria-label="{h(label)}" '
            f'style="{span.block(stop.start, stop.end)};background:{PRIORITY_COLOURS[priority]}">'
            f"{seq}</div>"
        )
        prev_end = stop.end
    if route.return_travel_s > 0:
        back = route.end - timedelta(seconds=route.return_travel_s)
        out.append(_block("travel", span.block(max(back, prev_end), route.end),
                          f"travel to the end {round(route.return_travel_s / 60)} min"))
    for brk in route.breaks:
        kind = "lunch" if brk.kind == "lunch" else "absence"
        out.append(_block(kind, span.block(brk.start, brk.end),
                          f"{brk.kind} {clock.hm(brk.start)}–{clock.hm(brk.end)}"))
    if shift is not None and route.end > shift.end:
        out.append(_block("overtime", span.block(shift.end, route.end),
                          f"overtime {round((route.end - shift.end).total_seconds() / 60)} min"))
    return out


def timeline_html(problem: Problem, schedule: Schedule, colours: Mapping[str, str],
                  clock: c.Clock, *, open_: bool = True) -> str:
    """The timeline as a ``<details class="fso-timeline">`` element (escaped, self-contained).

    ``colours`` maps technician ids to their route colour (a swatch in the row label).
    """
    span = Span.of(problem, schedule)
    hours = []
    moment = span.start
    while moment <= span.end:
        hours.append(f'<span class="fso-tl-hour" style="left:{span.pct(moment):.3f}%">'
                     f"{moment.astimezone(clock.tz):%H}</span>")
        moment += timedelta(hours=1)
    route_index = {id(r): i for i, r in enumerate(schedule.routes)}
    routes: dict[str, list[Route]] = {}
    for r in schedule.routes:
        routes.setdefault(r.tech_id, []).append(r)
    rows = []
    for tech_id, shifts in _rows_for(problem, schedule):
        by_id = {s.shift_id: s for s in shifts}
        blocks = [f'<div class="fso-tl-shift" style="{span.block(s.start, s.end)}" '
                  f'title="shift {clock.hm(s.start)}–{clock.hm(s.end)}"></div>' for s in shifts]
        for route in routes.get(tech_id, []):
            blocks += _route_blocks(route, route_index[id(route)], by_id.get(route.shift_id),
                                    span, problem, clock)
        swatch = colours.get(tech_id, "transparent")
        rows.append(
            f'<div class="fso-tl-row" data-tech-id="{h(tech_id)}">'
            f'<div class="fso-tl-label"><span class="fso-swatch" style="background:{swatch}">'
            f'</span><b>{h(tech_id)}</b> {h(c.tech_name(problem, tech_id))}</div>'
            f'<div class="fso-tl-track">{"".join(blocks)}</div></div>'
        )
    key = "".join(f'<span><i style="background:{colour}"></i>{h(p.value)}</span>'
                  for p, colour in PRIORITY_COLOURS.items())
    key += ('<span><i class="fso-tl-late"></i>late</span><span><i class="fso-tl-travel"></i>'
            'travel</span><span><i class="fso-tl-lunch"></i>lunch</span><span>'
            '<i class="fso-tl-absence"></i>absence</span><span><i class="fso-tl-overtime"></i>'
            'overtime</span><span><i class="fso-tl-shift"></i>shift</span>')
    return (
        f'<details class="fso-timeline" {"open" if open_ else ""}>'
        f"<summary>Timeline ({len(rows)} technicians)</summary>"
        f'<div class="fso-tl-key">{key}</div>'
        f'<div class="fso-tl-grid"><div class="fso-tl-row fso-tl-axis"><div class="fso-tl-label">'
        f'</div><div class="fso-tl-track">{"".join(hours)}</div></div>{"".join(rows)}</div>'
        "</details>"
    )


def cards(problem: Problem, schedule: Schedule, clock: c.Clock) -> dict[str, str]:
    """``"<route index>-<seq>"`` -> the stop's popup HTML (the hover card of a visit)."""
    out = {}
    for i, route in enumerate(schedule.routes):
        name = c.tech_name(problem, route.tech_id)
        for seq, stop in enumerate(route.stops, start=1):
            order = c.find_order(problem, stop.order_id)
            out[f"{i}-{seq}"] = c.stop_popup_html(seq, stop, order, name, clock)
    return out


def risk_list_html(problem: Problem, schedule: Schedule, clock: c.Clock) -> str:
    """The "Late or at risk" list: late visits (most late first), then visits with at most
    :data:`AT_RISK_MIN` minutes to spare (least first). Each item focuses its stop."""
    late, risky = [], []
    for i, route in enumerate(schedule.routes):
        for seq, stop in enumerate(route.stops, start=1):
            order = c.find_order(problem, stop.order_id)
            minutes = c.late_minutes(stop)
            spare = at_risk_minutes(stop, order)
            if minutes:
                text = c.sla_text(stop, order, clock)
                late.append((-minutes, i, seq, stop, "late", text))
            elif spare is not None:
                risky.append((spare, i, seq, stop, "risk", f"{spare} min to spare"))
    items = sorted(late, key=lambda x: x[:3]) + sorted(risky, key=lambda x: x[:3])
    if not items:
        return '<h2>Late or at risk (0)</h2><ul class="fso-risk"><li>none</li></ul>'
    body = "".join(
        f'<li data-status="{status}"><button type="button" class="fso-focus" '
        f'data-route="{i}" data-seq="{seq}"><b>{h(stop.order_id)}</b> · '
        f"{h(c.tech_name(problem, schedule.routes[i].tech_id))} · {h(clock.hm(stop.start))}"
        f'<br><span class="{"fso-late" if status == "late" else "fso-risk-text"}">'
        f"{h(text)}</span></button></li>"
        for _, i, seq, stop, status, text in items
    )
    return f'<h2>Late or at risk ({len(items)})</h2><ul class="fso-risk">{body}</ul>'


#: Hover cards and click-to-focus for the timeline and the risk list. ``%(cards)s`` is a
#: JS object of card HTML (escaped by js_value); ``%(focus)s`` is how a click focuses a stop.
TIMELINE_SCRIPT = """
(function () {
  var cards = %(cards)s;
  var tip = document.createElement('div');
  tip.className = 'fso-tl-card leaflet-popup-content-wrapper';
  tip.hidden = true;
  document.body.appendChild(tip);
  function key(el) {
    return el.getAttribute('data-route') + '-' + el.getAttribute('data-seq');
  }
  document.querySelectorAll('.fso-tl-visit').forEach(function (el) {
    el.addEventListener('mouseenter', function () {
      var r = el.getBoundingClientRect();
      tip.innerHTML = cards[key(el)] || '';
      tip.hidden = false;
      var top = r.top - tip.offsetHeight - 6;
      tip.style.top = (top < 4 ? r.bottom + 6 : top) + 'px';
      var left = Math.min(r.left, window.innerWidth - tip.offsetWidth - 4);
      tip.style.left = Math.max(4, left) + 'px';
    });
    el.addEventListener('mouseleave', function () { tip.hidden = true; });
  });
  var focus = %(focus)s;
  document.querySelectorAll('.fso-tl-visit, .fso-focus').forEach(function (el) {
    function go() {
      tip.hidden = true;
      focus(+el.getAttribute('data-route'), +el.getAttribute('data-seq'));
    }
    el.addEventListener('click', go);
    el.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); }
    });
  });
})();
"""

#: On a page without a map: open the overview at the stop.
FOCUS_ON_OVERVIEW = ("function (route, seq) { window.location.href = 'overview.html#stop=' "
                     "+ route + '-' + seq; }")


#: On the overview the cards are the stop markers' own popups (not a second copy).
CARDS_FROM_MAP = """(function () {
    var out = {};
    window.fso.layers.forEach(function (l) {
      var o = l.options;
      if (o.fsoKind === 'stop' && l.getPopup()) {
        out[o.fsoRoute + '-' + o.fsoSeq] = l.getPopup().getContent();
      }
    });
    return out;
  })()"""


def timeline_script(problem: Problem, schedule: Schedule, clock: c.Clock, focus: str, *,
                    cards_from_map: bool = False) -> str:
    """:data:`TIMELINE_SCRIPT` filled in; ``focus`` is a JS function ``(route, seq)``.

    With ``cards_from_map`` the hover cards are read from the map's stop popups (the
    overview); otherwise they are written into the script (the timeline page).
    """
    data = CARDS_FROM_MAP if cards_from_map else js_value(cards(problem, schedule, clock))
    return TIMELINE_SCRIPT % {"cards": data, "focus": focus}


def build_timeline_page(problem: Problem, schedule: Schedule) -> str:
    """``timeline.html``: the timeline on its own, full width. A click on a visit opens
    the overview at that stop; hovering shows the same card as the map's popup."""
    clock = c.Clock.of(schedule)
    colours = c.route_colours(schedule)
    title = f"Timeline – {schedule.problem_name or problem.name} – {problem.period}"
    script = timeline_script(problem, schedule, clock, FOCUS_ON_OVERVIEW)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{h(title)}</title>\n<style>{BASE_CSS}{TIMELINE_CSS}"
        ".fso-rows th { text-align: left; }</style>\n</head>\n"
        f'<body class="fso-timeline-page"><header><h1>{h(title)}</h1>'
        '<a href="overview.html">Dispatcher overview</a> · <a href="index.html">All maps</a>'
        f"</header>\n{timeline_html(problem, schedule, colours, clock, open_=True)}\n"
        f"<script>\n{script}\n</script>\n</body>\n</html>\n"
    )
