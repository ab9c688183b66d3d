"""The report's Pareto plot: rate against decode speed, quality held at the lineage's target, the front drawn
and the adopted versions marked; `pareto_data` gathers what it shows from the view, `pareto_png` draws it."""

from __future__ import annotations

from typing import TypedDict

from domain.pareto import objectives_named
from projections.pareto import ParetoPoint, front_of, measured
from projections.report.plots import _figure, _png
from projections.report.style import COLOURS
from projections.view import LedgerView

AXES = ("kbps", "decode_fps")  # the plot's two objectives: x lower is better, y higher is better


class ParetoData(TypedDict):
    """What the plot and its table show."""

    target_psnr_y: float | None
    points: list[ParetoPoint]  # measured sources that met the target, values on kbps, decode_fps and psnr_y
    front: list[ParetoPoint]  # those no other beats on both kbps and decode_fps, lowest rate first
    below_target: int  # measured sources left out because they did not reach the target


def pareto_data(view: LedgerView, lineage: str, target_psnr_y: float | None,
                position: int | None = None) -> ParetoData:
    every = measured(view, lineage, (*AXES, "psnr_y"), position)
    points = [p for p in every if p["meets_target"]]  # the rule pareto_front applies
    return ParetoData(target_psnr_y=target_psnr_y, points=points, front=front_of(points, objectives_named(AXES)),
                      below_target=len(every) - len(points))


def pareto_png(data: ParetoData) -> str | None:
    """Every source meeting the target as a dot, the front as a stepped line, adopted versions as labelled stars."""
    points = data["points"]
    if not points:
        return None
    fig, axes = _figure(10, 4.2)
    ax = axes[0][0]
    ax.scatter([p["values"]["kbps"] for p in points], [p["values"]["decode_fps"] for p in points], s=22,
               color=COLOURS["declined"], alpha=0.7, label="tested (met the target)", zorder=2)
    front = data["front"]
    kbps, fps = [p["values"]["kbps"] for p in points], [p["values"]["decode_fps"] for p in points]
    # The front as the staircase it bounds, carried on to the highest rate tested.
    ax.step([p["values"]["kbps"] for p in front] + [max(kbps)],
            [p["values"]["decode_fps"] for p in front] + [front[-1]["values"]["decode_fps"]], where="post",
            color=COLOURS["jpeg"], linewidth=1.6, zorder=3, label=f"Pareto front ({len(front)})")
    ax.scatter([p["values"]["kbps"] for p in front], [p["values"]["decode_fps"] for p in front], s=40,
               facecolors="none", edgecolors=COLOURS["jpeg"], linewidths=1.4, zorder=4)
    adopted = [p for p in points if p["version"] is not None]
    if adopted:
        ax.scatter([p["values"]["kbps"] for p in adopted], [p["values"]["decode_fps"] for p in adopted], s=90,
                   marker="*", color=COLOURS["adopted"], zorder=5, label="adopted version")
        for p in adopted:
            ax.annotate(f"v{p['version']}", (p["values"]["kbps"], p["values"]["decode_fps"]),
                        textcoords="offset points", xytext=(5, 5), fontsize=8, color=COLOURS["adopted"])
    for values, scale in ((kbps, ax.set_xscale), (fps, ax.set_yscale)):
        if min(values) > 0 and max(values) / min(values) > 30:  # e.g. the seed's raw rate dwarfs the rest
            scale("log")
    ax.set_xlabel("kbit/s at the target PSNR-Y (lower is better)")
    ax.set_ylabel("decode frames/s (higher is better)")
    ax.legend(loc="best", fontsize=8, frameon=False)
    return _png(fig)
