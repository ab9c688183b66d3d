"""Lines and tables that several `codec-ledger` commands print: figures, metric sets, the history.

Every figure is rounded one way, the way FIGURES says, wherever a command prints it; tables fit 80
columns by wrapping their text columns, never their figures.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from domain.records import ComparableMetrics
from projections.history import HistoryRow

# How each figure is printed (format spec), the same in every line and table.
FIGURES = {
    "kbps": ".1f", "mbps_30fps": ".3f", "bpp": ".3f", "ratio": ".2f", "psnr_y": ".2f", "psnr_bgr": ".2f",
    "ssim_y": ".4f", "encode_fps": ".1f", "decode_fps": ".1f", "bd_rate_pct": "+.1f", "quality": "d",
}
SHORT_SHA = 8  # hex digits of a sha256 a table shows; `show`, `why`, `diff` and `compare` accept any prefix


def fmt(value: Any, spec: str = ".2f", none: str = "-") -> str:
    return none if value is None else format(value, spec)


def figure(key: str, value: Any) -> str:
    """A figure rounded as FIGURES says for its key; '-' where there is none."""
    return fmt(value, FIGURES[key])


def at_30fps(summary: dict) -> bool:
    """Whether a summary's rate is at 30 fps, so that its Mbit/s at 30 fps is the same rate restated.

    kbps is at the clips' own frame rate and mbps_30fps at 30 fps: they agree only where the clips run at 30."""
    kbps, mbps = summary.get("kbps"), summary.get("mbps_30fps")
    return kbps is not None and mbps is not None and abs(kbps - 1000 * mbps) <= 1e-3 * max(kbps, 1.0)


def rate_text(summary: dict) -> str:
    """'812.3 kbit/s', with the Mbit/s at 30 fps beside it only where the clips are 30 fps."""
    text = f"{figure('kbps', summary.get('kbps'))} kbit/s"
    if at_30fps(summary):
        text += f" ({figure('mbps_30fps', summary.get('mbps_30fps'))} Mbit/s at 30 fps)"
    return text


def metrics_line(metrics: ComparableMetrics | None) -> str:
    summary = metrics.get("summary") if metrics else None
    if not metrics or not summary:
        return "no metrics"
    if not summary.get("success"):
        return "none: the run did not round-trip every frame"
    return (
        f"{rate_text(dict(summary))}, ratio {figure('ratio', summary.get('ratio'))}, "
        f"PSNR-Y {figure('psnr_y', summary.get('psnr_y'))} dB, SSIM-Y {figure('ssim_y', summary.get('ssim_y'))} "
        f"at quality {metrics.get('quality')}"
    )


def narrow_table(*columns: str, title: str | None = None, text_columns: tuple[str, ...] = ()) -> Table:
    """A table that fits 80 columns: no outer border, one space between columns; only the text_columns wrap.
    The figures are never cut: a column too narrow for one folds it onto the next line."""
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, collapse_padding=True)
    for name in columns:
        wraps = name in text_columns
        table.add_column(name, justify="left" if wraps else "right", no_wrap=not wraps, overflow="fold",
                         min_width=max(len(name), 4) if wraps else None)
    return table


HISTORY_COLUMNS = ("#", "time", "sha256", "planner", "vs", "q", "kbit/s", "ratio", "PSNR-Y", "outcome")
DROPPED_FIRST = ("time", "planner", "vs")  # where 80 columns (or the terminal) cannot hold them all


def history_table(rows: list[HistoryRow], title: str, width: int = 80) -> Table:
    cells = [_history_cells(r) for r in rows]
    keep = list(HISTORY_COLUMNS)
    for name in DROPPED_FIRST:
        if _width(keep, cells) <= width:
            break
        keep.remove(name)
    table = narrow_table(*keep, title=title, text_columns=("planner", "outcome"))
    for column in table.columns:
        if column.header in ("time", "sha256"):
            column.justify = "left"
    for row in cells:
        table.add_row(*(row[name] for name in keep))
    return table


def _width(names: list[str], cells: list[dict[str, str]]) -> int:
    """The characters a narrow_table of these columns needs: each column's widest cell and two spaces."""
    return sum(max([len(name)] + [len(row[name]) for row in cells]) for name in names) + 2 * len(names)


def _history_cells(r: HistoryRow) -> dict[str, str]:
    return {
        "#": str(r["number"]),
        "time": (r["time"] or "")[5:16].replace("T", " "),
        "sha256": r["sha256"][:SHORT_SHA],
        "planner": r["planner"] or "",
        "vs": "-" if r["tested_against"] is None else f"v{r['tested_against']}",
        "q": figure("quality", r["quality"]),
        "kbit/s": figure("kbps", r["kbps"]),
        "ratio": figure("ratio", r["ratio"]),
        "PSNR-Y": figure("psnr_y", r["psnr_y"]),
        "outcome": r["outcome"] + (f" v{r['version']}" if r.get("version") is not None else ""),
    }
