"""The report's plots: matplotlib figures (Agg, no pyplot state) drawn from the gathered data and the RD
curves, each returned as a PNG data URI, or None when there is nothing to plot."""

from __future__ import annotations

import base64
import io
import math
from typing import Any

from domain.candidate import ADOPTED, PENDING
from domain.outcome import MEASURED, OUTCOMES
from projections.report.curves import RdCurves
from projections.report.style import COLOURS, DPI, REFERENCE_LABELS


def _figure(width: float, height: float, rows: int = 1, cols: int = 1, **kwargs: Any):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    for ax in axes.flat:
        ax.grid(True, color="#e0e0e0", linewidth=0.7)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig, axes


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def timeline_png(data: dict) -> str | None:
    """The best version over ledger positions, with the candidates that were not adopted along the bottom."""
    from matplotlib.lines import Line2D

    changes = data.get("best_changes") or []
    if not changes:
        return None
    history = data.get("history") or []
    positions = [c["position"] for c in changes] + [r["position"] for r in history]
    positions += [a["position"] for a in data.get("analyses") or []]
    end = data.get("position") or max(positions)
    end += max(1.0, 0.03 * (end - changes[0]["position"]))  # the last best's stretch stays visible
    fig, axes = _figure(10, 3.0)
    ax = axes[0][0]
    xs = [c["position"] for c in changes] + [end]
    ys = [c["version"] for c in changes] + [changes[-1]["version"]]
    ax.step(xs, ys, where="post", color="#37474f", linewidth=1.8, zorder=2)
    for c in changes:
        rolled = c.get("cause") == "rolled_back"
        colour = COLOURS["rollback"] if rolled else COLOURS["adopted"]
        ax.scatter([c["position"]], [c["version"]], s=70 if rolled else 55, zorder=3, marker="v" if rolled else "^",
                   color=colour)
        ax.annotate(("rollback to " if rolled else "") + f"v{c['version']}", (c["position"], c["version"]),
                    textcoords="offset points", xytext=(4, 7), fontsize=8, color=colour)
    handles = [Line2D([], [], marker="^", linestyle="", color=COLOURS["adopted"], label="adopted"),
               Line2D([], [], marker="v", linestyle="", color=COLOURS["rollback"], label="rolled back")]
    for kind in [k for k in OUTCOMES if k != ADOPTED] + [PENDING]:
        xs_k = [r["position"] for r in history if r["outcome"] == kind]
        if xs_k:
            ax.scatter(xs_k, [0.04] * len(xs_k), transform=ax.get_xaxis_transform(), marker="|", s=90,
                       color=COLOURS[kind], zorder=3)
            handles.append(Line2D([], [], marker="|", linestyle="", markersize=9, color=COLOURS[kind], label=kind))
    ax.set_ylim(-0.6, max(c["version"] for c in changes) + 0.9)
    ax.yaxis.set_major_locator(_integer_locator())
    ax.set_xlabel("ledger position (event number)")
    ax.xaxis.set_major_locator(_integer_locator())
    ax.set_ylabel("best version")
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncol=5)
    return _png(fig)


def candidates_png(data: dict) -> str | None:
    """Each candidate's bitrate and PSNR-Y at its matched quality, by outcome, with the incumbent it faced."""
    history = data.get("history") or []
    if not history:
        return None
    by_version = {v["version"]: ((v.get("metrics") or {}).get("summary") or {}) for v in data.get("version_list") or []}
    fig, axes = _figure(10, 5.2, 2, 1, sharex=True)
    panels = ((axes[0][0], "kbps", "kbit/s (log)", True), (axes[1][0], "psnr_y", "PSNR-Y (dB)", False))
    for ax, key, label, log in panels:
        incumbent = [(r["number"], by_version.get(r.get("tested_against"), {}).get(key)) for r in history]
        inc = [(n, v) for n, v in incumbent if v is not None]
        if inc:
            ax.step([n for n, _ in inc], [v for _, v in inc], where="mid", color="#90a4ae", linewidth=1,
                    linestyle="--", label="incumbent", zorder=1)
        for kind, marker, size in (("declined", "o", 36), ("adopted", "*", 150)):
            valued = [r for r in history if r["outcome"] == kind and r.get(key) is not None]
            if valued:
                ax.scatter([r["number"] for r in valued], [r[key] for r in valued], marker=marker, s=size,
                           color=COLOURS[kind], label=kind, zorder=3)
        for kind in [k for k in OUTCOMES if k not in MEASURED]:  # no figures: a mark on the axis, named
            unmeasured = [r for r in history if r["outcome"] == kind]
            if unmeasured:
                ax.scatter([r["number"] for r in unmeasured], [0.05] * len(unmeasured),
                           transform=ax.get_xaxis_transform(), marker="x", s=46, color=COLOURS[kind], zorder=3,
                           label=kind)
                for r in unmeasured:
                    ax.annotate(kind, (r["number"], 0.05), xycoords=ax.get_xaxis_transform(),
                                textcoords="offset points", xytext=(7, -3), fontsize=8, color=COLOURS[kind])
        if log and any(r.get(key) for r in history):
            ax.set_yscale("log")
            _plain_log_ticks(ax.yaxis)
        ax.set_ylabel(label)
        for r in history:
            if r.get("decision") == "adopted" and r.get(key) is not None:
                ax.annotate(f"v{r['version']}", (r["number"], r[key]), textcoords="offset points", xytext=(6, 5),
                            fontsize=8, color="#1b5e20")
    target = (data.get("policy") or {}).get("target_psnr_y")
    if target is not None:
        axes[1][0].axhline(target, color="#ad1457", linewidth=0.9, linestyle=":", label=f"target {target:g} dB")
    for ax, key in ((axes[0][0], "kbps"), (axes[1][0], "psnr_y")):
        values = [r[key] for r in history if r.get(key) is not None]
        if key == "psnr_y" and target is not None:
            values.append(target)
        if values:  # the candidates set the scale; an incumbent far off (the seed) runs off the edge
            low, high = min(values), max(values)
            if ax.get_yscale() == "log":
                ax.set_ylim(low / 1.6, high * 2.2)
            else:
                pad = max(0.5, 0.15 * (high - low))
                ax.set_ylim(low - pad, high + 1.8 * pad)
        ax.set_xlim(0.5, len(history) + 0.5)
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncol=6)
    axes[1][0].set_xlabel("candidate number")
    axes[1][0].xaxis.set_major_locator(_integer_locator())
    return _png(fig)


def rd_png(rd: RdCurves, version: Any, data: dict) -> str | None:
    """One panel per real clip: the best version's RD curve next to the reference codecs'."""
    clips = [c for c in rd.get("clips") or [] if c.get("best") or c.get("references")]
    if not clips:
        return None
    cols = min(len(clips), 2)
    rows = math.ceil(len(clips) / cols)
    fig, axes = _figure(10 if cols > 1 else 8.5, 4.6 * rows, rows, cols)
    target = (data.get("policy") or {}).get("target_psnr_y")
    for i, clip in enumerate(clips):
        ax = axes[i // cols][i % cols]
        for codec, points in (clip.get("references") or {}).items():
            pts = sorted((p["kbps"], p["psnr_y"]) for p in points if p.get("success") and p.get("kbps"))
            if pts:
                bd = (clip.get("bd_rate") or {}).get(codec)
                ax.plot(*zip(*pts, strict=True), marker="o", markersize=4, linewidth=1.4,
                        color=COLOURS.get(codec, "#555555"),
                        label=REFERENCE_LABELS.get(codec, codec)
                        + ("" if bd is None else f"  (v{version}: {bd:+.1f}%)"))
        best = sorted((p["kbps"], p["psnr_y"]) for p in clip.get("best") or [] if p.get("success") and p.get("kbps"))
        if best:
            ax.plot(*zip(*best, strict=True), marker="s", markersize=6, linewidth=2.6, color=COLOURS["best"],
                    label=f"v{version}", zorder=4)
        if target is not None:
            ax.axhline(target, color="#ad1457", linewidth=0.9, linestyle=":", label=f"target {target:g} dB")
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel("kbit/s (log)")
        ax.set_ylabel("PSNR-Y (dB)")
        ax.set_title(f"{clip.get('name')} ({clip.get('width')}x{clip.get('height')}, {clip.get('frames')} frames)",
                     fontsize=10)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    for j in range(len(clips), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return _png(fig)


def planner_png(data: dict) -> str | None:
    """Each planner's candidates as stacked bars of their outcomes, with its adoption rate."""
    planners = data.get("per_planner") or {}
    if not planners:
        return None
    names = list(planners)
    fig, axes = _figure(10, 1.2 + 0.55 * len(names))
    ax = axes[0][0]
    left = [0] * len(names)
    for kind in OUTCOMES:
        values = [planners[n].get(kind) or 0 for n in names]
        if any(values):
            ax.barh(names, values, left=left, color=COLOURS[kind], label=kind, height=0.55)
        left = [a + b for a, b in zip(left, values, strict=True)]
    pending = [(planners[n].get("candidates") or 0) - (planners[n].get("decided") or 0) for n in names]
    if any(pending):
        ax.barh(names, pending, left=left, color=COLOURS["pending"], label="pending", height=0.55)
    for i, n in enumerate(names):
        rate = planners[n].get("rate")
        ax.annotate("-" if rate is None else f"{100 * rate:.0f}% adopted", (planners[n].get("candidates") or 0, i),
                    textcoords="offset points", xytext=(6, -3), fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("candidates")
    ax.xaxis.set_major_locator(_integer_locator())
    ax.set_xlim(0, max(planners[n].get("candidates") or 0 for n in names) * 1.3 + 0.5)
    fig.legend(loc="outside upper right", fontsize=8, frameon=False, ncol=4)
    return _png(fig)


def cost_png(data: dict) -> str | None:
    """Cumulative tokens and dollars of the analyses over ledger positions."""
    analyses = data.get("analyses") or []
    if not any((a.get("tokens_in") or a.get("tokens_out") or a.get("cost_usd")) for a in analyses):
        return None
    fig, axes = _figure(10, 3.0)
    ax = axes[0][0]
    end = max([data.get("position") or 0] + [r["position"] for r in data.get("history") or []]
              + [c["position"] for c in data.get("best_changes") or []] + [a["position"] for a in analyses])
    xs = [a["position"] for a in analyses] + [end]  # the totals hold until the end of the ledger shown
    tokens_in = _cumulative([a.get("tokens_in") for a in analyses] + [0])
    tokens_out = _cumulative([a.get("tokens_out") for a in analyses] + [0])
    dollars = _cumulative([a.get("cost_usd") for a in analyses] + [0])
    ax.step(xs, tokens_in, where="post", color="#1565c0", label="tokens in", linewidth=1.6)
    ax.step(xs, tokens_out, where="post", color="#8e24aa", label="tokens out", linewidth=1.6)
    ax.set_ylabel("tokens (cumulative)")
    ax.set_xlabel("ledger position (event number)")
    ax.xaxis.set_major_locator(_integer_locator())
    ax.set_ylim(bottom=0, top=max(1.0, tokens_in[-1], tokens_out[-1]) * 1.15)
    right = ax.twinx()
    right.step(xs, dollars, where="post", color="#2e7d32", label="US$", linewidth=1.6, linestyle="--")
    right.set_ylabel("US$ (cumulative)")
    right.set_ylim(bottom=0, top=max(0.01, dollars[-1]) * 1.15)
    right.spines["top"].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncol=3)
    return _png(fig)


def _cumulative(values) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += float(v or 0)
        out.append(total)
    return out


def _plain_log_ticks(axis: Any) -> None:
    """Log-axis ticks at 1, 2 and 5 per decade, labelled as plain numbers (200, not 2x10^2)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def _integer_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)
