"""Shared test material for the ledger and projection tests: a tiny real suite, candidate
sources, their results recorded once per session by the real evaluator, and fresh stores."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

from domain.ids import sha256_of
from domain.policy import Policy
from domain.seed import SEED_SOURCE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PG_URL = os.environ.get("CODEC_LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SIZE = (48, 32)

PNG_LOSSLESS = '''"""Each frame as a PNG (lossless); ignores quality."""
import cv2
import numpy as np


def compress_video_frame(frame, frame_index, config):
    ok, data = cv2.imencode(".png", frame, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return data.tobytes()


def decompress_video_frame(data, frame_index, config):
    return cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
'''

FAILS_ON_FRAME_1 = '''"""Raises on the second frame."""
def compress_video_frame(frame, frame_index, config):
    if frame_index == 1:
        raise ValueError("cannot encode frame 1")
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    import numpy as np
    return np.frombuffer(data, dtype=np.uint8).reshape(config["height"], config["width"], 3).copy()
'''

SYNTAX_ERROR = "def compress_video_frame(frame, frame_index, config):\n    return b'' +\n"


def sources() -> dict[str, str]:
    return {
        "seed": SEED_SOURCE,
        "zlib": (EXAMPLES / "zlib_lossless.py").read_text(),
        "png": PNG_LOSSLESS,
        "jpeg": (EXAMPLES / "jpeg_imencode.py").read_text(),
        "dct": (EXAMPLES / "dct_codec.py").read_text(),
        "fails": FAILS_ON_FRAME_1,
    }


def variant(source: str, n: int) -> str:
    """The same codec with a different sha256: a trailing comment."""
    return f"{source}\n# variant {n}\n"


_VARIANT = re.compile(r"\n# variant \d+\n\Z")


def base_of(source: str) -> str:
    return _VARIANT.sub("", source)


def tiny_suite():
    from runner.evaluation.clips import Clip, Suite, moving_pattern, stress_clips

    pattern = moving_pattern(SIZE, 4)
    return Suite("tiny", (Clip("pattern", pattern.frames, 30.0, "real"), *stress_clips(SIZE, 2)))


def suite_record(suite) -> dict:
    return {"name": suite.name, "hash": suite.content_hash, "description": suite.describe(), "inputs": [],
            "options": {}}


class Recorded:
    """test_candidate's real results, recorded once; a variant of a recorded source gets its base's result."""

    def __init__(self, results: dict[str, dict]):
        self.results = results
        self.calls = 0

    def __call__(self, source: str) -> dict:
        self.calls += 1
        return self.results[sha256_of(base_of(source))]


def validate(source: str) -> list:
    from runner.sandbox.validation import validate as real_validate

    return real_validate(source)


@pytest.fixture(scope="session")
def suite():
    return tiny_suite()


@pytest.fixture(scope="session")
def results(suite) -> dict[str, dict]:
    """sha256 -> the real evaluator's result on the tiny suite, for every source in sources()."""
    from runner.evaluation.evaluator import test_candidate
    from runner.sandbox.pipeline import Sandbox

    out = {}
    with Sandbox() as sandbox:
        for source in sources().values():
            out[sha256_of(source)] = test_candidate(source, suite, sandbox=sandbox)
    return out


@pytest.fixture
def tester(results) -> Recorded:
    return Recorded(results)


def pg_available() -> bool:
    try:
        import psycopg

        from ledger.store import parse_url

        with psycopg.connect(connect_timeout=2, **parse_url(PG_URL)._pg_kwargs()):
            return True
    except Exception:
        return False


def drop_schema(schema: str) -> None:
    import psycopg

    from ledger.store import parse_url

    with psycopg.connect(autocommit=True, **parse_url(PG_URL)._pg_kwargs()) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_schema_url() -> tuple[str, str]:
    schema = "t_" + uuid.uuid4().hex[:12]
    return f"{PG_URL}?schema={schema}", schema


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_url(request, tmp_path):
    """A fresh, empty store: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable at " + PG_URL)
    url, schema = pg_schema_url()
    yield url
    drop_schema(schema)


@pytest.fixture
def sqlite_url(tmp_path):
    return str(tmp_path / "ledger.db")


def open_ledger(url: str):
    from projections.session import open_session

    return open_session(url, create=True)


def start(session, suite, results, name: str = "default", policy: Policy = Policy()):
    return session.app.start_lineage(name, suite_record(suite), policy, results[sha256_of(SEED_SOURCE)])


def all_rows(app) -> list[tuple]:
    """Every stored event as (position, originator, version, topic, state bytes)."""
    rows, position = [], 1
    while True:
        batch = app.recorder.select_notifications(start=position, limit=1000)
        if not batch:
            return rows
        rows += [(n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state)) for n in batch]
        position = batch[-1].id + 1


# ---------------------------------------------------------------- a script of ledger operations

POOL = ("zlib", "png", "jpeg", "dct", "fails", "broken")


def run_ops(session, suite, results, ops, lineage: str = "default") -> list[dict]:
    """Apply a script of ("submit", name, n) / ("rollback", version) / ("analysis", n) operations.

    Returns what each adoption recorded: [{"version", "sha256"}], for replay checks.
    """
    from domain.ids import sha256_of
    from runner.evolution.lifecycle import submit

    app = session.app
    if not app.has_lineage(lineage):
        start(session, suite, results, lineage)
    tester = Recorded(results)
    srcs = sources()
    for op in ops:
        if op[0] == "submit":
            _, name, n = op
            source = SYNTAX_ERROR + f"# {n}\n" if name == "broken" else (variant(srcs[name], n) if n else srcs[name])
            submit(app, lineage, source, validate=validate, test=tester, planner="claude" if n % 2 else "offline")
        elif op[0] == "rollback":
            versions = len(app.lineage(lineage).versions)
            app.rollback(lineage, op[1] % versions, f"rollback {op[1]}")
        elif op[0] == "analysis":
            app.record_analysis(lineage, planner="claude", model="m", text=f"thought {op[1]}", tokens_in=op[1],
                                tokens_out=2 * op[1], cost_usd=op[1] / 1000)
    state = app.lineage(lineage)
    assert all(sha256_of(app.source(v["sha256"])) == v["sha256"] for v in state.versions)
    return [{"version": v["version"], "sha256": v["sha256"]} for v in state.versions]
