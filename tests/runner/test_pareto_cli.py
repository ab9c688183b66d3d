"""`codec-ledger pareto` on SQLite and PostgreSQL ledgers of real recorded tests: the JSON shape the
issue names, the front checked against every pair of measured sources, --to, and one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from domain.pareto import DEFAULT_OBJECTIVES, objectives_named
from projections.pareto import measured
from runner.cli.app import app
from tests.ledger.support import open_ledger, run_ops
from tests.projections.test_pareto import SCRIPT, brute_force

cli = CliRunner()


def invoke(*args: str):
    return cli.invoke(app, ["pareto", *args])


def test_pareto_prints_the_front_as_the_issue_says(ledger_url, suite, results):
    with open_ledger(ledger_url) as s:
        recorded = run_ops(s, suite, results, SCRIPT)
        s.refresh()
        everything = [p for p in measured(s.view, "default") if p["meets_target"]]
        at_v1 = measured(s.view, "default", position=s.view.fetch(
            "SELECT position FROM {p}cl_versions WHERE version = 1")[0]["position"])

    result = invoke("--objectives", "kbps,psnr_y,decode_fps", "--json", "--ledger", ledger_url)
    assert result.exit_code == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["objectives", "front"]
    assert data["objectives"] == ["kbps", "psnr_y", "decode_fps"]
    assert all(set(member) == {"sha256", "version", "values"} for member in data["front"])
    assert all(list(member["values"]) == data["objectives"] for member in data["front"])
    objectives = objectives_named(data["objectives"])
    points = [[p["values"][o.name] for o in objectives] for p in everything]
    expected = {everything[i]["sha256"]: everything[i] for i in brute_force(points, objectives)}
    assert {m["sha256"] for m in data["front"]} == set(expected)
    for member in data["front"]:
        assert member["version"] == expected[member["sha256"]]["version"]
        assert member["values"] == {k: expected[member["sha256"]]["values"][k] for k in data["objectives"]}
    kbps = [m["values"]["kbps"] for m in data["front"]]
    assert kbps == sorted(kbps), "best rate first"
    adopted = {r["sha256"] for r in recorded}
    assert any(m["version"] is not None and m["sha256"] in adopted for m in data["front"])

    then = json.loads(invoke("--to", "1", "--json", "--ledger", ledger_url).stdout)
    assert then["objectives"] == list(DEFAULT_OBJECTIVES)
    assert {m["sha256"] for m in then["front"]} <= {p["sha256"] for p in at_v1}
    assert all(m["version"] in (None, 0, 1) for m in then["front"])

    table = invoke("--objectives", "kbps,decode_fps", "--ledger", ledger_url)
    assert table.exit_code == 0, table.stderr
    assert "Pareto front" in table.stdout and "kbps ↓" in table.stdout


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_bad_input_is_one_line(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        run_ops(s, suite, results, [("submit", "zlib", 0)])
    unknown = invoke("--objectives", "kbps,speed", "--ledger", sqlite_url)
    assert unknown.exit_code == 2
    assert "unknown objective 'speed'" in one_error_line(unknown)
    version = invoke("--to", "9", "--ledger", sqlite_url)
    assert version.exit_code == 1 and "has no version 9" in one_error_line(version)
    lineage = invoke("--lineage", "nope", "--ledger", sqlite_url)
    assert lineage.exit_code == 1 and "no lineage 'nope'" in one_error_line(lineage)
