"""Static validation refuses what it should, with reasons, and lets ordinary codec code through."""

from pathlib import Path

import pytest

from domain.seed import SEED_SOURCE
from runner.sandbox.inside.shared_rules import ALLOWED_MODULES
from runner.sandbox.validation import MAX_SOURCE_BYTES, validate
from tests.runner.test_codecgen import ALLOWED_IMPORTS as CODECGEN_TESTS_ALLOWED_IMPORTS

EXAMPLES = Path(__file__).parent.parent.parent / "examples"

CONTRACT = '''
def compress_video_frame(frame, frame_index, config):
    return b""


def decompress_video_frame(data, frame_index, config):
    return None
'''


def with_contract(body: str) -> str:
    return body + "\n" + CONTRACT


@pytest.mark.parametrize("name", ["zlib_lossless", "dct_codec", "jpeg_imencode"])
def test_examples_pass(name):
    assert validate((EXAMPLES / f"{name}.py").read_text()) == []


def test_seed_passes():
    assert validate(SEED_SOURCE) == []


def test_ordinary_helpers_pass():
    source = with_contract('''
import numpy as np
from collections import deque
from itertools import product
_cache = {}


def _pack(values, _=None):
    return "{}x{}".format(*values), type(values), super, object


class Block:
    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size
''')
    assert validate(source) == []


@pytest.mark.parametrize("snippet, fragment", [
    ("import os", "import of 'os'"),
    ("import numpy, subprocess", "import of 'subprocess'"),
    ("from importlib import import_module", "import of 'importlib'"),
    ("import cv2 as os2\nimport socket as np2", "import of 'socket'"),
    ("from numpy import load", "importing 'load'"),
    ("from numpy.lib import format", "import of 'numpy.lib'"),
    ("from . import x", "relative imports"),
    ("from numpy import *", "import *"),
    ("x = ().__class__", "'__class__'"),
    ("x = (1).real.__class__.__subclasses__()", "'__subclasses__'"),
    ("x = __builtins__", "'__builtins__'"),
    ("__import__('os')", "'__import__'"),
    ("exec('1')", "'exec'"),
    ("ｅｘｅｃ('1')", "'exec'"),  # NFKC look-alikes are normalised by the parser
    ("e = eval", "'eval'"),
    ("compile('1', 'x', 'exec')", "'compile'"),
    ("open('/etc/passwd')", "'open'"),
    ("getattr(1, 'real')", "'getattr'"),
    ("import lzma\nlzma.os.system('id')", "'os'"),
    ("import typing\ntyping.sys.modules", "'sys'"),
    ("import json\njson.codecs", "'codecs'"),
    ("import numpy as np\nnp.save('x', 1)", "'save'"),
    ("import numpy as np\nnp.fromfile('/etc/passwd')", "'fromfile'"),
    ("import numpy as np\nnp.zeros(1).tofile('x')", "'tofile'"),
    ("import numpy as np\nnp.memmap('x')", "'memmap'"),
    ("import numpy as np\nnp.ctypeslib", "'ctypeslib'"),
    ("import cv2\ncv2.imwrite('x.png', 0)", "'imwrite'"),
    ("import cv2\ncv2.VideoCapture('http://x')", "'VideoCapture'"),
    ("import cv2\ncv2.FileStorage('x', 1)", "'FileStorage'"),
    ("import cv2\ncv2.dnn.readNet('x')", "'dnn'"),
    ("def g():\n    yield 1\nx = g().gi_frame.f_back", "'gi_frame'"),
    ("x = '{0.__class__}'.format(1)", "format string"),
    ("class M(type, metaclass=type): pass", "metaclasses"),
    ("def __init_subclass__(): pass", "'__init_subclass__'"),
])
def test_refused_with_a_reason(snippet, fragment):
    reasons = validate(with_contract(snippet))
    assert reasons, snippet
    assert any(fragment in reason for reason in reasons), reasons


def test_missing_and_misshapen_functions():
    assert any("missing top-level function decompress_video_frame" in r
               for r in validate("def compress_video_frame(frame, frame_index, config):\n    return b''\n"))
    reasons = validate("def compress_video_frame(frame):\n    pass\ndef decompress_video_frame(a, b, c, d):\n    pass\n")
    assert any("compress_video_frame must be callable" in r for r in reasons)
    assert any("decompress_video_frame must be callable" in r for r in reasons)
    assert validate("def compress_video_frame(*args):\n    pass\ndef decompress_video_frame(a, b, c, d=1):\n    pass\n") == []


def test_syntax_errors_say_where():
    assert validate("def compress_video_frame(:\n") == ["syntax error at line 1: invalid syntax"]


def test_coding_declarations_are_refused():
    assert "coding declaration" in validate("# -*- coding: latin-1 -*-\n" + CONTRACT)[0]
    assert "coding declaration" in validate("#!/usr/bin/python\n# vim: set fileencoding=utf-8 :\n" + CONTRACT)[0]


def test_size_limit():
    assert "limit" in validate(CONTRACT + "#" * MAX_SOURCE_BYTES)[0]


@pytest.mark.parametrize("source", [
    "x = " + "-" * 50000 + "1",
    "x = " + "not " * 15000 + "1",
    "x = 1" + " + 1" * 15000,
    "x = " + "(" * 5000 + ")" * 5000,
    "x = " + "[" * 1000 + "]" * 1000,
])
def test_pathological_input_gets_a_reason_not_a_crash(source):
    reasons = validate(source)
    assert reasons and all(isinstance(reason, str) for reason in reasons)


def test_non_text_and_nul():
    assert validate(b"import numpy") == ["source is not text"]
    assert validate("x = 1\x00") == ["source contains a NUL character"]


def test_the_codecgen_tests_own_reading_of_the_allow_list_agrees():
    # test_codecgen.py checks generated codecs against its own copy of the allow-list, kept apart
    # from validation on purpose; the copy must not drift from the one the sandbox enforces.
    assert CODECGEN_TESTS_ALLOWED_IMPORTS == ALLOWED_MODULES
