"""Write the map pages of a schedule: overview, one page per technician, index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from optimizer.maps import content as c
from optimizer.maps.elements import tile_layer
from optimizer.maps.escape import h, safe_filename_part
from optimizer.maps.overview import build_overview, routes_by_tech
from optimizer.maps.styles import BASE_CSS, TECH_CSS
from optimizer.maps.tech_page import build_tech_page
from optimizer.maps.timeline import TIMELINE_FILE, build_timeline_page
from optimizer.model import Basemap, Problem, Schedule

OVERVIEW_FILE = "overview.html"
INDEX_FILE = "index.html"


def tech_page_names(tech_ids: list[str]) -> dict[str, str]:
    """Technician id -> ``tech-<id>.html``, with the id made filename-safe and unique.

    Unsafe characters become ``_``; a clash (also one differing only in case,
    for case-insensitive file systems) gets ``-2``, ``-3``... appended.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for tech_id in tech_ids:
        stem = f"tech-{safe_filename_part(tech_id)}"
        name, n = f"{stem}.html", 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}.html"
        taken.add(name.lower())
        names[tech_id] = name
    return names


def _index_html(problem: Problem, schedule: Schedule, pages: dict[str, str],
                changed: Mapping[str, str], links: Sequence[tuple[str, str]] = ()) -> str:
    by_tech = routes_by_tech(schedule)
    items = [
        f'<li class="fso-item"><a class="fso-btn" href="{OVERVIEW_FILE}">'
        "Dispatcher overview</a></li>",
        f'<li class="fso-item"><a class="fso-btn" href="{TIMELINE_FILE}">'
        "Timeline of the day</a></li>",
    ]
    items += [f'<li class="fso-item"><a class="fso-btn" href="{h(href)}">{h(label)}</a></li>'
              for href, label in links]
    for tech_id, page in pages.items():
        stops = sum(len(r.stops) for r in by_tech.get(tech_id, []))
        items.append(
            f'<li class="fso-item" data-tech-id="{h(tech_id)}"><a class="fso-btn fso-btn-alt" '
            f'href="{h(page)}">{h(c.tech_name(problem, tech_id))}</a> '
            f'<span class="fso-meta">{c.stops_text(stops)}</span>'
            + (f' <strong class="fso-changed">{h(changed[tech_id])}</strong>'
               if tech_id in changed else "")
            + "</li>"
        )
    gone = sorted(set(changed) - set(pages))
    items += [f'<li class="fso-item"><span class="fso-meta">{h(c.tech_name(problem, t))}: '
              f'<strong class="fso-changed">{h(changed[t])}</strong></span></li>'
              for t in gone if any(x.tech_id == t for x in problem.technicians)]
    title = f"Maps – {schedule.problem_name or problem.name} – {schedule.plan_date}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{h(title)}</title>\n<style>{BASE_CSS}{TECH_CSS}</style>\n</head>\n"
        f'<body class="fso-tech"><header class="fso-top"><h1>{h(title)}</h1></header>\n'
        f'<ul class="fso-list">{"".join(items)}</ul>\n</body>\n</html>\n'
    )


def render_maps(
    problem: Problem,
    schedule: Schedule,
    out_dir: str | Path,
    *,
    tiles: str | None = "OpenStreetMap",
    tile_attribution: str | None = None,
    changed: Mapping[str, str] | None = None,
    background: Basemap | None = None,
    links: Sequence[tuple[str, str]] = (),
    minimal: bool = False,
) -> list[Path]:
    """Write the overview, one phone page per technician with a route, and an index.

    Every page is self-contained: Leaflet and its plugins are inlined from
    installed packages, so routes, markers and stop lists show without a
    network. Only the background tiles are fetched, and when they fail the
    page says so and stays usable.

    Parameters
    ----------
    problem : Problem
        The problem the schedule answers (orders, technicians).
    schedule : Schedule
        The plan to draw.
    out_dir : str or Path
        Folder to write into (created if missing); files of the same names are
        replaced, other files are left alone.
    tiles : str or None, default "OpenStreetMap"
        An xyzservices provider name (``"CartoDB Positron"``) or a Leaflet URL
        template (``"https://tiles.example/{z}/{x}/{y}.png"``). ``None`` (or
        ``"none"``, as scenario.toml has no null) draws no background map.
    tile_attribution : str, optional
        Attribution for the tiles; required with a URL template. Only plain
        text and ``<a href="http(s)://...">`` links are kept as HTML; any other
        tag, attribute or script is shown as text. The OpenStreetMap
        contributors credit is added when it is missing.
    changed : mapping, optional
        After a re-plan: technician id -> what changed for them. Only their pages
        (and pages missing from ``out_dir``) are rewritten, so technicians keep
        their links; the index shows the notes.
    background : Basemap, optional
        Main roads, water and place names (from the scenario's OSM extract, see
        :func:`optimizer.geo.basemap.basemap_for`), drawn on the overview under the
        tiles, so that it shows when they cannot load.
    links : sequence of (href, label), optional
        More pages listed on the index under the overview (``report.html``).
    minimal : bool, default False
        ``[privacy] phone_pages = "minimal"``: technicians' pages show only what a
        visit needs (see :func:`~optimizer.maps.tech_page.build_tech_page`).

    Returns
    -------
    list of Path
        ``overview.html``, ``timeline.html``, then ``tech-<id>.html`` per technician
        with a route (in the order of the schedule's routes), then ``index.html``. A plan of
        several days writes ``overview-<date>.html`` and ``tech-<id>-<date>.html``
        per day as well (:mod:`optimizer.maps.days`).

    Raises
    ------
    ValueError
        If ``tiles`` is a URL template and ``tile_attribution`` is not given,
        or ``tiles`` names no known provider.
    """
    tile_layer(tiles, tile_attribution)  # fail before writing anything
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if problem.days > 1:  # several days: per-day pages (optimizer.maps.days)
        from optimizer.maps.days import render_days

        return render_days(problem, schedule, out,
                           options={"tiles": tiles, "tile_attribution": tile_attribution},
                           background=background, links=links, minimal=minimal)
    techs = list(routes_by_tech(schedule))
    # after a re-plan, a technician left with no route still gets a fresh (empty) page
    # in place of the old one, so a stale list of stops is never left behind
    techs += [t for t in (changed or {}) if t not in techs
              and (out / tech_page_names([t])[t]).exists()]
    pages = tech_page_names(techs)
    options = {"tiles": tiles, "tile_attribution": tile_attribution}

    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    write(OVERVIEW_FILE, build_overview(problem, schedule, tech_pages=pages,
                                        background=background, **options))
    write(TIMELINE_FILE, build_timeline_page(problem, schedule))
    for tech_id, name in pages.items():
        if changed is None or tech_id in changed or not (out / name).exists():
            write(name, build_tech_page(problem, schedule, tech_id, **options, minimal=minimal))
    write(INDEX_FILE, _index_html(problem, schedule, pages, changed or {}, links))
    return written
