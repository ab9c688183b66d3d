"""One proposed codec in one lineage, from proposal to decision.

Proposed, then rejected by validation, or tested and then adopted (as a new version of its
lineage) or declined. The decision is taken against the lineage's best at the time; an
adoption is recorded together with the lineage's new version (see lineage.py), which is
what serialises adoptions.
"""

from __future__ import annotations

import copy
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.ids import candidate_id
from domain.jsonsafe import json_safe
from domain.policy import Decision, comparable
from domain.records import (
    AdoptionTestResult,
    BdRateRecord,
    ComparableMetrics,
    DecisionRecord,
    PolicyRecord,
    RemeasuredIncumbent,
    Reproduction,
    Rescore,
    ValidationRecord,
)

# A candidate's status, the one home of these names (read models and reports use them too).
PROPOSED = "proposed"
REJECTED = "rejected"
TESTED = "tested"
ADOPTED = "adopted"
DECLINED = "declined"
DECIDED = (REJECTED, ADOPTED, DECLINED)
PENDING = "pending"  # how the read models show a candidate proposed or tested but not yet decided


class CandidateError(Exception):
    """A command that does not fit the candidate's state (testing a rejected candidate, deciding twice)."""


class Candidate(Aggregate):
    # Set once tested, where a BD-rate decision wanted the best measured on this test's material. A class
    # default, so that candidates snapshotted before the event existed read None.
    remeasured_incumbent: RemeasuredIncumbent | None = None

    @staticmethod
    def create_id(lineage: str, sha256: str, parent_version: int | None) -> UUID:
        return candidate_id(lineage, sha256, parent_version)

    @event("CandidateProposed")
    def __init__(
        self,
        lineage: str,
        sha256: str,
        parent_version: int | None,
        rationale: str,
        planner: str,
        model: str | None = None,
        analysis_id: str | None = None,
    ):
        self.lineage = lineage
        self.sha256 = sha256
        self.parent_version = parent_version
        self.rationale = rationale
        self.planner = planner
        self.model = model
        self.analysis_id = analysis_id
        self.status = PROPOSED
        self.reasons: list[str] = []
        self.result: AdoptionTestResult | None = None
        self.reused_from: str | None = None
        self.decision: DecisionRecord | None = None  # once adopted or declined
        self.rescores: list[Rescore] = []  # later measurements, each under the evaluator of its day
        self.validations: list[ValidationRecord] = []  # once adopted: measured on `run --validate` clips

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    @property
    def adopted_version(self) -> int | None:
        """The version it became, once adopted."""
        return None if self.decision is None else self.decision["version"]

    @property
    def test_result(self) -> AdoptionTestResult:
        """Its test result; a CandidateError while it has none (proposed, or rejected by validation)."""
        if self.result is None:
            raise CandidateError(f"candidate {self.id} is {self.status}, not tested")
        return self.result

    # ------------------------------------------------------------------ validation and test

    def reject(self, reasons: list[str]) -> None:
        """Static validation refused the source; it never ran."""
        self._require(PROPOSED)
        if not reasons:
            raise CandidateError("a rejection needs at least one reason")
        self._rejected(reasons=[str(r) for r in reasons])

    @event("CandidateRejected")
    def _rejected(self, reasons: list[str]) -> None:
        self.status = REJECTED
        self.reasons = list(reasons)

    def record_test(self, result: AdoptionTestResult, reused_from: str | None = None) -> None:
        """The evaluator's result (test_candidate's), or one reused from an earlier candidate with the same source."""
        self._require(PROPOSED)
        result = json_safe(result, "result")
        if not isinstance(result, dict) or "verdict" not in result:
            raise CandidateError("a test result is a dict with at least a 'verdict'")
        self._tested(result=result, reused_from=reused_from)

    @event("CandidateTested")
    def _tested(self, result: AdoptionTestResult, reused_from: str | None) -> None:
        self.status = TESTED
        self.result = result
        self.reused_from = reused_from

    def remeasure_incumbent(self, version: int, sha256: str, metrics: ComparableMetrics) -> None:
        """The lineage's best (version, sha256) measured on this candidate's test material, for its decision."""
        self._require(TESTED)
        self._incumbent_remeasured(version=version, sha256=sha256, metrics=json_safe(metrics, "metrics"))

    @event("IncumbentRemeasured")
    def _incumbent_remeasured(self, version: int, sha256: str, metrics: ComparableMetrics) -> None:
        self.remeasured_incumbent = RemeasuredIncumbent(version=version, sha256=sha256, metrics=metrics)

    def rescore(self, result: AdoptionTestResult, reproduction: Reproduction) -> None:
        """A later measurement of this source (an adoption test under today's evaluator), and whether its
        recorded test reproduced, kept beside the test it was decided on: never in its place."""
        if self.result is None:
            raise CandidateError(f"candidate {self.id} was never tested, so there is nothing to rescore")
        self._rescored(result=json_safe(result, "result"), reproduction=json_safe(reproduction, "reproduction"))

    def record_validation(self, result: ValidationRecord) -> None:
        """This adopted version measured on validation clips: shown beside its test, never used to decide."""
        if self.status != ADOPTED:
            raise CandidateError(f"candidate {self.id} is {self.status}: only adopted versions are validated")
        self._validated(result=json_safe(result, "validation"))

    @event("CandidateValidated")
    def _validated(self, result: ValidationRecord) -> None:
        self.validations.append(result)

    @event("CandidateRescored")
    def _rescored(self, result: AdoptionTestResult, reproduction: Reproduction) -> None:
        self.rescores.append(Rescore(result=result, reproduction=reproduction))

    # ------------------------------------------------------------------ decision

    def adopt(self, version: int, incumbent_version: int | None, incumbent_metrics: ComparableMetrics | None,
              decision: Decision, policy: PolicyRecord) -> None:
        if not decision.adopted:
            raise CandidateError("adopt() needs an adopting decision")
        self._require(TESTED)
        self._adopted(
            version=version,
            incumbent_version=incumbent_version,
            candidate_metrics=json_safe(comparable(self.test_result), "metrics"),
            incumbent_metrics=json_safe(incumbent_metrics, "incumbent_metrics"),
            rule=decision.rule,
            reason=decision.reason,
            policy=copy.deepcopy(policy),
            bd_rate=decision.bd_rate_record(),
        )

    @event("CandidateAdopted")
    def _adopted(
        self,
        version: int,
        incumbent_version: int | None,
        candidate_metrics: ComparableMetrics,
        incumbent_metrics: ComparableMetrics | None,
        rule: str,
        reason: str,
        policy: PolicyRecord,
        bd_rate: BdRateRecord | None = None,  # decisions recorded before the BD-rate policy have none
    ) -> None:
        self.status = ADOPTED
        self.decision = DecisionRecord(version=version, against=incumbent_version, rule=rule, reason=reason,
                                       candidate_metrics=candidate_metrics, incumbent_metrics=incumbent_metrics,
                                       policy=policy)
        if bd_rate is not None:
            self.decision["bd_rate"] = bd_rate

    def decline(self, incumbent_version: int, incumbent_metrics: ComparableMetrics, decision: Decision,
                policy: PolicyRecord) -> None:
        if decision.adopted:
            raise CandidateError("decline() needs a declining decision")
        self._require(TESTED)
        self._declined(
            incumbent_version=incumbent_version,
            candidate_metrics=json_safe(comparable(self.test_result), "metrics"),
            incumbent_metrics=json_safe(incumbent_metrics, "incumbent_metrics"),
            rule=decision.rule,
            reason=decision.reason,
            policy=copy.deepcopy(policy),
            bd_rate=decision.bd_rate_record(),
        )

    @event("CandidateDeclined")
    def _declined(
        self,
        incumbent_version: int,
        candidate_metrics: ComparableMetrics,
        incumbent_metrics: ComparableMetrics,
        rule: str,
        reason: str,
        policy: PolicyRecord,
        bd_rate: BdRateRecord | None = None,  # decisions recorded before the BD-rate policy have none
    ) -> None:
        self.status = DECLINED
        self.decision = DecisionRecord(version=None, against=incumbent_version, rule=rule, reason=reason,
                                       candidate_metrics=candidate_metrics, incumbent_metrics=incumbent_metrics,
                                       policy=policy)
        if bd_rate is not None:
            self.decision["bd_rate"] = bd_rate

    def _require(self, status: str) -> None:
        if self.status != status:
            raise CandidateError(f"candidate {self.id} is {self.status}, not {status}")
