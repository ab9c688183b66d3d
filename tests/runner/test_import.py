"""Importing codecs across lineages and ledgers (SQLite and PostgreSQL): provenance recorded, re-tested here
and never trusted, idempotent on rerun, and a killed import finished by the next. Results are the real
evaluator's, recorded once per session (tests/ledger/support.py)."""

from __future__ import annotations

import pytest

from domain.candidate import ADOPTED, DECIDED, PROPOSED
from domain.ids import sha256_of
from domain.policy import comparable
from runner.ensemble.build import build_ensemble
from runner.ensemble.importing import import_candidates, origins
from runner.ensemble.members import MemberChoice
from tests.ledger.support import Recorded, all_rows, open_ledger, run_ops, start, validate

HISTORY = [("submit", "png", 0), ("submit", "jpeg", 0), ("submit", "dct", 0), ("submit", "zlib", 0),
           ("submit", "fails", 0)]


def recorded_tests(tester: Recorded):
    return lambda sources: [tester(source) for source in sources]


def test_an_import_brings_the_front_with_provenance_and_tests_it_here(ledger_url, tmp_path, suite, results):
    with open_ledger(ledger_url) as there:
        run_ops(there, suite, results, HISTORY, lineage="there")
        there.refresh()
        found = origins(there, "there", 3, "pareto")
        recorded = {origin["sha256"]: there.app.earlier_test("there", origin["sha256"]) for origin, _ in found}
    assert 1 <= len(found) <= 3 and len({origin["sha256"] for origin, _ in found}) == len(found)
    for origin, text in found:
        assert sha256_of(text) == origin["sha256"] and origin["lineage"] == "there"
        assert origin["metrics"] == comparable(recorded[origin["sha256"]].test_result)
    # into another lineage of the same ledger, and into another ledger (a SQLite file)
    for url, lineage in ((ledger_url, "here"), (str(tmp_path / "other.db"), "default")):
        with open_ledger(url) as here:
            start(here, suite, results, lineage)
            tester = Recorded(results)
            test_all = recorded_tests(tester)
            done = import_candidates(here.app, lineage, found, validate=validate, test_all=test_all)
            assert tester.calls == len(found)  # each one tested here: the figures from there decide nothing
            assert [item["origin"] for item in done] == [origin for origin, _ in found]
            for item in done:
                candidate = here.app.candidate(item["candidate_id"])
                assert item["new"] and item["status"] == candidate.status and candidate.status in DECIDED
                assert candidate.planner == "import" and candidate.sha256 == item["origin"]["sha256"]
                analysis = here.app.analysis(str(candidate.analysis_id))
                assert analysis is not None and analysis.details == {"import": dict(item["origin"])}
            assert any(item["status"] == ADOPTED for item in done)  # the seed is beaten by a real codec
            before = all_rows(here.app)
            again = import_candidates(here.app, lineage, found, validate=validate, test_all=test_all)
            assert all_rows(here.app) == before and tester.calls == len(found)  # nothing recorded, nothing tested
            assert [(item["candidate_id"], item["status"]) for item in again] == \
                [(item["candidate_id"], item["status"]) for item in done]
            assert not any(item["new"] for item in again)


def test_a_killed_import_is_finished_by_the_next(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as ledger:
        run_ops(ledger, suite, results, HISTORY, lineage="there")
        ledger.refresh()
        found = origins(ledger, "there", 2, "versions")
        start(ledger, suite, results, "here")

        def killed(sources):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            import_candidates(ledger.app, "here", found, validate=validate, test_all=killed)
        held = [ledger.app.find_candidate("here", origin["sha256"], 0) for origin, _ in found]
        assert all(candidate is not None and candidate.status == PROPOSED for candidate in held)
        tester = Recorded(results)
        done = import_candidates(ledger.app, "here", found, validate=validate, test_all=recorded_tests(tester))
        assert tester.calls == len(found) and all(item["status"] in DECIDED and not item["new"] for item in done)


def test_a_lineage_without_measured_codecs_gives_nothing_to_import_and_no_ensemble(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as ledger:
        start(ledger, suite, results, "empty")
        assert origins(ledger, "empty", 3, "versions") == [] and origins(ledger, "empty", 3, "pareto") == []
        with pytest.raises(MemberChoice, match="--by must be one of"):
            origins(ledger, "empty", 3, "best")
        with pytest.raises(MemberChoice, match="an ensemble needs at least 2"):
            build_ensemble(ledger.app, ledger.view, "empty", suite, top=3, by="pareto")
