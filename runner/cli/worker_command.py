"""`codec-ledger worker`: this machine joins a Dask cluster as worker processes that test candidates in the sandbox."""

from __future__ import annotations

import os

import typer

from runner.cli.support import console


def worker(
    dask: str = typer.Option(..., "--dask", metavar="ADDRESS", help="The scheduler's address, e.g. tcp://HOST:8786."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", min=1, metavar="N",
                                help="Worker processes here: candidates tested at once on this machine."),
) -> None:
    """Join a Dask cluster: test candidates sent by `run --dask tcp://HOST:8786` in this machine's sandbox."""
    from distributed.cli.dask_worker import main as dask_worker

    from runner.evolution.dask_testers import worker_isolation

    isolation = worker_isolation()
    if isolation.startswith("DEGRADED"):
        console.print(f"[bold red]WARNING: sandbox {isolation}; every verdict from these workers says so[/]")
    else:
        console.print(f"sandbox: {isolation}")
    # One thread per process: each test is CPU-bound in its own warm sandbox.
    dask_worker.main([dask, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard",
                      "--preload", "runner.evolution.dask_testers"], prog_name="codec-ledger worker")
