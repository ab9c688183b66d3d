"""A fault for the Dask tests, in a module of its own: workers import it to unpickle the plugin, and it imports
little, so that a worker (re)started under load takes it up quickly."""

import os
import signal
import threading
from pathlib import Path

from distributed import WorkerPlugin


class KillOnceMidTest(WorkerPlugin):
    """SIGKILLs its worker a moment after the first adoption test starts there, on one worker of the cluster
    only; each adoption test that starts anywhere adds a line to `started`."""

    def __init__(self, folder: Path):
        self.started, self.once = folder / "started", folder / "killed"

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or "adoption_test_on_worker" not in str(key):
            return
        with open(self.started, "a") as started:
            started.write(f"{key}\n")
        try:
            os.close(os.open(self.once, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGKILL)).start()
