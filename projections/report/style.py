"""The report's look: the reference codecs' names, the colours of its plots, their resolution, the page's
Content-Security-Policy and its style sheet."""

from __future__ import annotations

REFERENCE_LABELS = {"jpeg": "JPEG", "webp": "WebP", "x264": "x264", "x265": "x265"}
COLOURS = {
    "adopted": "#2e7d32",
    "declined": "#78909c",
    "rejected": "#e57373",
    "failed": "#c62828",
    "timeout": "#f9a825",
    "oom": "#6a1b9a",
    "violation": "#4e342e",
    "pending": "#bdbdbd",
    "best": "#2e7d32",
    "jpeg": "#1565c0",
    "webp": "#8e24aa",
    "x264": "#ef6c00",
    "x265": "#6d4c41",
    "rollback": "#ef6c00",
}
DPI = 110
# The page loads nothing and runs nothing: should any text ever slip through unescaped, the browser still refuses it.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #1f2933; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
       "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
header { background: #fff; border-radius: 10px; padding: 20px 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.kicker { margin: 0; color: #52606d; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; }
h1 { margin: 4px 0 6px; font-size: 30px; color: #1b5e20; }
h2 { margin: 0 0 6px; font-size: 20px; }
.since { margin: 0 0 8px; }
.asof { margin: 0 0 8px; padding: 6px 10px; background: #fff8e1; border-left: 4px solid #ffb300; border-radius: 4px; }
.asof.now { background: #eef2f5; border-left-color: #90a4ae; }
.meta { margin: 0; color: #52606d; font-size: 13px; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
section { background: #fff; border-radius: 10px; padding: 18px 22px; margin-top: 18px;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
#summary { background: transparent; box-shadow: none; padding: 0; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
.card { background: #fff; border-radius: 10px; padding: 12px 14px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.card .label { color: #52606d; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.card .unit { font-size: 14px; font-weight: 400; color: #52606d; }
.card .note, .dim { color: #7b8794; font-size: 12px; }
.counts { color: #52606d; font-size: 13px; margin: 8px 2px 0; }
.intro { margin: 0 0 10px; color: #52606d; font-size: 14px; }
.note { color: #7b8794; font-size: 13px; }
figure { margin: 0 0 10px; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; background: #eef2f5; color: #323f4b; font-weight: 600; padding: 6px 8px; white-space: nowrap; }
td { padding: 6px 8px; border-top: 1px solid #e4e7eb; vertical-align: top; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tr.current td { background: #e8f5e9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.why { min-width: 320px; }
td.bd.better { color: #1b5e20; font-weight: 600; }
td.bd.worse { color: #b71c1c; font-weight: 600; }
.rationale { color: #52606d; font-size: 12px; margin-top: 3px; font-style: italic; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; white-space: nowrap;
        background: #eceff1; color: #37474f; }
.pill.adopted { background: #e8f5e9; color: #1b5e20; }
.pill.declined { background: #eceff1; color: #455a64; }
.pill.failed, .pill.rejected, .pill.timeout, .pill.oom, .pill.violation { background: #ffebee; color: #b71c1c; }
.pill.pending { background: #f5f5f5; color: #757575; }
.pill.rollback { background: #fff3e0; color: #e65100; }
details summary { cursor: pointer; color: #323f4b; font-weight: 600; margin: 6px 0; }
pre#best-source { background: #263238; color: #eceff1; padding: 14px 16px; border-radius: 8px; overflow: auto;
                  max-height: 640px; font-size: 12.5px; line-height: 1.45; white-space: pre; }
footer { color: #7b8794; font-size: 12px; margin-top: 18px; text-align: center; }
@media (max-width: 820px) { .cards { grid-template-columns: repeat(2, 1fr); } }
"""

