"""Static validation refuses what it should, with reasons, and lets ordinary codec code through."""

import importlib
import types
from pathlib import Path

import pytest

from domain.seed import SEED_SOURCE
from runner.sandbox.allowed_names import ALLOWED_BUILTINS, MODULE_ATTRIBUTES, MODULE_CONSTANT_PREFIXES
from runner.sandbox.inside.shared_rules import ALLOWED_MODULES, ALLOWED_SUBMODULES, FORBIDDEN_BUILTINS
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
import cv2
import numpy as np
from collections import deque, namedtuple
from itertools import product
from numpy import random as npr
_cache = {}
Point = namedtuple("Point", "x y")


def _pack(values, _=None):
    return "{}x{}".format(*values), type(values) is tuple, super, object


def _describe(value, width):
    kind = "int" if isinstance(value, (int, np.integer)) or type(value) == type(width) else "other"
    match value:
        case int(number) | float(number):
            return "{0:>{1}} {kind!r}".format(number, width, kind=kind)
        case str() as text:
            return text
    return f"{value!r:>{width}}"


def _noise(shape, seed):
    return npr.default_rng(seed).integers(0, 4, shape), cv2.COLOR_BGR2YCrCb, np.random.default_rng(seed)


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


TYPE_AS_VALUE = "'type' may only be called"
TYPE_RESULT = "type(value) may only be compared"


@pytest.mark.parametrize("snippet, fragment", [
    # classes made with computed names: type under another name, with *args, through a helper
    ("make = type\nX = make('X', (), {})", TYPE_AS_VALUE),
    ("X = type(*['X', (), {}])", "type() may only be called with one plain argument"),
    ("X = type('X', (), {})", "it builds a class"),
    ("import itertools\nX = list(itertools.starmap(type, [('X', (), {})]))", TYPE_AS_VALUE),
    ("X = list(map(type, ['X'], [()], [{}]))", TYPE_AS_VALUE),
    ("import functools\nmake = functools.partial(type, 'X')", TYPE_AS_VALUE),
    ("X = type[int]('X', (), {})", TYPE_AS_VALUE),
    ("class Meta(type):\n    pass", TYPE_AS_VALUE),
    ("X = type(int)('X', (), {})", TYPE_RESULT),
    ("meta = type(int)", TYPE_RESULT),
    ("def kind(value):\n    return type(value)", TYPE_RESULT),
    ("def f(type):\n    pass", "defining 'type'"),
    # modules only through their allow-lists, never under another name
    ("import numpy as np\nnp.test()", "attribute 'test' of numpy"),
    ("import numpy\nnumpy.fft.test()", "attribute 'test' of numpy.fft"),
    ("from numpy.fft import test", "importing 'test' from numpy.fft"),
    ("import cv2\ncv2.loadGaussianSplats('x')", "attribute 'loadGaussianSplats' of cv2"),
    ("import cv2\ncv2.FontFace_setBuiltinFont('sans', 'x')", "attribute 'FontFace_setBuiltinFont'"),
    ("import cv2\ncv2.ORB_create().write('x')", "attribute 'ORB_create' of cv2"),
    ("import functools\nalias = functools.GenericAlias", "attribute 'GenericAlias' of functools"),
    ("import typing\norigin = typing.get_origin", "attribute 'get_origin' of typing"),
    ("import json\njson.stash = {}", "attribute 'stash' of json"),
    ("import numpy as np\nnp.pi = 3", "modules are read-only"),
    ("import numpy as np\nm = np\nm.load('x')", "module numpy may only be used through its attributes"),
    ("import cv2\nlibrary = [cv2]", "module cv2 may only be used"),
    ("import numpy as np\nfft = np.fft", "module numpy.fft may only be used"),
    ("import numpy as np\nnp = 1", "may not be rebound"),
    ("import numpy as np\ndef f(np):\n    pass", "may not be rebound"),
    ("import numpy as np\nimport cv2 as np", "bound to two modules"),
    # builtins outside the allow-list, whatever the spelling
    ("x = id(1)", "'id' is not allowed"),
    ("x = hasattr(1, 'real')", "'hasattr' is not allowed"),
    ("names = dir()", "'dir' is not allowed"),
    ("for id in range(3):\n    pass", "'id' is not allowed"),
    # format strings: plain fields only
    ("x = '{0.real}'.format(1)", "format string field {0.real}"),
    ("x = '{0[0]}'.format([1])", "format string field {0[0]}"),
    ("x = '{:{0.imag}}'.format(1)", "format string field {0.imag}"),
    ("x = '{.real}'.format(1)", "format string field {.real}"),
    ("x = '{a.real}'.format_map({'a': 1})", "'.format_map' is not allowed"),
    ("x = '{'.format(1)", "format string cannot be parsed"),
    ("x = ('{0.' + 'real}').format(1)", "'.format' is only allowed on a string literal"),
    # class patterns: plain built-in types only
    ("match 1:\n    case object(real=r):\n        pass", "class pattern object(...)"),
    ("import numpy as np\nmatch np.ndarray:\n    case type():\n        pass", "class pattern type(...)"),
    ("match 1:\n    case int(gi_frame=f):\n        pass", "attribute 'gi_frame'"),
])
def test_meaning_not_spelling(snippet, fragment):
    reasons = validate(with_contract(snippet))
    assert any(fragment in reason for reason in reasons), reasons


def test_every_reason_is_one_line():
    reasons = validate(with_contract("import numpy as np\nm = np\nx = type(1)\ny = '{0.a}'.format(1)"))
    assert len(reasons) == 3 and all("\n" not in reason for reason in reasons), reasons


def test_the_allow_lists_cover_exactly_the_importable_modules():
    assert set(MODULE_ATTRIBUTES) == ALLOWED_MODULES | ALLOWED_SUBMODULES
    assert set(MODULE_CONSTANT_PREFIXES) <= set(MODULE_ATTRIBUTES)
    assert ALLOWED_BUILTINS.isdisjoint(FORBIDDEN_BUILTINS)


@pytest.mark.parametrize("module", sorted(MODULE_ATTRIBUTES))
def test_every_allowed_attribute_exists_and_hands_out_no_module_or_metaclass(module):
    loaded = importlib.import_module(module)
    for name in MODULE_ATTRIBUTES[module]:
        value = getattr(loaded, name)
        assert not isinstance(value, types.ModuleType), f"{module}.{name} is a module"
        assert not (isinstance(value, type) and issubclass(value, type)), f"{module}.{name} makes classes"


@pytest.mark.parametrize("module", sorted(MODULE_CONSTANT_PREFIXES))
def test_constant_prefixes_name_only_constants(module):
    loaded = importlib.import_module(module)
    for name in dir(loaded):
        if name.startswith(MODULE_CONSTANT_PREFIXES[module]):
            value = getattr(loaded, name)
            assert type(value) is int or module == "cv2" and name.startswith("CV_") and callable(value), name


def test_missing_and_misshapen_functions():
    assert any("missing top-level function decompress_video_frame" in r
               for r in validate("def compress_video_frame(frame, frame_index, config):\n    return b''\n"))
    reasons = validate("def compress_video_frame(frame):\n    pass\n"
                       "def decompress_video_frame(a, b, c, d):\n    pass\n")
    assert any("compress_video_frame must be callable" in r for r in reasons)
    assert any("decompress_video_frame must be callable" in r for r in reasons)
    assert validate("def compress_video_frame(*args):\n    pass\n"
                    "def decompress_video_frame(a, b, c, d=1):\n    pass\n") == []


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


@pytest.mark.parametrize("line, refused", [
    ("x = cv2.getTickCount()", True),  # a clock
    ("x = cv2.getTickFrequency()", True),
    ("x = np.random.rand(3)", True),  # numpy's global generator, seeded from the machine's entropy
    ("x = np.random.default_rng()", True),  # a generator without a seed
    ("x = np.random.Generator(np.random.PCG64())", True),
    ("x = np.random.default_rng(*[])", True),
    ("x = np.random.default_rng(7).integers(0, 9, 4)", False),
    ("x = np.random.Generator(np.random.PCG64(seed=7))", False),
])
def test_no_clock_and_no_entropy(line, refused):
    source = ("import cv2\nimport numpy as np\n\n\ndef compress_video_frame(frame, frame_index, config):\n"
              f"    {line}\n    return frame.tobytes()\n\n\ndef decompress_video_frame(data, frame_index, config):\n"
              "    return np.zeros((2, 2, 3), np.uint8)\n")
    assert bool(validate(source)) == refused, validate(source)
