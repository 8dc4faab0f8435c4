"""Registry of check functions and applicability conditions, referenced by name from rule files.

Why a registry of names: rule files are written by certification bodies and must never carry
code. A rule names a check (``check: cutoff_total``) and gives parameters; the parameters are
validated against the check's own pydantic model when the file is loaded, so a misspelt
threshold fails before any study is judged. ``applies_to`` names conditions from the same kind
of registry (``market_based_electricity``, ``has_exclusions``...).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from .context import EvaluationContext
    from .model import Outcome


class NoParams(BaseModel):
    """Parameters of a check that takes none (any parameter given is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Params(BaseModel):
    """Base for check parameters: unknown keys are refused, values are typed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=BaseModel)
CheckFunction = Callable[["EvaluationContext", Any], "Outcome"]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    function: CheckFunction
    params_model: type[BaseModel]
    summary: str


@dataclass(frozen=True)
class ConditionSpec:
    name: str
    function: Callable[["EvaluationContext"], bool]
    summary: str  # "applies only when ..." in English
    summary_zh: str


_CHECKS: dict[str, CheckSpec] = {}
_CONDITIONS: dict[str, ConditionSpec] = {}
_LOADED = False


def register_check(name: str, params: type[BaseModel] = NoParams) -> Callable[[CheckFunction], CheckFunction]:
    """Decorator: make ``function(ctx, params) -> Outcome`` available to rule files as ``name``."""

    def decorate(function: CheckFunction) -> CheckFunction:
        if name in _CHECKS and _CHECKS[name].function is not function:
            raise RuntimeError(f"check {name!r} registered twice")
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        _CHECKS[name] = CheckSpec(name, function, params, summary)
        return function

    return decorate


def register_condition(name: str, when: str, when_zh: str) -> Callable[[Callable[["EvaluationContext"], bool]], Callable[["EvaluationContext"], bool]]:
    """Decorator: make a predicate on the study available to ``applies_to`` as ``name``.

    ``when``/``when_zh`` complete "applies only when ..." in the not-applicable message.
    """

    def decorate(function: Callable[["EvaluationContext"], bool]) -> Callable[["EvaluationContext"], bool]:
        _CONDITIONS[name] = ConditionSpec(name, function, when, when_zh)
        return function

    return decorate


def _load_builtin() -> None:
    """Import every module of ``footprint.rules.checks`` so their decorators run."""
    global _LOADED
    if _LOADED:
        return
    from . import checks

    for module in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{module.name}")
    _LOADED = True


def checks() -> dict[str, CheckSpec]:
    _load_builtin()
    return dict(_CHECKS)


def conditions() -> dict[str, ConditionSpec]:
    _load_builtin()
    return dict(_CONDITIONS)


def get_check(name: str) -> CheckSpec:
    _load_builtin()
    return _CHECKS[name]


def get_condition(name: str) -> ConditionSpec:
    _load_builtin()
    return _CONDITIONS[name]
