"""Static validation by meaning, and a tripwire candidate code cannot switch off (issue 11, point 4).

The attacks are the meaning_*.py modules beside this file; each docstring says what it did
and what stops it now. All but the tripwire's passed static validation before: a class made
by `type` under an alias, with *args, through itertools.starmap, as type(int) or as a
subclass of type (a computed "__array_interface__" then maps any memory); format fields and
format_map reading attributes by name; a class pattern taking a module's attribute; OpenCV
reading files under names no list had. The tripwire's attacks ran code while the audit hook
was on the stack (a garbage-collector callback, a signal handler) and used the moment it
looked away, or swapped the cells of its reporting closure.

Each attack is refused statically with a reason that names the problem, and with static
validation off is contained at run time: by every runtime layer together; by the tripwire
alone where stopping it is the tripwire's job (what runs in the process, with no kernel
layer to hide a tripwire that was switched off); and by the kernel layers alone where it
touches files or the network. After every run the host is checked as the corpus checks it
(test_hostile.run_attack).
"""

from __future__ import annotations

import dis
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.sandbox.validation import validate
from tests.hostile import test_hostile as corpus

host = corpus.host
sandboxes = corpus.sandboxes

HERE = Path(__file__).parent
TRIPWIRE = HERE.parent.parent / "runner" / "sandbox" / "inside" / "tripwire.py"
V, F, BLOCKED = corpus.V, corpus.F, corpus.BLOCKED


@dataclass(frozen=True)
class Meaning:
    name: str
    reason: str  # what static validation says about it, in part
    runtime: frozenset  # verdicts with static validation off and every runtime layer on
    audit: frozenset | None = None  # with the tripwire alone, where stopping it is its job
    kernel: frozenset | None = None  # with bubblewrap, Landlock and seccomp alone, where it touches files

    def __repr__(self) -> str:
        return self.name


def meaning(name, reason, runtime=V, audit=None, kernel=None):
    return Meaning(name, reason, frozenset(runtime), audit and frozenset(audit), kernel and frozenset(kernel))


TYPE_AS_VALUE = "'type' may only be called"

ATTACKS = [
    meaning("meaning_type_alias", TYPE_AS_VALUE, audit=V, kernel=V),
    meaning("meaning_type_starred", "type() may only be called with one plain argument", audit=V, kernel=V),
    meaning("meaning_type_indirect", TYPE_AS_VALUE, audit=V, kernel=V),
    meaning("meaning_type_of_class", "type(value) may only be compared", audit=V, kernel=F),
    meaning("meaning_type_subclass", TYPE_AS_VALUE, audit=V, kernel=V),
    # reads in the process: the tripwire's alone to stop
    meaning("meaning_format_fields", "format string field {0[0].gi_frame", audit=V),
    meaning("meaning_format_map", "'.format_map' is not allowed", audit=V),
    meaning("meaning_match_module", "class pattern object(...) is not allowed", audit=V, kernel=F),
    # OpenCV's C++ reads: the audit hook cannot see them
    meaning("meaning_cv2_other_names", "attribute 'loadGaussianSplats' of cv2", runtime=F, kernel=F),
    meaning("meaning_tripwire_blind_spot", "attribute 'sys' of typing", audit=V, kernel=V),
    meaning("meaning_tripwire_unhook", "attribute 'sys' of typing", audit=V, kernel=V),
]
RUNS = [(attack, "static-off", attack.runtime) for attack in ATTACKS]
RUNS += [(attack, "audit", attack.audit) for attack in ATTACKS if attack.audit]
RUNS += [(attack, "kernel-only", attack.kernel) for attack in ATTACKS if attack.kernel]


def test_every_meaning_attack_is_in_the_table():
    files = {path.stem for path in HERE.glob("meaning_*.py")}
    assert files == {attack.name for attack in ATTACKS}
    for name in files:
        text = corpus.source(name)
        assert text.startswith('"""') and "Expected:" in text.split('"""')[1], name


@pytest.mark.parametrize("attack", ATTACKS, ids=repr)
def test_refused_statically_with_a_reason(attack):
    reasons = validate(corpus.source(attack.name))
    assert any(attack.reason in reason for reason in reasons), reasons


@pytest.mark.parametrize("attack, layers, verdicts", RUNS, ids=[f"{layers}-{a.name}" for a, layers, _ in RUNS])
def test_contained_without_static_validation(host, sandboxes, monkeypatch, attack, layers, verdicts):
    # run_attack looks each attack up in the corpus' table (for its `cheat` flag); these are
    # not metric cheats.
    monkeypatch.setitem(corpus.BY_NAME, attack.name, corpus.Case(attack.name))
    result = corpus.run_attack(host, sandboxes, attack.name, layers)
    assert result.verdict.category in verdicts, result.verdict


STANDARD_LIBRARY_HELPERS = '''
import collections
import typing

import numpy as np

Point = collections.namedtuple("Point", "x y", defaults=(0,))
Pair = typing.NamedTuple("Pair", [("a", int), ("b", int)])
T = typing.TypeVar("T")


class Span(typing.NamedTuple):
    start: int
    stop: int = 0


class Box(typing.Generic[T]):
    def __init__(self, value):
        self.value = value


def compress_video_frame(frame, frame_index, config):
    inner = collections.namedtuple("Inner", ["u", "v"])
    text = repr((Point(1), Pair(1, 2), Span(3), inner(1, 2), Box(1).value, T)).encode()
    return len(text).to_bytes(2, "big") + text + frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    size = config["height"] * config["width"] * 3
    return np.frombuffer(data[-size:], np.uint8).reshape(config["height"], config["width"], 3)
'''


def test_the_standard_library_helpers_still_run_under_the_tripwire(host, sandboxes):
    """namedtuple and typing ask for their caller's frame; refused one, they do without."""
    assert validate(STANDARD_LIBRARY_HELPERS) == []
    result = sandboxes("audit").run(STANDARD_LIBRARY_HELPERS, corpus.FRAMES, host.config(), keep_payload=True)
    assert result.verdict.ok, result.verdict
    assert b"Point(x=1, y=0), Pair(a=1, b=2), Span(start=3, stop=0), Inner(u=1, v=2), 1, ~T" in result.payload[0]


def _functions(code) -> dict:
    """Every function's code object in a compiled module, by qualified name."""
    found = {}
    for constant in code.co_consts:
        if isinstance(constant, type(code)):
            found[constant.co_qualname] = constant
            found.update(_functions(constant))
    return found


def test_the_hook_looks_nothing_up_when_it_runs():
    """Everything the hook and the functions it calls use is bound when it is installed, so
    changing a module's globals or the builtins cannot change what it does."""
    functions = _functions(compile(TRIPWIRE.read_text(), str(TRIPWIRE), "exec"))
    for name in ("install_tripwire.<locals>.tripwire", "violation_message", "describe"):
        lookups = [i.argval for i in dis.get_instructions(functions[name]) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")]
        assert lookups == [], (name, lookups)
