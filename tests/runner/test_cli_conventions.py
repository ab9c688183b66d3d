"""The command line's conventions (issue 16): --version, plain words in help, one meaning per short flag,
exit codes 0/1/2, and errors as one line on stderr or, with --json, a JSON object on stdout."""

from __future__ import annotations

import json
import re
from importlib.metadata import version

import pytest

from tests.runner.cli_support import invoke, one_line_error

COMMANDS = ("evaluate", "baselines", "submit", "status", "history", "why", "show", "diff", "compare", "rollback",
            "replay", "export", "events", "pareto", "ensemble", "report", "rescore", "verify", "run", "compress",
            "decompress", "worker", "import")
PYTHON_TYPES = re.compile(r"<(str|int|float|bool|path|list)\b|\b(INTEGER|FLOAT)( RANGE)?\b")


def test_version():
    for flag in ("--version", "-V"):
        result = invoke(flag)
        assert result.exit_code == 0 and result.stdout.strip() == f"codec-ledger {version('codec-ledger')}"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_speaks_in_plain_words_and_short_flags_mean_one_thing(command):
    text = invoke(command, "--help").stdout
    assert not PYTHON_TYPES.search(text), text
    flags = dict(re.findall(r"(-[a-zA-Z]), (--[a-z-]+)", text))
    meanings = {"-l": "--lineage", "-j": "--json", "-i": "--input", "-o": "--out", "-q": "--quality",
                "-y": "--yes", "-n": "--iterations"}
    assert all(meanings[short] == long for short, long in flags.items()), flags
    if "--lineage" in text:
        assert flags.get("-l") == "--lineage"
    if "--json" in text:
        assert flags.get("-j") == "--json"


def test_usage_errors_exit_2_and_failures_exit_1(tmp_path):
    assert invoke("history", "--no-such-flag").exit_code == 2
    assert invoke("rollback").exit_code == 2  # a missing argument
    assert "--planner" in one_line_error(invoke("run", "--planner", "nope"), code=2)
    assert "--format" in one_line_error(invoke("export", "--format", "xml", "-o", tmp_path / "x"), code=2)
    missing = str(tmp_path / "no" / "such" / "l.db")
    assert "does not exist" in one_line_error(invoke("status", "--ledger", missing))


def test_with_json_an_error_is_a_json_object_on_stdout(tmp_path):
    missing = str(tmp_path / "no" / "such" / "l.db")
    for command in (["status"], ["history"], ["show", "1"], ["why", "1"], ["events"], ["replay", "--to", "1"]):
        result = invoke(*command, "--ledger", missing, "-j")
        assert result.exit_code == 1 and result.stderr == ""
        error = json.loads(result.stdout)
        assert error["exit_code"] == 1 and "does not exist" in error["error"]
    usage = invoke("export", "--format", "xml", "-o", tmp_path / "x", "--ledger", missing, "--json")
    assert usage.exit_code == 2 and json.loads(usage.stdout)["exit_code"] == 2
