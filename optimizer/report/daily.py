"""report.html: the day on one self-contained page for after-sales analysts.

Simple charts drawn by matplotlib as inline SVG (text drawn as paths, no fonts or
scripts to fetch), so the page opens offline and can be mailed as one file: bars to
compare technicians and priorities, lines for the hours of the day. Every number
comes from the schedule's KPIs or is recomputed from its stops; every user string is
HTML-escaped.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from optimizer.model import BLOCKED_BY, Priority, Problem, ReasonCode, Schedule, WorkOrder
from optimizer.report.kpis import response_h

REPORT_FILE = "report.html"
_BLUE, _GREEN, _RED, _GREY, _ORANGE = "#1976d2", "#2e7d32", "#c62828", "#9e9e9e", "#ef6c00"
_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1.2rem}.charts figure{margin:0;max-width:100%}
.charts svg{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#555;max-width:30rem}
"""


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _axes(title: str, size: tuple[float, float] = (4.2, 2.6)):
    fig = Figure(figsize=size)
    ax = fig.subplots()
    ax.set_title(title, fontsize=9)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts and whole percentages
    return fig, ax


def _bars(title: str, names: Sequence[str], values: Sequence[float], *, colour: str = _BLUE,
          fmt: str = "%g", ylabel: str = "") -> str:
    fig, ax = _axes(title, (max(3.2, 0.45 * len(names) + 1.2), 2.6))
    bars = ax.bar(range(len(names)), values, color=colour)
    ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 4 else 0,
                  ha="right" if len(names) > 4 else "center")
    ax.bar_label(bars, fmt=fmt, fontsize=7)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    return _svg(fig)


def _grouped(title: str, names: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]],
             *, ylabel: str = "", fmt: str = "%g") -> str:
    fig, ax = _axes(title, (max(3.6, 0.7 * len(names) * len(series) + 1.2), 2.6))
    width = 0.8 / len(series)
    for k, (label, values, colour) in enumerate(series):
        bars = ax.bar([i + k * width for i in range(len(names))], values, width, label=label,
                      color=colour)
        ax.bar_label(bars, fmt=fmt, fontsize=6)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(names))], names)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12),
              ncol=len(series))
    return _svg(fig)


def _lines(title: str, hours: Sequence[int], series: Sequence[tuple[str, Sequence[float], str]]
           ) -> str:
    fig, ax = _axes(title)
    for label, values, colour in series:
        ax.plot(hours, values, marker="o", markersize=3, label=label, color=colour)
    ax.set_xticks(hours, [f"{h:02d}" for h in hours])
    ax.set_xlabel("hour of planned start", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return _svg(fig)


def area_of(order: WorkOrder) -> str:
    """The area an order is reported under: its territory polygon, else its postcode."""
    if order.areas:
        return ", ".join(sorted(order.areas))
    return order.postcode or "no postcode"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def daily_report(problem: Problem, schedule: Schedule) -> str:
    """The report page as HTML text (the schedule must carry its KPIs)."""
    k = schedule.kpis
    if k is None:
        raise ValueError("daily_report needs a schedule with KPIs (report.kpis.with_kpis)")
    tz = ZoneInfo(schedule.timezone)
    orders = {o.order_id: o for o in problem.orders}
    stops = [(r, s) for r in schedule.routes for s in r.stops]
    remote = k.visits_avoided or 0
    title = f"Daily report – {schedule.problem_name or problem.name} – {problem.period}"
    charts: list[str] = []

    techs = [t for t in k.technicians if t.shift_h > 0]
    names = [t.tech_id for t in techs]
    charts.append(_figure(_bars("Utilisation per technician (%)", names,
                                [t.utilisation_pct for t in techs], fmt="%.0f"),
                          "Service time as a share of the shift."))
    charts.append(_figure(_bars("Jobs per technician", names, [t.orders for t in techs],
                                colour=_GREEN), "Visits planned for each technician."))

    levels = [p.value for p in Priority]
    sla_pct = _sla_by_priority(problem, schedule)
    response = {r.priority: r for r in k.response or ()}
    charts.append(_figure(_grouped(
        "On target by priority (%)", levels,
        [("SLA on time", [sla_pct.get(p, 100.0) for p in levels], _BLUE),
         ("response on target", [response[p].on_target_pct if p in response else 100.0
                                 for p in levels], _ORANGE)], fmt="%.0f"),
        "Unassigned orders count as missed; remote ones are left out."))

    late_area: Counter[str] = Counter()
    visits_area: Counter[str] = Counter()
    late_hour: Counter[int] = Counter()
    visits_hour: Counter[int] = Counter()
    for _route, stop in stops:
        order = orders[stop.order_id]
        area, hour = area_of(order), stop.start.astimezone(tz).hour
        missed = _missed(problem, order, stop)
        visits_area[area] += 1
        visits_hour[hour] += 1
        late_area[area] += missed
        late_hour[hour] += missed
    areas = sorted(visits_area)
    charts.append(_figure(_grouped(
        "Visits and late visits by area", areas,
        [("visits", [visits_area[a] for a in areas], _GREY),
         ("late", [late_area[a] for a in areas], _RED)]),
        "Late: after the SLA due time or the response target. Area: territory, else "
        "postcode."))
    hours = list(range(min(visits_hour, default=8), max(visits_hour, default=17) + 1))
    charts.append(_figure(_lines("Visits and late visits by hour", hours,
                                 [("visits", [visits_hour[h] for h in hours], _GREY),
                                  ("late", [late_hour[h] for h in hours], _RED)]),
                          "Planned starts per hour of the day."))

    per_order = _travel_cost_per_order(problem, schedule)
    charts.append(_figure(_bars("Travel cost per order", list(per_order),
                                list(per_order.values()), colour=_GREY, fmt="%.2f"),
                          "Driving (km and hours at the technician's rates) divided by "
                          "the visits; 'all' is the day."))

    counts = Counter(ReasonCode(u.code) for u in schedule.unassigned)
    blocked = {group: sum(counts[c] for c in codes) for group, codes in BLOCKED_BY.items()}
    charts.append(_figure(_bars("Orders blocked before planning", list(blocked),
                                list(blocked.values()), colour=_RED),
                          "No technician with the skills; no van with the parts or parts "
                          "too late; outside every territory (hard)."))
    routed = len(stops)
    other = k.unassigned - remote
    charts.append(_figure(_bars("Visits, remote and unassigned", ["visits", "remote",
                                                                  "unassigned"],
                                [routed, remote, other], colour=_GREEN),
                          f"Remote-resolvable share: {_pct(remote, k.orders_total)} of "
                          f"{k.orders_total} orders; each is a visit avoided."))

    summary = [("orders", f"{k.orders_total}"), ("visits planned", f"{routed}"),
               ("resolved remotely", f"{remote} ({_pct(remote, k.orders_total)})"),
               ("unassigned (not remote)", f"{other}"),
               ("SLA on time, of all SLA orders",
                f"{k.sla_on_time} / {k.sla_orders_all} ({k.sla_on_time_all_pct:.1f}%)"),
               ("travel", f"{k.travel_km:.1f} km, {k.travel_h:.2f} h"),
               ("cost", f"{k.cost:,.2f}")]
    rows = "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in summary)
    response_rows = "".join(
        f"<tr><td>{escape(r.priority)}</td><td>{r.target_h:g} h</td><td>{r.orders}</td>"
        f"<td>{r.on_target} ({r.on_target_pct:.1f}%)</td>"
        f"<td>{'' if r.mean_h is None else f'{r.mean_h:.1f} h'}</td>"
        f"<td>{'' if r.p90_h is None else f'{r.p90_h:.1f} h'}</td></tr>"
        for r in k.response or ())
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n<table>{rows}</table>\n"
        "<h2>Response time (request to planned arrival)</h2>\n"
        "<table><tr><th>priority</th><th>target</th><th>orders</th><th>on target</th>"
        f"<th>mean</th><th>90th percentile</th></tr>{response_rows}</table>\n"
        f'<h2>Charts</h2>\n<div class="charts">{"".join(charts)}</div>\n</body>\n</html>\n'
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def _sla_by_priority(problem: Problem, schedule: Schedule) -> dict[str, float]:
    """SLA on time by priority, an unassigned (not remote) SLA order counting as missed."""
    due: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for route in schedule.routes:
        for stop in route.stops:
            order = problem.order(stop.order_id)
            if order.sla_due is not None:
                due[order.priority.value] += 1
                kept[order.priority.value] += stop.sla_late_s == 0
    for item in schedule.unassigned:
        order = problem.order(item.order_id)
        if order.sla_due is not None and not order.remote_resolvable:
            due[order.priority.value] += 1
    return {p: round(100 * kept[p] / n, 1) for p, n in due.items()}


def _missed(problem: Problem, order: WorkOrder, stop) -> bool:
    """Late for its SLA, or after its response target."""
    hours = response_h(order, stop)
    return stop.sla_late_s > 0 or (
        hours is not None and hours > problem.response_target_h[order.priority])


def _travel_cost_per_order(problem: Problem, schedule: Schedule) -> dict[str, float]:
    """Per technician and for the day: driving cost (km and hours) / visits."""
    cost: Counter[str] = Counter()
    visits: Counter[str] = Counter()
    for route in schedule.routes:
        tech = problem.technician(route.tech_id)
        cost[route.tech_id] += (route.distance_m / 1000 * tech.cost_per_km
                                + route.travel_s / 3600 * tech.cost_per_hour)
        visits[route.tech_id] += len(route.stops)
    result = {t: round(cost[t] / visits[t], 2) for t in sorted(visits) if visits[t]}
    total = sum(visits.values())
    result["all"] = round(sum(cost.values()) / total, 2) if total else 0.0
    return result
