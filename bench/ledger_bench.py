"""Benchmark of the ledger: recording cost per candidate, projection rebuild, state at a version.

    .venv/bin/python bench/ledger_bench.py [--events 100000] [--history 10000] [--candidates 100]
                                           [--ledger postgresql://postgres@127.0.0.1:5432/test]

1. Recording: a real candidate is tested once by the real evaluator on the default suite (the
   iteration's cost); then `submit` records candidates with that recorded result (propose,
   store source, test result, decision: the ledger's whole share of an iteration) and the
   time per candidate is compared with the iteration.
2. Rebuild: a history of about --events events (4 per candidate: source, proposal, test,
   decision, and the lineage's new version for the one in seven adopted; real-sized results)
   is written in bulk, then the read models are rebuilt from nothing. The library's own
   read-and-decode (its mapper) of the whole log is timed for comparison.
3. State at a version: in a history of about --history events, the read models as they stood
   at a version (as-of queries), and the lineage aggregate at that version (from snapshots).
Goals (issue 3): rebuild of 100k events <= 2 s on SQLite, state at a version <= 20 ms,
recording <= 5% of an iteration.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from domain.candidate import Candidate  # noqa: E402
from domain.ids import sha256_of  # noqa: E402
from domain.policy import Policy, comparable  # noqa: E402
from domain.source import SourceBlob  # noqa: E402
from ledger.store import parse_url  # noqa: E402
from projections.asof import position_of_version  # noqa: E402
from projections.projection import rebuild  # noqa: E402
from projections.session import open_session  # noqa: E402
from projections.state import replay, status  # noqa: E402
from runner.evolution.lifecycle import submit  # noqa: E402

JPEG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "jpeg_imencode.py")


def real_results() -> tuple[dict, dict, dict, float]:
    """The seed's and a JPEG candidate's real test results on the default suite, and the JPEG test's time."""
    from domain.seed import SEED_SOURCE
    from runner.evaluation.clips import default_suite
    from runner.evaluation.evaluator import test_candidate
    from runner.sandbox.pipeline import Sandbox

    suite = default_suite()
    with Sandbox() as sandbox:
        seed = test_candidate(SEED_SOURCE, suite, sandbox=sandbox)
        source = open(JPEG).read()
        test_candidate(source, suite, sandbox=sandbox)  # warm
        started = time.perf_counter()
        jpeg = test_candidate(source, suite, sandbox=sandbox)
        seconds = time.perf_counter() - started
    record = {"name": suite.name, "hash": suite.content_hash, "description": suite.describe(), "inputs": [],
              "options": {}}
    return record, seed, jpeg, seconds


def open_fresh(url: str | None):
    if url is None:
        folder = tempfile.mkdtemp(prefix="ledger-bench-")
        return open_session(os.path.join(folder, "bench.db"), create=True), folder
    schema = "bench_" + uuid.uuid4().hex[:10]
    sep = "&" if "?" in url else "?"
    return open_session(parse_url(f"{url}{sep}schema={schema}"), create=True), schema


def drop(url: str | None, handle: str) -> None:
    if url is None:
        import shutil

        shutil.rmtree(handle, ignore_errors=True)
        return
    import psycopg

    store = parse_url(url)
    with psycopg.connect(autocommit=True, **store._pg_kwargs()) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{handle}" CASCADE')


def varied(result: dict, factor: float) -> dict:
    out = copy.deepcopy(result)
    for point in [out["summary"], *out["clips"].values()]:
        point["bytes"] = int(point["bytes"] * factor)
        point["kbps"] = round(point["kbps"] * factor, 4)
        point["ratio"] = round(point["ratio"] / factor, 4)
    return out


def bulk_history(session, suite: dict, seed: dict, jpeg: dict, candidates: int, chunk: int = 500) -> None:
    """Write `candidates` candidates (4 events each, 5 when adopted) in large transactions, decided by the real
    policy."""
    app = session.app
    app.start_lineage("bench", suite, Policy(), seed)
    lineage = app.lineage("bench")
    base = open(JPEG).read()
    pending: list = []
    factor = 1.0
    for i in range(candidates):
        factor = factor * 0.87 if i % 7 == 0 else factor * 1.02  # about one in seven adopted
        factor = min(max(factor, 1e-3), 1e3)
        source = f"{base}\n# variant {i}\n"
        sha = sha256_of(source)
        blob = SourceBlob.store(source)
        candidate = Candidate(lineage="bench", sha256=sha, parent_version=lineage.head, rationale=f"variant {i}",
                              planner="bench")
        candidate.record_test(varied(jpeg, factor))
        best = lineage.best
        decision = lineage.judge(candidate.test_result)
        if decision.adopted:
            version = lineage.next_version
            candidate.adopt(version, best["version"], best["metrics"], decision, lineage.policy_object.thresholds())
            lineage.create_version(version, str(candidate.id), sha, comparable(candidate.test_result))
        else:
            candidate.decline(best["version"], best["metrics"], decision, lineage.policy_object.thresholds())
        pending += [blob, candidate]
        if len(pending) >= 2 * chunk:
            app.save(*pending, lineage)
            pending = []
    app.save(*pending, lineage)


def bench_recording(url: str | None, suite: dict, seed: dict, jpeg: dict, iteration_s: float, count: int) -> None:
    session, handle = open_fresh(url)
    try:
        app = session.app
        app.start_lineage("default", suite, Policy(), seed)
        base = open(JPEG).read()
        times = []
        for i in range(count):
            result = varied(jpeg, 0.85**i)
            started = time.perf_counter()
            submit(app, "default", f"{base}\n# {i}\n", validate=lambda s: [], test=lambda s, r=result: r)
            session.refresh()
            times.append(time.perf_counter() - started)
        per = statistics.median(times)
        print(
            f"recording: {1000 * per:.1f} ms per candidate (median of {count}: propose + source + test + decision "
            f"+ read models), {100 * per / iteration_s:.2f}% of a {iteration_s:.2f} s iteration (one real "
            f"test_candidate of examples/jpeg_imencode.py on the default suite)"
        )
    finally:
        session.close()
        drop(url, handle)


def bench_rebuild(url: str | None, suite: dict, seed: dict, jpeg: dict, events: int) -> None:
    session, handle = open_fresh(url)
    try:
        started = time.perf_counter()
        bulk_history(session, suite, seed, jpeg, events // 4)
        written = time.perf_counter() - started
        app, view = session.app, session.view
        total = app.max_position()
        started = time.perf_counter()
        position, count = 0, 0
        while True:
            batch = app.recorder.select_notifications(start=position + 1, limit=2000)
            if not batch:
                break
            for n in batch:
                app.mapper.to_domain_event(n)
            count += len(batch)
            position = batch[-1].id
        decode = time.perf_counter() - started
        started = time.perf_counter()
        rebuild(app, view)
        seconds = time.perf_counter() - started
        rows = sum(len(v) for v in view.dump().values())
        print(
            f"rebuild: {total} events -> {rows} rows in {seconds:.2f} s "
            f"(the library's read + decode of the same log alone: {decode:.2f} s; history written in {written:.1f} s)"
        )
    finally:
        session.close()
        drop(url, handle)


def bench_state(url: str | None, suite: dict, seed: dict, jpeg: dict, events: int) -> None:
    session, handle = open_fresh(url)
    try:
        bulk_history(session, suite, seed, jpeg, events // 4)
        session.refresh()
        app, view = session.app, session.view
        lineage = app.lineage("bench")
        versions = list(range(len(lineage.versions)))
        picks = versions if len(versions) <= 50 else versions[:: max(1, len(versions) // 50)]
        as_of, full, aggregate = [], [], []
        for v in picks:
            started = time.perf_counter()
            position = position_of_version(view, "bench", v)
            state = status(view, "bench", position, source_of=app.source)
            as_of.append(time.perf_counter() - started)
            assert state["version"] == v and state["best"]["sha256"] == lineage.versions[v]["sha256"]
            started = time.perf_counter()
            replay(view, "bench", v, source_of=app.source)
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            at = app.lineage("bench", at_version=v)
            aggregate.append(time.perf_counter() - started)
            assert at.head == v
        print(
            f"state at a version ({app.max_position()} events, {len(versions)} versions, {len(picks)} sampled): "
            f"status as of the version (best with its source and metrics, adoption rate, cost) median "
            f"{1000 * statistics.median(as_of):.1f} ms, max {1000 * max(as_of):.1f} ms; lineage aggregate at the "
            f"version (snapshot + events) median {1000 * statistics.median(aggregate):.1f} ms, max "
            f"{1000 * max(aggregate):.1f} ms; full replay (status + every candidate's history row) median "
            f"{1000 * statistics.median(full):.1f} ms, max {1000 * max(full):.1f} ms"
        )
    finally:
        session.close()
        drop(url, handle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--ledger", default=None, help="a postgresql:// URL (a fresh schema is used and dropped); "
                                                          "default: a temporary SQLite file")
    args = parser.parse_args()
    where = "SQLite" if args.ledger is None else "PostgreSQL"
    print(f"ledger benchmark on {where}")
    suite, seed, jpeg, iteration_s = real_results()
    bench_recording(args.ledger, suite, seed, jpeg, iteration_s, args.candidates)
    bench_state(args.ledger, suite, seed, jpeg, args.history)
    bench_rebuild(args.ledger, suite, seed, jpeg, args.events)


if __name__ == "__main__":
    main()
