"""Our own CSS for the pages (no third-party code here)."""

BASE_CSS = """
:root { --fg: #1b1f23; --muted: #56606c; --line: #d5dbe1; --brand: #12355b;
  --warn: #7a4f00; --warnbg: #fff1cc; --late: #b00020; --ok: #17692e; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "DejaVu Sans", sans-serif; color: var(--fg); background: #f4f6f8; }
.leaflet-container { background: #e6ebf0; font: 14px/1.4 system-ui, "DejaVu Sans", sans-serif; }
.fso-marker { background: none; border: 0; }
.fso-pin { width: 100%; height: 100%; border-radius: 50%; color: #fff; font-weight: 700;
  display: flex; align-items: center; justify-content: center; font-size: 13px;
  border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0, 0, 0, .55); }
.fso-pin-late { border: 3px solid var(--late); }
.fso-pin-lowconf { outline: 3px dashed #d99a00; outline-offset: 1px; }
.fso-pin-place { border-radius: 5px; background: #1b1f23; font-size: 15px; }
.fso-pin-unassigned { background: #fff; color: #444; border: 2px dashed #444; }
.fso-cluster { width: 100%; height: 100%; border-radius: 50%; color: #fff; font-weight: 700;
  display: flex; align-items: center; justify-content: center; opacity: .9;
  border: 3px solid rgba(255, 255, 255, .8); box-shadow: 0 1px 4px rgba(0, 0, 0, .5); }
.fso-popup { min-width: 200px; overflow-wrap: anywhere; }
.fso-popup ul { margin: 4px 0 0; padding-left: 18px; }
.fso-rows { border-collapse: collapse; margin-top: 4px; }
.fso-rows th { text-align: left; color: var(--muted); font-weight: 600; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }
.fso-rows td { padding: 1px 0; }
.fso-badge { display: inline-block; border-radius: 6px; padding: 2px 8px; font-weight: 600;
  font-size: .9em; margin: 4px 0; }
.fso-badge-warn { background: var(--warnbg); color: var(--warn); }
.fso-badge-late { background: #fde7ea; color: var(--late); }
.fso-badge-ok { background: #e3f4e7; color: var(--ok); }
.fso-late { color: var(--late); font-weight: 700; }
.fso-ok { color: var(--ok); }
.fso-tile-note { background: rgba(255, 255, 255, .94); padding: 6px 10px; border-radius: 6px;
  max-width: 280px; box-shadow: 0 1px 4px rgba(0, 0, 0, .3); }
.fso-swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px;
  vertical-align: -2px; margin-right: 6px; }
.leaflet-control-layers label { padding: 3px 0; }
"""

OVERVIEW_CSS = """
body.fso-overview { display: flex; height: 100vh; }
.fso-main { flex: 1 1 auto; display: flex; flex-direction: column; height: 100vh; min-width: 0; }
.fso-overview .fso-map { flex: 1 1 auto; min-height: 240px; min-width: 0; }
.fso-overview .fso-timeline { flex: 0 1 auto; max-height: 36vh; overflow: auto;
  border-top: 1px solid var(--line); }
.fso-has-bg.leaflet-container { background: #f3f1ec; }
.fso-bg-place { background: none; border: 0; }
.fso-bg-label { transform: translate(-50%, -50%); white-space: nowrap; color: #5b5b5b;
  font: 600 12px/1 system-ui, "DejaVu Sans", sans-serif; letter-spacing: .02em;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.fso-bg-city, .fso-bg-town { font-size: 14px; color: #3f3f3f; }
.fso-bg-suburb { font-weight: 400; font-style: italic; }
.fso-tag { font-size: .85em; background: #eef1f4; border-radius: 4px; padding: 0 4px; }
.fso-techs summary, .fso-timeline summary { font-weight: 700; cursor: pointer; margin: 14px 0 6px; }
.fso-show-row { margin: 4px 0; color: var(--muted); font-size: .88rem; }
.fso-risk { list-style: none; margin: 0; padding: 0; max-height: 30vh; overflow-y: auto; }
.fso-risk li { border-top: 1px solid var(--line); }
.fso-focus { all: unset; display: block; width: 100%; padding: 5px 0; cursor: pointer; }
.fso-focus:hover, .fso-focus:focus { background: #f0f4f8; }
.fso-risk-text { color: var(--warn); font-weight: 600; }
.fso-panel { flex: 0 0 360px; height: 100vh; overflow-y: auto; padding: 14px 16px;
  background: #fff; border-left: 1px solid var(--line); overflow-wrap: anywhere; }
.fso-panel h1 { font-size: 1.2rem; margin: 0 0 2px; }
.fso-panel h2 { font-size: 1rem; margin: 16px 0 6px; }
.fso-panel .fso-sub { color: var(--muted); margin: 0 0 8px; font-size: .92rem; }
.fso-kpis { width: 100%; border-collapse: collapse; }
.fso-kpis th { text-align: left; font-weight: 500; color: var(--muted); padding: 3px 0; }
.fso-kpis td { text-align: right; font-weight: 700; padding: 3px 0; }
.fso-legend, .fso-unassigned { list-style: none; margin: 0; padding: 0; }
.fso-legend li { padding: 4px 0; }
.fso-legend a { color: inherit; }
.fso-unassigned li { padding: 6px 0; border-top: 1px solid var(--line); }
.fso-panel h3.fso-reason { font-size: .92rem; font-weight: 600; margin: 10px 0 2px; }
.fso-key { color: var(--muted); font-size: .9rem; }
.fso-key span { white-space: nowrap; margin-right: 10px; }
@media (max-width: 760px) {
  body.fso-overview { display: block; height: auto; }
  .fso-main { display: block; height: auto; }
  .fso-overview .fso-map { height: 62vh; }
  .fso-panel { height: auto; border-left: 0; }
}
"""

TECH_CSS = """
body.fso-tech { font-size: 18px; }
.fso-top { position: sticky; top: 0; z-index: 1100; background: var(--brand); color: #fff;
  padding: 10px 16px; }
.fso-top h1 { font-size: 1.3rem; margin: 0; overflow-wrap: anywhere; }
.fso-top p { margin: 2px 0 0; font-size: 1rem; opacity: .92; }
.fso-tech .fso-map { height: 42vh; min-height: 240px; }
.fso-tech .leaflet-bar a { width: 44px; height: 44px; line-height: 44px; font-size: 22px; }
.fso-list { list-style: none; margin: 0 auto; padding: 6px 10px 48px; max-width: 720px; }
.fso-item { background: #fff; border: 1px solid var(--line); border-radius: 12px;
  padding: 12px 14px; margin: 10px 0; overflow-wrap: anywhere; }
.fso-item-break { background: #eaf5ec; }
.fso-item-place { background: #eef1f4; }
.fso-item h2 { font-size: 1.15rem; margin: 0 0 4px; display: flex; gap: 10px;
  align-items: center; }
.fso-num { flex: 0 0 40px; width: 40px; height: 40px; border-radius: 50%; color: #fff;
  display: inline-flex; align-items: center; justify-content: center; font-weight: 700; }
.fso-time { font-weight: 700; font-size: 1.15rem; }
.fso-meta { color: var(--muted); font-size: 1rem; margin: 2px 0; }
.fso-changed { color: #b3261e; font-size: 1rem; margin-left: 6px; }
.fso-notes { white-space: pre-wrap; background: #fff9e0; border-radius: 6px; padding: 6px 8px;
  margin: 6px 0 0; }
.fso-actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.fso-btn { display: inline-flex; align-items: center; justify-content: center; min-height: 48px;
  min-width: 48px; padding: 0 16px; border-radius: 10px; background: var(--brand); color: #fff;
  text-decoration: none; font-weight: 600; font-size: 1rem; }
.fso-btn-alt { background: #fff; color: var(--brand); border: 2px solid var(--brand); }
.fso-phone-text { display: inline-block; padding: 10px 0; }
.fso-empty { padding: 16px; }
"""

TIMELINE_CSS = """
.fso-timeline { background: #fff; padding: 0 10px 8px; font-size: 13px; }
.fso-timeline summary { margin: 8px 0 4px; }
.fso-tl-key { color: var(--muted); margin: 0 0 4px; }
.fso-tl-key span { margin-right: 10px; white-space: nowrap; }
.fso-tl-key i { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  vertical-align: -1px; border-radius: 2px; position: static; }
.fso-tl-row { display: flex; align-items: center; height: 22px; }
.fso-tl-row[hidden] { display: none; }
.fso-tl-label { flex: 0 0 190px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis;
  padding-right: 6px; }
.fso-tl-track { position: relative; flex: 1 1 auto; height: 18px; background: #f4f6f8; }
.fso-tl-axis .fso-tl-track { background: none; height: 16px; }
.fso-tl-hour { position: absolute; top: 0; transform: translateX(-50%); color: var(--muted);
  font-size: 11px; }
.fso-tl-shift, .fso-tl-b { position: absolute; top: 2px; bottom: 2px; }
.fso-tl-shift, i.fso-tl-shift { background: #dde7f0; top: 0; bottom: 0; }
.fso-tl-travel, i.fso-tl-travel { background: repeating-linear-gradient(90deg, #8a96a3 0 3px,
  transparent 3px 5px); top: 7px; bottom: 7px; }
.fso-tl-wait { background: #c9d3dc; top: 8px; bottom: 8px; }
.fso-tl-visit { border-radius: 3px; color: #fff; font-size: 10px; line-height: 14px;
  text-align: center; overflow: hidden; cursor: pointer; min-width: 3px;
  box-shadow: inset 0 0 0 1px rgba(255, 255, 255, .6); }
.fso-tl-visit:hover, .fso-tl-visit:focus { outline: 2px solid #111; z-index: 2; }
.fso-tl-late, i.fso-tl-late { outline: 2px solid var(--late); outline-offset: 0;
  background-image: repeating-linear-gradient(45deg, rgba(255, 255, 255, .45) 0 3px,
  transparent 3px 7px) !important; z-index: 1; }
i.fso-tl-late { background-color: var(--late); }
.fso-tl-lunch, i.fso-tl-lunch { background: #5fb36b; }
.fso-tl-absence, i.fso-tl-absence { background: repeating-linear-gradient(45deg, #6d6d6d 0 3px,
  #a8a8a8 3px 6px); }
.fso-tl-overtime, i.fso-tl-overtime { background: rgba(176, 0, 32, .22); top: 0; bottom: 0;
  border-left: 2px solid var(--late); }
.fso-tl-card { position: fixed; z-index: 2000; max-width: 340px; background: #fff;
  border-radius: 8px; padding: 8px 10px; box-shadow: 0 3px 14px rgba(0, 0, 0, .4);
  pointer-events: none; font-size: 13px; }
body.fso-timeline-page { margin: 0; }
.fso-timeline-page header { background: var(--brand); color: #fff; padding: 10px 16px; }
.fso-timeline-page header h1 { font-size: 1.2rem; margin: 0; }
.fso-timeline-page header a { color: #fff; }
"""
