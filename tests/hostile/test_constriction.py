"""constriction, the entropy coder candidates may import (issue 12): it adds no way out.

The attacks are the constriction_*.py modules beside this file, each a working codec with one
attack whose docstring says what stops it: a model's Python callback that opens the ledger
from inside the native coder, the pickling route through a coder, a file loader reached
through the extension module behind the allow-list, a huge native allocation and a native
panic. Those static validation refuses are refused with a reason and, with static validation
off, contained by the runtime layers together and by the kernel layers alone; the others pass
validation and end in the verdicts their docstrings name. After every run the host is checked
as the corpus checks it (test_hostile.run_attack).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.sandbox.file_view import file_view
from runner.sandbox.validation import validate
from tests.hostile import test_hostile as corpus

host = corpus.host
sandboxes = corpus.sandboxes

HERE = Path(__file__).parent
V, F, BLOCKED = corpus.V, corpus.F, corpus.BLOCKED


@dataclass(frozen=True)
class Attack:
    name: str
    reason: str | None  # what static validation says about it, in part; None: it passes validation
    runtime: frozenset  # verdicts with every runtime layer on (static validation off, where it refuses)
    kernel: frozenset | None = None  # with bubblewrap, Landlock and seccomp alone

    def __repr__(self) -> str:
        return self.name


def refused(name, reason, runtime, kernel=BLOCKED):
    return Attack(name, reason, frozenset(runtime), frozenset(kernel))


def runs(name, verdicts):
    return Attack(name, None, frozenset(verdicts))


ATTACKS = [
    refused("constriction_callback_open", "attribute '__builtins__' of constriction", V),
    refused("constriction_pickle_route", "attribute '__reduce_ex__'", BLOCKED),
    refused("constriction_loader_read", "attribute 'constriction' of constriction", V, kernel=F),
    runs("constriction_memory_bomb", F),
    runs("constriction_panic", F),
]
STATIC = [attack for attack in ATTACKS if attack.reason]
RUNS = [(attack, "full", attack.runtime) for attack in ATTACKS if not attack.reason]
RUNS += [(attack, "static-off", attack.runtime) for attack in STATIC]
RUNS += [(attack, "kernel-only", attack.kernel) for attack in STATIC]


def test_every_constriction_attack_is_in_the_table():
    files = {path.stem for path in HERE.glob("constriction_*.py")}
    assert files == {attack.name for attack in ATTACKS}
    for name in files:
        text = corpus.source(name)
        assert text.startswith('"""') and "Expected:" in text.split('"""')[1], name
        assert "def compress_video_frame(" in text and "def decompress_video_frame(" in text, name


@pytest.mark.parametrize("attack", ATTACKS, ids=repr)
def test_static_validation(attack):
    reasons = validate(corpus.source(attack.name))
    if attack.reason is None:
        assert reasons == []
    else:
        assert any(attack.reason in reason for reason in reasons), reasons


@pytest.mark.parametrize("attack, layers, verdicts", RUNS, ids=[f"{layers}-{a.name}" for a, layers, _ in RUNS])
def test_contained(host, sandboxes, monkeypatch, attack, layers, verdicts):
    # run_attack looks each attack up in the corpus' table (for its `cheat` flag); these are not metric cheats.
    monkeypatch.setitem(corpus.BY_NAME, attack.name, corpus.Case(attack.name))
    result = corpus.run_attack(host, sandboxes, attack.name, layers)
    assert result.verdict.category in verdicts, result.verdict


def test_the_sandbox_reads_only_constrictions_code():
    """Its package is in the view, compiled extension and all; its wheel's metadata is not."""
    import constriction

    package = os.path.realpath(os.path.dirname(constriction.__file__))
    view = file_view()
    assert package in view.readable
    assert os.path.dirname(package) in view.import_path
    extension = os.path.realpath(constriction.constriction.__file__)
    assert extension.startswith(package + "/") and extension.endswith(".so")
    assert not any(path.startswith(package + "/") for path in view.hidden)  # it holds code only
    assert not any("constriction-" in path and ".dist-info" in path for path in view.readable)


EVERY_SPELLING = '''
import constriction
import constriction.stream.model
import numpy as np
from constriction.stream import queue
from constriction.stream.stack import AnsCoder


def compress_video_frame(frame, frame_index, config):
    symbols = frame.astype(np.int32).ravel() // 64
    encoder = queue.RangeEncoder()
    encoder.encode(symbols, constriction.stream.model.Categorical(np.array([0.4, 0.3, 0.2, 0.1]), perfect=False))
    coder = AnsCoder(encoder.get_compressed())
    return coder.get_compressed().tobytes()


def decompress_video_frame(data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    decoder = queue.RangeDecoder(np.frombuffer(data, np.uint32).copy())
    model = constriction.stream.model.Categorical(np.array([0.4, 0.3, 0.2, 0.1]), perfect=False)
    return (decoder.decode(model, shape[0] * shape[1] * shape[2]) * 64).astype(np.uint8).reshape(shape)
'''


def test_every_import_spelling_works_inside_with_every_layer(host, sandboxes):
    assert validate(EVERY_SPELLING) == []
    frames = corpus.FRAMES // 64 * 64
    result = sandboxes("full").run(EVERY_SPELLING, frames, host.config())
    assert result.verdict.ok, result.verdict
    assert result.verdict.isolation == "bubblewrap namespaces"
    assert all((a == b).all() for a, b in zip(frames, result.decoded, strict=True))
