"""“Did you mean …?” for an activity id the dataset does not hold.

Why here: an unknown id reaches the user from the CLI, the batch reader and the web form alike,
and each should name the likely activities instead of pointing at another tool. Candidates are
ranked by how close the typed text is to an activity's id (typos, a missing suffix such as
"AL-EXTR" for AL-EXTR-GBA) and to its English or Chinese name (someone typing "铝型材" or
"aluminium profile" in the id column).
"""

from __future__ import annotations

import difflib
import unicodedata

MIN_SCORE = 0.55
MAX_SUGGESTED = 50  # distinct unknown ids per file that get suggestions (each costs a scan)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


_INDEXES: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {}


def _index(dataset) -> tuple[tuple[str, str, str, str, str], ...]:
    """(id, folded id, folded English name, folded Chinese name, default stage) per activity,
    folded once per dataset content (keyed by its hash), not on every look-up."""
    index = _INDEXES.get(dataset.sha256)
    if index is None:
        index = tuple((a.id, _fold(a.id), _fold(a.name_en), _fold(a.name_zh), a.default_stage) for a in dataset.activities)
        if len(_INDEXES) >= 16:
            _INDEXES.clear()
        _INDEXES[dataset.sha256] = index
    return index


def _score(typed: str, folded_id: str, name_en: str, name_zh: str) -> float:
    ratio = difflib.SequenceMatcher(None, typed, folded_id).ratio()
    if folded_id.startswith(typed) or typed.startswith(folded_id):
        ratio = max(ratio, 0.8 + 0.2 * min(len(typed), len(folded_id)) / max(len(typed), len(folded_id)))
    words = typed.replace(",", " ").split()
    for name in (name_en, name_zh):
        if typed and name and typed in name:
            ratio = max(ratio, 0.75 + 0.2 * len(typed) / len(name))
        elif len(words) > 1 and name and all(word in name for word in words):
            ratio = max(ratio, 0.7)
    return ratio


PREFERENCE = 0.1  # added to the score of a preferred stage: ranks it first among close matches


def suggest(dataset, typed: str, limit: int = 3, prefer: frozenset[str] = frozenset()) -> list[str]:
    """Up to ``limit`` activity ids close to ``typed``, best first (empty when nothing is close).

    ``prefer``: default stages ranked ahead of equally close others; a BOM row's material name
    should find the material (AL-EXTR-GBA, raw_materials) before a processing-only step
    (PROC-AL-EXTRUSION, manufacturing_energy) whose name matches just as well."""
    folded = _fold(typed)[:200]  # a long paste is not an id; bound the work
    if not folded:
        return []
    scored = []
    for aid, fid, en, zh, stage in _index(dataset):
        score = _score(folded, fid, en, zh)
        if score >= MIN_SCORE:
            scored.append((score + (PREFERENCE if stage in prefer else 0.0), aid))
    return [aid for _, aid in sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]]


class UnknownActivityMessages:
    """Messages for the unknown ids of one file: each distinct id is looked up once, and only the
    first :data:`MAX_SUGGESTED` distinct ids get suggestions, so a 20,000-line file of made-up ids
    costs a bounded amount of work."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset
        self._seen: dict[str, tuple[str, str]] = {}

    def __call__(self, typed: str) -> tuple[str, str]:
        if typed not in self._seen:
            with_suggestions = len(self._seen) < MAX_SUGGESTED
            self._seen[typed] = unknown_activity_messages(self.dataset, typed if with_suggestions else "")
        return self._seen[typed]


def unknown_activity_messages(dataset, typed: str) -> tuple[str, str]:
    """The English and Chinese message for an unknown id, with suggestions when there are any."""
    found = suggest(dataset, typed)
    if not found:
        return (
            "unknown activity id: no activity of the dataset has this id or a similar one",
            "数据库中没有这个活动编号，也没有相近的活动",
        )
    names = [f"{aid} ({dataset.activity(aid).name_en})" for aid in found]
    names_zh = [f"{aid}（{dataset.activity(aid).name_zh or dataset.activity(aid).name_en}）" for aid in found]
    return f"unknown activity id; did you mean {' or '.join(names)}?", f"数据库中没有这个活动编号；您是否要找 {' 或 '.join(names_zh)}？"
