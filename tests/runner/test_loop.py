"""The evolution loop, run for real: offline runs, a killed run resumed, the claude planner
through a mock transport, replay, and compress/decompress with a recorded version."""

import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import anthropic
import httpx2
import numpy as np
import pytest

from projections.projection import build_as_of
from projections.session import open_session
from runner.cli import container
from runner.evaluation.clips import bikes_path, load_clip, parse_size
from runner.evaluation.evaluator import clip_config
from runner.evolution.lineage_setup import PolicyOptions, open_lineage
from runner.evolution.loop import Evolution
from runner.planners.claude import ClaudePlanner
from runner.sandbox.pipeline import Sandbox
from tests.runner.short_run import CLIP, copy_of

ROOT = Path(__file__).parent.parent.parent
EXAMPLES = ROOT / "examples"


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def events(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT rowid, originator_id, originator_version, topic, state "
                                  "FROM stored_events ORDER BY rowid").fetchall()


def count(db: Path, topic: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            query = "SELECT COUNT(*) FROM stored_events WHERE topic LIKE ?"
            return connection.execute(query, (f"%{topic}",)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.fixture(scope="module")
def evolved(short_run, tmp_path_factory):
    """A short offline run on a real clip (4 iterations), shared by the tests that only read it."""
    db, summary = short_run
    return copy_of(db, tmp_path_factory.mktemp("run")), summary


def test_a_short_offline_run_adopts_and_its_projections_equal_a_rebuild(evolved):
    db, summary = evolved
    assert summary["iterations"] == 4 and summary["adopted"], summary
    assert summary["version"] == max(summary["adopted"])
    with open_session(str(db)) as session:
        assert build_as_of(session.app).dump() == session.view.dump()
        best = session.app.lineage("default").best
        why = session.app.why("default", best["version"])
    assert why["planner"] == "offline" and why["analysis"]["text"].startswith("Iteration")
    status = json.loads(cli("status", "--json", "--ledger", str(db)).stdout)
    assert status["version"] == summary["version"] and status["candidates"] == 4


def test_a_killed_run_resumes_without_losing_or_repeating_anything(tmp_path):
    db = tmp_path / "ledger.db"
    process = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", "--iterations", "6", "--workers", "1",
                                "--ledger", str(db), *CLIP, "--json"], cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while count(db, "CandidateProposed") < 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    before = events(db)
    assert count(db, "CandidateProposed") >= 3 and count(db, "AnalysisRecorded") < 6

    result = cli("run", "--iterations", "2", "--workers", "1", "--ledger", str(db), *CLIP, "--json")
    assert result.returncode == 0, result.stderr
    after = events(db)
    assert after[:len(before)] == before  # nothing recorded was lost or changed
    topics = [topic.rsplit(".", 1)[-1] for _, _, _, topic, _ in after]
    originators = [(originator, version) for _, originator, version, _, _ in after]
    assert len(set(originators)) == len(originators)
    with open_session(str(db)) as session:
        rows = [row for row in session.view.fetch("SELECT * FROM {p}cl_candidates") if row["planner"] != "seed"]
        assert all(row["decision"] != "pending" for row in rows)  # the interrupted candidate was finished
        assert len({(row["sha256"], row["parent_version"]) for row in rows}) == len(rows)
        versions = session.app.lineage("default").versions
        assert [v["version"] for v in versions] == list(range(len(versions)))
        assert build_as_of(session.app).dump() == session.view.dump()
    analyses_before = [t for _, _, _, t, _ in before if t.endswith("AnalysisRecorded")]
    assert topics.count("AnalysisRecorded") == len(analyses_before) + 2
    # Each analysis was recorded together with the candidate proposed from it.
    assert topics.count("CandidateProposed") == topics.count("AnalysisRecorded") + 1  # + the seed
    assert json.loads(result.stdout)["iterations"] == 2


def claude_reply(code=None, **extra):
    arguments = {"analysis": "the copy codec wastes bits", "rationale": "JPEG each frame", **extra}
    if code is not None:
        arguments["code"] = code
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "propose_codec", "input": arguments}],
            "stop_reason": "tool_use", "stop_sequence": None, "usage": {"input_tokens": 2000, "output_tokens": 500}}


def test_the_claude_planner_end_to_end_through_a_mock_transport(tmp_path):
    jpeg = (EXAMPLES / "jpeg_imencode.py").read_text()
    replies = [
        (429, {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}),
        (200, claude_reply(jpeg)),
        (200, claude_reply(None)),  # malformed: no code
        (200, claude_reply("def compress_video_frame(frame, frame_index, config)\n")),  # fails validation
    ]
    sent = []

    def api(request):
        sent.append(json.loads(request.content))
        status, body = replies.pop(0)
        return httpx2.Response(status, json=body, headers={"retry-after-ms": "1"})

    client = anthropic.Anthropic(api_key="sk-test", max_retries=2,
                                 http_client=httpx2.Client(transport=httpx2.MockTransport(api)))
    with open_session(str(tmp_path / "ledger.db"), create=True) as session:
        state, suite, _ = open_lineage(session.app, "default", CLIP[1:2], 8, "176x144", None, PolicyOptions(),
                                       print)
        evolution = Evolution(session, "default", suite, ClaudePlanner(client=client))
        summary = evolution.run(3)
        assert summary.adopted == [1] and summary.iterations == 3
        analyses = session.view.fetch("SELECT * FROM {p}cl_analyses ORDER BY position")
        assert [row["tokens_in"] for row in analyses] == [2000, 2000, 2000]
        texts = [event["text"] for event in session.app.stored_events(types=["AnalysisRecorded"])]
        assert any("[no candidate: the reply held no code" in text for text in texts)
        candidates = session.view.fetch("SELECT * FROM {p}cl_candidates WHERE planner = 'claude' ORDER BY position")
        assert [row["decision"] for row in candidates] == ["adopted", "rejected"]
        assert session.app.show("default", "best")["source"] == jpeg
    # The second prompt was built from the projections: it shows version 1's source.
    assert "The parent: version 1" in sent[2]["messages"][0]["content"][0]["text"]
    assert "sk-test" not in json.dumps(sent)


class FailingAPI(http.server.BaseHTTPRequestHandler):
    """An Anthropic API on localhost that answers every request with a server error."""

    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        body = json.dumps({"type": "error", "error": {"type": "api_error", "message": "internal"}}).encode()
        self.send_response(500)
        for name, value in (("content-type", "application/json"), ("retry-after-ms", "1"),
                            ("content-length", str(len(body)))):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_run_whose_every_planner_call_failed_exits_1_with_one_line(tmp_path):
    db = tmp_path / "ledger.db"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FailingAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ANTHROPIC_")}
    environment |= {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_port}"}
    try:
        for as_json in ([], ["--json"]):
            result = subprocess.run([sys.executable, "-m", "runner.cli", "run", "--planner", "claude", "--iterations",
                                     "2", "--ledger", str(db), *CLIP, *as_json], capture_output=True, text=True,
                                    cwd=ROOT, env=environment, timeout=600)
            lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("note: ")]
            if as_json:  # the error is the JSON document on stdout, and nothing else is said but input notes
                error = json.loads(result.stdout)
                assert result.returncode == 1 and error["exit_code"] == 1 and lines == [], result.stderr
                message = error["error"]
            else:
                assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
                message = lines[0]
            assert "every planner call failed (2 of 2)" in message and "API error 500" in message
    finally:
        server.shutdown()
    assert count(db, "AnalysisRecorded") == 4  # the failed calls are recorded all the same
    assert count(db, "CandidateProposed") == 1  # the seed


def test_replay_reproduces_the_same_adoptions(evolved, tmp_path):
    db, summary = evolved
    copy = tmp_path / "replayed.db"
    result = cli("run", "--planner", "replay", "--from", str(db), "--iterations", "20", "--workers", "2",
                 "--ledger", str(copy), *CLIP, "--json")
    assert result.returncode == 0, result.stderr
    replayed = json.loads(result.stdout)
    assert replayed["iterations"] == 4 and "replay finished" in replayed["stopped"]
    with open_session(str(db)) as original, open_session(str(copy)) as again:
        assert [v["sha256"] for v in original.app.lineage("default").versions] == \
               [v["sha256"] for v in again.app.lineage("default").versions]
        # each version was tested on the material its original test used (the seed's too)
        for first, second in zip(original.app.lineage("default").versions, again.app.lineage("default").versions,
                                 strict=True):
            nonces = [app.candidate(v["candidate_id"]).test_result["provenance"]["nonce"]
                      for app, v in ((original.app, first), (again.app, second))]
            assert nonces[0] == nonces[1]


def test_compress_then_decompress_gives_the_frames_the_evaluator_measured(evolved, tmp_path):
    db, summary = evolved
    stream = tmp_path / "clip.clv"
    result = cli("compress", bikes_path(), str(stream), "--frames", "8", "--max-size", "176x144",
                 "--ledger", str(db), "--json")
    assert result.returncode == 0, result.stderr
    compressed = json.loads(result.stdout)
    assert compressed["version"] == summary["version"] and compressed["bytes"] < compressed["raw_bytes"]
    frames_dir = tmp_path / "frames"
    result = cli("decompress", str(stream), str(frames_dir), "--ledger", str(db), "--json")
    assert result.returncode == 0, result.stderr
    import cv2

    decoded = [cv2.imread(str(path)) for path in sorted(frames_dir.glob("*.png"))]
    clip = load_clip(bikes_path(), frames=8, max_size=parse_size("176x144"))
    with open_session(str(db)) as session:
        source = session.app.show("default", "best")["source"]
    with Sandbox() as sandbox:
        measured = sandbox.run(source, clip.frames, clip_config(clip, compressed["quality"]))
    assert len(decoded) == clip.count
    assert all(np.array_equal(a, b) for a, b in zip(decoded, measured.decoded, strict=True))


def test_decompress_refuses_a_stream_the_ledger_does_not_hold(evolved, tmp_path):
    db, _ = evolved
    stream = tmp_path / "clip.clv"
    assert cli("compress", bikes_path(), str(stream), "--frames", "2", "--max-size", "64x64",
               "--version", "0", "--ledger", str(db)).returncode == 0
    header, payload = container.read(stream)
    for name, forged in (("unknown.clv", replace(header, version=99)), ("other.clv", replace(header, sha256="0" * 64))):
        container.write(tmp_path / name, forged, payload)
        result = cli("decompress", str(tmp_path / name), str(tmp_path / "out"), "--ledger", str(db))
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "does not hold" in result.stderr or "refusing" in result.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "cut.clv").write_bytes(stream.read_bytes()[:-10])
    result = cli("decompress", str(tmp_path / "cut.clv"), str(tmp_path / "out"), "--ledger", str(db))
    assert result.returncode == 1 and "truncated" in result.stderr
