"""Lines and tables that several `codec-ledger` commands print: figures, metric sets, the history."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from domain.records import ComparableMetrics
from projections.history import HistoryRow


def fmt(value: Any, spec: str = ".2f", none: str = "-") -> str:
    return none if value is None else format(value, spec)


def metrics_line(metrics: ComparableMetrics | None) -> str:
    summary = metrics.get("summary") if metrics else None
    if not metrics or not summary:
        return "no metrics"
    if not summary.get("success"):
        return "none: the run did not round-trip every frame"
    return (
        f"{fmt(summary.get('kbps'), '.1f')} kbit/s ({fmt(summary.get('mbps_30fps'), '.3f')} Mbit/s at 30 fps), "
        f"ratio {fmt(summary.get('ratio'))}, PSNR-Y {fmt(summary.get('psnr_y'))} dB, "
        f"SSIM-Y {fmt(summary.get('ssim_y'), '.4f')} at quality {metrics.get('quality')}"
    )


def history_table(rows: list[HistoryRow], title: str) -> Table:
    table = Table(title=title)
    for name in ("#", "time", "planner", "vs", "q", "kbit/s", "ratio", "PSNR-Y", "outcome"):
        table.add_column(name, justify="left" if name in ("time", "planner", "outcome") else "right")
    for r in rows:
        outcome = r["outcome"] + (f" v{r['version']}" if r.get("version") is not None else "")
        table.add_row(
            str(r["number"]),
            (r["time"] or "")[5:16].replace("T", " "),
            r["planner"] or "",
            "-" if r["tested_against"] is None else f"v{r['tested_against']}",
            fmt(r["quality"], "d"),
            fmt(r["kbps"], ".1f"),
            fmt(r["ratio"]),
            fmt(r["psnr_y"]),
            outcome,
        )
    return table
