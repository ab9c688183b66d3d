"""`codec-ledger report`, `export --format html` and the `status` dashboard on a real ledger.

The ledger: a short offline run on a real clip (real sandbox, real evaluator), a candidate
rejected by validation whose rationale is hostile HTML, and a rollback and back again. The
report is checked for being one self-contained file, against the projections (now and as of
v1), and in headless Chromium (Debian's `chromium`): no console message (the page's
Content-Security-Policy turns any script or load into one) and a screenshot that is not blank.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import cv2
import pytest
from typer.testing import CliRunner

from projections.asof import position_of_version
from projections.session import open_session
from projections.state import status as status_state
from runner.cli.app import app
from runner.evaluation.references import available_codecs
from tests.projections.test_report import (
    HOSTILE,
    SECTIONS,
    Page,
    assert_figures,
    assert_images_drawn,
    assert_self_contained,
)
from tests.runner.short_run import copy_of

ROOT = Path(__file__).parent.parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AUDIT = "<b>audit</b>: is v{} \"too good\"?"
PLANNER = "[red]hand[/red]"  # rich markup in a name from the ledger: shown as written


class Built(NamedTuple):
    db: Path
    folder: Path
    env: dict
    run: dict


def cli(env: dict, *args, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runner.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def invoke(built: Built, *args):
    """The same typer app in this process (no interpreter start-up), with the built ledger's cache."""
    return CliRunner().invoke(app, [str(a) for a in args], env={"CODEC_LEDGER_CACHE": built.env["CODEC_LEDGER_CACHE"]})


def projected(built: Built, version: int | None = None) -> dict:
    with open_session(str(built.db)) as session:
        position = None if version is None else position_of_version(session.view, "default", version)
        return status_state(session.view, "default", position)


@pytest.fixture(scope="module")
def built(short_run, tmp_path_factory) -> Built:
    folder = tmp_path_factory.mktemp("report-cli")
    db, run = copy_of(short_run[0], folder), short_run[1]
    env = {**os.environ, "CODEC_LEDGER_CACHE": str(folder / "cache"), "COLUMNS": "150"}
    assert run["adopted"], run
    done = Built(db, folder, env, run)
    rejected = invoke(done, "submit", ROOT / "tests" / "candidates" / "syntax_error.py", "--rationale", HOSTILE,
                      "--planner", PLANNER, "--ledger", db, "--json")
    assert rejected.exit_code == 3 and json.loads(rejected.stdout)["status"] == "rejected", rejected.output
    last = run["adopted"][-1]
    earlier = run["adopted"][-2] if len(run["adopted"]) > 1 else 0
    for version, reason in ((earlier, AUDIT.format(last)), (last, f"audit done: v{last} restored")):
        back = invoke(done, "rollback", version, "--reason", reason, "--ledger", db, "--json")
        assert back.exit_code == 0 and json.loads(back.stdout)["recorded"], back.output
    return done


@pytest.fixture(scope="module")
def report(built) -> tuple[Path, dict]:
    """`codec-ledger report` as a user runs it: a new process, RD curves measured in the sandbox."""
    out = built.folder / "page" / "report.html"
    out.parent.mkdir()
    result = cli(built.env, "report", "--out", out, "--ledger", built.db, "--json")
    assert result.returncode == 0, result.stderr
    return out, json.loads(result.stdout)


def test_report_writes_one_self_contained_html_file(report, built):
    out, info = report
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]
    page = Page(out.read_text(encoding="utf-8"))
    assert_self_contained(page)
    assert_images_drawn(page, at_least=4)  # timeline, candidates, RD curves, planners (the offline run costs nothing)
    for ident in SECTIONS:
        assert ident in page.elements
    assert page.text.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 1  # the hostile rationale, as text
    assert "&lt;b&gt;audit&lt;/b&gt;" in page.text and "<b>audit" not in page.text
    assert info["path"] == str(out) and info["bytes"] == len(page.text.encode("utf-8"))
    cells = {a["data-codec"]: a["data-value"] for t, a in page.tags if t == "td" and "data-codec" in a}
    assert set(cells) == {"jpeg", "webp", "x264", "x265"} & set(available_codecs())
    bd = info["rd"]["bd_rate"]["bikes"]
    assert {c: (None if v == "" else float(v)) for c, v in cells.items()} == bd
    assert bd["jpeg"] is not None and info["rd"]["error"] is None and info["rd"]["qualities"] == [20, 40, 60, 80]


def test_the_numbers_on_the_report_are_the_projections(report, built):
    out, info = report
    page = Page(out.read_text(encoding="utf-8"))
    data = projected(built)
    assert data["version"] == built.run["adopted"][-1] and data["best"]["cause"] == "rolled_back"
    assert_figures(page, data)
    assert page.elements["current-version"]["text"] == f"Current best: v{data['version']}"
    summary = data["metrics"]["summary"]
    assert (info["version"], info["kbps"], info["psnr_y"], info["adoption_rate"], info["candidates"]) == (
        data["version"], summary["kbps"], summary["psnr_y"], data["adoption_rate"], data["candidates"])
    assert data["rejected"] == 1 and data["candidates"] == built.run["proposed"] + 1


def test_report_to_1_shows_v1_as_it_stood(built):
    out = built.folder / "v1.html"
    result = invoke(built, "report", "--to", "1", "--out", out, "--ledger", built.db, "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    page = Page(out.read_text(encoding="utf-8"))
    assert_self_contained(page)
    data = projected(built, 1)
    assert data["version"] == 1 and info["version"] == 1 and info["to"] == 1
    assert_figures(page, data)
    assert page.elements["current-version"]["text"] == "Current best: v1"
    assert page.elements["as-of"]["attrs"]["data-version"] == "1"
    assert page.elements["as-of"]["attrs"]["data-position"] == str(info["position"])
    assert data["candidates"] < projected(built)["candidates"]
    assert "BD-rate of v1 vs JPEG" in page.elements["bd-rates"]["text"]


def test_report_errors_are_one_line(built):
    for args, message, code in (
        (("--to", "99"), "has no version 99", 1),
        (("--lineage", "nope"), "no lineage 'nope'", 1),
        (("--quality", "50"), "--quality", 2),  # a usage error
    ):
        result = invoke(built, "report", "--out", built.folder / "never.html", "--ledger", built.db, *args)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == code and len(lines) == 1 and message in lines[0], (args, result.output)
    assert not (built.folder / "never.html").exists()


def test_export_html_shares_the_renderer(built, report):
    out = built.folder / "export.html"
    result = invoke(built, "export", "--format", "html", "--out", out, "--ledger", built.db, "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    data = projected(built)
    assert written == {"path": str(out), "format": "html", "rows": data["candidates"], "position": None,
                       "version": data["version"]}
    page = Page(out.read_text(encoding="utf-8"))
    assert_self_contained(page)
    assert_figures(page, data)
    assert "rd-missing" in page.elements  # an export shows recorded data only
    measured = Page(report[0].read_text(encoding="utf-8"))
    assert set(page.elements) - {"rd-missing"} == set(measured.elements) - {"bd-rates", "rd-points"}


def _chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Headless Chromium, its whole process group killed should it hang."""
    process = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _page_messages(stderr: str) -> list[str]:
    """Console messages (errors, CSP violations, uncaught exceptions) and failed loads."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "net::ERR_" in line or "Uncaught" in line]


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (scripts/install.sh)")
def test_the_report_renders_in_headless_chromium(report, built, tmp_path):
    out, info = report
    url = out.resolve().as_uri()
    shot = tmp_path / "report.png"
    drawn = _chromium(f"--user-data-dir={tmp_path / 'profile-1'}", f"--screenshot={shot}", "--window-size=1280,2400",
                      url)
    assert drawn.returncode == 0, drawn.stderr[-2000:]
    assert _page_messages(drawn.stderr) == []
    image = cv2.imread(str(shot))
    assert image is not None and image.shape == (2400, 1280, 3)
    assert float(image.std()) > 20.0  # not blank
    top = image[:400]
    assert len({tuple(p) for p in top.reshape(-1, 3)[::97]}) > 20  # the heading and the cards, not a flat colour

    dom = _chromium(f"--user-data-dir={tmp_path / 'profile-2'}", "--dump-dom", url)
    assert dom.returncode == 0 and _page_messages(dom.stderr) == []
    parsed = Page(dom.stdout)  # what the browser built from the file
    assert parsed.elements["current-version"]["text"] == f"Current best: v{info['version']}"
    assert len(parsed.images()) == len(Page(out.read_text(encoding="utf-8")).images())


def test_status_is_a_dashboard(report, built):
    result = cli(built.env, "status", "--ledger", built.db)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    data = projected(built)
    version = data["version"]
    assert f"v{version} is the best" in text and "after a rollback" in text
    assert f"adoption rate {100 * data['adoption_rate']:.0f}%" in text
    assert f"{data['adopted']} adopted of {data['decided']} decided" in text
    assert f"{data['metrics']['summary']['kbps']:.1f}" in text
    for codec in ("JPEG", "WebP", "x264"):  # the best against the references, at its PSNR-Y
        assert codec in text
    assert PLANNER in text  # in the adoption table, not taken as markup
    assert "last 8 events" in text
    for event in ("RolledBack", "CandidateRejected"):
        assert event in text
    assert f"to v{version}: audit done" in text
    assert "cost so far" in text and "$0.0000" in text

    as_json = invoke(built, "status", "--ledger", built.db, "--json")
    shown = json.loads(as_json.stdout)
    assert as_json.exit_code == 0 and shown.pop("validation") == []  # no run --validate clips in this ledger
    assert shown == json.loads(json.dumps(data, default=str))
