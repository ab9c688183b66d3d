"""Candidate tests on a real Dask LocalCluster on loopback: a worker SIGKILLed mid-test leaves its candidate
tested again elsewhere and recorded once; a `codec-ledger worker` without bubblewrap announces its degraded
isolation and its verdicts say so; a `run --dask local:2` stopped by SIGTERM or Ctrl-C leaves no process."""

import itertools
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from domain.policy import Policy
from domain.seed import SEED_SOURCE
from projections.projection import build_as_of
from projections.session import open_session
from runner.evolution import dask_testers
from runner.evolution.dask_testers import adoption_test_on_worker, send_suite, worker_isolation
from runner.evolution.dask_testers import dask_testers as dask_factory
from runner.evolution.loop import Evolution
from runner.planners.base import PlannerContext, Proposal
from tests.ledger.support import EXAMPLES, suite_record, tiny_suite, variant
from tests.runner.dask_faults import KillOnceMidTest
from tests.runner.test_faults import ROOT, TINY_CLIP, check_consistent, command, stored
from tests.runner.test_shutdown import GONE_WITHIN, alive, clean_up, stop, tree

pytestmark = pytest.mark.slow

JPEG = (EXAMPLES / "jpeg_imencode.py").read_text()


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on loopback, shared by the module; the run reaches them by the scheduler's address."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      silence_logs=logging.ERROR, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as local:
        with Client(local, set_as_default=False) as client:
            yield local, client


class Variants:
    """Proposes JPEG codecs that differ only by a comment: each its own candidate, each a real test."""

    name = "variants"

    def __init__(self):
        self.made = itertools.count(1)

    def propose(self, context: PlannerContext) -> Proposal:
        made = next(self.made)
        return Proposal(planner=self.name, analysis=f"variant {made}", source=variant(JPEG, made), rationale="")


def test_a_worker_killed_mid_test_leaves_the_candidate_tested_elsewhere_and_recorded_once(cluster, tmp_path):
    local, client = cluster
    suite, policy = tiny_suite(), Policy()
    send_suite(client, suite)
    seed = client.submit(adoption_test_on_worker, SEED_SOURCE, suite.content_hash, policy, None, pure=False).result()
    client.register_plugin(KillOnceMidTest(tmp_path), name="kill-once")
    try:
        with open_session(str(tmp_path / "ledger.db"), create=True) as session:
            session.app.start_lineage("default", suite_record(suite), policy, seed)
            evolution = Evolution(session, "default", suite, Variants(), workers=2,
                                  testers=dask_factory(local.scheduler_address))
            summary = evolution.run(2)
            assert summary.iterations == 2 and summary.proposed == 2
            tested = [event["originator_id"] for event in session.app.stored_events(types=["CandidateTested"])]
            candidates = session.view.fetch("SELECT * FROM {p}cl_candidates WHERE planner = 'variants'")
            ids = {row["candidate_id"] for row in candidates}
            assert len(ids) == 2 and all(row["decision"] != "pending" for row in candidates)
            assert sorted(t for t in tested if t in ids) == sorted(ids)  # each recorded exactly once
            assert all(row["verdict"] == "ok" for row in candidates)
            assert build_as_of(session.app).dump() == session.view.dump()
    finally:
        client.unregister_worker_plugin("kill-once")
    assert (tmp_path / "killed").exists()
    assert len((tmp_path / "started").read_text().splitlines()) == 3  # the killed test ran again, elsewhere


def test_a_worker_without_bubblewrap_announces_it_and_its_verdicts_say_so(cluster, tmp_path):
    local, client = cluster
    no_bwrap = tmp_path / "bin"  # PATH holds the interpreter and nothing else: no bwrap
    no_bwrap.mkdir()
    (no_bwrap / "python").symlink_to(sys.executable)
    worker = subprocess.Popen(command("worker", "--dask", local.scheduler_address, "--workers", "1"), cwd=ROOT,
                              env={**os.environ, "PATH": str(no_bwrap)}, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 300
        while not (joined := joined_from(client, worker.pid)) and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker command ended"
            time.sleep(0.1)
        assert joined, "the worker never joined"
        isolation = client.run(worker_isolation, workers=[joined])[joined]
        assert isolation.startswith("DEGRADED: bubblewrap (bwrap) not found")
        suite = tiny_suite()
        send_suite(client, suite)
        result = client.submit(adoption_test_on_worker, JPEG, suite.content_hash, Policy(), None, workers=[joined],
                               pure=False).result(timeout=120)
        assert result["verdict"]["category"] == "ok"
        assert result["verdict"]["isolation"] == result["isolation"] == isolation
        assert result["provenance"]["isolation"].startswith("DEGRADED")
        processes = tree(worker.pid)
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=30)
        assert "WARNING: sandbox DEGRADED" in out
        deadline = time.monotonic() + GONE_WITHIN
        while alive(processes) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alive(processes) == []
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def joined_from(client: Client, root: int) -> str | None:
    """The address of the cluster's worker that runs below process root, once it has joined."""
    below = tree(root)
    return next((address for address, pid in client.run(os.getpid).items() if pid in below), None)


def sandboxed_workers(root: int) -> int:
    """How many of the run's worker processes have started a sandbox (a bwrap child of their own; the run's
    own process measures the seed in bubblewrap before, and bubblewrap forks itself)."""
    processes = tree(root)
    names = {pid: _comm(pid) for pid in processes}
    parents = {pid: _parent(pid) for pid in processes}
    return len({parents[pid] for pid, name in names.items()
                if name == "bwrap" and parents[pid] in names and names[parents[pid]] != "bwrap"})


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return 0


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_run_on_a_local_cluster_stopped_leaves_no_process_behind(tmp_path, how):
    db = tmp_path / "ledger.db"
    process = subprocess.Popen(command("run", "--dask", "local:2", "--workers", "2", "--iterations", "20",
                                       "--ledger", str(db), *TINY_CLIP), cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    processes: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 300
        while sandboxed_workers(process.pid) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        processes = tree(process.pid)
        assert process.poll() is None and sandboxed_workers(process.pid) == 2, "the workers never tested"
        errors = stop(process, how, processes)
    finally:
        clean_up(process, processes)
    lines = errors.strip().splitlines()
    assert process.returncode == 128 + getattr(signal, how), errors
    assert f"stopped by {how}" in lines[-1] and all(line.startswith("note:") for line in lines[:-1]), errors
    assert stored(db)
    check_consistent(db)


def test_a_bad_address_is_one_clear_error():
    with pytest.raises(dask_testers.ClusterError, match="local:N needs a number"):
        dask_factory("local:0")
    with pytest.raises(dask_testers.ClusterError, match="tcp://HOST:8786"):
        dask_factory("somewhere:8786")
