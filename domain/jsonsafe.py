"""Turning values into what an event may hold: plain JSON (dict with str keys, list, str, int, float, bool, None)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class NotJSONSafe(TypeError):
    """A value that has no faithful JSON form (an array, an object, a non-string key)."""


def json_safe(value: Any, where: str = "value") -> Any:
    """A copy of value made of JSON types only.

    numpy scalars become Python numbers, tuples become lists, non-finite floats become None
    (JSON has no NaN or infinity). Arrays, objects and non-string keys are refused, so nothing
    that would change on a round trip through the store gets into an event.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.generic) and not isinstance(value, (np.void, np.object_)):
        return json_safe(value.item(), where)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJSONSafe(f"{where}: key {key!r} is a {type(key).__name__}, not a str")
            out[key] = json_safe(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [json_safe(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise NotJSONSafe(f"{where}: a {type(value).__name__} is not JSON-safe")
