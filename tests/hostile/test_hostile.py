"""Hostile candidates: every attack in this folder is rejected or contained, and leaves no trace.

Each module here is a complete candidate whose docstring names its attack and the outcome
expected. The table CASES below says, for each one:

- whether static validation must reject it (then every layer configuration below also runs
  it with validation off, to show that the runtime layers contain it without that help);
- the verdicts allowed with every runtime layer on (`runtime`) and with only the kernel
  layers, bubblewrap, Landlock and seccomp (`kernel`);
- `alone`: the runtime layers that contain it on their own, each run as the only layer, with
  the verdicts allowed there. A layer missing from `alone` is not claimed to stop that
  attack (Landlock does not govern UDP, seccomp does not govern reads, the audit hook cannot
  see OpenCV's C++ file I/O); such a run would really escape, so it is not made.

After every run the host is checked, whatever the verdict: no new or changed file in the
watched directory (the host's working directory, in /tmp, holding the ledger's SQLite file)
or at the other /tmp paths the attacks aim at, no connection or datagram at any of the
test's listeners, the decoy process alive, the fake API key and the ledger's contents in
no output, no process left behind, and the verdict back within bounded time.

By default the single-layer runs cover a representative set of attacks; HOSTILE_FULL_MATRIX=1
runs every claim in the table. HOSTILE_VERBOSE=1 (with -s) prints one line per run.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.seed import SEED_SOURCE
from domain.verdict import CATEGORIES
from runner.sandbox.fork_server import Layers, Limits, bubblewrap_path
from runner.sandbox.inside.lockdown import seccomp_program
from runner.sandbox.pipeline import Sandbox
from runner.sandbox.validation import validate

HERE = Path(__file__).parent
LIMITS = Limits(frame_seconds=3.0, cpu_seconds=10, memory_bytes=512 << 20)
BOUND_SECONDS = 20.0
FRAMES = np.random.default_rng(6).integers(0, 256, (2, 48, 64, 3), dtype=np.uint8)

V, F, OK, T, M = {"violation"}, {"failed"}, {"ok"}, {"timeout"}, {"oom"}
BLOCKED = {"violation", "failed"}  # what a blocked attack ends in: killed, or an error it did not catch
ANY = set(CATEGORIES)  # the verdict does not matter; the checks on the host decide

LAYERS = {
    "full": Layers(),
    "static-off": Layers(static=False),
    "kernel-only": Layers(static=False, audit=False),
    "bubblewrap": Layers(static=False, landlock=False, seccomp=False, audit=False),
    "landlock": Layers(static=False, bubblewrap=False, seccomp=False, audit=False),
    "seccomp": Layers(static=False, bubblewrap=False, landlock=False, audit=False),
    "audit": Layers(static=False, bubblewrap=False, landlock=False, seccomp=False),
}
SINGLE_LAYERS = ("bubblewrap", "landlock", "seccomp", "audit")


@dataclass(frozen=True)
class Case:
    name: str
    static: bool = True  # static validation must reject it
    runtime: frozenset = frozenset(V)  # verdicts with every runtime layer (or every layer, if not static)
    kernel: frozenset = frozenset(BLOCKED)  # with bubblewrap, Landlock and seccomp only
    alone: dict = field(default_factory=dict)  # single runtime layer -> verdicts allowed
    cheat: bool = False  # a metric cheat: the decoded frames must not be the source

    def __repr__(self) -> str:
        return self.name


def case(name, runtime=V, kernel=BLOCKED, cheat=False, b=None, l=None, s=None, a=None):  # noqa: E741
    alone = {layer: frozenset(v) for layer, v in zip(SINGLE_LAYERS, (b, l, s, a), strict=True) if v is not None}
    return Case(name, True, frozenset(runtime), frozenset(kernel), alone, cheat)


def runs(name, verdicts, cheat=False):
    """An attack that static validation lets through: only resources and the OS stop it."""
    return Case(name, False, frozenset(verdicts), frozenset(), {}, cheat)


EVERY = dict(b=F, l=F, s=V, a=V)  # refused by every layer alone: an error, or killed
NO_READS = dict(b=F, l=F, a=V)  # reads: seccomp allows them
CPP_WRITE = dict(b=F, l=F, s=V)  # OpenCV's C++ writes: the audit hook cannot see them
CPP_READ = dict(b=F, l=F)

CASES = [
    # forbidden imports in every spelling
    case("import_from_os", **EVERY),
    case("import_aliased", **EVERY),
    case("import_dunder", **EVERY),
    case("import_importlib", **EVERY),
    case("import_unicode_lookalike", **EVERY),
    case("import_homoglyph_module", kernel=F, b=F, l=F, s=F, a=V),
    case("import_numpy_submodule", **NO_READS),
    case("import_via_module_attribute", **EVERY),
    # builtins and modules reached through objects
    case("object_subclasses", **EVERY),
    case("object_match_class", **EVERY),
    case("object_globals_update_wrapper", **EVERY),
    case("object_decorator_wraps", **EVERY),
    case("object_generator_frame", **EVERY),
    case("object_traceback_frame", **EVERY),
    case("object_format_string", runtime=OK, kernel=OK, b=OK, l=OK, s=OK, a=OK),
    case("object_metaclass", **EVERY),
    case("object_typing_hints", **EVERY),
    case("object_operator_attrgetter", **EVERY),
    case("object_repr_trap", kernel=F, b=F, l=F, s=F, a=V),
    # evaluation through aliases
    case("eval_alias", **EVERY),
    case("eval_exec_compile", **EVERY),
    case("eval_code_object", **EVERY),
    # files through numpy, OpenCV and the compression modules
    case("numpy_load_pickle", **EVERY),
    case("numpy_save", **EVERY),
    case("numpy_tofile", **EVERY),
    case("numpy_memmap", **EVERY),
    case("numpy_fromfile", **NO_READS),
    case("numpy_genfromtxt", **NO_READS),
    case("numpy_datasource", **EVERY),
    case("numpy_lib_format", **EVERY),
    case("numpy_ctypeslib", **EVERY),
    case("cv2_imread", runtime=F, kernel=F, **CPP_READ),
    case("cv2_imwrite", kernel=V, **CPP_WRITE),
    case("cv2_videocapture", runtime=BLOCKED, b=F, l=F, s=V),
    case("cv2_videowriter", kernel=V, **CPP_WRITE),
    case("cv2_filestorage", kernel=V, **CPP_WRITE),
    case("cv2_dnn", runtime=F, kernel=F, **CPP_READ),
    case("cv2_cascade", runtime=F, kernel=F, **CPP_READ),
    case("cv2_feature_write", kernel=V, **CPP_WRITE),
    case("compressed_file_object", **EVERY),
    # the ledger's file
    case("ledger_overwrite_cv2", kernel=V, **CPP_WRITE),
    case("ledger_read", **NO_READS),
    case("ledger_write", **EVERY),
    case("ledger_lock", **EVERY),
    case("ledger_utime", b=F, s=V, a=V),  # Landlock does not govern metadata
    # the environment, /proc, inherited descriptors
    case("secret_environment", kernel=F, b=F, l=F, a=V),
    case("secret_proc_scan", kernel=F, b=F, l=F, a=V),
    case("fd_forge_ready", kernel=F, b=F, l=F, s=F, a=V),
    case("fd_forge_verdict", kernel=F, b=F, l=F, s=F, a=V),
    case("fd_steal_input", kernel=F, b=F, l=F, s=F, a=V),
    case("fd_sigio_owner", kernel=V, b=ANY, l=ANY, s=V, a=V),
    case("fd_poison_next", kernel=OK, b=OK, l=OK, s=OK, a=V),
    # network over loopback
    case("net_tcp", **EVERY),
    case("net_udp", b=ANY, s=V, a=V),  # Landlock governs TCP only
    case("net_unix", b=F, s=V, a=V),  # Landlock does not govern connecting to a socket by path
    case("net_abstract", **EVERY),
    # processes, threads, signals, limits
    case("spawn_subprocess", **EVERY),
    case("spawn_posix_spawn", **EVERY),
    case("spawn_daemon", kernel=V, b=OK, l=OK, s=V, a=V),
    case("spawn_fork_flood", kernel=V, b=OK | T, l=OK | T, s=V, a=V),
    case("spawn_thread", kernel=V, s=V, a=V),  # a thread inside the namespaces harms nothing
    case("signal_decoy", **EVERY),
    case("signal_fork_server", **EVERY),
    case("rlimit_raise", b=F, s=V, a=V),  # Landlock does not govern limits
    case("exit_os_exit", kernel=F, b=F, l=F, s=F, a=V),
    # hangs, memory, recursion, floods, exits: legal Python, stopped by limits and clocks
    runs("hang_at_import", T),
    runs("hang_decoder_c", T),
    runs("hang_swallows_exceptions", T),
    runs("memory_bytes_bomb", M),
    runs("memory_cv2_bomb", M),
    runs("memory_zlib_bomb", M),
    runs("memory_gradual_decoder", M),
    runs("recursion_c_stack", F),
    runs("recursion_deep_structure", F),
    runs("flood_output", F),
    runs("exit_at_import", F),
    runs("exit_keyboard_interrupt", F),
    # metric cheats
    # hasattr and setting a module's attribute are refused statically now; at run time the decoder finds nothing
    case("cheat_module_state", runtime=OK, kernel=OK, cheat=True, b=OK, l=OK, s=OK, a=OK),
    case("cheat_tmp_file", kernel=V, cheat=True, b=F, l=F, s=V, a=V),
    case("cheat_gc_walk", kernel=OK, cheat=True, b=OK, l=OK, s=OK, a=V),
    case("cheat_frame_walk", kernel=OK, cheat=True, b=OK, l=OK, s=OK, a=V),
    case("cheat_daemon_relay", kernel=V, cheat=True, b=OK, l=OK, s=V, a=V),
    # an unseeded generator is refused statically; without that, seccomp denies the entropy it asks for
    case("nondeterministic_entropy", runtime=V, kernel=V, s=V),
    runs("nondeterministic_clock", OK),
]
BY_NAME = {c.name: c for c in CASES}
STRAY_PATHS = [Path("/tmp/cheat-0.npy"), Path("/tmp/cheat-1.npy"), Path("/tmp/object_typing_hints.npy")]


def source(name: str) -> str:
    return (HERE / f"{name}.py").read_text()


# --- the host the attacks aim at --------------------------------------------------------

class Host:
    """What the attacks aim at, and how to tell whether any of them hit."""

    def __init__(self, root: Path):
        self.token = uuid.uuid4().hex[:12]
        self.root = root
        self.secret = f"sk-ant-api03-hostile-{self.token}"
        self.ledger = root / "codec-ledger.db"
        self.ledger_marker = f"LEDGER-CONTENT-{self.token}"
        with sqlite3.connect(self.ledger) as db:
            db.execute("create table events (id integer primary key, body text)")
            db.execute("insert into events (body) values (?)", (self.ledger_marker,))
        db.close()
        self._plant()
        self.decoy = subprocess.Popen(["sleep", "3600"],
                                      env={"ANTHROPIC_API_KEY": self.secret, "PATH": "/usr/bin:/bin"})
        self.tcp = self._listener(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.unix_path = str(root / "ledger.sock")
        self.unix = self._listener(socket.AF_UNIX, socket.SOCK_STREAM, self.unix_path)
        self.abstract_name = f"codec-ledger-hostile-{self.token}"
        self.abstract = self._listener(socket.AF_UNIX, socket.SOCK_STREAM, "\0" + self.abstract_name)
        self.snapshot = self.files()

    def _plant(self) -> None:
        """Files the read attacks try to reach: if one is read, its content shows in the output."""
        marker = self.root / "pickle_ran"

        class Payload:
            def __reduce__(self):
                return os.system, (f"touch {marker}",)

        np.save(self.root / "evil.npy", np.array([Payload()], dtype=object), allow_pickle=True)
        cv2.imwrite(str(self.root / "planted.png"), FRAMES[0])
        storage = cv2.FileStorage(str(self.root / "planted.yml"), cv2.FILE_STORAGE_WRITE)
        storage.write("secret", self.ledger_marker)
        storage.release()
        (self.root / "planted_tensor.pb").write_bytes(b"\x08\x01\x10\x02\x4a\x01\x2a")  # one uint8 tensor

    @staticmethod
    def _listener(family, kind, address):
        listener = socket.socket(family, kind)
        listener.bind(address)
        listener.listen(8)
        listener.setblocking(False)
        return listener

    def config(self) -> dict:
        return {"quality": 50, "width": 64, "height": 48, "fps": 30, "frames": len(FRAMES),
                "target_dir": str(self.root), "ledger": str(self.ledger), "ledger_name": self.ledger.name,
                "marker": self.token, "tcp_port": self.tcp.getsockname()[1], "udp_port": self.udp.getsockname()[1],
                "unix_path": self.unix_path, "abstract_name": self.abstract_name, "decoy_pid": self.decoy.pid}

    def files(self) -> dict:
        """Every file under the watched directory: size, modification time and content hash."""
        state = {}
        for path in sorted(self.root.rglob("*")):
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            state[str(path.relative_to(self.root))] = (info.st_size, info.st_mtime_ns, info.st_mode, digest)
        return state

    def contacts(self) -> list[str]:
        """Connections or datagrams that reached the test's listeners."""
        reached = []
        for name, listener in (("tcp", self.tcp), ("unix", self.unix), ("abstract", self.abstract)):
            try:
                connection, _ = listener.accept()
                connection.close()
                reached.append(name)
            except BlockingIOError:
                pass
        try:
            self.udp.recvfrom(1 << 16)
            reached.append("udp")
        except BlockingIOError:
            pass
        return reached

    def close(self) -> None:
        self.decoy.kill()
        self.decoy.wait()
        for listener in (self.tcp, self.udp, self.unix, self.abstract):
            listener.close()


Children = dict[int, list[tuple[int, str]]]


def process_table() -> Children:
    """parent pid -> (pid, state) of each of its children, for every process there is: one read of /proc."""
    children: Children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append((int(entry), fields[0]))
    return children


def descendants(root: int, children: Children | None = None) -> list[tuple[int, int, str]]:
    """(pid, parent, state) of every live process below `root`, in `children` (by default /proc as it is now)."""
    if children is None:
        children = process_table()
    found, pending = [], [root]
    while pending:
        parent = pending.pop()
        for pid, state in children.get(parent, []):
            if state != "Z":
                found.append((pid, parent, state))
            pending.append(pid)
    return found


PR_SET_CHILD_SUBREAPER = 36


@pytest.fixture(scope="module")
def host():
    """The host under attack, with this test process as the child subreaper of everything it
    starts: a process that escaped its sandbox's tree would become our child, and be seen."""
    libc = ctypes.CDLL(None, use_errno=True)
    root = Path(tempfile.mkdtemp(prefix="codec-ledger-hostile-"))
    previous_cwd, previous_key = os.getcwd(), os.environ.get("ANTHROPIC_API_KEY")
    target = None
    try:
        os.chdir(root)  # the ledger sits in the host's working directory, as codec-ledger.db does
        target = Host(root)
        os.environ["ANTHROPIC_API_KEY"] = target.secret  # the parent holds the key, as the loop does
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        descriptors = len(os.listdir("/proc/self/fd"))
        yield target
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        if target is not None:
            target.close()
        os.chdir(previous_cwd)
        if previous_key is None:
            os.environ.pop("ANTHROPIC_API_KEY", None)
        else:
            os.environ["ANTHROPIC_API_KEY"] = previous_key
        shutil.rmtree(root, ignore_errors=True)
        for path in STRAY_PATHS:
            path.unlink(missing_ok=True)
    assert len(os.listdir("/proc/self/fd")) <= descriptors + 4, "descriptors leaked into the host process"


@pytest.fixture(scope="module")
def sandboxes(host):
    """One Sandbox per layer configuration, shared by every attack run in it."""
    opened: dict[str, Sandbox] = {}

    def get(name: str) -> Sandbox:
        if name not in opened:
            opened[name] = Sandbox(limits=LIMITS, layers=LAYERS[name])
        return opened[name]

    get.opened = opened
    yield get
    for box in opened.values():
        box.close()
    leftovers = [p for p in _settled(lambda: _live_descendants(host), []) if p[0] != host.decoy.pid]
    assert not leftovers, f"processes left behind after every sandbox closed: {leftovers}"


def _live_descendants(host, children: Children | None = None) -> list:
    return [p for p in descendants(os.getpid(), children) if p[0] != host.decoy.pid]


def _settled(probe, wanted, seconds: float = 3.0):
    """Poll `probe` until it returns `wanted` (processes take a moment to die); its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value == wanted or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _stray_processes(host, sandboxes) -> list:
    """Live processes below this one that belong to no running sandbox server (all seen in one read of /proc)."""
    children = process_table()
    allowed = set()
    for box in sandboxes.opened.values():
        for server in (box.encoder, box.decoder):
            if server.process is not None:
                allowed.add(server.process.pid)
                allowed.update(pid for pid, _, _ in descendants(server.process.pid, children))
    # Below a server: bubblewrap's init, the server itself and its next child; or just the child.
    too_many = [box for box in sandboxes.opened.values()
                for server in (box.encoder, box.decoder)
                if server.process is not None
                and len(descendants(server.process.pid, children)) >
                (3 if server.isolation() == "bubblewrap namespaces" else 1)]
    strays = [p for p in _live_descendants(host, children) if p[0] not in allowed]
    return strays + [f"{len(too_many)} server(s) with extra processes"] * bool(too_many)


def run_attack(host, sandboxes, name: str, layers: str):
    """Run one attack and check everything on the host; returns the result."""
    box = sandboxes(layers)
    started = time.monotonic()
    result = box.run(source(name), FRAMES, host.config(), keep_payload=True)
    elapsed = time.monotonic() - started
    verdict = result.verdict
    if os.environ.get("HOSTILE_VERBOSE") == "1":  # with -s: one line per run, for reading the matrix
        print(f"\n{layers:12} {name:30} {elapsed:5.2f}s {verdict}"[:230])
    assert verdict.category in CATEGORIES
    assert elapsed < BOUND_SECONDS, f"{name} took {elapsed:.1f}s"
    outputs = [verdict.message.encode(), verdict.isolation.encode(), " ".join(result.layers).encode()]
    outputs += list(result.payload) + [frame.tobytes() for frame in result.decoded]
    assert not any(b"ESCAPED" in output for output in outputs), f"{name} reports success from inside: {verdict}"
    assert not any(host.secret.encode() in output for output in outputs), f"{name}: the API key is in the output"
    assert not any(host.ledger_marker.encode() in output for output in outputs), f"{name}: the ledger was read"
    assert host.files() == host.snapshot, f"{name} changed files on the host: {verdict}"
    assert not [path for path in STRAY_PATHS if path.exists()], f"{name} wrote into /tmp"
    assert host.contacts() == [], f"{name} reached a listener on the host"
    assert host.decoy.poll() is None, f"{name} killed the decoy process"
    assert os.getcwd() == str(host.root) and os.environ.get("ANTHROPIC_API_KEY") == host.secret
    assert _settled(lambda: _stray_processes(host, sandboxes), []) == [], f"{name} left processes behind"
    case = BY_NAME.get(name)  # attacks of the suites with test modules of their own have no row here
    if case is not None and case.cheat and result.decoded:
        assert not any(np.array_equal(a, b) for a, b in zip(FRAMES, result.decoded, strict=False)), f"{name} cheated"
    return result


# --- the matrix -------------------------------------------------------------------------

def test_bubblewrap_is_present():
    assert bubblewrap_path(), "bwrap is missing: these tests must run the real boundary"


@pytest.mark.parametrize("attack", CASES, ids=repr)
def test_with_every_layer(host, sandboxes, attack):
    """Every attack, every layer on: statically rejected, or the expected runtime verdict."""
    if attack.static:
        reasons = validate(source(attack.name))
        assert reasons, f"{attack.name} passed static validation"
    result = run_attack(host, sandboxes, attack.name, "full")
    expected = {"rejected"} if attack.static else attack.runtime
    assert result.verdict.category in expected, result.verdict


STATIC = [c for c in CASES if c.static]


@pytest.mark.parametrize("attack", STATIC, ids=repr)
def test_without_static_validation(host, sandboxes, attack):
    """The runtime layers together contain every attack static validation would have refused."""
    result = run_attack(host, sandboxes, attack.name, "static-off")
    assert result.verdict.category in attack.runtime, result.verdict


@pytest.mark.parametrize("attack", STATIC, ids=repr)
def test_kernel_layers_without_the_audit_hook(host, sandboxes, attack):
    """Without validation and without the in-process tripwire, the kernel layers still hold."""
    result = run_attack(host, sandboxes, attack.name, "kernel-only")
    assert result.verdict.category in attack.kernel, result.verdict


# Every claim in `alone` is run when HOSTILE_FULL_MATRIX=1 (about three more minutes); by
# default a representative set, one or more attacks of each kind, keeps the suite short.
REPRESENTATIVE = {
    "import_from_os", "object_match_class", "eval_exec_compile", "numpy_load_pickle", "numpy_save",
    "numpy_fromfile", "cv2_imwrite", "cv2_imread", "ledger_lock", "ledger_utime", "secret_proc_scan",
    "fd_forge_verdict", "fd_sigio_owner", "net_tcp", "net_udp", "net_abstract", "spawn_daemon",
    "signal_decoy", "rlimit_raise", "cheat_daemon_relay",
}
FULL_MATRIX = os.environ.get("HOSTILE_FULL_MATRIX") == "1"
SINGLE = [(layer, c) for layer in SINGLE_LAYERS for c in STATIC
          if layer in c.alone and (FULL_MATRIX or c.name in REPRESENTATIVE)]


@pytest.mark.parametrize("layer, attack", SINGLE, ids=[f"{layer}-{c.name}" for layer, c in SINGLE])
def test_each_layer_alone(host, sandboxes, layer, attack):
    """Each runtime layer, as the only one, contains the attacks it is responsible for."""
    result = run_attack(host, sandboxes, attack.name, layer)
    assert result.verdict.category in attack.alone[layer], result.verdict
    if layer != "bubblewrap":
        assert result.verdict.isolation.startswith("DEGRADED")


def test_every_layer_is_tested_alone():
    for layer in SINGLE_LAYERS:
        assert sum(layer in c.alone for c in CASES) >= 30, layer
        assert sum(layer in BY_NAME[name].alone for name in REPRESENTATIVE) >= 12, layer


# Attacks on one defence each, with test modules of their own: test_isolation.py (the channel and the
# sandbox's file view), test_meaning.py (static validation by meaning), test_material.py (test material),
# test_text.py (candidate-controlled text).
OWN_SUITES = ("isolation_", "meaning_", "material_", "text_", "constriction_")


def test_corpus_and_table_agree():
    files = {p.stem for p in HERE.glob("*.py") if not p.stem.startswith(("test_", *OWN_SUITES))} - {"__init__"}
    assert files == set(BY_NAME)
    for name in files:
        text = source(name)
        assert text.startswith('"""') and "Expected:" in text.split('"""')[1], name
        assert "def compress_video_frame(" in text and "def decompress_video_frame(" in text, name


# --- targeted checks --------------------------------------------------------------------

HOLES = {  # attacks the validator let through before this corpus, and the rule that now stops each
    "object_match_class": "attribute '__class__'",
    "object_globals_update_wrapper": "'update_wrapper'",
    "object_decorator_wraps": "'wraps'",
    "object_typing_hints": "'get_type_hints'",
    "object_format_string": "'.format' is only allowed on a string literal",
    "compressed_file_object": "'BZ2File'",
    "import_numpy_submodule": "import of 'numpy.ma.mrecords'",
    "cv2_feature_write": "attribute 'write'",
}


@pytest.mark.parametrize("name, reason", HOLES.items())
def test_static_holes_are_closed(name, reason):
    assert any(reason in r for r in validate(source(name))), validate(source(name))


@pytest.mark.parametrize("snippet", [
    "import numpy.testing",
    "x = {'__array_interface__': 1}",
    "x = hasattr(1, '__globals__')",
    "import cv2\nn = cv2.dnn_Net()",
    "import cv2\nt = cv2.TrackerVit_create",
    "import cv2\nc = cv2.imreadWithMetadata",
    "import lzma\nf = lzma.LZMAFile",
    "match 1:\n    case {'k': 1, **__rest}:\n        pass",
    "try:\n    pass\nexcept Exception as __builtins__:\n    pass",
    "X = type('X', (), {})",
])
def test_more_spellings_are_refused(snippet):
    assert validate(snippet + "\ndef compress_video_frame(frame, frame_index, config):\n    return b''\n"
                    "def decompress_video_frame(data, frame_index, config):\n    return None\n")


def test_ordinary_codec_code_still_passes():
    ordinary = '''
import json
import numpy as np
from numpy.typing import NDArray
from json.decoder import JSONDecodeError

STATE = {"previous": None}


def header(width, height):
    return "{}x{}".format(width, height).encode() + json.dumps({"w": width}).encode()


def compress_video_frame(frame, frame_index, config):
    match config:
        case {"quality": quality}:
            pass
    STATE["previous"] = frame
    return header(config["width"], config["height"]) + frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    size = config["width"] * config["height"] * 3
    return np.frombuffer(data[-size:], np.uint8).reshape(config["height"], config["width"], 3)
'''
    assert validate(ordinary) == []


def _bpf(program, number, arguments=(), arch=0xC000003E):
    """Run a seccomp program (code, jt, jf, k) on one system call; returns its action."""
    data = [number, arch, 0, 0]
    for value in list(arguments) + [0] * (6 - len(arguments)):
        data += [value & 0xFFFFFFFF, value >> 32]
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == 0x20:
            accumulator = data[k // 4]
        elif code == 0x06:
            return k
        else:
            taken = {0x15: accumulator == k, 0x45: accumulator & k != 0, 0x35: accumulator >= k}[code]
            pc += jt if taken else jf
        pc += 1


@pytest.mark.parametrize("name, number, arguments, allowed", [
    ("read", 0, (3, 0, 100), True),
    ("open for reading", 2, (0, os.O_RDONLY), True),
    ("open for writing", 2, (0, os.O_WRONLY | os.O_CREAT), False),
    ("openat append", 257, (0, 0, os.O_APPEND), False),
    ("socket", 41, (2, 1, 0), False),
    ("clone", 56, (), False),
    ("kill", 62, (1234, 9), False),
    ("tgkill to itself (abort)", 234, (4242, 4242, 6), True),
    ("tgkill to another process", 234, (1234, 1234, 9), False),
    ("tkill to another process", 200, (1234, 9), False),
    ("rt_sigqueueinfo to another process", 129, (1234, 9, 0), False),
    ("prlimit64 read", 302, (0, 9, 0, 0x7FFF0000), True),
    ("prlimit64 write", 302, (0, 9, 0x7FFF0000, 0), False),
    ("fcntl F_GETFL", 72, (3, 3), True),
    ("fcntl F_SETFL", 72, (3, 4, os.O_NONBLOCK), True),
    ("fcntl F_SETLK", 72, (3, 6, 0), False),
    ("fcntl F_SETOWN", 72, (3, 8, 1234), False),
    ("ioctl TCGETS", 16, (1, 0x5401), True),
    ("ioctl FIOSETOWN", 16, (1, 0x8901), False),
    ("ioctl TIOCSTI", 16, (1, 0x5412), False),
    ("utimensat", 280, (0, 0, 0, 0), False),
    ("setxattr", 188, (), False),
    ("flock", 73, (3, 2), False),
    ("clock_settime", 227, (0, 0), False),
    ("fsopen", 430, (), False),
    ("getrandom", 318, (0, 16, 0), False),
])
def test_seccomp_program(name, number, arguments, allowed):
    program = seccomp_program(4242)
    assert len(program) < 4096 and all(jt < 256 and jf < 256 for _, jt, jf, _ in program)
    assert (_bpf(program, number, arguments) == 0x7FFF0000) == allowed, name
    assert _bpf(program, 0, (), arch=0x40000003) != 0x7FFF0000  # i386 system calls are killed


def test_nondeterminism_is_caught_by_running_twice(host, sandboxes):
    box = sandboxes("full")
    config = host.config()
    assert box.run(source("nondeterministic_clock"), FRAMES, config).verdict.ok  # one run cannot tell
    result = box.run_twice(source("nondeterministic_clock"), FRAMES, config)
    assert result.verdict.category == "failed" and "the compressed bytes differ" in result.verdict.message, \
        result.verdict
    assert result.decoded == [] and result.payload == []
    honest = box.run_twice(SEED_SOURCE, FRAMES, config, keep_payload=True)
    assert honest.verdict.ok and len(honest.payload) == len(FRAMES)
    assert all(np.array_equal(a, b) for a, b in zip(FRAMES, honest.decoded, strict=True))


def _nonblocking_pipes(box) -> list:
    """Pipes opened O_NONBLOCK in the processes waiting for the next job (the leaves below each
    server): the host's own ends are non-blocking, the sandbox's must not be."""
    found = []
    for server in (box.encoder, box.decoder):
        tree = descendants(server.process.pid) or [(server.process.pid, 0, "S")]
        for pid in {pid for pid, _, _ in tree} - {parent for _, parent, _ in tree}:
            try:
                for descriptor in os.listdir(f"/proc/{pid}/fd"):
                    if os.readlink(f"/proc/{pid}/fd/{descriptor}").startswith("pipe:"):
                        info = Path(f"/proc/{pid}/fdinfo/{descriptor}").read_text()
                        flags = int(info.split("flags:")[1].split()[0], 8)
                        if flags & os.O_NONBLOCK:
                            found.append((pid, descriptor))
            except FileNotFoundError:  # it ended while being read: not yet the one waiting, look again
                found.append((pid, "ended"))
    return found


@pytest.mark.parametrize("layers", ["kernel-only", "landlock"])
def test_a_candidate_cannot_break_the_next_one(host, sandboxes, layers):
    """After an attack that leaves state behind in its sandbox, the next candidate starts clean."""
    box = sandboxes(layers)
    assert box.run(source("fd_poison_next"), FRAMES, host.config()).verdict.ok
    assert _settled(lambda: _nonblocking_pipes(box), []) == []
    for name in ("fd_poison_next", "fd_forge_verdict", "signal_fork_server", "spawn_daemon"):
        box.run(source(name), FRAMES, host.config())
        honest = box.run(SEED_SOURCE, FRAMES, host.config())
        assert honest.verdict.ok, (name, honest.verdict)
        assert all(np.array_equal(a, b) for a, b in zip(FRAMES, honest.decoded, strict=True))
