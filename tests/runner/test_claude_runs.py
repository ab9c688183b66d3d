"""The claude planner in real runs (real clips, sandbox and ledger): calls in flight while the sandbox works,
the bandit's state surviving a restart, and `codec-ledger run --planner claude` end to end against a scripted
local fake of the Messages API reached through ANTHROPIC_BASE_URL. Never the network."""

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import anthropic
import httpx2
import pytest

from projections.session import open_session
from projections.value import value_for_money
from runner.evaluation.clips import bikes_path
from runner.evolution.lineage_setup import PolicyOptions, open_lineage
from runner.evolution.loop import Evolution
from runner.planners.claude import ClaudePlanner
from tests.runner.cli_support import as_json, invoke

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent.parent
JPEG = (ROOT / "examples" / "jpeg_imencode.py").read_text()
CLIP = ["--input", bikes_path(), "--frames", "4", "--max-size", "96x64"]
BAD_EDITS = [{"search": "this text is in no parent", "replace": "x"}]


def reply(model="claude-sonnet-5-5", **arguments):
    arguments = {"analysis": "a", "rationale": "r", **arguments}
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "propose_codec", "input": arguments}],
            "stop_reason": "tool_use", "stop_sequence": None,
            "usage": {"input_tokens": 900, "output_tokens": 300, "cache_creation_input_tokens": 4000,
                      "cache_read_input_tokens": 0}}


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """A ledger holding a lineage started on a real clip (its seed tested once), copied by each test."""
    db = tmp_path_factory.mktemp("claude") / "ledger.db"
    with open_session(str(db), create=True) as session:
        open_lineage(session.app, "default", CLIP[1:2], 4, "96x64", None, PolicyOptions(), lambda text: None)
    return db


def ledger_copy(started, tmp_path) -> str:
    return str(shutil.copy(started, tmp_path / "ledger.db"))


def claude(handler, models=("claude-sonnet-5-5",)) -> ClaudePlanner:
    def api(request):
        return httpx2.Response(200, json=handler(json.loads(request.content)), headers={"retry-after-ms": "1"})

    client = anthropic.Anthropic(api_key="sk-test", max_retries=0,
                                 http_client=httpx2.Client(transport=httpx2.MockTransport(api)))
    return ClaudePlanner(model=list(models), client=client)


def test_calls_stay_in_flight_while_the_sandbox_tests_and_are_recorded_in_order(started, tmp_path):
    lock, held = threading.Lock(), threading.Barrier(3, timeout=120)
    running, most, seen = [0], [0], []

    def handler(body):
        with lock:
            seen.append(body)
            number = len(seen)
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            if number > 1:
                held.wait()  # answers only once three calls are running at the same time
            return reply(code=JPEG) if number == 1 else reply(edits=BAD_EDITS, rationale=f"call {number}")
        finally:
            with lock:
                running[0] -= 1

    with open_session(ledger_copy(started, tmp_path)) as session:
        suite = _suite(session)
        evolution = Evolution(session, "default", suite, claude(handler), workers=1, in_flight=3)
        summary = evolution.run(4)
        assert summary.iterations == 4 and summary.adopted == [1]
        analyses = list(session.app.stored_events(types=["AnalysisRecorded"]))
    assert most[0] == 3
    assert [event["key"].split(":")[1] for event in analyses] == ["0", "1", "2", "3"]
    assert ["edit 1 of 1" in (event["details"].get("error") or "") for event in analyses] == [False, True, True, True]
    assert analyses[0]["details"]["cache_write_tokens"] == 4000


def test_the_bandit_continues_after_a_restart(started, tmp_path):
    chosen = []

    def handler(body):
        chosen.append(body["model"])
        return {1: reply(code=JPEG), 2: reply(edits=BAD_EDITS)}.get(len(chosen), reply(code=JPEG + "\nX = 1\n"))

    path = ledger_copy(started, tmp_path)
    models = ("claude-opus-5-5", "claude-haiku-5-5")
    with open_session(path) as session:
        Evolution(session, "default", _suite(session), claude(handler, models), workers=1).run(1)
        value = value_for_money(session.view, "default")["claude"]
    assert chosen == ["claude-opus-5-5"]  # untried, listed first: adopted, a large gain per dollar
    assert value["adopted"] == 1 and value["percent_saved"] > 50
    assert value["cost_usd"] == pytest.approx((900 * 5 + 4000 * 5 * 1.25 + 300 * 25) / 1e6)
    assert value["usd_per_adoption"] == pytest.approx(value["cost_usd"], abs=1e-4)
    assert value["usd_per_percent_saved"] == pytest.approx(value["cost_usd"] / value["percent_saved"], abs=1e-4)
    # A new process in effect: a fresh planner and session, only the ledger carries the bandit's state.
    with open_session(path) as session:
        Evolution(session, "default", _suite(session), claude(handler, models), workers=1).run(2)
        analyses = list(session.app.stored_events(types=["AnalysisRecorded"]))
    # A fresh bandit would start again with opus; this one tries haiku, then goes back to opus's gain.
    assert chosen == ["claude-opus-5-5", "claude-haiku-5-5", "claude-opus-5-5"]
    assert [event["details"]["arm"] for event in analyses] == chosen
    assert analyses[-1]["details"]["bandit"]["claude-opus-5-5"] > analyses[-1]["details"]["bandit"]["claude-haiku-5-5"]


def _suite(session):
    _, suite, _ = open_lineage(session.app, "default", CLIP[1:2], 4, "96x64", None, PolicyOptions(),
                               lambda text: None)
    return suite


class ScriptedAPI(http.server.BaseHTTPRequestHandler):
    """The Messages API on localhost: a JPEG codec for a copying parent, then edits to the JPEG parent."""

    requests: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        key = self.headers.get("x-api-key") or self.headers.get("authorization")
        self.requests.append({"body": body, "key": key, "path": self.path})
        parent = body["messages"][0]["content"][0]["text"]
        if "cv2.imencode" not in parent:
            answer = reply(body["model"], code=JPEG)
        else:
            edits = [{"search": 'int(config["quality"])', "replace": f'int(config["quality"]) * {len(self.requests)}'
                      ' // 100 + 1'}]
            answer = reply(body["model"], edits=edits)
        data = json.dumps(answer).encode()
        self.send_response(200)
        for name, value in (("content-type", "application/json"), ("content-length", str(len(data)))):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_claude_run_end_to_end_against_a_local_fake_of_the_messages_api(tmp_path):
    db = tmp_path / "ledger.db"
    ScriptedAPI.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ANTHROPIC_")}
    environment |= {"ANTHROPIC_API_KEY": "sk-local-fake", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_port}"}
    models = ["--model", "claude-sonnet-5-5", "--model", "claude-haiku-5-5"]
    try:
        result = subprocess.run([sys.executable, "-m", "runner.cli", "run", "--planner", "claude", "--iterations", "4",
                                 *models, "--proposals-in-flight", "2", "--workers", "1", "--ledger", str(db), *CLIP,
                                 "--json"], capture_output=True, text=True, cwd=ROOT, env=environment, timeout=600)
        estimate = subprocess.run([sys.executable, "-m", "runner.cli", "run", "--planner", "claude", "--estimate",
                                   "--iterations", "50", "--ledger", str(db), "--json"], capture_output=True,
                                  text=True, cwd=ROOT, env={**environment, "ANTHROPIC_API_KEY": ""}, timeout=300)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["iterations"] == 4 and 1 in summary["adopted"]
    assert len(ScriptedAPI.requests) == 4 and all("sk-local-fake" in r["key"] for r in ScriptedAPI.requests)
    assert {r["body"]["model"] for r in ScriptedAPI.requests} == {"claude-sonnet-5-5", "claude-haiku-5-5"}
    assert all(r["body"]["system"][0]["cache_control"] == {"type": "ephemeral"} for r in ScriptedAPI.requests)
    with open_session(str(db)) as session:
        analyses = list(session.app.stored_events(types=["AnalysisRecorded"]))
        modes = [event["details"].get("mode") for event in analyses]
        # Calls 2 and 3 started (in flight) while the JPEG codec was tested: still from the seed, they proposed
        # it again, and were recorded as duplicates without a test; call 4 edited the new best.
        assert modes == ["code", "code", "code", "edits"]
        assert [bool(event["details"].get("duplicate_of")) for event in analyses] == [False, True, True, False]
        edited = [event for event in analyses if event["details"].get("mode") == "edits"]
        assert edited[0]["details"]["parent"]["sha256"] == session.app.show("default", 1)["sha256"]
    # `why` names what the model was shown; `status` prices the adoptions.
    why = as_json("why", "1", "--ledger", db)
    assert why["analysis"]["shown"]["parent"]["version"] == 0
    assert "parent shown: version 0" in invoke("why", "1", "--ledger", db).stdout
    value = as_json("status", "--no-references", "--ledger", db)["value"]["claude"]
    assert value["adopted"] >= 1 and value["cost_usd"] > 0 and value["usd_per_adoption"] is not None
    assert "per version" in invoke("status", "--no-references", "--ledger", db).stdout
    assert estimate.returncode == 0, estimate.stderr
    figures = json.loads(estimate.stdout)
    assert figures["estimate"] and figures["proposals"] == 50 and 0 < figures["typical_usd"] < figures["worst_usd"]
    assert "version" in figures["parent"]
