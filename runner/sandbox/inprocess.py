"""Runs trusted codec source in this process: the baseline the sandbox's overhead is measured against.

Never for candidate code: it has no isolation at all. It exists so that benchmarks can time
the same source on the same frames with and without the sandbox.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from domain.verdict import OK, Verdict
from runner.sandbox.codec_runner import RunResult, run_twice


class InProcessRunner:
    """A CodecRunner like the Sandbox, with the encoder and decoder as two module namespaces."""

    isolation = "none (in-process, trusted code only)"

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        code = compile(source, "<trusted codec>", "exec")
        encoder: dict[str, Any] = {"__name__": "encoder"}
        decoder: dict[str, Any] = {"__name__": "decoder"}
        exec(code, encoder)
        exec(code, decoder)
        result = RunResult(Verdict(OK, isolation=self.isolation))
        encoded = []
        started = time.perf_counter()
        for index, frame in enumerate(frames):
            encoded.append(bytes(encoder["compress_video_frame"](frame, index, dict(config))))
        result.encode_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for index, data in enumerate(encoded):
            result.decoded.append(decoder["decompress_video_frame"](data, index, dict(config)))
        result.decode_seconds = time.perf_counter() - started
        result.sizes = [len(data) for data in encoded]
        if keep_payload:
            result.payload = encoded
        return result

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        """`run`, failing the codec unless a second run gives the very same bytes and frames."""
        return run_twice(self, source, frames, config, keep_payload)
