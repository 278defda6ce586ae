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
.fso-overview .fso-map { flex: 1 1 auto; height: 100vh; min-width: 0; }
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
