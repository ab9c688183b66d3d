"""Property-based: any sequence of submissions, analyses and rollbacks keeps the ledger's invariants.

- the read models rebuilt from nothing equal the ones kept incrementally;
- replay to every version yields source whose sha256 equals the one recorded at its adoption;
- the stored events only ever grow, and earlier rows never change.

Test results are the real evaluator's, recorded once per session on a tiny suite
(tests/ledger/support.py); variants of a source (a trailing comment) share its result.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.ids import sha256_of
from projections.projection import build_as_of
from projections.state import replay
from tests.ledger.support import POOL, all_rows, drop_schema, open_ledger, pg_available, pg_schema_url, run_ops

op = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(POOL), st.integers(0, 3)),
    st.tuples(st.just("rollback"), st.integers(0, 10)),
    st.tuples(st.just("analysis"), st.integers(1, 1000)),
)
scripts = st.lists(st.lists(op, min_size=1, max_size=4), min_size=1, max_size=4)


def check(url, suite, results, script):
    with open_ledger(url) as s:
        rows = all_rows(s.app)
        for ops in script:
            recorded = run_ops(s, suite, results, ops)
            if len(ops) % 2:
                s.refresh()  # sometimes the view lags several steps behind
            now = all_rows(s.app)
            assert now[: len(rows)] == rows, "an earlier stored event changed"
            assert len(now) >= len(rows)
            rows = now
        s.refresh()
        assert build_as_of(s.app).dump() == s.view.dump(), "rebuilt from nothing != incremental"
        for item in recorded:
            state = replay(s.view, "default", item["version"], source_of=s.app.source)
            assert state["version"] == item["version"]
            assert sha256_of(state["best"]["source"]) == item["sha256"]
        head = s.app.lineage("default").head
        assert s.app.show("default", "best")["version"] == head


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=scripts)
def test_invariants_on_sqlite(tmp_path_factory, suite, results, script):
    url = str(tmp_path_factory.mktemp("prop") / "ledger.db")
    check(url, suite, results, script)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=scripts)
def test_invariants_on_postgresql(suite, results, script):
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable")
    url, schema = pg_schema_url()
    try:
        check(url, suite, results, script)
    finally:
        drop_schema(schema)
