"""The HTML report's renderer: one self-contained page (no script, nothing loaded but data: images)
whose figures are the projections' own, now and as of a version, with every string from the
ledger escaped. The page checks here are shared with tests/runner/test_report_cli.py."""

from __future__ import annotations

import base64
import html
from html.parser import HTMLParser

import cv2
import numpy as np
import pytest

from domain.outcome import OUTCOMES, outcome
from projections.asof import position_of_version
from projections.report.page import render
from projections.report.query import gather
from projections.state import status
from runner.evolution.lifecycle import submit
from tests.ledger.support import Recorded, open_ledger, run_ops, sources, start, validate, variant

HOSTILE = '<script>alert("x")</script> & <img src="http://example.com/x.png" onerror="alert(1)"> \'q\''
HOSTILE_PLANNER = "<b>planner</b>"
OPS = [
    ("analysis", 7),
    ("submit", "zlib", 0),
    ("submit", "jpeg", 1),
    ("submit", "broken", 3),
    ("submit", "fails", 5),
    ("analysis", 3),
    ("submit", "dct", 4),
]

# ---------------------------------------------------------------------------------------- page checks

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section", "h1", "h2", "p", "b",
    "br", "code", "pre", "div", "span", "table", "thead", "tbody", "tr", "th", "td", "figure", "img", "details",
    "summary",
}
RESOURCE_ATTRIBUTES = {"src", "srcset", "href", "action", "formaction", "poster", "background", "data", "xlink:href",
                       "ping", "cite", "manifest"}
SECTIONS = ("summary", "timeline-section", "candidates-section", "rd-section", "planner-section", "cost-section",
            "versions-section", "history-section", "source-section")


class Page(HTMLParser):
    """Every tag with its attributes, each element with an id with its text, and the style sheet."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text = text
        self.tags: list[tuple[str, dict]] = []
        self.elements: dict[str, dict] = {}
        self.style = ""
        self._open: list[tuple[str, str | None]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {k: ("" if v is None else v) for k, v in attrs}
        self.tags.append((tag, attributes))
        ident = attributes.get("id")
        if ident is not None:
            assert ident not in self.elements, f"duplicate id {ident!r}"
            self.elements[ident] = {"tag": tag, "attrs": attributes, "text": ""}
        if tag not in VOID:
            self._open.append((tag, ident))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, ident in self._open:
            if ident is not None:
                self.elements[ident]["text"] += data
        if self._open and self._open[-1][0] == "style":
            self.style += data

    def value(self, ident: str) -> float | None:
        """An element's data-value as a number (None when empty)."""
        text = self.elements[ident]["attrs"]["data-value"]
        return None if text == "" else float(text)

    def rows(self, attribute: str) -> list[dict]:
        return [a for t, a in self.tags if t == "tr" and attribute in a]

    def images(self) -> list[np.ndarray]:
        out = []
        for tag, attrs in self.tags:
            if tag == "img":
                data = base64.b64decode(attrs["src"].split(",", 1)[1])
                out.append(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
        return out


def assert_self_contained(page: Page) -> None:
    """Only known tags; no script, no event handler; every resource a data: PNG, every link an anchor; a CSP."""
    names = {tag for tag, _ in page.tags}
    assert names <= ALLOWED_TAGS, names - ALLOWED_TAGS
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in RESOURCE_ATTRIBUTES:
                ok = value.startswith("data:image/png;base64,") if name == "src" else value.startswith("#")
                assert ok, (tag, name, value[:80])
            if name == "style":
                assert "url(" not in value, (tag, value)
    assert "url(" not in page.style and "@import" not in page.style
    policies = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert policies and "default-src 'none'" in policies[0] and "img-src data:" in policies[0]
    assert "<script" not in page.text.lower()


def assert_figures(page: Page, data: dict) -> None:
    """The numbers on the page are the projections' (data: projections.state.status or full)."""
    heading = page.elements["current-version"]
    assert heading["tag"] == "h1" and heading["attrs"]["data-version"] == str(data["version"])
    assert f"v{data['version']}" in heading["text"]
    summary = (data["metrics"] or {}).get("summary") or {}
    expected = {
        "best-kbps": summary.get("kbps"),
        "best-psnr-y": summary.get("psnr_y"),
        "best-ratio": summary.get("ratio"),
        "best-quality": (data["metrics"] or {}).get("quality"),
        "adoption-rate": data["adoption_rate"],
        "candidate-count": data["candidates"],
        "adopted-count": data["adopted"],
        "declined-count": data["declined"],
        "rejected-count": data["rejected"],
        **{f"{kind}-count": data[kind] for kind in OUTCOMES},
        "version-count": data["versions"],
        "cost-usd": data["cost"]["cost_usd"],
        "tokens-in": data["cost"]["tokens_in"],
        "tokens-out": data["cost"]["tokens_out"],
    }
    for ident, value in expected.items():
        assert page.value(ident) == value, ident
    rate = data["adoption_rate"]
    assert page.elements["adoption-rate"]["text"] == ("-" if rate is None else f"{100 * rate:.0f}%")
    if summary.get("kbps") is not None:
        assert page.elements["best-kbps"]["text"] == f"{summary['kbps']:.1f}"
        assert page.elements["best-psnr-y"]["text"] == f"{summary['psnr_y']:.2f}"
    assert page.elements["candidate-count"]["text"] == str(data["candidates"])
    assert len(page.rows("data-outcome")) == data["candidates"]
    assert len(page.rows("data-version")) == data["versions"]
    for planner, counts in data["per_planner"].items():
        cell = [a for t, a in page.tags if t == "td" and a.get("data-planner") == planner]
        rate = None if counts["rate"] is None else repr(counts["rate"])
        assert len(cell) == 1 and (cell[0]["data-value"] or None) == rate
    for ident in SECTIONS:
        assert ident in page.elements, ident


def assert_images_drawn(page: Page, at_least: int) -> None:
    images = page.images()
    assert len(images) >= at_least
    for image in images:
        assert image is not None and image.shape[0] > 100 and image.shape[1] > 400
        assert float(image.std()) > 5.0  # a plot, not a blank


# ---------------------------------------------------------------------------------------- a ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory, suite, results):
    """Adoptions, declines, a failure, a validation rejection, analyses with tokens, and hostile text
    (a rationale, a planner name and a rollback reason) in a real ledger on the tiny suite."""
    url = str(tmp_path_factory.mktemp("report") / "ledger.db")
    session = open_ledger(url)
    run_ops(session, suite, results, OPS)
    app = session.app
    submit(app, "default", variant(sources()["png"], 9), validate=validate, test=Recorded(results),
           rationale=HOSTILE, planner=HOSTILE_PLANNER)
    head = app.lineage("default").head
    app.rollback("default", max(head - 1, 0), HOSTILE)
    session.refresh()
    yield session
    session.close()


def _page(session, position=None, rd=None, to=None) -> tuple[Page, dict]:
    data = gather(session.view, "default", position, source_of=session.app.source)
    return Page(render(data, rd, to=to, generated_at="2026-01-02T03:04:05+00:00")), data


def _ladder(qualities, kbps: float, psnr: float) -> list[dict]:
    return [{"quality": q, "kbps": kbps * (1 + i), "psnr_y": psnr + 3 * i, "success": True}
            for i, q in enumerate(qualities)]


# what runner.evaluation.reference_cache.rd_curves hands the renderer, with a failed point and a hostile clip name
RD = {
    "version": 1, "qualities": [20, 40, 60, 80], "codecs": ["jpeg", "webp", "x264"], "isolation": "test", "error": None,
    "clips": [{
        "name": "pattern<1>", "kind": "real", "frames": 4, "width": 48, "height": 32, "fps": 30.0,
        "best": _ladder((20, 40, 60, 80), 100.0, 30.0),
        "references": {
            "jpeg": _ladder((10, 50, 90), 150.0, 30.5),
            "webp": [{"quality": 10, "kbps": 90.0, "psnr_y": 31.0, "success": True},
                     {"quality": 90, "kbps": 300.0, "psnr_y": 40.0, "success": False, "message": "<bad>"}],
            "x264": _ladder((40, 28, 16), 20.0, 31.0),
        },
        "bd_rate": {"jpeg": -31.25, "webp": None, "x264": 412.5},
    }],
}


# ---------------------------------------------------------------------------------------- tests


def test_the_page_is_self_contained_and_escapes_the_ledgers_text(ledger):
    page, data = _page(ledger, rd=RD)
    assert_self_contained(page)
    escaped = html.escape(HOSTILE, quote=True)
    assert page.text.count(escaped) >= 3  # the rationale, the rollback's reason in the heading and in the timeline
    assert HOSTILE not in page.text and "<b>planner" not in page.text
    assert html.escape(HOSTILE_PLANNER) in page.text
    assert "&lt;bad&gt;" in page.text and "pattern&lt;1&gt;" in page.text
    source = page.elements["best-source"]
    assert source["tag"] == "pre" and source["text"] == data["best"]["source"]  # exact text, escaped in the HTML
    assert_images_drawn(page, at_least=5)  # timeline, candidates, RD, planners, cost


def test_the_figures_on_the_page_are_the_projections_now_and_as_of_a_version(ledger):
    page, _ = _page(ledger)
    assert_figures(page, status(ledger.view, "default"))
    assert page.elements["as-of"]["attrs"]["data-position"] == ""
    assert "rd-missing" in page.elements  # no curves handed in: said so

    position = position_of_version(ledger.view, "default", 1)
    page, data = _page(ledger, position, to=1)
    assert data["version"] == 1
    assert_figures(page, status(ledger.view, "default", position))
    assert page.elements["as-of"]["attrs"]["data-position"] == str(position)
    assert "v1 was adopted" in page.elements["as-of"]["text"]
    later = {r["candidate_id"] for r in data["history"]}
    assert len(later) == data["candidates"] < status(ledger.view, "default")["candidates"]


def test_the_rd_section_shows_the_bd_rates_handed_in(ledger):
    page, _ = _page(ledger, rd=RD)
    cells = {(a["data-clip"], a["data-codec"]): a["data-value"]
             for t, a in page.tags if t == "td" and "data-codec" in a}
    assert cells == {("pattern<1>", "jpeg"): "-31.25", ("pattern<1>", "webp"): "", ("pattern<1>", "x264"): "412.5"}
    assert "-31.2%" in page.elements["bd-rates"]["text"] and "n/a" in page.elements["bd-rates"]["text"]
    assert "rd-missing" not in page.elements

    page, _ = _page(ledger, rd={"error": "the clips of this lineage changed <since>"})
    assert "the clips of this lineage changed <since>" in page.elements["rd-missing"]["text"]
    assert_self_contained(page)


def test_a_lineage_with_only_the_seed_renders(tmp_path, suite, results):
    with open_ledger(str(tmp_path / "ledger.db")) as session:
        start(session, suite, results)
        session.refresh()
        page, data = _page(session)
    assert_self_contained(page)
    assert data["version"] == 0 and data["candidates"] == 0
    assert_figures(page, data)
    assert page.value("adoption-rate") is None and page.elements["adoption-rate"]["text"] == "-"
    assert page.elements["best-source"]["text"] == data["best"]["source"]


def test_outcomes_separate_failures_from_declines():
    assert outcome("adopted", "ok", True) == "adopted"
    assert outcome("declined", "ok", True) == "declined"
    assert outcome("declined", "failed", False) == "failed"
    assert outcome("declined", "timeout", None) == "timeout"  # issue 16: timed out is not failed
    assert outcome("rejected", "rejected", None) == "rejected"  # ... nor is rejected by validation
    assert outcome("pending", None, None) == "pending"
