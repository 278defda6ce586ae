"""Self-contained HTML reports for planners: KPI tables with deltas, and charts (inline SVG).

Charts are drawn with matplotlib into SVG text, so a report opens offline and
can be mailed as one file. Every user-provided string is HTML-escaped.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from html import escape

from matplotlib.figure import Figure

from optimizer.model import Kpis, ReasonCode, Schedule
from optimizer.report.changes import OrderChange
from optimizer.report.compare import METRICS, number_text

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.good{color:#1a7f37}.bad{color:#c62828}.muted{color:#888}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{margin:0}
figcaption{font-size:.85rem;color:#555}
"""


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _bar_chart(title: str, names: Sequence[str], values: Sequence[float], unit: str) -> str:
    fig = Figure(figsize=(3.6, 2.4))
    ax = fig.subplots()
    bars = ax.bar(range(len(names)), values, color=["#607d8b", *["#1976d2"] * (len(names) - 1)])
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=7)
    ax.set_title(f"{title}{f' ({unit})' if unit else ''}", fontsize=9)
    ax.bar_label(bars, fmt="%g", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _utilisation_chart(names: Sequence[str], kpis: Sequence[Kpis]) -> str:
    techs = sorted({t.tech_id for k in kpis for t in k.technicians})
    fig = Figure(figsize=(max(5.0, 0.5 * len(techs) * max(1, len(names))), 2.8))
    ax = fig.subplots()
    width = 0.8 / max(1, len(names))
    for i, (name, k) in enumerate(zip(names, kpis, strict=True)):
        use = {t.tech_id: t.utilisation_pct for t in k.technicians}
        ax.bar([j + i * width for j in range(len(techs))], [use.get(t, 0) for t in techs],
               width, label=name)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(techs))], techs,
                  fontsize=7, rotation=45)
    ax.set_ylabel("service / shift (%)", fontsize=8)
    ax.set_title("Utilisation per technician", fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def reason_counts(schedule: Schedule) -> dict[ReasonCode, int]:
    """How many orders are unassigned with each reason code, in the codes' order."""
    counts = Counter(ReasonCode(u.code) for u in schedule.unassigned)
    return {code: counts[code] for code in ReasonCode if counts[code]}


def _reasons_chart(names: Sequence[str], schedules: Sequence[Schedule]) -> str:
    """Stacked bars of the unassigned orders by reason code, one bar per scenario."""
    counts = [reason_counts(s) for s in schedules]
    codes = [code for code in ReasonCode if any(code in c for c in counts)]
    fig = Figure(figsize=(6.0, 0.5 + 0.35 * max(1, len(names))))
    ax = fig.subplots()
    left = [0] * len(names)
    for code in codes:
        values = [c.get(code, 0) for c in counts]
        ax.barh(range(len(names)), values, left=left, label=f"{code.label} ({code})")
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_title("Unassigned orders by reason", fontsize=9)
    if codes:
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _delta_cell(value: float, delta: float, better_high: bool, unit: str) -> str:
    shown = f"{number_text(value)}{escape(unit) if unit == '%' else ''}"
    if abs(delta) < 1e-9:
        return f"<td>{shown}</td>"
    good = (delta > 0) == better_high
    return (f'<td>{shown} <span class="{"good" if good else "bad"}">'
            f"({number_text(delta, sign=True)})</span></td>")


def kpi_table(names: Sequence[str], rows: Sequence[dict[str, float]]) -> str:
    """An HTML table: one column per scenario, deltas against the first."""
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    body = []
    for key, label, unit, better_high in METRICS:
        cells = [f"<td>{number_text(rows[0][key])}</td>"]
        cells += [_delta_cell(r[key], r[key] - rows[0][key], better_high, unit) for r in rows[1:]]
        suffix = f" ({escape(unit)})" if unit else ""
        body.append(f"<tr><td>{escape(label)}{suffix}</td>{''.join(cells)}</tr>")
    return f"<table><tr><th>KPI</th>{head}</tr>{''.join(body)}</table>"


def compare_report(names: Sequence[str], schedules: Sequence[Schedule],
                   rows: Sequence[dict[str, float]],
                   changes: Sequence[Sequence[OrderChange]]) -> str:
    """The comparison page: KPI table, charts, and the orders that changed hands.

    The KPI table shows the travel-and-labour cost beside the full objective
    (with the drop penalties of unassigned orders), so a what-if that saves
    travel by leaving orders undone does not look cheaper than it is.
    """
    charts = [
        _bar_chart("Orders scheduled", names, [r["scheduled"] for r in rows], ""),
        _bar_chart("Unassigned", names, [r["unassigned"] for r in rows], ""),
        _bar_chart("SLA on time (of all SLA orders)", names,
                   [r["sla_on_time_all_pct"] for r in rows], "%"),
        _bar_chart("Travel", names, [r["travel_km"] for r in rows], "km"),
        _bar_chart("Overtime", names, [r["overtime_min"] for r in rows], "min"),
        _bar_chart("Travel and labour cost", names, [r["travel_cost"] for r in rows], ""),
        _bar_chart("Full objective (with drop penalties)", names,
                   [r["objective_cost"] for r in rows], ""),
    ]
    parts = [f"<h1>Scenario comparison: {escape(names[0])} vs "
             f"{escape(', '.join(names[1:]))}</h1>",
             "<h2>KPIs</h2>", kpi_table(names, rows),
             '<h2>Charts</h2><div class="charts">',
             *(f"<figure>{c}</figure>" for c in charts), "</div>",
             _utilisation_chart(names, [s.kpis for s in schedules]),
             _reasons_chart(names, schedules)]
    for name, moves in zip(names[1:], changes, strict=True):
        parts.append(f"<h2>Orders that changed in {escape(name)} ({len(moves)})</h2>")
        if not moves:
            parts.append('<p class="muted">Every order kept its technician.</p>')
            continue
        rows_html = "".join(
            f"<tr><td>{escape(m.order_id)}</td><td>{escape(m.status)}</td>"
            f"<td>{escape(m.old_tech or '—')}</td><td>{escape(m.new_tech or '—')}</td>"
            f"<td>{escape(m.reason)}</td></tr>" for m in moves)
        parts.append("<table><tr><th>order</th><th>change</th><th>base technician</th>"
                     f"<th>technician</th><th>reason</th></tr>{rows_html}</table>")
    return _page("Scenario comparison", parts)


def sweep_report(table_rows: Sequence[dict[str, object]], parameters: Sequence[str]) -> str:
    """The sweep page: KPI curves against the first parameter, one line per other setting."""
    ok = [r for r in table_rows if r.get("status") == "ok"]
    parts = [f"<h1>Sweep over {escape(', '.join(parameters))} ({len(table_rows)} runs)</h1>"]
    failed = [r for r in table_rows if r.get("status") != "ok"]
    if failed:
        items = "".join(f"<li>{escape(str(r.get('run')))}: {escape(str(r.get('error')))}</li>"
                        for r in failed)
        parts.append(f'<h2 class="bad">Failed runs ({len(failed)})</h2><ul>{items}</ul>')
    if ok and parameters:
        x_name, others = parameters[0], parameters[1:]
        charts = []
        for key, label, unit, _ in METRICS:
            # rows of a sweep written before a metric existed lack it
            if key.startswith(("scheduled_", "unassigned_")) or any(key not in r for r in ok):
                continue
            fig = Figure(figsize=(3.6, 2.4))
            ax = fig.subplots()
            groups: dict[str, list[tuple[float, float]]] = {}
            for r in ok:
                name = ", ".join(f"{p}={r[p]}" for p in others) or key
                groups.setdefault(name, []).append((float(r[x_name]), float(r[key])))
            for name, points in groups.items():
                points.sort()
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
            ax.set_xlabel(x_name, fontsize=8)
            ax.set_title(f"{label}{f' ({unit})' if unit else ''}", fontsize=9)
            ax.tick_params(labelsize=7)
            if others:
                ax.legend(fontsize=6, frameon=False)
            ax.spines[["top", "right"]].set_visible(False)
            charts.append(_svg(fig))
        parts += ['<div class="charts">', *(f"<figure>{c}</figure>" for c in charts), "</div>"]
    columns = list(table_rows[0]) if table_rows else []
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(r.get(c, '')))}</td>" for c in columns)
                   + "</tr>" for r in table_rows)
    parts.append(f"<h2>All runs</h2><table><tr>{head}</tr>{body}</table>")
    return _page("Sweep", parts)


def _page(title: str, parts: Sequence[str]) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")
