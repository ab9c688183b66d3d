"""The HTML report: one self-contained page that shows how a lineage evolved, for auditing adoptions.

query.gather(view, lineage, position) collects the read models (as of a position, or now) into plain
data; page.render(data, rd) turns that data, plus the rate-distortion curves the runner measured
(curves.RdCurves), into one HTML string, drawing its figures with plots.py in the style of style.py.
The page needs no network and no script: the plots are matplotlib figures (Agg) embedded as PNG
data URIs, the style sheet is inline, every string that came from the ledger (rationales, reasons,
source code, planner names) is HTML-escaped, and a Content-Security-Policy allows nothing else (no
script, no load but data: images).

The figures a reader may want to check carry stable ids and `data-value` attributes holding the
projections' exact values: #current-version (data-version), #best-kbps, #best-psnr-y,
#best-ratio, #best-quality, #adoption-rate, #candidate-count, one #OUTCOME-count per outcome
(#adopted-count, #declined-count, #rejected-count, #failed-count, #timeout-count, #oom-count,
#violation-count), #version-count, #cost-usd, #tokens-in, #tokens-out; BD-rates are cells with
data-clip, data-codec and data-value.

`rd`, when given, is {"version", "qualities", "codecs", "clips": [{"name", "kind", "frames",
"width", "height", "fps", "best": [point], "references": {codec: [point]}, "bd_rate": {codec:
pct}}], "isolation", "error"} with points {"quality", "kbps", "psnr_y", "success", ...}, or only
{"error"} when the curves could not be measured (curves.py types it).
"""
