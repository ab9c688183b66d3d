"""The tamper-evident chain: an untouched ledger verifies, a row changed behind the ledger's back is named.

Rows are edited with plain SQL on the real stores (SQLite and PostgreSQL), as someone with the database
file or a database login would.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from ledger.chain import split
from ledger.opening import open_application
from ledger.store import parse_url
from ledger.verify import check_ledger
from runner.cli.app import app as cli_app
from tests.ledger.support import open_ledger, run_ops

OPS = [("submit", "zlib", 0), ("submit", "png", 1), ("submit", "jpeg", 0), ("analysis", 3),
       *[("rollback", n) for n in range(1, 22)]]  # enough lineage events for a snapshot


class Raw:
    """The events table itself, reached around the ledger."""

    def __init__(self, url: str):
        self.store = parse_url(url)

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.store.kind == "sqlite":
            with sqlite3.connect(self.store.path) as conn:
                return conn.execute(sql.replace("%s", "?").replace("{events}", "stored_events")
                                    .replace("notification_id", "rowid"), params).fetchall()
        import psycopg

        table = f'"{self.store.schema}".codecledger_events'
        with psycopg.connect(autocommit=True, **self.store._pg_kwargs()) as conn:
            cursor = conn.execute(sql.replace("{events}", table), params)
            return cursor.fetchall() if cursor.description else []

    def rows(self) -> list[tuple[int, str, int, str, bytes]]:
        found = self._run("SELECT notification_id, originator_id, originator_version, topic, state FROM {events} "
                          "ORDER BY notification_id")
        return [(p, str(o), v, t, bytes(s)) for p, o, v, t, s in found]

    def set_state(self, position: int, state: bytes) -> None:
        self._run("UPDATE {events} SET state = %s WHERE notification_id = %s", (state, position))

    def delete(self, position: int) -> None:
        self._run("DELETE FROM {events} WHERE notification_id = %s", (position,))


def written(url, suite, results, ops=OPS):
    with open_ledger(url) as session:
        run_ops(session, suite, results, ops)
        assert "__chain__" not in json.dumps(session.view.dump())  # the link stays out of the read models


def check(url) -> dict:
    app = open_application(parse_url(url), create=False)
    try:
        return dict(check_ledger(app))
    finally:
        app.close()


def middle_of_an_aggregate(rows) -> tuple[int, int]:
    """A candidate event that has a next event of the same candidate: (its position, the next one's)."""
    for position, oid, version, topic, _ in rows:
        after = [p for p, o, v, _, _ in rows if o == oid and v == version + 1]
        if "Candidate" in topic and version > 1 and after:
            return position, after[0]
    raise AssertionError("no candidate with three events")


def test_an_untouched_ledger_verifies_and_every_event_is_chained(ledger_url, suite, results):
    written(ledger_url, suite, results)
    report = check(ledger_url)
    assert report["ok"] and report["findings"] == [] and report["first"] is None
    assert report["events"] == report["chained"] == len(Raw(ledger_url).rows()) and report["unchained"] == 0
    assert report["snapshots"] >= 1 and report["sources"] >= 3
    assert all(split(state)[1] is not None for *_, state in Raw(ledger_url).rows())
    assert check(ledger_url)["digest"] == report["digest"]  # the same ledger, the same digest


@pytest.mark.parametrize("tamper", ["edit", "delete", "swap"])
def test_a_row_changed_directly_in_the_database_is_named(ledger_url, suite, results, tamper):
    written(ledger_url, suite, results)
    raw = Raw(ledger_url)
    rows = raw.rows()
    if tamper == "edit":  # a decision's reason rewritten, everything else left as it was
        position, *_, state = next(r for r in rows if r[3].endswith("CandidateAdopted"))
        raw.set_state(position, state.replace(b'"reason":"', b'"reason":"(approved) ', 1))
        expected = position
    elif tamper == "delete":
        deleted, expected = middle_of_an_aggregate(rows)
        raw.delete(deleted)  # the aggregate's next event no longer follows on
        if ledger_url.endswith(".db"):  # and on SQLite, whose positions have no other gaps, the log's next one
            expected = min(p for p, *_ in rows if p > deleted)
    else:  # two rows' contents exchanged
        first, second = rows[5], rows[9]
        raw.set_state(first[0], second[4])
        raw.set_state(second[0], first[4])
        expected = first[0]
    report = check(ledger_url)
    assert not report["ok"] and report["first"]["position"] == expected, report["findings"]


def test_a_source_whose_text_was_changed_is_named(sqlite_url, suite, results):
    written(sqlite_url, suite, results, OPS[:2])
    raw = Raw(sqlite_url)
    position, *_, state = next(r for r in raw.rows() if r[3].endswith("SourceStored") and b"zlib" in r[4])
    raw.set_state(position, state.replace(b"zlib", b"lzma", 1))
    report = check(sqlite_url)
    problems = [f["problem"] for f in report["findings"] if f["position"] == position]
    assert any("link does not match" in p for p in problems) and any("sha256" in p for p in problems)


def test_a_ledger_from_before_the_chain_verifies_as_unchained_and_new_events_are_chained(sqlite_url, suite,
                                                                                        results):
    written(sqlite_url, suite, results, OPS[:3])
    raw = Raw(sqlite_url)
    for position, *_, state in raw.rows():  # the rows exactly as the code before the chain wrote them
        raw.set_state(position, split(state)[0])
    legacy = check(sqlite_url)
    assert legacy["ok"] and legacy["chained"] == 0 and legacy["unchained"] == legacy["events"]
    assert legacy["chain_starts_at"] is None
    old = len(raw.rows())
    with open_ledger(sqlite_url) as session:  # the same aggregates written on by today's code
        run_ops(session, suite, results, [("submit", "dct", 0), ("rollback", 1)])
    report = check(sqlite_url)
    assert report["ok"] and report["chain_starts_at"] == old + 1 and report["unchained"] == old
    # a link cut off a chained event that has a successor is tampering, not history
    rows = raw.rows()
    position = next(p for p, oid, v, _, _ in rows if p > old and any(o == oid and w == v + 1 for _, o, w, _, _ in rows))
    raw.set_state(position, split(dict((r[0], r[4]) for r in rows)[position])[0])
    found = check(sqlite_url)
    assert not found["ok"] and found["first"]["position"] == position


def test_verify_command_exit_codes_and_json(sqlite_url, suite, results):
    runner = CliRunner()
    written(sqlite_url, suite, results, OPS[:2])
    clean = runner.invoke(cli_app, ["verify", "--ledger", sqlite_url, "--json"])
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["ok"] is True
    text = runner.invoke(cli_app, ["verify", "--ledger", sqlite_url])
    assert text.exit_code == 0 and "intact" in text.stdout
    raw = Raw(sqlite_url)
    position, *_, state = raw.rows()[2]
    raw.set_state(position, state.replace(b'"timestamp"', b'"timestamp" ', 1))
    tampered = runner.invoke(cli_app, ["verify", "--ledger", sqlite_url, "--json"])
    assert tampered.exit_code == 1 and json.loads(tampered.stdout)["first"]["position"] == position
    named = runner.invoke(cli_app, ["verify", "--ledger", sqlite_url])
    assert named.exit_code == 1 and f"position {position}" in named.stdout
    missing = runner.invoke(cli_app, ["verify", "--ledger", sqlite_url + ".none"])
    assert missing.exit_code == 1 and missing.stderr.startswith("error: no ledger")



def test_a_snapshot_that_differs_from_its_events_is_named(sqlite_url, suite, results):
    written(sqlite_url, suite, results)
    with sqlite3.connect(sqlite_url) as conn:
        (oid, version, state), *_ = conn.execute(
            "SELECT originator_id, originator_version, state FROM stored_snapshots").fetchall()
        edited = json.loads(state)
        edited["state"]["head"] = 0 if edited["state"]["head"] else 1  # the best, changed in the cache only
        conn.execute("UPDATE stored_snapshots SET state = ? WHERE originator_id = ? AND originator_version = ?",
                     (json.dumps(edited).encode(), oid, version))
    report = check(sqlite_url)
    assert not report["ok"] and [f["check"] for f in report["findings"]] == ["snapshot"]


def test_on_sqlite_an_event_deleted_with_nothing_after_it_in_its_aggregate_is_found(sqlite_url, suite, results):
    written(sqlite_url, suite, results, [*OPS[:4], ("rollback", 1)])
    raw = Raw(sqlite_url)
    rows = raw.rows()
    position = next(p for p, _, _, topic, _ in rows if topic.endswith("AnalysisRecorded") and p < rows[-1][0])
    raw.delete(position)  # an analysis: one event, which no other event names
    report = check(sqlite_url)
    assert not report["ok"] and report["first"]["position"] == position + 1 and "missing" in report["first"]["problem"]
