"""The program inside the sandbox: a fork server that runs one candidate role per child.

fork_server.py starts it (under bubblewrap where present) as `python -I -S worker.py` from
this folder, the only part of the project visible inside, with the control link (protocol.py)
as its standard input and output. It reads its settings, imports every allowed module and
submodule once, builds the Landlock ruleset, then keeps one child forked ahead of time.

Each child gets a job link of its own: two fresh pipes, whose other ends the server passes
to the host. The first thing a child does is close every descriptor but those, the control
link above all, so nothing it runs can speak for the server or reach another job. It then
locks itself down (resource limits, Landlock, seccomp) before its job arrives, so that none
of that is on the host's clock; then it reads the job, adds the audit-hook tripwire, loads
the candidate and serves frames. The server never runs candidate code, and reports a
child's end only once it has killed whatever that child left running.
"""

import fcntl
import gc
import importlib
import json
import os
import signal
import socket
import sys
from types import ModuleType
from typing import NoReturn

# `python -I` leaves the script's folder off sys.path; the sibling modules live there.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lockdown import apply_landlock, apply_rlimits, apply_seccomp, landlock_ruleset, protect_server  # noqa: E402
from protocol import (  # noqa: E402
    CHILD,
    END,
    EXITED,
    FAILURE,
    HELLO,
    INDEX,
    JOB,
    READY,
    RESULT,
    SETUP,
    Channel,
    receive_control,
    send_control,
)
from shared_rules import ALLOWED_MODULES, ALLOWED_SUBMODULES, register_compiled_submodules  # noqa: E402
from tripwire import CappedOutput, guarded_builtins, install_tripwire  # noqa: E402

NO_JOB = 99  # a child's exit code: the host closed its job link instead of sending a job
PIPE_BYTES = 1 << 20  # one write per frame instead of sixteen
F_SETPIPE_SZ = 1031


# --- the child --------------------------------------------------------------------------

def lock_down(channel: Channel, setup: dict, landlock: tuple[int | None, str]
              ) -> tuple[list[str], dict | ModuleType, CappedOutput]:
    """The layers that need nothing from the job, applied while the child waits for one.

    Returns the names of the layers in force, the builtins candidate code will see, and
    what stands in for its standard output.
    """
    layers = setup["layers"]
    output = CappedOutput(setup["limits"]["output_bytes"])
    sys.stdout = sys.stderr = output
    devnull = os.open(os.devnull, os.O_WRONLY)  # while writing opens are still allowed
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    apply_rlimits(setup["limits"])
    loaded = ["rlimits"]
    if layers.get("landlock"):
        loaded.append(apply_landlock(*landlock))
    if layers.get("seccomp"):
        loaded.append(apply_seccomp())
    builtins = guarded_builtins(channel) if layers.get("audit") else __builtins__
    return loaded, builtins, output


def run_child(channel: Channel, setup: dict, job: dict, loaded: list, builtins, output: CappedOutput) -> None:
    """Load the candidate and serve the job's frames; ends the process, never returns."""
    import numpy as np

    role, config = setup["role"], job["config"]

    def fail(category: str, message: str, frame=None) -> NoReturn:
        printed = output.text().strip()
        if printed:
            message += f" (printed: {printed[-300:]!r})"
        channel.send_json(FAILURE, {"category": category, "message": message, "frame": frame})
        os._exit(0)

    try:
        code = compile(job["source"], "<candidate>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        fail("rejected", f"does not compile: {error}")
    if setup["layers"].get("audit"):
        install_tripwire(channel, code)
        loaded = loaded + ["audit hook"]

    namespace = {"__name__": "candidate", "__builtins__": builtins}
    try:
        exec(code, namespace)
    except BaseException as error:  # the candidate's own code: anything may come out
        category, message = classify(error)
        fail(category, f"loading the module raised {message}")
    function_name = "compress_video_frame" if role == "encode" else "decompress_video_frame"
    function = namespace.get(function_name)
    if not callable(function):
        fail("rejected", f"{function_name} is not defined as a function")
    channel.send_json(READY, {"layers": loaded})

    shape = (config["height"], config["width"], 3)
    frame_bytes = job["frame_bytes"]
    while True:
        kind, payload = channel.receive()
        if kind == END:
            break
        (index,) = INDEX.unpack_from(payload)
        try:
            if role == "encode":  # the frame is a view of the buffer the message was read into
                frame = np.frombuffer(payload, np.uint8, offset=INDEX.size).reshape(shape)
                result = function(frame, index, dict(config))
            else:
                result = function(bytes(memoryview(payload)[INDEX.size:]), index, dict(config))
        except BaseException as error:
            category, message = classify(error)
            fail(category, f"{function_name} raised {message}", index)
        if role == "encode":
            if not isinstance(result, (bytes, bytearray)):
                fail("failed", f"compress_video_frame returned {type(result).__name__}, expected bytes", index)
            data = result if type(result) is bytes else bytes(result)  # a subclass could misreport its length
            if len(data) > frame_bytes:
                fail("failed", f"compress_video_frame returned {len(data)} bytes; the cap is {frame_bytes}", index)
            channel.send(RESULT, data)
        else:
            if not isinstance(result, np.ndarray):
                fail("failed", f"{function_name} returned {type(result).__name__}, expected numpy.ndarray", index)
            if result.dtype != np.uint8 or result.shape != shape:
                fail("failed", f"{function_name} returned {result.dtype} {result.shape}, expected uint8 {shape}", index)
            channel.send(RESULT, np.ascontiguousarray(result).data.cast("B"))
    os._exit(0)


def classify(error: BaseException):
    """A verdict category and message for an exception raised by candidate code."""
    text = f"{type(error).__name__}: {str(error)[:300]}"
    if isinstance(error, MemoryError) or "Insufficient memory" in str(error) or "Failed to allocate" in str(error):
        return "oom", text
    if isinstance(error, RecursionError):
        return "failed", text + " (recursion too deep)"
    return "failed", text


# --- the fork server --------------------------------------------------------------------

def preload() -> None:
    """Import what candidates may use, once, so that children start warm and find it loaded.

    Every allowed submodule too: with the audit layer on a child cannot read a module's
    file, so it can import only what is loaded already.
    """
    register_compiled_submodules()
    for name in sorted(ALLOWED_MODULES) + sorted(ALLOWED_SUBMODULES):
        importlib.import_module(name)
    import cv2
    import numpy

    cv2.setNumThreads(0)
    cv2.dct(numpy.zeros((8, 8), numpy.float32))  # let OpenCV set itself up before the lock-down
    cv2.imencode(".jpg", numpy.zeros((8, 8, 3), numpy.uint8))
    cv2.imencode(".webp", numpy.zeros((8, 8, 3), numpy.uint8))
    cv2.imencode(".png", numpy.zeros((8, 8, 3), numpy.uint8))
    # Children would otherwise copy every page the collector touches (copy-on-write).
    gc.freeze()


def serve() -> None:
    """Fork the next child ahead of time, hand the host its job link, report its end; again.

    The child locks itself down and reads its own job, so neither the fork nor the
    lock-down is on the host's clock.
    """
    control = socket.socket(fileno=os.dup(0))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    kind, payload, _ = receive_control(control)
    if kind != SETUP:
        return
    setup = json.loads(payload)
    sys.path += setup["import_path"]
    preload()
    protect_server()
    landlock = landlock_ruleset(setup["readable"], setup["hidden"]) if setup["layers"].get("landlock") else (None, "")
    try:
        send_control(control, HELLO, {"pid": os.getpid(), "python": sys.version.split()[0]})
        while True:
            (job_in, host_out), (host_in, job_out) = os.pipe(), os.pipe()
            for descriptor in (host_out, job_out):
                try:
                    fcntl.fcntl(descriptor, F_SETPIPE_SZ, PIPE_BYTES)
                except OSError:
                    pass
            pid = os.fork()
            if pid == 0:
                keep_only(job_in, job_out, landlock[0])
                serve_one(Channel(job_in, job_out), setup, landlock)
            os.close(job_in)
            os.close(job_out)
            send_control(control, CHILD, {"pid": pid}, (host_out, host_in))
            os.close(host_out)
            os.close(host_in)
            _, status = os.waitpid(pid, 0)
            end_leftovers()
            send_control(control, EXITED, {"pid": pid, "code": os.waitstatus_to_exitcode(status)})
    except (BrokenPipeError, ConnectionResetError):  # the host is gone
        return


def keep_only(*descriptors: int | None) -> None:
    """Close every descriptor but the standard three and these: the first thing in a child."""
    start = 3
    for descriptor in sorted(d for d in descriptors if d is not None):
        os.closerange(start, descriptor)
        start = descriptor + 1
    os.closerange(start, os.sysconf("SC_OPEN_MAX"))


def end_leftovers() -> None:
    """Kill and reap whatever a finished child left running.

    Only possible where seccomp is off or unavailable (it denies fork); without this a
    candidate's daemon would outlive its verdict, holding its job link.
    """
    children = f"/proc/self/task/{os.getpid()}/children"
    for _ in range(1000):
        try:
            with open(children) as listing:
                pids = [int(pid) for pid in listing.read().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def serve_one(channel: Channel, setup: dict, landlock: tuple[int | None, str]) -> NoReturn:
    """In a fresh child: lock down, wait for one job, run it, never return into the server loop."""
    try:
        loaded, builtins, output = lock_down(channel, setup, landlock)
        error = None
    except BaseException as raised:  # reported once there is a job to report it for
        loaded, builtins, output, error = [], None, None, raised
    try:
        kind, payload = channel.receive()
        if kind != JOB:
            os._exit(NO_JOB)
        job = json.loads(payload)
    except BaseException:  # end of input (the host is done), or a stream it no longer trusts
        os._exit(NO_JOB)
    try:
        if error is not None:
            raise error
        run_child(channel, setup, job, loaded, builtins, output)
    except BaseException as error:
        try:
            channel.send_json(FAILURE, {"category": "failed", "message": f"sandbox error: {error!r}"[:400]})
        finally:
            os._exit(70)
    os._exit(0)


if __name__ == "__main__":
    serve()
