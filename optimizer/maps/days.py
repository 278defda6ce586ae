"""The map pages of a plan of several days: for each working day an overview
(``overview-<date>.html``) and one phone page per technician with a route that day
(``tech-<id>-<date>.html``); ``overview.html`` shows the whole horizon, and every
overview carries a day selector (links to the other days). The index lists every day.

Each day is drawn by the one-day builders (:mod:`.overview`, :mod:`.tech_page`) on
that day's routes, with that day's KPIs (:func:`optimizer.report.kpis.by_day`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from optimizer.maps import content as c
from optimizer.maps.escape import h, safe_filename_part
from optimizer.maps.overview import build_overview, routes_by_tech
from optimizer.maps.styles import BASE_CSS, TECH_CSS
from optimizer.maps.tech_page import build_tech_page
from optimizer.maps.timeline import TIMELINE_FILE, build_timeline_page
from optimizer.model import Basemap, Problem, Schedule, shift_date
from optimizer.report.kpis import by_day

_PANEL = '<aside class="fso-panel" aria-label="Day summary">'
_DAYS_CSS = (".fso-days{display:flex;flex-wrap:wrap;gap:4px;margin:0 0 8px}"
             ".fso-days a{padding:2px 6px;border:1px solid #999;border-radius:4px}"
             ".fso-days a[aria-current]{font-weight:bold;background:#eee}")


def overview_name(day: date | None) -> str:
    return "overview.html" if day is None else f"overview-{day.isoformat()}.html"


def tech_day_name(tech_id: str, day: date) -> str:
    return f"tech-{safe_filename_part(tech_id)}-{day.isoformat()}.html"


def day_schedule(problem: Problem, schedule: Schedule, day: date,
                 kpis: Mapping[date, object]) -> tuple[Problem, Schedule]:
    """The problem and schedule of one day: its shifts and routes, drawn as a one-day plan
    (the orders left out of the whole horizon are listed on every day)."""
    ids = {s.shift_id for s in problem.shifts if shift_date(s) == day}
    routes = tuple(r for r in schedule.routes if r.shift_id in ids)
    return (replace(problem, plan_date=day, days=1,
                    shifts=tuple(s for s in problem.shifts if s.shift_id in ids)),
            replace(schedule, plan_date=day, routes=routes, kpis=kpis.get(day)))


def _with_selector(page: str, days: list[date], current: date | None) -> str:
    links = [f'<a href="{overview_name(None)}"'
             f'{" aria-current=page" if current is None else ""}>Whole plan</a>']
    links += [f'<a href="{overview_name(d)}"{" aria-current=page" if d == current else ""}>'
              f'{h(d.strftime("%a %d %b"))}</a>' for d in days]
    nav = f'<nav class="fso-days" aria-label="Days">{"".join(links)}</nav>'
    page = page.replace(_PANEL, _PANEL + nav, 1)
    return page.replace("</style>", _DAYS_CSS + "</style>", 1)


def render_days(problem: Problem, schedule: Schedule, out: Path, *,
                options: Mapping[str, object], background: Basemap | None = None,
                links: Sequence[tuple[str, str]] = (), minimal: bool = False) -> list[Path]:
    """Write the pages of a several-day plan into ``out``; returns them, index last.

    ``background``, ``links`` (listed on the index: ``report.html``) and ``minimal``
    (``[privacy] phone_pages``) as for one day (:func:`optimizer.maps.render_maps`); the
    timeline page shows the whole plan."""
    days = sorted({shift_date(s) for s in problem.shifts})
    kpis = by_day(problem, schedule)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    whole = build_overview(problem, schedule, tech_pages={}, background=background, **options)
    write(overview_name(None), _with_selector(whole, days, None))
    # every overview links the timeline page: the whole plan's
    write(TIMELINE_FILE, build_timeline_page(problem, schedule))
    sections = []
    for day in days:
        day_problem, day_plan = day_schedule(problem, schedule, day, kpis)
        pages = {t: tech_day_name(t, day) for t in routes_by_tech(day_plan)}
        page = build_overview(day_problem, day_plan, tech_pages=pages, background=background,
                              **options)
        write(overview_name(day), _with_selector(page, days, day))
        # a technician with no route that day any more (after a re-plan) gets a fresh,
        # empty page in place of the old one: a stale list of stops is never left behind
        for tech in problem.technicians:
            stale = tech_day_name(tech.tech_id, day)
            if tech.tech_id not in pages and (out / stale).exists():
                write(stale, build_tech_page(day_problem, day_plan, tech.tech_id, **options,
                                             minimal=minimal))
        items = []
        for tech_id, name in pages.items():
            write(name, build_tech_page(day_problem, day_plan, tech_id, **options,
                                        minimal=minimal))
            stops = sum(len(r.stops) for r in routes_by_tech(day_plan)[tech_id])
            items.append(f'<li class="fso-item" data-tech-id="{h(tech_id)}">'
                         f'<a class="fso-btn fso-btn-alt" href="{h(name)}">'
                         f'{h(c.tech_name(problem, tech_id))}</a> '
                         f'<span class="fso-meta">{c.stops_text(stops)}</span></li>')
        k = kpis.get(day)
        summary = (f"{k.scheduled} orders, {k.travel_km:.1f} km, {k.late_orders or 0} late"
                   if k else "")
        sections.append(
            f'<section data-day="{day.isoformat()}"><h2>{h(day.strftime("%A %d %B %Y"))}'
            f' <span class="fso-meta">{h(summary)}</span></h2><ul class="fso-list">'
            f'<li class="fso-item"><a class="fso-btn" href="{overview_name(day)}">'
            f'Dispatcher overview</a></li>{"".join(items)}</ul></section>')
    title = (f"Maps – {schedule.problem_name or problem.name} – {problem.plan_date} to "
             f"{problem.end_date}")
    write("index.html", (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{h(title)}</title>\n<style>{BASE_CSS}{TECH_CSS}</style>\n</head>\n"
        f'<body class="fso-tech"><header class="fso-top"><h1>{h(title)}</h1></header>\n'
        f'<ul class="fso-list"><li class="fso-item"><a class="fso-btn" '
        f'href="{overview_name(None)}">Whole plan</a></li>'
        f'<li class="fso-item"><a class="fso-btn" href="{TIMELINE_FILE}">Timeline</a></li>'
        + "".join(f'<li class="fso-item"><a class="fso-btn" href="{h(href)}">{h(label)}</a>'
                  "</li>" for href, label in links) + '</ul>\n'
        f'{"".join(sections)}\n</body>\n</html>\n'))
    return written
