"""Where candidate tests run: in this process with one warm sandbox, or in a pool of worker processes.

`Testers` is the seam the loop tests through: `test(sources)` returns one adoption test result per
source, in order. A worker dies with the run's process however that ends, and its sandboxes with it.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from domain.ids import sha256_of
from domain.policy import Policy
from domain.records import AdoptionTestResult
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import adoption_test, sandbox_for
from runner.sandbox.pipeline import Sandbox


class Testers(Protocol):
    """Tests sources on the suite under the lineage's policy; a context manager that stops its workers on exit."""

    def __enter__(self) -> Testers: ...

    def __exit__(self, error_type: type[BaseException] | None, *exc: object) -> None: ...

    def test(self, sources: list[str]) -> list[AdoptionTestResult]: ...


TestersFactory = Callable[[Suite, Policy, int, Mapping[str, str]], Testers]  # suite, policy, workers, nonces


class LocalTesters:
    """Tests sources on the suite under the lineage's policy: in this process with one sandbox, or in a
    pool of workers."""

    def __init__(self, suite: Suite, policy: Policy, workers: int, nonces: Mapping[str, str]):
        self.suite, self.policy, self.workers, self.nonces = suite, policy, workers, nonces
        self.sandbox: Sandbox | None = None
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalTesters:
        if self.workers > 1:
            self.pool = ProcessPoolExecutor(self.workers, initializer=_start_worker,
                                            initargs=(self.suite, self.policy, os.getpid()))
        else:
            self.sandbox = sandbox_for(self.policy)
        return self

    def __exit__(self, error_type: type[BaseException] | None, *exc: object) -> None:
        if self.pool is not None:
            if error_type is not None:  # stop now: shutdown() alone would wait for the tests running
                # ProcessPoolExecutor has no public way to stop its workers before Python 3.14.
                for process in list(self.pool._processes.values()):
                    process.kill()
            self.pool.shutdown(cancel_futures=True)
        if self.sandbox is not None:
            self.sandbox.close()

    def test(self, sources: list[str]) -> list[AdoptionTestResult]:
        nonces = [self.nonces.get(sha256_of(source)) for source in sources]
        if self.pool is not None:
            return list(self.pool.map(_test_in_worker, sources, nonces))
        return [adoption_test(source, self.suite, self.policy, sandbox=self.sandbox, nonce=nonce)
                for source, nonce in zip(sources, nonces, strict=True)]


_worker: dict[str, Any] = {}  # this worker process's suite, policy and warm sandbox
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _start_worker(suite: Suite, policy: Policy, run_pid: int) -> None:
    import atexit

    _die_with(run_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the run decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker.update(suite=suite, policy=policy, sandbox=sandbox_for(policy))
    atexit.register(_worker["sandbox"].close)


def _test_in_worker(source: str, nonce: str | None) -> AdoptionTestResult:
    return adoption_test(source, _worker["suite"], _worker["policy"], sandbox=_worker["sandbox"], nonce=nonce)


def _die_with(run_pid: int) -> None:
    """SIGKILL this worker when the run's process ends, however it ends (its sandboxes die with it)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != run_pid:  # the run ended before the line above took effect
        os._exit(1)
