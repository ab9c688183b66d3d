"""The report's Pareto plot and stall alarms: drawn from a real ledger of recorded tests, the front's table
the brute-force front of the codecs that met the target, the stalls the ones recorded, as of a version too."""

from __future__ import annotations

from domain.pareto import objectives_named
from projections.asof import position_of_version
from projections.pareto import measured
from projections.report.page import render
from projections.report.pareto_plot import AXES, pareto_png
from projections.report.query import gather
from projections.stall import SAME_PROGRAM
from runner.evolution.narration import QUIET
from runner.evolution.stalls import watch_for_stalls
from tests.ledger.support import open_ledger, run_ops
from tests.projections.test_pareto import brute_force
from tests.projections.test_report import Page, assert_images_drawn, assert_self_contained

OPS = [("submit", "zlib", 0), ("submit", "dct", 0), ("submit", "png", 0), ("submit", "fails", 0),
       ("submit", "jpeg", 0), ("submit", "jpeg", 1), ("submit", "jpeg", 2)]


def page_of(session, position=None, to=None) -> tuple[Page, dict]:
    data = gather(session.view, "default", position, source_of=session.app.source)
    return Page(render(data, None, to=to, generated_at="2026-01-02T03:04:05+00:00")), data


def test_the_report_draws_the_front_and_lists_the_stalls(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        run_ops(s, suite, results, OPS)
        s.refresh()
        stalls = watch_for_stalls(s, "default", QUIET, repeats=3)  # the last three proposals are one JPEG codec
        assert [stall["kind"] for stall in stalls][:1] == [SAME_PROGRAM]

        page, data = page_of(s)
        assert_self_contained(page)
        pareto = data["pareto"]
        target = data["policy"]["target_psnr_y"]
        every = measured(s.view, "default", (*AXES, "psnr_y"))
        met = [p for p in every if p["values"]["psnr_y"] >= target - 1e-6]
        assert [p["sha256"] for p in pareto["points"]] == [p["sha256"] for p in met]
        assert pareto["below_target"] == len(every) - len(met)
        axes = objectives_named(AXES)
        front = {met[i]["sha256"] for i in brute_force([[p["values"][o.name] for o in axes] for p in met], axes)}
        assert {p["sha256"] for p in pareto["front"]} == front
        table = page.elements["pareto-front"]["text"]
        assert all(sha[:12] in table for sha in front)
        assert "pareto-section" in page.elements and "Pareto front" in page.text
        uri = pareto_png(pareto)
        assert uri is not None and uri in page.text
        assert_images_drawn(page, at_least=3)

        listed = page.elements["stalls"]["text"]
        assert all(stall["message"] in listed for stall in stalls)

        then, _ = page_of(s, position_of_version(s.view, "default", 1), to=1)
        assert then.elements["stalls"]["text"] == "None yet.", "a stall recorded later is not shown as of v1"


def test_a_lineage_with_nothing_at_the_target_says_so(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        run_ops(s, suite, results, [("submit", "fails", 0)])
        s.refresh()
        data = gather(s.view, "default")
        data["pareto"]["points"], data["pareto"]["front"] = [], []
        assert pareto_png(data["pareto"]) is None
        page = Page(render(data, None))
        assert "pareto-front" in page.elements and "None yet" in page.elements["pareto-front"]["text"]
