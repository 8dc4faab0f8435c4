"""Errors of rule-set files: refused at load time, naming the file and the rule.

Why a separate class: a certification body edits rule files by hand, and a typo in a check name
or a threshold must stop the evaluation before any study is judged, with a message that points
at the exact file and rule, instead of silently skipping a requirement.
"""

from __future__ import annotations

from ..errors import FootprintError


class RuleSetError(FootprintError):
    """A rule-set file that cannot be used (syntax, unknown check, bad parameter, bad extends)."""

    def __init__(self, file: str, message: str, rule_id: str | None = None) -> None:
        self.file = file
        self.rule_id = rule_id
        self.detail = message
        where = f"{file}: rule {rule_id}" if rule_id else file
        super().__init__(f"{where}: {message}")
