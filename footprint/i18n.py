"""Bilingual text (Simplified Chinese / English; Traditional Chinese where practical).

Why text as data: the web form, the PDF report and the label are read by Chinese-first users,
so every visible string lives in ``footprint/locales/<language>/<domain>.yaml`` under a stable
key, and a test checks that every key exists in every language. Traditional Chinese is derived
from Simplified with OpenCC when that package is installed (``s2hk`` profile, Hong Kong usage);
otherwise it falls back to Simplified, never to a missing string.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Callable

import yaml

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
SOURCE_LANGUAGES = ("en", "zh-Hans")


def normalise_language(language: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_cn' → 'zh-Hans'; 'zh-HK', 'zh-TW' → 'zh-Hant'; others → 'en'."""
    text = (language or "en").replace("_", "-").lower()
    if text in {"zh-hant", "zh-hk", "zh-tw", "zh-mo"}:
        return "zh-Hant"
    if text.startswith("zh"):
        return "zh-Hans"
    return "en"


def _flatten(prefix: str, node, into: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, into)
    else:
        into[prefix] = str(node)


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """All keys of one source language, as 'domain.key.subkey' → text."""
    entries: dict[str, str] = {}
    for path in sorted((LOCALES / language).glob("*.yaml")):
        _flatten(path.stem, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, entries)
    return entries


HONG_KONG_TERMS = LOCALES / "zh-Hant" / "hong_kong_terms.csv"


@lru_cache(maxsize=1)
def _hong_kong_terms() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern of every term after OpenCC s2hk (longest first, so phrases win over the words
    inside them) and the Hong Kong wording of each."""
    import csv

    with HONG_KONG_TERMS.open(encoding="utf-8", newline="") as handle:
        terms = {row["after_s2hk"]: row["hong_kong"] for row in csv.DictReader(handle) if row["after_s2hk"]}
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)))
    return pattern, terms


@lru_cache(maxsize=1)
def _s2hk() -> Callable[[str], str]:
    try:
        import opencc  # type: ignore[import-not-found]

        return opencc.OpenCC("s2hk").convert
    except Exception:  # not installed, or a build without the profile
        return lambda text: text


def to_hong_kong(text: str) -> str:
    """Simplified Chinese in Hong Kong Traditional: OpenCC's s2hk converts characters (and
    character variants), not vocabulary, so mainland terms (信息, 模板, 服務器) would stay; the
    terms table (data, ``locales/zh-Hant/hong_kong_terms.csv``) puts the Hong Kong wording in."""
    pattern, terms = _hong_kong_terms()
    # one pass, so a replacement is never replaced again
    return pattern.sub(lambda match: terms[match.group(0)], _s2hk()(text))


def text(key: str, language: str = "en", **values) -> str:
    """The text for ``key`` in ``language``, formatted with ``values``; English as the fallback."""
    language = normalise_language(language)
    source = "zh-Hans" if language == "zh-Hant" else language
    template = catalogue(source).get(key) or catalogue("en").get(key)
    if template is None:
        raise KeyError(f"no text for {key!r}")
    result = template.format(**values) if values else template
    return to_hong_kong(result) if language == "zh-Hant" else result


def translator(language: str) -> Callable[..., str]:
    """A bound ``t(key, **values)`` for one language."""
    return lambda key, **values: text(key, language, **values)


def missing_keys() -> dict[str, set[str]]:
    """Keys present in one source language but not in the other (a test keeps this empty)."""
    english, chinese = set(catalogue("en")), set(catalogue("zh-Hans"))
    return {"en": chinese - english, "zh-Hans": english - chinese}
