"""Label rules: rule sets as data (``label_rules/*.yaml``), a registry of checks, an evaluator.

Public API::

    load_rule_set(id_or_path=None, directory=None) -> RuleSet
    available_rule_sets(directory=None) -> dict[str, RuleSet]
    evaluate(study, rule_set=None, engine=None, evaluation_date=None) -> Evaluation
    register_check(name, params_model) / register_condition(name, when, when_zh)  # add checks in code

See docs/label-rules.md for the file format and how findings count.
"""

from .errors import RuleSetError
from .evaluator import STATUS_ELIGIBLE, STATUS_NOT_ELIGIBLE, STATUS_PENDING, evaluate, evaluate_context, make_context, overall_verdict
from .loader import available_rule_sets, label_rules_dir, load_rule_set
from .model import Evaluation, Finding, Outcome, Rule, RuleSet, Severity, Text, Verdict
from .registry import Params, register_check, register_condition

__all__ = [
    "Evaluation",
    "Finding",
    "Outcome",
    "Params",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "STATUS_ELIGIBLE",
    "STATUS_NOT_ELIGIBLE",
    "STATUS_PENDING",
    "Severity",
    "Text",
    "Verdict",
    "available_rule_sets",
    "evaluate",
    "evaluate_context",
    "make_context",
    "label_rules_dir",
    "load_rule_set",
    "overall_verdict",
    "register_check",
    "register_condition",
]
