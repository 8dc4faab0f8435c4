"""Data shapes of the rule engine: rules, rule sets, check outcomes, findings, evaluations.

Why these are plain frozen models: a rule set is data reviewed by a certification body, and an
evaluation is evidence handed to a verifier. Both must serialise to the same JSON every time
and can never be mutated by a check function halfway through an evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class Severity(str, Enum):
    """How much a failed rule weighs (see ``evaluator.overall_verdict``)."""

    BLOCKING = "blocking"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"


class Verdict(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    NEEDS_EVIDENCE = "needs_evidence"


class Text(BaseModel):
    """A text in English and Chinese; both are required because the label scheme is bilingual."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str
    zh: str

    @field_validator("en", "zh")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class Rule(BaseModel):
    """One requirement, resolved: config references replaced by their values.

    ``check`` is the name of a registered check function, never an expression: rule files are
    data, and nothing in them is evaluated as code. ``raw_params`` keeps the parameters as
    written (with ``{config: key}`` references) so a report can show where a threshold came from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    requirement: Text
    applies_to: tuple[str, ...] = ()
    check: str
    params: dict[str, Any] = {}
    raw_params: dict[str, Any] = {}
    severity: Severity
    source: str
    basis: str = ""
    enabled: bool = True
    defined_in: str = ""


class RuleSet(BaseModel):
    """A resolved rule set: parents merged in, every check and parameter validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: str
    title: Text
    description: str = ""
    extends: str | None = None
    pcr_id: str
    product_categories: tuple[str, ...] = ()
    config: dict[str, Any]
    rules: tuple[Rule, ...]
    disabled: dict[str, Text] = {}
    files: tuple[str, ...]
    sha256: str

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def lineage(self) -> tuple[str, ...]:
        """Ids of this set and its ancestors, from the file names it was built from."""
        return tuple(self.files)

    def describe(self) -> dict:
        return {"id": self.id, "version": self.version, "sha256": self.sha256, "pcr_id": self.pcr_id}


@dataclass(frozen=True)
class Outcome:
    """What a check function returns: a verdict with its evidence, in both languages."""

    verdict: Verdict
    message_en: str
    message_zh: str
    measured: Any = None
    threshold: Any = None
    lines: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)


def passed(en: str, zh: str, **evidence: Any) -> Outcome:
    return Outcome(Verdict.PASS, en, zh, **_evidence(evidence))


def failed(en: str, zh: str, **evidence: Any) -> Outcome:
    return Outcome(Verdict.FAIL, en, zh, **_evidence(evidence))


def not_applicable(en: str, zh: str, **evidence: Any) -> Outcome:
    return Outcome(Verdict.NOT_APPLICABLE, en, zh, **_evidence(evidence))


def needs_evidence(en: str, zh: str, **evidence: Any) -> Outcome:
    return Outcome(Verdict.NEEDS_EVIDENCE, en, zh, **_evidence(evidence))


def _evidence(evidence: dict) -> dict:
    if "lines" in evidence:
        evidence["lines"] = tuple(evidence["lines"])
    return evidence


class Finding(BaseModel):
    """The verdict of one rule on one study, as shown to a manufacturer and a verifier."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    check: str
    severity: Severity
    verdict: Verdict
    requirement: Text
    message: Text
    measured: Any = None
    threshold: Any = None
    lines: tuple[str, ...] = ()
    details: dict = {}
    source: str = ""


class Evaluation(BaseModel):
    """All findings of one evaluation and the overall verdict with its reasons."""

    model_config = ConfigDict(frozen=True)

    study_id: str
    study_sha256: str
    rule_set: dict
    evaluation_date: str
    status: str
    eligible: bool
    reasons: tuple[Text, ...]
    counts: dict[str, int]
    results: dict
    findings: tuple[Finding, ...]

    def finding(self, rule_id: str) -> Finding:
        for finding in self.findings:
            if finding.rule_id == rule_id:
                return finding
        raise KeyError(rule_id)

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")
