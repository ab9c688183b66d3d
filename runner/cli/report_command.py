"""`codec-ledger report`: the lineage's evolution as one self-contained HTML page, and the
reference-codec measurements that the report and the `status` dashboard share.

The page is built from the read models (projections/report.py renders it) plus the rate-distortion
curves of the best version, measured when the page is made: the best's source over a small
quality ladder in the sandbox (runner.evaluation.evaluator.evaluate_ladder) on the lineage's real clips,
next to JPEG, WebP and x264 (runner.evaluation.references), with BD-rates (runner.evaluation.bdrate).

Reference ladders are a pure function of the clip, the codec and the libraries, so they are kept
per clip: in memory for the process, and on disk under $CODEC_LEDGER_CACHE (default
$XDG_CACHE_HOME/codec-ledger or ~/.cache/codec-ledger; an empty value turns the disk cache off).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import typer

from projections.state import version_position
from runner.cli.options import JsonOption, LedgerOption, LineageOption
from runner.cli.support import CommandError, errors, first_line, narrator, open_ledger, print_json

RD_CODECS = ("jpeg", "webp", "x264")
REPORT_QUALITIES = (20, 40, 60, 80)
CACHE_FORMAT = 1  # bump when a cached point's shape or meaning changes
_POINT_KEYS = ("quality", "bytes", "kbps", "psnr_y", "ssim_y", "ratio", "success")

_ladders: dict[str, list[dict]] = {}  # cache key -> points, for this process


# ---------------------------------------------------------------------------------------- reference ladders


def cache_folder() -> Path | None:
    given = os.environ.get("CODEC_LEDGER_CACHE")
    if given is not None:
        return Path(given) if given.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "codec-ledger"


def _ladder_key(codec: str, clip: Any, ladder: tuple[int, ...]) -> str:
    import av
    import cv2

    from runner.evaluation.references import _x264_options

    h = hashlib.sha256()
    fields = (CACHE_FORMAT, codec, ladder, repr(clip.fps), tuple(clip.frames.shape), cv2.__version__, av.__version__,
              sorted(av.library_versions.items()), sorted(_x264_options().items()) if codec == "x264" else None)
    h.update(json.dumps(fields, default=str).encode("utf-8"))
    h.update(clip.frames.tobytes())
    return h.hexdigest()


def cached_reference_ladder(codec: str, clip: Any) -> list[dict]:
    """A reference codec's default ladder on a clip, measured once per clip content and library versions."""
    from runner.evaluation.references import DEFAULT_LADDERS, reference_ladder

    ladder = tuple(DEFAULT_LADDERS[codec])
    key = _ladder_key(codec, clip, ladder)
    if key in _ladders:
        return [dict(p) for p in _ladders[key]]
    folder = cache_folder()
    path = None if folder is None else folder / "references" / f"{codec}-{key[:40]}.json"
    points = None
    if path is not None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                points = stored["points"]
        except (OSError, ValueError, KeyError, AttributeError):
            points = None
    if points is None:
        points = reference_ladder(codec, clip, ladder)
        if path is not None:
            _store(path, {"key": key, "codec": codec, "ladder": list(ladder), "points": points})
    _ladders[key] = points
    return [dict(p) for p in points]


def _store(path: Path, document: dict) -> None:
    """Best effort: a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(document), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def _codecs(codecs: tuple[str, ...]) -> list[str]:
    from runner.evaluation.references import available_codecs

    have = set(available_codecs())
    return [c for c in codecs if c in have]


def _real(suite: Any) -> Any:
    from runner.evaluation.clips import Suite

    return Suite(f"{suite.name} (real clips)", suite.real_clips() or suite.clips)


def _brief(point: dict) -> dict:
    out = {k: point.get(k) for k in _POINT_KEYS}
    if not point.get("success"):
        out["message"] = (point.get("verdict") or {}).get("message")
    return out


# ---------------------------------------------------------------------------------------- RD curves


def rd_curves(source: str, version: int, suite: Any, qualities=REPORT_QUALITIES, codecs=RD_CODECS) -> dict:
    """The best version's RD curve next to the reference codecs' on the suite's real clips, with BD-rates
    of the version against each reference (negative: the version needs fewer bits at equal PSNR-Y)."""
    from runner.evaluation.bdrate import bd_rate
    from runner.evaluation.evaluator import evaluate_ladder, rd_points

    real = _real(suite)
    codecs = _codecs(tuple(codecs))
    ladder = evaluate_ladder(source, real, tuple(qualities))
    out: dict = {"version": version, "qualities": list(qualities), "codecs": codecs, "clips": [],
                 "isolation": ladder.get("isolation"), "error": None}
    if not ladder["clips"]:
        out["error"] = f"v{version} did not pass validation: {ladder['verdict'].get('message')}"
        return out
    for clip in real.clips:
        best = ladder["clips"][clip.name]["points"]
        references = {codec: cached_reference_ladder(codec, clip) for codec in codecs}
        bd = {}
        for codec, points in references.items():
            value = bd_rate(rd_points(points), rd_points(best))
            bd[codec] = None if value is None else round(value, 2)
        out["clips"].append({
            "name": clip.name, "kind": clip.kind, "frames": clip.count, "width": clip.width, "height": clip.height,
            "fps": clip.fps, "best": [_brief(p) for p in best],
            "references": {codec: [_brief(p) for p in points] for codec, points in references.items()},
            "bd_rate": bd,
        })
    return out


# ---------------------------------------------------------------------------------------- status's comparison


def reference_comparison(summary: dict, suite: Any, codecs=RD_CODECS) -> list[dict]:
    """What each reference codec needs, on the same real clips, for the PSNR-Y the best reached:
    its ladder summarised over the real clips per rung, log-rate interpolated (PCHIP) at that PSNR-Y."""
    from runner.evaluation.measure import summarise

    real = suite.real_clips() or suite.clips
    target = summary.get("psnr_y")
    rows = []
    for codec in _codecs(tuple(codecs)):
        ladders = [cached_reference_ladder(codec, clip) for clip in real]
        rungs = [summarise([(clip, ladder[i]) for clip, ladder in zip(real, ladders)]) for i in range(len(ladders[0]))]
        usable = sorted((r["psnr_y"], r["kbps"]) for r in rungs if r["success"] and r["kbps"] and r["psnr_y"] is not None)
        kbps = _rate_at(usable, target)
        row = {"codec": codec, "kbps": kbps, "psnr_range": [usable[0][0], usable[-1][0]] if usable else None,
               "difference_pct": None}
        if kbps and summary.get("kbps"):
            row["difference_pct"] = (summary["kbps"] / kbps - 1.0) * 100.0
        rows.append(row)
    return rows


def _rate_at(usable: list[tuple[float, float]], psnr: float | None) -> float | None:
    """kbit/s at psnr on a (psnr, kbps) ladder, or None outside the ladder's range."""
    from scipy.interpolate import PchipInterpolator

    best: dict[float, float] = {}
    for q, r in usable:
        best[q] = min(r, best.get(q, math.inf))
    qs = sorted(best)
    if psnr is None or len(qs) < 2 or not qs[0] <= psnr <= qs[-1]:
        return None
    return float(10 ** PchipInterpolator(qs, [math.log10(best[q]) for q in qs])(psnr))


# ---------------------------------------------------------------------------------------- the page


def build_report(session: Any, lineage: str, to: int | None = None, qualities=REPORT_QUALITIES, *,
                 measure: bool = True, say=lambda text: None) -> tuple[str, dict]:
    """The page's HTML and a summary of what it shows (the --json document)."""
    from ledger.errors import SuiteMismatch
    from projections.report import gather, render
    from projections.state import status as status_state
    from runner.evaluation.clips import InputError
    from runner.evolution.lineage_setup import lineage_suite

    view = session.view
    status_state(view, lineage)  # a clear error for an unknown lineage
    position = None if to is None else version_position(view, lineage, to)
    data = gather(view, lineage, position, source_of=session.app.source)
    version = data["version"]
    rd = None
    if measure and version is not None:
        try:
            suite = lineage_suite(data["suite"])
            real = suite.real_clips() or suite.clips
            say(f"📈 Measuring v{version} at qualities {', '.join(map(str, qualities))} and the reference codecs "
                f"on {len(real)} real clip{'s' if len(real) != 1 else ''}...")
            rd = rd_curves(data["best"]["source"], version, suite, qualities)
        except (SuiteMismatch, InputError, OSError) as exc:
            rd = {"error": first_line(exc)}
            say(f"⚠️  Rate-distortion curves not measured: {rd['error']}")
    generated = datetime.now(timezone.utc).isoformat()
    text = render(data, rd, to=to, generated_at=generated)
    summary = (data.get("metrics") or {}).get("summary") or {}
    info = {
        "lineage": lineage,
        "version": version,
        "to": to,
        "position": position,
        "candidates": data["candidates"],
        "adopted": data["adopted"],
        "declined": data["declined"],
        "rejected": data["rejected"],
        "adoption_rate": data["adoption_rate"],
        "kbps": summary.get("kbps"),
        "psnr_y": summary.get("psnr_y"),
        "ratio": summary.get("ratio"),
        "cost_usd": data["cost"]["cost_usd"],
        "rd": None if rd is None else {
            "error": rd.get("error"),
            "qualities": rd.get("qualities"),
            "bd_rate": {c["name"]: c["bd_rate"] for c in rd.get("clips") or []},
        },
        "generated_at": generated,
    }
    return text, info


def _parse_qualities(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise CommandError(f"--quality: expected comma-separated integers, got {text!r}") from None
    if len(values) < 2 or any(not 0 <= v <= 100 for v in values):
        raise CommandError(f"--quality: give at least two values in 0..100, got {text!r}")
    return tuple(sorted(set(values)))


def report(
    out: Path = typer.Option(Path("report.html"), "--out", help="The HTML file to write."),
    to: Optional[int] = typer.Option(None, "--to", help="Show the ledger as it stood when this version was adopted."),
    quality: str = typer.Option(",".join(map(str, REPORT_QUALITIES)), "--quality",
                                help="The best version's quality ladder for the RD curves."),
    no_rd: bool = typer.Option(False, "--no-rd", help="Skip measuring the RD curves (the rest comes from the ledger alone)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Write a self-contained HTML report: timeline, candidates, RD curves against JPEG/WebP/x264, costs, versions."""
    from projections import export as exporters

    say = narrator(quiet=as_json, markup=False)
    with errors():
        qualities = _parse_qualities(quality)
        with open_ledger(ledger) as session:
            text, info = build_report(session, lineage, to, qualities, measure=not no_rd, say=say)
        exporters.write(str(out), text)
        info["path"] = str(out)
        info["bytes"] = len(text.encode("utf-8"))
        if as_json:
            print_json(info)
            return
        bd = (info["rd"] or {}).get("bd_rate") or {}
        parts = [f"{clip}: " + ", ".join(f"{c} {v:+.1f}%" if v is not None else f"{c} n/a" for c, v in rates.items())
                 for clip, rates in bd.items()]
        say(f"📄 Wrote {out} ({info['bytes'] // 1024} KiB): v{info['version']}, {info['candidates']} candidates"
            + (f"; BD-rate of v{info['version']} against {'; '.join(parts)}" if parts else ""))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
