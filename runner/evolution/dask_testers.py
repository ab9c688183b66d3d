"""Candidate tests on a Dask `distributed` cluster: `run --dask tcp://HOST:8786`, or `--dask local:N` for a
LocalCluster of N worker processes on loopback.

Each task gets a source, the suite's content hash, the lineage's policy and the nonce, and returns the plain
AdoptionTestResult; the run's process alone records and decides (runner/evolution/lifecycle.py). The suite
itself travels once per worker, as a worker plugin named by its hash: the scheduler keeps it and hands it to
every worker that joins or is restarted later (scattered data would not survive: Dask drops extra replicas,
and the last one goes with its worker). Each worker thread keeps one warm
sandbox, made as runner/evaluation/evaluator.py's sandbox_for makes it on that machine: bubblewrap where
the worker has it, and where it has not, the worker says so when it starts and every verdict it returns
names the degraded isolation. A worker lost mid-test leaves its task to the scheduler, which runs it again
on another worker; the run records the one result it gets back, so nothing is recorded twice.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from functools import partial
from typing import Any

import dask
from distributed import Client, LocalCluster, WorkerPlugin, get_worker
from distributed.core import Status

from domain.ids import sha256_of
from domain.policy import Policy
from domain.records import AdoptionTestResult
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import adoption_test, sandbox_for
from runner.evolution.testers import TestersFactory
from runner.sandbox.fork_server import ForkServer, Layers, Limits
from runner.sandbox.pipeline import Sandbox

LOCAL = "local:"
PLUGIN = "codec-ledger-sandbox"
RETRIES = 2  # a task that raised (a sandbox that could not start there) runs again, maybe elsewhere
CONNECT_SECONDS = 30
# Each worker thread is sent one test at a time (Dask's default, 1.1, lets a one-thread worker hold two while
# another may wait); a scheduler started with `dask scheduler` needs the same setting in its environment:
# DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0
SATURATION = "distributed.scheduler.worker-saturation"

logger = logging.getLogger(__name__)


class ClusterError(OSError):
    """The cluster cannot be used: a bad --dask address, or a test that the cluster lost for good. An OSError,
    as the cluster's unreachable scheduler is: the command line shows it as one line."""


def dask_testers(address: str) -> TestersFactory:
    """The testers factory for `Evolution(testers=...)` that sends tests to the cluster at address."""
    _local_workers(address)  # a bad address fails here, before the run starts anything
    return partial(DaskTesters, address)


def _local_workers(address: str) -> int | None:
    """N for 'local:N'; None for a scheduler's address."""
    if address.startswith(LOCAL):
        count = address.removeprefix(LOCAL)
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--dask local:N needs a number of workers N >= 1, not {address!r}")
        return int(count)
    if "://" not in address:
        raise ClusterError(f"--dask takes a scheduler address such as tcp://HOST:8786, or local:N, not {address!r}")
    return None


class DaskTesters:
    """Tests sources on a Dask cluster; a context manager that releases the cluster (and stops a local one)."""

    def __init__(self, address: str, suite: Suite, policy: Policy, workers: int, nonces: Mapping[str, str]):
        self.address, self.suite, self.policy, self.nonces = address, suite, policy, nonces
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None

    def __enter__(self) -> DaskTesters:
        local = _local_workers(self.address)
        try:
            if local is not None:
                with dask.config.set({SATURATION: 1.0}):
                    self.cluster = LocalCluster(n_workers=local, threads_per_worker=1, processes=True,
                                                host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                                                # no dashboard, and its HTTP server (health) on a free port
                                                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            self.client = Client(self.cluster or self.address, timeout=CONNECT_SECONDS, set_as_default=False)
            self.client.register_plugin(SandboxPlugin(), name=PLUGIN)
            for address, isolation in sorted(self.client.run(worker_isolation).items()):
                if isolation.startswith("DEGRADED"):
                    logger.warning("worker %s: sandbox %s; its verdicts say so", address, isolation)
            send_suite(self.client, self.suite)
        except BaseException:
            self._close(stopping=True)
            raise
        return self

    def __exit__(self, error_type: type[BaseException] | None, *exc: object) -> None:
        self._close(stopping=error_type is not None)

    def test(self, sources: list[str]) -> list[AdoptionTestResult]:
        assert self.client is not None, "used outside its with block"
        nonces = [self.nonces.get(sha256_of(source)) for source in sources]
        # pure=False: every test is its own task, even of a source tested before.
        futures = self.client.map(adoption_test_on_worker, sources, suite_hash=self.suite.content_hash,
                                  policy=self.policy, nonce=nonces, pure=False, retries=RETRIES)
        try:
            return self.client.gather(futures)
        except Exception as exc:
            self.client.cancel(futures)
            raise ClusterError(f"a candidate's test failed on the cluster, retries spent: "
                               f"{type(exc).__name__}: {exc}") from exc

    def _close(self, *, stopping: bool) -> None:
        """Release the cluster; a run that is stopping kills its local workers at once, mid-test or not."""
        if stopping:  # the run says in one line that it stopped: not distributed's tracebacks of closed connections
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            if stopping:  # closing alone would wait for the tests running
                for nanny in list(self.cluster.workers.values()):
                    if pid := getattr(nanny, "pid", None):
                        _kill(pid)
            self.cluster.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)  # its sandboxes die with it (bubblewrap --die-with-parent)
    except ProcessLookupError:
        pass


def adoption_test_on_worker(source: str, suite_hash: str, policy: Policy, nonce: str | None) -> AdoptionTestResult:
    """One adoption test, on a Dask worker, on the suite sent to it, in this worker thread's warm sandbox."""
    plugin = get_worker().plugins[_suite_plugin(suite_hash)]
    assert isinstance(plugin, SuitePlugin)
    suite = plugin.suite
    return adoption_test(source, suite, policy, sandbox=_sandbox(policy), nonce=nonce)


def send_suite(client: Client, suite: Suite) -> None:
    """The suite on every worker of the cluster, now and later (kept while the cluster lives: a run that ends
    cannot know whether another run on the same cluster still tests on it)."""
    client.register_plugin(SuitePlugin(suite), name=_suite_plugin(suite.content_hash))


def _suite_plugin(suite_hash: str) -> str:
    return f"codec-ledger-suite-{suite_hash}"


class SuitePlugin(WorkerPlugin):
    """One suite, held by every worker under its content hash."""

    idempotent = True  # the same hash is the same suite: sent once

    def __init__(self, suite: Suite):
        self.suite = suite


# This worker process's warm sandboxes: one per worker thread, made for the limits of the policy it last served.
_sandboxes: dict[int, tuple[Limits, Sandbox]] = {}
_sandboxes_lock = threading.Lock()


def _sandbox(policy: Policy) -> Sandbox:
    fresh = sandbox_for(policy)
    with _sandboxes_lock:
        held = _sandboxes.get(threading.get_ident())
        if held is not None and held[0] == fresh.limits:
            return held[1]
        _sandboxes[threading.get_ident()] = (fresh.limits, fresh)
    if held is not None:
        held[1].close()
    return fresh


class SandboxPlugin(WorkerPlugin):
    """Announces the worker's isolation when it starts, and closes its sandboxes when it stops."""

    idempotent = True  # a run registering it again leaves the workers' warm sandboxes as they are

    def setup(self, worker: Any) -> None:
        isolation = worker_isolation()
        if isolation.startswith("DEGRADED"):
            logger.warning("codec-ledger worker %s: sandbox %s; its verdicts say so", worker.address, isolation)
        else:
            logger.info("codec-ledger worker %s: sandbox %s", worker.address, isolation)

    def teardown(self, worker: Any) -> None:
        if worker.status not in (Status.closing, Status.closing_gracefully, Status.closed, Status.failed):
            return  # replaced by another registration, not stopping: tests running keep their sandboxes
        with _sandboxes_lock:
            held = list(_sandboxes.values())
            _sandboxes.clear()
        for _, sandbox in held:
            sandbox.close()


def worker_isolation() -> str:
    """How this machine's sandbox isolates candidates (runner/sandbox/fork_server.py says it)."""
    return ForkServer("encode", Layers(), Limits()).isolation()


async def dask_setup(worker: Any) -> None:
    """`dask worker --preload runner.evolution.dask_testers`: the worker starts with the project's plugin."""
    await worker.plugin_add(SandboxPlugin(), name=PLUGIN)
