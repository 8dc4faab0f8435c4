"""Load rule-set YAML files: syntax, schema, ``extends``, config references, check parameters.

Why everything is checked here: a rule set is the certification scheme itself. If a file names
an unknown check, misspells a parameter, references a missing config key or extends a rule set
that does not exist, no study may be judged with it, and the error names the file and the rule
to open. Nothing in a rule file is ever executed: ``check`` is a name looked up in the registry.

File format (see ``docs/label-rules.md``)::

    format: gba-label-rules/1
    id: gba-general            # must equal the file name without .yaml
    version: "1.0.0"
    title: {en: ..., zh: ...}
    pcr_id: GBA-GENERAL
    product_categories: []     # empty: any product
    extends: null              # or the id of a parent rule set in the same folder
    config: {key: value}       # thresholds, referenced from params as {config: key}
    rules: [...]               # new rules
    override: [...]            # partial rules changing a parent's rule (only with extends)
    disable: [{id, reason}]    # parent rules switched off, with a bilingual reason
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..dataset import find_data_dir
from .config import RuleSetConfig
from .errors import RuleSetError
from .model import Rule, RuleSet, Severity, Text
from .registry import checks, conditions

FORMAT = "gba-label-rules/1"
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
RULE_SET_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def label_rules_dir() -> Path:
    """Where rule sets live: ``$GBA_LABEL_RULES_DIR``, the checkout's ``label_rules/`` or the
    copy installed with the package (see :func:`footprint.dataset.find_data_dir` for why)."""
    return find_data_dir("label_rules", "GBA_LABEL_RULES_DIR")


# ------------------------------------------------------------------ YAML with strict mappings


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys (a second ``params:`` would silently win)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)

# An indented ``id:`` (or ``- id:``) line starts a rule; the top-level ``id:`` is the set's own.
_ID_LINE = re.compile(r"^(?:\s*-\s+|\s+)id:\s*['\"]?([^'\"#\s]+)")


def _rule_near(text: str, line_index: int) -> str | None:
    """The id of the rule being written at ``line_index`` (0-based), for syntax errors."""
    for line in reversed(text.splitlines()[: line_index + 1]):
        match = _ID_LINE.match(line)
        if match:
            return match.group(1)
    return None


def _read_yaml(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleSetError(str(path), "file not found") from None
    except UnicodeDecodeError as error:
        raise RuleSetError(str(path), f"not UTF-8 text ({error})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line if mark is not None else None
        rule_id = _rule_near(text, line) if line is not None else None
        problem = getattr(error, "problem", None) or str(error)
        where = f"line {line + 1}: " if line is not None else ""
        raise RuleSetError(str(path), f"malformed YAML: {where}{problem}", rule_id) from None
    if not isinstance(data, dict):
        raise RuleSetError(str(path), "a rule-set file must be a YAML mapping (format, id, version, rules...)")
    return data, text


# ------------------------------------------------------------------ raw (as written) models


class _RawRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    requirement: Text
    applies_to: list[str] = []
    check: str
    params: dict[str, Any] = {}
    severity: Severity
    source: str = Field(min_length=1)
    basis: str = ""
    enabled: bool = True


class _RawOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    requirement: Text | None = None
    applies_to: list[str] | None = None
    check: str | None = None
    params: dict[str, Any] | None = None
    severity: Severity | None = None
    source: str | None = None
    basis: str | None = None
    enabled: bool | None = None


class _RawDisable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    reason: Text


class _RawRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["gba-label-rules/1"]
    id: str
    version: str
    title: Text
    description: str = ""
    pcr_id: str | None = None
    product_categories: list[str] = []
    extends: str | None = None
    config: dict[str, Any] = {}
    rules: list[Any] = []
    override: list[Any] = []
    disable: list[Any] = []


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


def _entry_id(entry: Any, section: str, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return entry["id"]
    return f"{section}[{index}]"


# ------------------------------------------------------------------ config references


def _resolve(value: Any, config: dict[str, Any], file: str, rule_id: str) -> Any:
    """Replace every ``{config: key}`` by the config value (recursively in lists and maps)."""
    if isinstance(value, dict):
        if set(value) == {"config"}:
            key = value["config"]
            if not isinstance(key, str) or key not in config:
                known = ", ".join(sorted(config))
                raise RuleSetError(file, f"params reference unknown config key {key!r} (config has: {known})", rule_id)
            return config[key]
        return {k: _resolve(v, config, file, rule_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, config, file, rule_id) for v in value]
    return value


def _finish_rule(raw: _RawRule, config: dict[str, Any], file: str, defined_in: str | None = None) -> Rule:
    """Validate the check name, the conditions and the parameters of one rule.

    ``file`` is the file being loaded (named in errors); ``defined_in`` the file the rule text
    comes from, when it is inherited from a parent.
    """
    registry = checks()
    if raw.check not in registry:
        known = ", ".join(sorted(registry))
        raise RuleSetError(file, f"unknown check {raw.check!r}; registered checks: {known}", raw.id)
    known_conditions = conditions()
    for name in raw.applies_to:
        if name not in known_conditions:
            raise RuleSetError(
                file, f"unknown applies_to condition {name!r}; known: {', '.join(sorted(known_conditions))}", raw.id
            )
    resolved = _resolve(raw.params, config, file, raw.id)
    spec = registry[raw.check]
    try:
        validated = spec.params_model.model_validate(resolved)
    except ValidationError as error:
        raise RuleSetError(file, f"params for check {raw.check!r} refused: {_describe(error)}", raw.id) from None
    return Rule(
        id=raw.id,
        requirement=raw.requirement,
        applies_to=tuple(raw.applies_to),
        check=raw.check,
        params=validated.model_dump(mode="json"),
        raw_params=raw.params,
        severity=raw.severity,
        source=raw.source,
        basis=raw.basis,
        enabled=raw.enabled,
        defined_in=defined_in or file,
    )


# ------------------------------------------------------------------ loading


def _path_for(name: str | Path, directory: Path) -> Path:
    candidate = Path(name)
    if candidate.suffix in {".yaml", ".yml"}:
        return candidate
    path = directory / f"{name}.yaml"
    if not path.exists():
        available = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        raise RuleSetError(str(path), f"no rule set {str(name)!r} in {directory} (available: {available})")
    return path


def load_rule_set(name: str | Path | None = None, directory: Path | str | None = None) -> RuleSet:
    """Load a rule set by id (file ``<id>.yaml`` in the rules folder) or by path.

    Parents named by ``extends`` are looked up in the same folder as the file. Raises
    :class:`RuleSetError` naming the file (and the rule, when one is at fault).
    """
    directory = Path(directory) if directory is not None else label_rules_dir()
    path = _path_for(name or "gba-general", directory).resolve()
    return _load_cached(path, _fingerprint(path.parent))


def _fingerprint(directory: Path) -> tuple:
    """Names, sizes and modification times of the folder's rule files: a changed file reloads."""
    entries = []
    for candidate in sorted(directory.glob("*.y*ml")):
        stat = candidate.stat()
        entries.append((candidate.name, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


@lru_cache(maxsize=32)
def _load_cached(path: Path, fingerprint: tuple) -> RuleSet:
    return _load(path, ())


def _load(path: Path, chain: tuple[Path, ...]) -> RuleSet:
    file = str(path)
    if path in chain:
        cycle = " -> ".join(p.stem for p in (*chain, path))
        raise RuleSetError(file, f"extends forms a cycle: {cycle}")
    data, text = _read_yaml(path)
    try:
        raw = _RawRuleSet.model_validate(data)
    except ValidationError as error:
        raise RuleSetError(file, f"rule-set header refused: {_describe(error)}") from None
    if raw.id != path.stem:
        raise RuleSetError(file, f"id {raw.id!r} must equal the file name {path.stem!r}")
    if not RULE_SET_ID.match(raw.id):
        raise RuleSetError(file, f"id {raw.id!r} must be lower-case letters, digits and dashes")

    if raw.extends and not (path.parent / f"{raw.extends}.yaml").exists():
        raise RuleSetError(file, f"extends {raw.extends!r}, but {raw.extends}.yaml is not in {path.parent}")
    parent = _load((path.parent / f"{raw.extends}.yaml").resolve(), (*chain, path)) if raw.extends else None
    if parent is None and (raw.override or raw.disable):
        raise RuleSetError(file, "override and disable need 'extends' (a parent rule set)")

    merged_config = dict(parent.config) if parent else {}
    merged_config.update(raw.config)
    try:
        config = RuleSetConfig.model_validate(merged_config).model_dump(mode="json")
    except ValidationError as error:
        raise RuleSetError(file, f"config refused: {_describe(error)}") from None

    rules: dict[str, Rule] = {}
    if parent:
        # Parent rules are re-resolved against the merged config, so a child that changes a
        # threshold in its config block changes every parent rule that references it.
        for rule in parent.rules:
            rules[rule.id] = _finish_rule(_raw_from_rule(rule), config, file, rule.defined_in)
    disabled = dict(parent.disabled) if parent else {}

    for index, entry in enumerate(raw.override):
        rule_id = _entry_id(entry, "override", index)
        try:
            change = _RawOverride.model_validate(entry)
        except ValidationError as error:
            raise RuleSetError(file, f"override refused: {_describe(error)}", rule_id) from None
        if change.id not in rules:
            raise RuleSetError(file, f"override of a rule that {raw.extends} does not have", change.id)
        base = _raw_from_rule(rules[change.id]).model_dump()
        updates = change.model_dump(exclude_unset=True, exclude={"id"})
        if "params" in updates:
            updates["params"] = {**base["params"], **updates["params"]}
        try:
            merged = _RawRule.model_validate({**base, **updates})
        except ValidationError as error:
            raise RuleSetError(file, f"override refused: {_describe(error)}", change.id) from None
        rules[change.id] = _finish_rule(merged, config, file)

    for index, entry in enumerate(raw.disable):
        rule_id = _entry_id(entry, "disable", index)
        try:
            off = _RawDisable.model_validate(entry)
        except ValidationError as error:
            raise RuleSetError(file, f"disable entry refused: {_describe(error)}", rule_id) from None
        if off.id not in rules:
            raise RuleSetError(file, f"disable of a rule that {raw.extends} does not have", off.id)
        disabled[off.id] = off.reason
        del rules[off.id]

    for index, entry in enumerate(raw.rules):
        rule_id = _entry_id(entry, "rules", index)
        try:
            new = _RawRule.model_validate(entry)
        except ValidationError as error:
            raise RuleSetError(file, f"rule refused: {_describe(error)}", rule_id) from None
        if not RULE_ID.match(new.id):
            raise RuleSetError(file, "rule ids are upper-case words joined by dashes, e.g. GBA-CUT-001", new.id)
        if new.id in rules or new.id in disabled:
            hint = "; change a parent rule with 'override'" if parent else ""
            raise RuleSetError(file, f"duplicate rule id{hint}", new.id)
        rules[new.id] = _finish_rule(new, config, file)

    digest = hashlib.sha256()
    if parent:
        digest.update(parent.sha256.encode() + b"\0")
    digest.update(text.replace("\r\n", "\n").encode("utf-8"))
    return RuleSet(
        id=raw.id,
        version=raw.version,
        title=raw.title,
        description=raw.description,
        extends=raw.extends,
        pcr_id=raw.pcr_id or (parent.pcr_id if parent and not raw.product_categories else raw.id),
        product_categories=tuple(raw.product_categories) or (parent.product_categories if parent else ()),
        config=config,
        rules=tuple(rules.values()),
        disabled=disabled,
        files=(*(parent.files if parent else ()), file),
        sha256=digest.hexdigest(),
    )


def _raw_from_rule(rule: Rule) -> _RawRule:
    return _RawRule(
        id=rule.id,
        requirement=rule.requirement,
        applies_to=list(rule.applies_to),
        check=rule.check,
        params=rule.raw_params,
        severity=rule.severity,
        source=rule.source,
        basis=rule.basis,
        enabled=rule.enabled,
    )


def available_rule_sets(directory: Path | str | None = None) -> dict[str, RuleSet]:
    """Every rule set in the folder, loaded (a broken file raises: the folder must be sound)."""
    directory = Path(directory) if directory is not None else label_rules_dir()
    return {path.stem: load_rule_set(path) for path in sorted(directory.glob("*.yaml"))}


def rule_set_following_pcr(study: Any, catalogue: dict[str, RuleSet]) -> RuleSet | None:
    """The rule set whose ``pcr_id`` the study's method names (one for the study's product
    category first); None when none does."""
    pcr = study.method.pcr_id.strip()
    matching = [s for s in catalogue.values() if pcr and s.pcr_id == pcr]
    specific = [s for s in matching if study.product.category and study.product.category in s.product_categories]
    return (specific or matching or [None])[0]


def rule_set_for_study(study: Any, directory: Path | str | None = None) -> RuleSet:
    """The rule set a study follows when none is given: the one its declared results name (the
    installed version; ``footprint verify`` is the command that insists on the same version),
    else the one for its ``pcr_id``, else the general rules. ``check``, ``report`` and
    ``battery-declaration`` all default to it, so a battery study is judged by the battery rules
    without ``--rules``."""
    catalogue = available_rule_sets(directory)
    declared = study.declared.rule_set if study.declared is not None else None
    if declared is not None and declared.id in catalogue:
        return catalogue[declared.id]
    return rule_set_following_pcr(study, catalogue) or catalogue.get("gba-general") or load_rule_set(None, directory)
