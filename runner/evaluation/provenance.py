"""What produced a score: the evaluator's own code, the libraries it measured with, the material.

Every test result carries it, so that an audit can tell which versions were scored by another
evaluator than today's (and rescore them), and reproduce a test from its nonce.
"""

from __future__ import annotations

import hashlib
import platform
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np

from domain.records import Provenance

RUNNER = Path(__file__).resolve().parent.parent
# The code a score depends on: the measurement and the sandbox that ran the candidate.
EVALUATOR_PACKAGES = ("evaluation", "sandbox")


@lru_cache(maxsize=1)
def evaluator_hash() -> str:
    """sha256 over the evaluator's source files, by path relative to runner/, in a fixed order."""
    digest = hashlib.sha256()
    for package in EVALUATOR_PACKAGES:
        for path in sorted((RUNNER / package).rglob("*.py")):
            name = path.relative_to(RUNNER).as_posix().encode()
            data = path.read_bytes()
            for part in (name, data):
                digest.update(len(part).to_bytes(8, "big"))
                digest.update(part)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def libraries() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": np.__version__, "opencv": cv2.__version__,
            "pyav": av.__version__, "ffmpeg": ".".join(map(str, av.library_versions.get("libavcodec", ())))}


def provenance(suite_hash: str, nonce: str, isolation: str) -> Provenance:
    """The record a test result keeps of how it was measured."""
    return Provenance(evaluator=evaluator_hash(), suite=suite_hash, nonce=nonce, isolation=isolation,
                      libraries=libraries())
