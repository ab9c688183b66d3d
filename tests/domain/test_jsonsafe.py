"""Only plain JSON goes into events."""

import math

import numpy as np
import pytest

from domain.jsonsafe import NotJSONSafe, json_safe


def test_numpy_scalars_become_python_numbers():
    out = json_safe({"a": np.float32(1.5), "b": np.int64(3), "c": np.bool_(True), "d": (1, 2)})
    assert out == {"a": 1.5, "b": 3, "c": True, "d": [1, 2]}
    assert type(out["a"]) is float and type(out["b"]) is int and type(out["c"]) is bool


def test_non_finite_floats_become_none():
    assert json_safe([math.inf, float("nan"), 1.0]) == [None, None, 1.0]


@pytest.mark.parametrize("bad", [np.zeros(3), object(), {1: "x"}, b"bytes", {"a": {2, 3}}])
def test_arrays_objects_and_odd_keys_are_refused(bad):
    with pytest.raises(NotJSONSafe):
        json_safe(bad)
