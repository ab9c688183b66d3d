"""The report's generalisation section: every adopted version's recorded RD curves on the training clips (its
adoption test's quality ladder, BD-rate policy only), and its figures on the `run --validate` clips.

All of it comes from the ledger: nothing is measured when the page is made.
"""

from __future__ import annotations

from domain.bdrate import bd_rate
from projections.report.plots import _figure, _plain_log_ticks, _png


def _curves(version: dict) -> dict[str, list[tuple[float, float]]]:
    """A version's recorded (kbps, PSNR-Y) points per real clip, where its test had a ladder."""
    rd = (version.get("metrics") or {}).get("rd") or {}
    return {clip: sorted((p["kbps"], p["psnr_y"]) for p in points if p.get("success") and p.get("kbps"))
            for clip, points in rd.items()}


def _adopted(data: dict) -> list[dict]:
    return [v for v in data.get("version_list") or [] if v.get("version") and _curves(v)]


def versions_rd_png(data: dict) -> str | None:
    """One panel per training clip: each adopted version's recorded curve, the current best drawn boldest."""
    versions = _adopted(data)
    clips = sorted({clip for v in versions for clip in _curves(v)})
    if not clips:
        return None
    from matplotlib import colormaps

    cols = min(len(clips), 3)
    rows = -(-len(clips) // cols)
    fig, axes = _figure(12 if cols > 1 else 8.5, 3.8 * rows, rows, cols)
    palette = colormaps["viridis"]
    for i, clip in enumerate(clips):
        ax = axes[i // cols][i % cols]
        for n, version in enumerate(versions):
            points = _curves(version).get(clip)
            if not points:
                continue
            best = version.get("version") == data.get("version")
            ax.plot(*zip(*points, strict=True), marker="o", markersize=5 if best else 3,
                    linewidth=2.6 if best else 1.0, color=palette(n / max(1, len(versions) - 1)),
                    label=f"v{version['version']}", zorder=4 if best else 2)
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel("kbit/s (log)")
        ax.set_ylabel("PSNR-Y (dB)")
        ax.set_title(clip, fontsize=10)
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    for j in range(len(clips), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return _png(fig)


def versions_bd_table(data: dict) -> tuple[list[str], list[tuple[int, dict[str, float | None]]]]:
    """(clips, [(version, clip -> BD-rate % against the first adopted version)]) from the recorded curves."""
    versions = _adopted(data)
    if not versions:
        return [], []
    first = _curves(versions[0])
    clips = sorted(first)
    rows = []
    for version in versions:
        mine = _curves(version)
        rows.append((int(version["version"]), {clip: _rounded(bd_rate(first[clip], mine.get(clip, [])))
                                               for clip in clips}))
    return clips, rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def generalisation_section(data: dict) -> str:
    # page.py's helpers, imported here because page.py imports this module.
    from projections.report.page import _e, _img, _num, _section, _table

    clips, rows = versions_bd_table(data)
    first = rows[0][0] if rows else None
    body = _img(versions_rd_png(data), "Every adopted version's RD curves on the training clips",
                empty="No version was adopted on a quality ladder (the BD-rate policy records one).")
    if rows:
        head = ("version",) + tuple(f"{clip}: BD-rate vs v{first}" for clip in clips)
        body += _table("versions-bd", head, [
            f"<tr><td>v{_e(version)}</td>" + "".join(f"<td class='num'>{_num(rates[c], '+.1f')}</td>" for c in clips)
            + "</tr>" for version, rates in rows])
    body += _validation_table(data.get("validation") or [])
    intro = ("Each adopted version's PSNR-Y over its adoption test's quality ladder on every real training clip "
             "(each test on its own material, drawn by a secret nonce), and its BD-rate against OpenCV JPEG on the "
             "<code>run --validate</code> clips, which never decide: a gain that holds there is not tuned to the "
             "training clips.")
    return _section("generalisation-section", "Generalisation: every version on every clip", intro, body)


def _validation_table(rows: list[dict]) -> str:
    from projections.report.page import _e, _num, _table

    if not rows:
        return "<p class='note' id='validation-missing'>No validation clips: <code>run --validate PATH</code> names " \
               "some.</p>"
    names = sorted({name for row in rows for name in row["bd_rate_vs_jpeg_pct"]})
    head = ("version",) + tuple(f"{name}: BD-rate vs JPEG" for name in names) + ("mean",)
    return _table("validation", head, [
        f"<tr data-version='{_e(row['version'])}'><td>v{_e(row['version'])}"
        + ("" if row["verdict"] == "ok" else f" ({_e(row['verdict'])})") + "</td>"
        + "".join(f"<td class='num'>{_num(row['bd_rate_vs_jpeg_pct'].get(n), '+.1f')}</td>" for n in names)
        + f"<td class='num'>{_num(row['mean_pct'], '+.1f')}</td></tr>" for row in rows])
