"""The command line's conventions (issue 16): --version, plain words in help, one meaning per short flag,
exit codes 0/1/2, and errors as one line on stderr or, with --json, a JSON object on stdout, click's own usage
errors included."""

from __future__ import annotations

import json
import re
from importlib.metadata import version

import pytest
import typer
from typer.testing import CliRunner

from runner.cli.plain_help import PlainHelpCommand
from runner.cli.usage_errors import asks_for_json
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


CLICK_USAGE_ERRORS = (  # (command line, what the message names)
    (["history", "--no-such-flag"], "--no-such-flag"),  # an unknown option
    (["rollback"], "VERSION"),  # a missing argument
    (["compress", "in", "out.clv", "--quality", "300"], "--quality"),  # a value out of range
    (["run", "--iterations", "many"], "--iterations"),  # a value of the wrong kind
    (["no-such-command"], "no-such-command"),
)


@pytest.mark.parametrize("args, named", CLICK_USAGE_ERRORS)
def test_click_s_usage_errors_under_json_are_a_json_object_on_stdout(args, named):
    for flag in ("--json", "-j"):
        result = invoke(*args, flag)
        assert result.exit_code == 2 and result.stderr == "", (result.stdout, result.stderr)
        error = json.loads(result.stdout)
        assert set(error) == {"error", "exit_code"} and error["exit_code"] == 2
        assert named in error["error"] and "--help" in error["error"]
    plain = invoke(*args)  # without --json: click's own message, on stderr
    assert plain.exit_code == 2 and plain.stdout == ""
    assert "Usage: " in plain.stderr and "Error: " in plain.stderr and named in plain.stderr


def test_json_is_asked_for_among_the_options_only():
    assert asks_for_json(["history", "--json"]) and asks_for_json(["-j", "history"])
    assert not asks_for_json(["history"]) and not asks_for_json(["submit", "--", "--json"])
    assert not asks_for_json(["history", "--jsonx"])


def test_help_names_arguments_in_plain_words_whatever_typer_prints_beside_them(monkeypatch):
    plain = typer.Typer(rich_markup_mode=None)
    stock = typer.Typer(rich_markup_mode=None)

    def command(count: int = typer.Argument(..., metavar="N", help="How many."), name: str = typer.Argument(...),
                paths: list[str] = typer.Argument(None), quality: int = typer.Option(5, metavar="Q")) -> None:
        pass

    plain.command(cls=PlainHelpCommand)(command)
    stock.command()(command)
    runner = CliRunner()
    shown = runner.invoke(plain, ["--help"]).stdout
    rows = [line.split()[0] for line in shown.split("Arguments:")[1].split("Options:")[0].splitlines() if line.strip()]
    assert rows == ["N", "NAME", "PATHS..."] and "How many." in shown
    assert "--quality Q" in shown and not PYTHON_TYPES.search(shown), shown
    # What PlainHelpCommand is for: typer's own help puts Python types beside arguments (if this fails, typer no
    # longer does, and the class can go).
    assert PYTHON_TYPES.search(runner.invoke(stock, ["--help"]).stdout)
    # Should typer print a record another way, help still works and keeps the plain word and the help.
    from typer.core import TyperArgument

    monkeypatch.setattr(TyperArgument, "get_help_record", lambda self, ctx: (f"{self.name} {{{{odd}}}}", "text"))
    changed = runner.invoke(plain, ["--help"])
    assert changed.exit_code == 0 and "N  " in changed.stdout and "{odd}" not in changed.stdout
