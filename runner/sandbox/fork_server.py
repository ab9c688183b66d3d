"""The host's side of one sandboxed fork server: start it, stop it, hand each job to a child
of its own, and know for certain when that child has ended.

The server (runner/sandbox/inside/worker.py) runs under its own bubblewrap instance: new
user, pid, network, ipc and uts namespaces, a read-only view of exactly the files in
file_view.py plus the program's own folder, an empty read-only /tmp and working directory,
a fresh /proc, and no environment. It keeps one child forked and locked down ahead of time;
each job (one candidate role over one clip) runs in such a child.

Two kinds of link (inside/protocol.py) join the host and the sandbox. The control link, a
socket the host made before starting the server, is the server's alone: it says HELLO,
announces each child with that child's job link, and reports each child's end (EXITED).
Frames go over the job link straight to the child. So no child can speak for the server or
reach another job; and before the next job the host must have the server's report that the
previous child ended cleanly, within SETTLE_SECONDS, or the server goes, with all below it.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass

from domain.policy import DEFAULT_RUN_SECONDS
from domain.verdict import FAILED, TIMEOUT, Verdict
from runner.sandbox.file_view import PROGRAM, FileView, bubblewrap_mounts, file_view
from runner.sandbox.inside import protocol
from runner.sandbox.job_link import JobLink, Stopped, json_or_empty

PROGRAM_INSIDE = "/sandbox/program"  # where bubblewrap shows the program folder, read-only
STARTUP_SECONDS = 60.0
SETTLE_SECONDS = 2.0  # for a finished job's child to be reported gone


@dataclass(frozen=True)
class Limits:
    """What one candidate may use."""

    frame_seconds: float = 20.0  # wall clock for one frame, or for loading the module
    run_seconds: float = DEFAULT_RUN_SECONDS  # wall clock for one run: one clip through both roles, every frame
    cpu_seconds: int = 120  # CPU time for one role over a whole clip
    memory_bytes: int = 2 << 30  # address space on top of what the warm server already maps
    frame_bytes_factor: float = 4.0  # compressed frame cap, as a multiple of the raw frame
    clip_bytes: int = 1 << 30  # compressed bytes for one clip
    open_files: int = 32
    output_bytes: int = 64 * 1024  # printed text kept


@dataclass(frozen=True)
class Layers:
    """The defences, each of which tests can switch off to show the others hold."""

    static: bool = True
    bubblewrap: bool = True
    landlock: bool = True
    seccomp: bool = True
    audit: bool = True


def bubblewrap_path() -> str | None:
    return shutil.which("bwrap")


class ForkServer:
    """One warm sandbox process that runs each job of one role in a fresh child."""

    def __init__(self, role: str, layers: Layers, limits: Limits):
        self.role, self.layers, self.limits = role, layers, limits
        self.process: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self.workdir: str | None = None
        self.greeted = False  # the running server has said HELLO
        self.waiting: JobLink | None = None  # a child forked and locked down, with no job yet
        self.child: JobLink | None = None  # the child given the latest job, until reported gone
        self.exit_code: int | None = None  # how that child ended, once the server has said
        self._stderr_tail = bytearray()

    # --- life cycle ---

    def isolation(self) -> str:
        if self.layers.bubblewrap and bubblewrap_path():
            return "bubblewrap namespaces"
        if self.layers.bubblewrap:
            return "DEGRADED: bubblewrap (bwrap) not found; no namespace isolation, only in-process layers"
        return "DEGRADED: bubblewrap switched off"

    def _command(self, view: FileView) -> list[str]:
        python = [view.interpreter, "-I", "-S"]  # -S: sys.path gets the allowed packages' folders only
        bwrap = bubblewrap_path() if self.layers.bubblewrap else None
        if not bwrap:
            return python + [str(PROGRAM / "worker.py")]
        command = [
            bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "sandbox", "--clearenv",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/sandbox",
            *bubblewrap_mounts(view),
            "--ro-bind", str(PROGRAM), PROGRAM_INSIDE, "--dir", "/sandbox/work", "--chdir", "/sandbox/work",
            # Nothing written there could wait for a later candidate of this server.
            "--remount-ro", "/tmp", "--remount-ro", "/sandbox",
        ]
        for name, value in _thread_environment().items():
            command += ["--setenv", name, value]
        return command + python + [f"{PROGRAM_INSIDE}/worker.py"]

    def launch(self) -> None:
        """Start the server process, unless it runs, and send its settings; `await_child`
        finishes the start. Split in two so that servers start while the host does other work.
        """
        if self.process is not None:
            return
        bubblewrapped = bool(self.layers.bubblewrap and bubblewrap_path())
        if not bubblewrapped:
            self.workdir = tempfile.mkdtemp(prefix="codec-ledger-sandbox-")
        view = file_view()
        self.control, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with server_end:  # the server's standard input and output; only it holds them
            self.process = subprocess.Popen(
                self._command(view), stdin=server_end.fileno(), stdout=server_end.fileno(), stderr=subprocess.PIPE,
                env={} if bubblewrapped else _thread_environment(), cwd=self.workdir or "/",
                start_new_session=True, close_fds=True,
            )
        self.greeted, self.waiting, self.child, self.exit_code = False, None, None, None
        self._stderr_tail = bytearray()  # its own, so that a dying server's thread cannot mix in
        threading.Thread(target=_drain, args=(self.process.stderr, self._stderr_tail), daemon=True).start()
        limits = {key: value for key, value in asdict(self.limits).items()
                  if key in ("memory_bytes", "cpu_seconds", "open_files", "output_bytes")}
        layers = {"landlock": self.layers.landlock, "seccomp": self.layers.seccomp, "audit": self.layers.audit}
        program = PROGRAM_INSIDE if bubblewrapped else str(PROGRAM)
        setup = {"role": self.role, "readable": [*view.readable, program], "hidden": list(view.hidden),
                 "import_path": list(view.import_path), "layers": layers, "limits": limits}
        try:
            protocol.send_control(self.control, protocol.SETUP, setup)
        except OSError:
            pass  # it ended at once: await_child reports what it printed
        self.control.setblocking(False)

    def await_child(self) -> None:
        """Wait until the server has a child ready for the next job (at once where one is)."""
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while self.waiting is None:
                self._wait_control(deadline)
        except Stopped as stopped:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {stopped.verdict.message}") from None

    def stop(self) -> None:
        """Kill the server and everything below it; the next job starts a fresh one."""
        process, self.process = self.process, None
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        for link in (self.waiting, self.child):
            if link is not None:
                link.close()
        if self.control is not None:
            self.control.close()
        self.control, self.waiting, self.child, self.exit_code = None, None, None, None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    # --- jobs ---

    def settle(self) -> None:
        """Before a new job: the previous job's child must have ended cleanly, or the server goes.

        A finished job is not waited for when it ends (its results are all in by then), so
        the server's report of that child's end is read here, usually long since arrived.
        A child still running SETTLE_SECONDS later is one that outlives its job.
        """
        if self.process is None or self.child is None:
            return
        try:
            deadline = time.monotonic() + SETTLE_SECONDS
            while self.exit_code is None:
                self._wait_control(deadline)
            if self.exit_code != 0:
                raise Stopped(Verdict(FAILED, "the previous child did not end cleanly"))
            self.child.close()
            self.child = None
        except Stopped:
            self.stop()

    def send_job(self, source: str, config: dict) -> JobLink:
        """Give the waiting child its job; its replies come through the link returned."""
        link, self.waiting = self.waiting, None
        assert link is not None, "await_child first"
        frame_bytes = config["width"] * config["height"] * 3
        cap = int(frame_bytes * self.limits.frame_bytes_factor) + 4096
        link.reply_cap = cap if self.role == "encode" else frame_bytes
        link.send_json(protocol.JOB, {"source": source, "config": config, "frame_bytes": cap})
        self.child, self.exit_code = link, None
        return link

    def finish_job(self) -> None:
        """Every frame is answered: pass on what is still queued (the END), then let go of
        the link. A child that has not taken all its input did not finish cleanly."""
        link = self.child
        if link is None:
            return
        link.flush()
        if link.wants_to_write:
            self.stop()
        else:
            link.close()

    # --- the control link ---

    def read_control(self) -> None:
        """Take in everything the server has said: its greeting, new children, ended ones.

        Raises Stopped where the server has ended or said something that makes no sense.
        """
        assert self.control is not None
        while True:
            try:
                kind, payload, descriptors = protocol.receive_control(self.control)
            except BlockingIOError:
                return
            except (EOFError, ValueError, OSError):
                raise self._ended() from None
            message = json_or_empty(payload)
            pid = message.get("pid")
            if kind == protocol.HELLO and not self.greeted:
                self.greeted = True
            elif (kind == protocol.CHILD and self.greeted and self.waiting is None and type(pid) is int
                  and len(descriptors) == 2):
                self.waiting = JobLink(pid, descriptors[0], descriptors[1], self.role)
            elif kind == protocol.EXITED and self.child is not None and pid == self.child.pid:
                code = message.get("code")
                self.exit_code = code if type(code) is int else -1
            elif kind == protocol.EXITED and self.waiting is not None and pid == self.waiting.pid:
                self.waiting.close()  # it ended before its job; the server forks the next
                self.waiting = None
            else:
                for descriptor in descriptors:
                    os.close(descriptor)
                raise Stopped(Verdict(FAILED, f"protocol error from the {self.role}r sandbox"))

    def _wait_control(self, deadline: float) -> None:
        """Wait for the server to say something, at most until `deadline`, and take it in."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Stopped(Verdict(TIMEOUT, f"{self.role}r sandbox exceeded the time limit"))
        assert self.control is not None
        poller = select.poll()
        poller.register(self.control, select.POLLIN)
        if poller.poll(remaining * 1000):
            self.read_control()

    def _ended(self) -> Stopped:
        text = bytes(self._stderr_tail).decode("utf-8", "replace").strip()[-300:]
        return Stopped(Verdict(FAILED, f"the {self.role}r sandbox ended unexpectedly: {text}"))


def _drain(stream, tail: bytearray) -> None:
    """Keeps the last of what a server printed; owns the stream and closes it at its end."""
    with stream:
        for chunk in iter(lambda: stream.read(4096), b""):
            tail += chunk
            del tail[:-4096]


def _thread_environment() -> dict[str, str]:
    # Children may not create threads (seccomp); numerical libraries are told up front.
    return {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                   "NUMEXPR_NUM_THREADS", "OPENCV_FOR_THREADS_NUM")} | {
        "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
