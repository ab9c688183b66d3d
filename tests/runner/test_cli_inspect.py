"""Inspecting any candidate, not only versions: `show`, `why`, `history`, `diff`, `compare`, and the exit codes
and streams of `submit` and of errors (issue 16)."""

from __future__ import annotations

import json

import pytest

from runner.evaluation.bdrate import bd_rate
from runner.evaluation.evaluator import rd_points
from tests.ledger.support import EXAMPLES, SYNTAX_ERROR
from tests.runner.cli_support import as_json, invoke, one_line_error, small_ledger

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return small_ledger(tmp_path_factory.mktemp("inspect"))


def test_show_and_why_take_a_sha_prefix_or_an_id(ledger):
    url = ledger["url"]
    shown = as_json("show", ledger["jpeg"][:6], "--ledger", url)
    assert shown["source"] == (EXAMPLES / "jpeg_imencode.py").read_text()
    assert shown["version"] is None and shown["outcome"] == "declined"
    assert invoke("show", ledger["jpeg"][:6], "--ledger", url).stdout == shown["source"]
    by_id = as_json("show", shown["candidate_id"], "--ledger", url)
    assert by_id["sha256"] == ledger["jpeg"]
    assert as_json("show", shown["candidate_id"][:8], "--ledger", url)["sha256"] == ledger["jpeg"]
    # an adopted candidate, named by its sha, is its version
    assert as_json("show", ledger["dct"][:8], "--ledger", url)["version"] == 2
    assert as_json("why", ledger["dct"][:8], "--ledger", url)["version"] == 2

    declined = as_json("why", ledger["jpeg"][:8], "--ledger", url)
    assert declined["version"] is None and declined["outcome"] == "declined" and declined["incumbent_version"] == 2
    assert declined["candidate_metrics"]["summary"]["kbps"] > declined["incumbent_metrics"]["summary"]["kbps"]
    failed = invoke("why", ledger["fails"][:8], "--ledger", url)
    assert failed.exit_code == 0
    assert "failed" in failed.stdout and "cannot encode frame 1" in failed.stdout
    assert "none: the run did not round-trip" in failed.stdout and "kbit/s" not in failed.stdout.split("against")[0]
    rejected = as_json("why", ledger["broken"][:8], "--ledger", url)
    assert rejected["outcome"] == "rejected" and any("syntax" in reason for reason in rejected["reasons"])


def test_a_prefix_that_names_nothing_or_several_is_one_line(ledger, tmp_path):
    url = ledger["url"]
    assert "no candidate" in one_line_error(invoke("show", "ffff0000", "--ledger", url))
    assert "not a version number" in one_line_error(invoke("why", "xyz!", "--ledger", url), code=2)
    # two rejected sources whose sha256 share their first 4 hex digits
    from domain.ids import sha256_of

    first = SYNTAX_ERROR + "# 0\n"
    wanted, n = sha256_of(first)[:4], 1
    while sha256_of(SYNTAX_ERROR + f"# {n}\n")[:4] != wanted:
        n += 1
    for text in (first, SYNTAX_ERROR + f"# {n}\n"):
        path = tmp_path / "twin.py"
        path.write_text(text)
        assert invoke("submit", path, "--ledger", url).exit_code == 3
    message = one_line_error(invoke("show", wanted, "--ledger", url))
    assert "ambiguous" in message and sha256_of(first)[:12] in message
    assert sha256_of(SYNTAX_ERROR + f"# {n}\n")[:12] in message
    assert json.loads(invoke("show", wanted, "--json", "--ledger", url).stdout)["exit_code"] == 1


def test_history_shows_each_sha_prefix_within_80_columns(ledger):
    result = invoke("history", "--ledger", ledger["url"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in ("zlib", "dct", "jpeg", "fails", "broken"):
        assert ledger[name][:8] in result.stdout
    row = next(line for line in lines if ledger["fails"][:8] in line)
    assert "failed" in row and "kbit" not in row
    declined = as_json("history", "--ledger", ledger["url"])[2]
    assert f"{declined['kbps']:.1f}" in next(line for line in lines if ledger["jpeg"][:8] in line)


def test_diff_is_the_unified_difference_of_two_sources(ledger):
    result = invoke("diff", "1", ledger["dct"][:10], "--ledger", ledger["url"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("--- v1 (") and lines[1].startswith("+++ v2 (")
    assert "-import zlib" in lines and "+import cv2" in lines
    assert invoke("diff", "2", "2", "--ledger", ledger["url"]).stdout == ""


def test_compare_measures_both_on_the_same_material(ledger):
    document = as_json("compare", "2", ledger["jpeg"][:8], "-q", "20,50,80", "--ledger", ledger["url"])
    assert document["a"]["version"] == 2 and document["b"]["sha256"] == ledger["jpeg"]
    (clip,) = document["clips"].values()
    assert [p["quality"] for p in clip["a"]] == [20, 50, 80] == [p["quality"] for p in clip["b"]]
    expected = bd_rate(rd_points(clip["a"]), rd_points(clip["b"]))
    assert clip["bd_rate_pct"] == pytest.approx(expected, abs=0.01)
    assert clip["bd_rate_pct"] > 0  # the declined JPEG codec needs more bits than v2 for the same PSNR-Y
    table = invoke("compare", "2", ledger["jpeg"][:8], "--quality", "30,70", "--ledger", ledger["url"])
    assert table.exit_code == 0 and "BD-rate of B against A +" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    failing = invoke("compare", "2", ledger["fails"][:8], "-q", "30,60", "--ledger", ledger["url"])
    assert failing.exit_code == 1 and "did not round-trip" in failing.stdout


def test_submit_tells_adopted_from_not_adopted_by_its_exit_code(ledger, tmp_path):
    url = ledger["url"]
    again = invoke("submit", EXAMPLES / "dct_codec.py", "--ledger", url)  # the source of v2: adopted already
    assert again.exit_code == 0
    declined = invoke("submit", EXAMPLES / "jpeg_imencode.py", "--ledger", url)  # a duplicate of a declined one
    assert declined.exit_code == 3
    broken = tmp_path / "broken.py"
    broken.write_text(SYNTAX_ERROR + "# again\n")
    rejected = invoke("submit", broken, "--ledger", url)
    assert rejected.exit_code == 3
    assert "Rejected by validation" in rejected.stderr and "Rejected" not in rejected.stdout
    quiet = invoke("submit", broken, "--ledger", url, "--json")
    assert quiet.exit_code == 3 and json.loads(quiet.stdout)["status"] in ("rejected", "duplicate")
    assert quiet.stderr == ""
    missing = invoke("submit", tmp_path / "missing.py", "--ledger", url, "--json")
    assert missing.exit_code == 1 and "cannot read candidate" in json.loads(missing.stdout)["error"]
    assert invoke("submit", "--no-such-flag").exit_code == 2  # a usage error
