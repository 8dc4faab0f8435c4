"""Several products or variants in one session: the workspace (a list of named forms).

Why the form stays where it is: the screen edits one :class:`~webapp.state.StudyForm` through
its widget keys (:mod:`webapp.session`). The workspace keeps every variant's form as plain data
and swaps the current one in and out of those keys: before any change the current form is read
back from the screen (:func:`sync`), after it the chosen one is pushed (:func:`switch`).

A workspace is saved as one JSON file: ``{"format": "gba-footprint-workspace", "version": 1,
"variants": [{"name": …, "study": <study JSON or draft JSON>}, …]}``, read back through
:func:`footprint.user_json.read_json` (size, depth, big numbers, keys given twice) and each entry
through the same code as "Open study" (:func:`webapp.state.form_from_content`).

Functions take the state mapping as an argument (tested with a plain dict); no Streamlit here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from footprint.errors import FootprintError, InputError, RowIssue
from footprint.user_json import read_json

from . import integrations, session
from .catalog import Catalog
from .state import StudyForm, build_bom, build_study, form_from_content

WORKSPACE_FORMAT = "gba-footprint-workspace"
WORKSPACE_VERSION = 1
MAX_VARIANTS = 20
MAX_NAME_CHARS = 80
VARIANTS = "ws.variants"
CURRENT = "ws.current"


@dataclass
class Variant:
    name: str
    form: StudyForm
    outcome: Any = None  # its last webapp.compute.Outcome, shown again when it is switched back to


def clean_name(name: str, fallback: str) -> str:
    text = " ".join(str(name or "").split())[:MAX_NAME_CHARS]
    return text or fallback


def variants(state: session.State) -> list[Variant]:
    return state.setdefault(VARIANTS, [])


def current(state: session.State) -> int:
    return min(max(int(state.get(CURRENT) or 0), 0), max(len(variants(state)) - 1, 0))


def ensure(state: session.State, name: str) -> None:
    """A workspace with the form on the screen as its first variant (once per session)."""
    if not variants(state):
        state[VARIANTS] = [Variant(clean_name(name, "1"), session.read_form(state))]
        state[CURRENT] = 0


def sync(state: session.State) -> list[Variant]:
    """The variants, with the current one as entered on the screen now (and its results)."""
    items = variants(state)
    if items:
        shown = items[current(state)]
        shown.form = session.read_form(state)
        shown.outcome = state.get("outcome")
    return items


def _show(state: session.State, index: int) -> None:
    state[CURRENT] = index
    form = variants(state)[index].form
    if session.PARKED_FORM in state:
        state[session.PARKED_FORM] = form
    else:
        session.push_form(state, form)
    state.pop("upload.report", None)  # upload notes of the previous variant
    # Its own last results (marked out of date by their fingerprint when the form has changed).
    outcome = variants(state)[index].outcome
    if outcome is None:
        state.pop("outcome", None)
    else:
        state["outcome"] = outcome


def switch(state: session.State, index: int) -> None:
    sync(state)
    if 0 <= index < len(variants(state)) and index != current(state):
        _show(state, index)


def add(state: session.State, form: StudyForm, name: str) -> bool:
    """Add ``form`` as a new variant and show it; False when the workspace is full."""
    items = sync(state)
    if len(items) >= MAX_VARIANTS:
        return False
    items.append(Variant(clean_name(name, str(len(items) + 1)), form))
    _show(state, len(items) - 1)
    return True


def duplicate(state: session.State, name: str) -> bool:
    """A copy of the current variant (its own study id), shown as a new variant."""
    items = sync(state)
    data = items[current(state)].form.to_dict()
    data["study_id"] = f"study-{uuid.uuid4().hex[:12]}"
    return add(state, StudyForm.from_dict(data), name)


def rename(state: session.State, index: int, name: str) -> None:
    items = variants(state)
    if 0 <= index < len(items):
        items[index].name = clean_name(name, items[index].name)


def delete(state: session.State, index: int) -> None:
    """Remove a variant (never the last one); the one before it is shown."""
    items = sync(state)
    if len(items) <= 1 or not 0 <= index < len(items):
        return
    shown = current(state)
    del items[index]
    if index == shown:
        _show(state, max(0, index - 1))
    elif index < shown:
        state[CURRENT] = shown - 1  # the same form stays on the screen


def replace_all(state: session.State, loaded: list[Variant]) -> None:
    """An opened workspace replaces the current one; its first variant is shown."""
    state[VARIANTS] = loaded
    _show(state, 0)


# ------------------------------------------------------------------------------ studies


def study_of(form: StudyForm, dataset):
    """(BOM, study) of a form, each None when the form does not make one yet."""
    bom, _, _ = build_bom(form, dataset)
    if bom is None:
        return None, None
    rules = integrations.rule_set(form.rule_set)
    return bom, build_study(form, bom, rules.pcr_id if rules is not None else None)[0]


# ------------------------------------------------------------------------------ files


def workspace_json(items: list[Variant], dataset) -> bytes:
    """The workspace file: each variant as its study JSON, or as a draft when it is not one yet."""
    from .downloads import study_json

    entries = []
    for item in items:
        _, study = study_of(item.form, dataset)
        data, _ = study_json(item.form, study)
        entries.append({"name": item.name, "study": json.loads(data)})
    document = {"format": WORKSPACE_FORMAT, "version": WORKSPACE_VERSION, "variants": entries}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _refused(message: str, message_zh: str, field: str | None = None) -> InputError:
    return InputError(issues=[RowIssue(message, message_zh, field=field)])


def load_workspace(data: bytes, catalog: Catalog, base: StudyForm | None = None) -> list[Variant]:
    """The variants of a workspace file; InputError naming the entry for anything else."""
    content: Any = read_json(data, "workspace")
    if not isinstance(content, dict) or content.get("format") != WORKSPACE_FORMAT:
        raise _refused(
            "this JSON is not a workspace file (open a single study with “Open study”)",
            "该 JSON 不是工作区文件（单个研究请用“打开研究”）",
        )
    if content.get("version") != WORKSPACE_VERSION:
        raise _refused(f"workspace version {content.get('version')!r} is not supported", "不支持该工作区文件版本", "version")
    entries = content.get("variants")
    if not isinstance(entries, list) or not entries:
        raise _refused("the workspace holds no variants", "工作区中没有任何产品或方案", "variants")
    if len(entries) > MAX_VARIANTS:
        raise _refused(f"a workspace holds at most {MAX_VARIANTS} variants", f"一个工作区最多 {MAX_VARIANTS} 个产品或方案", "variants")
    loaded = []
    for number, entry in enumerate(entries, start=1):
        where = f"variants[{number}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("study"), dict) or not isinstance(entry.get("name", ""), str):
            raise _refused(f"{where} must be an object with a name and a study", f"{where} 须包含名称和研究", where)
        try:
            form = form_from_content(entry["study"], catalog, base)
        except InputError as error:
            raise InputError(
                issues=[RowIssue(i.message, i.message_zh, field=f"{where}.{i.field}" if i.field else where, value=i.value) for i in error.issues]
            ) from None
        except FootprintError as error:
            raise _refused(f"{where}: {error}", f"{where}：{error}", where) from None
        loaded.append(Variant(clean_name(entry.get("name", ""), str(number)), form))
    return loaded
