"""A candidate's outcome: one that raised at frame 1 or ran out of time is recorded as declined, but every
reader shows it as failed or timeout, without rate or quality figures (those stay in its events, for diagnosis);
a candidate declined on its merits keeps its figures. The rule itself: domain.outcome."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.ids import sha256_of
from domain.outcome import OUTCOMES, outcome
from projections import export
from projections.history import history
from projections.projection import build_as_of, rebuild
from projections.report.page import render
from projections.report.query import gather
from projections.state import full, status
from runner.cli.app import app as cli_app
from runner.evolution.lifecycle import submit
from tests.ledger.support import (
    FAILS_ON_FRAME_1,
    SYNTAX_ERROR,
    Recorded,
    open_ledger,
    sources,
    start,
    validate,
    variant,
)
from tests.projections.test_report import Page, assert_figures

HANGS = (Path(__file__).resolve().parents[1] / "candidates" / "hang_python.py").read_text()
FIGURES = ("quality", "kbps", "mbps_30fps", "ratio", "bpp", "psnr_y", "ssim_y")
# The candidates in the order submitted, and the outcome each is shown with.
EXPECTED = {"zlib": "adopted", "jpeg": "adopted", "png": "declined", "fails": "failed", "hangs": "timeout",
            "broken": "rejected"}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory, suite, results):
    """A real ledger on the tiny suite with an adoption, an honest decline, a codec that raised at frame 1,
    one whose test ran out of its time budget, and one rejected by validation."""
    from runner.evaluation.evaluator import test_candidate

    timed_out = test_candidate(HANGS, suite, budget_seconds=0)
    assert timed_out["verdict"]["category"] == "timeout"
    tester = Recorded({**results, sha256_of(HANGS): timed_out})
    url = str(tmp_path_factory.mktemp("outcomes") / "ledger.db")
    session = open_ledger(url)
    start(session, suite, results)
    srcs = {**sources(), "hangs": HANGS, "broken": SYNTAX_ERROR}
    for name in EXPECTED:
        submit(session.app, "default", srcs[name], validate=validate, test=tester, planner="offline")
    session.refresh()
    yield session, url
    session.close()


def _by_name(rows: list[dict]) -> dict[str, dict]:
    assert len(rows) == len(EXPECTED)
    return dict(zip(EXPECTED, rows, strict=True))


def test_the_outcome_rule():
    assert outcome("adopted", "ok", True) == "adopted"
    assert outcome("declined", "ok", True) == "declined"
    assert outcome("declined", "failed", False) == "failed"
    assert outcome("declined", "ok", False) == "failed"  # a summary that did not round-trip
    assert outcome("declined", "timeout", None) == "timeout"
    assert outcome("declined", "oom", False) == "oom"
    assert outcome("declined", "violation", None) == "violation"
    assert outcome("declined", "rejected", None) == "rejected"  # refused by the evaluator's own validation
    assert outcome("rejected", None, None) == "rejected"
    assert outcome(None, None, None) == outcome("pending", "ok", True) == "pending"


def test_history_shows_failed_and_timed_out_runs_without_figures(ledger):
    session, _ = ledger
    rows = _by_name(history(session.view, "default"))
    assert {name: row["outcome"] for name, row in rows.items()} == EXPECTED
    for name in ("fails", "hangs"):
        assert rows[name]["decision"] == "declined" and rows[name]["success"] is not True
        assert all(rows[name][key] is None for key in FIGURES), rows[name]
    assert rows["fails"]["verdict"] == "failed" and rows["hangs"]["verdict"] == "timeout"
    for name in ("zlib", "jpeg", "png"):  # codecs that ran keep their figures, the declined one too
        assert all(rows[name][key] is not None for key in FIGURES), rows[name]


def test_the_partial_figures_stay_in_the_decision_event(ledger):
    session, _ = ledger
    failed = _by_name(history(session.view, "default"))["fails"]
    [event] = [e for e in session.app.stored_events(types=["CandidateDeclined"])
               if e["originator_id"] == failed["candidate_id"]]
    summary = event["candidate_metrics"]["summary"]
    assert summary["success"] is False and summary["kbps"] is not None and summary["ratio"] is not None


def test_status_counts_each_outcome(ledger):
    session, _ = ledger
    now = status(session.view, "default")
    assert {kind: now[kind] for kind in OUTCOMES} == {
        "adopted": 2, "declined": 1, "rejected": 1, "failed": 1, "timeout": 1, "oom": 0, "violation": 0}
    assert now["decided"] == now["candidates"] == sum(now[kind] for kind in OUTCOMES) == 6
    assert now["adoption_rate"] == pytest.approx(2 / 6)
    assert {kind: now["per_planner"]["offline"][kind] for kind in OUTCOMES} == {kind: now[kind] for kind in OUTCOMES}


def test_exports_show_the_outcome_and_no_figures_for_a_run_that_did_not_round_trip(ledger):
    session, _ = ledger
    data = full(session.view, "default", source_of=session.app.source)
    rows = _by_name(list(csv.DictReader(io.StringIO(export.to_csv(data["history"])))))
    assert {name: row["outcome"] for name, row in rows.items()} == EXPECTED
    assert all(rows[name][key] == "" for name in ("fails", "hangs") for key in FIGURES)
    assert all(rows["png"][key] != "" for key in FIGURES)
    loaded = json.loads(export.to_json(data))
    documented = _by_name(loaded["history"])
    assert documented["fails"]["outcome"] == "failed" and documented["fails"]["kbps"] is None
    assert documented["hangs"]["outcome"] == "timeout" and documented["hangs"]["ratio"] is None
    assert (loaded["failed"], loaded["timeout"]) == (1, 1)


def test_the_report_shows_each_outcome_and_no_rate_for_failed_runs(ledger):
    session, _ = ledger
    data = gather(session.view, "default", source_of=session.app.source)
    page = Page(render(data, None, generated_at="2026-01-02T03:04:05+00:00"))
    assert_figures(page, data)
    assert [row["data-outcome"] for row in page.rows("data-outcome")] == list(EXPECTED.values())
    assert (page.value("failed-count"), page.value("timeout-count")) == (1, 1)
    assert all(r["kbps"] is None and r["psnr_y"] is None for r in data["history"]
               if r["outcome"] in ("failed", "timeout", "rejected"))


def test_the_commands_show_the_outcome(ledger):
    _, url = ledger
    cli = CliRunner()
    table = cli.invoke(cli_app, ["history", "--ledger", url])
    assert table.exit_code == 0, table.stderr
    for word in ("outcome", "failed", "timeout", "rejected", "declined", "adopted v2"):
        assert word in table.stdout, word
    rows = _by_name(json.loads(cli.invoke(cli_app, ["history", "--json", "--ledger", url]).stdout))
    assert rows["fails"]["outcome"] == "failed" and rows["fails"]["kbps"] is None
    counts = json.loads(cli.invoke(cli_app, ["status", "--json", "--no-references", "--ledger", url]).stdout)
    assert (counts["failed"], counts["timeout"], counts["declined"]) == (1, 1, 1)
    dashboard = cli.invoke(cli_app, ["status", "--no-references", "--ledger", url])
    assert dashboard.exit_code == 0, dashboard.stderr
    assert "1 failed" in dashboard.stdout and "1 timeout" in dashboard.stdout


def test_a_rebuild_gives_the_same_outcomes(ledger):
    session, _ = ledger
    incremental = session.view.dump()
    assert [row["outcome"] for row in incremental["cl_candidates"]].count("failed") == 1
    assert build_as_of(session.app).dump() == incremental
    rebuild(session.app, session.view)
    assert session.view.dump() == incremental


def _drop_the_outcome_column(url: str) -> None:
    """Make the view what an earlier version made: no outcome column."""
    from ledger.store import parse_url

    store = parse_url(url)
    if store.kind != "postgres":
        with sqlite3.connect(url) as connection:
            connection.execute("ALTER TABLE cl_candidates DROP COLUMN outcome")
        return
    import psycopg

    with psycopg.connect(autocommit=True, **store._pg_kwargs()) as connection:
        connection.execute(f'ALTER TABLE "{store.schema}".cl_candidates DROP COLUMN outcome')


def test_a_view_an_earlier_version_made_is_built_again_with_outcomes(ledger_url, suite, results):
    url = ledger_url
    with open_ledger(url) as session:
        start(session, suite, results)
        submit(session.app, "default", variant(FAILS_ON_FRAME_1, 1), validate=validate, test=Recorded(results))
        session.refresh()
        expected = session.view.dump()
    _drop_the_outcome_column(url)
    with open_ledger(url) as session:
        assert session.view.dump() == expected
        assert [row["outcome"] for row in history(session.view, "default")] == ["failed"]
