"""Interface text for one language: ``app.*`` keys of footprint/locales/<lang>/app.yaml, stage
names from ``common.stage.*``, and the choice between the English and Chinese wording that
footprint objects carry (RowIssue.message / message_zh, rule Text.en / .zh)."""

from __future__ import annotations

import re

from footprint.errors import MAX_SHOWN_ISSUES
from footprint.i18n import LANGUAGES, normalise_language, text, to_hong_kong

LANGUAGE_CHOICES = ("zh-Hans", "zh-Hant", "en")
_UNIT_NAMES = ("piece",)  # units shown by name; symbols (kg, kWh, m2…) stay as they are

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:~$])")


def escape_markdown(value: object) -> str:
    """Text from a user (a cell, a header, a file name, a message quoting them) shown literally.

    Streamlit renders markdown in st.markdown / error / warning / caption and in widget labels,
    so ``[x](http://…)`` typed in a cell would be a live link and ``![](…)`` an image fetched by
    the visitor's browser. Every piece of user text that reaches those goes through this one
    function; our own interface text (``app.*`` keys) does not.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


class Texts:
    def __init__(self, language: str) -> None:
        self.language = normalise_language(language)

    @property
    def is_en(self) -> bool:
        return self.language == "en"

    def __call__(self, key: str, **values) -> str:
        return text(f"app.{key}", self.language, **values)

    def common(self, key: str, **values) -> str:
        return text(f"common.{key}", self.language, **values)

    def stage(self, stage: str) -> str:
        try:
            return text(f"common.stage.{stage}", self.language)
        except KeyError:
            return stage

    def unit(self, unit: str) -> str:
        """A unit's name in the interface language (``app.unit.*``: "piece" is 件), else the symbol."""
        try:
            return self(f"unit.{unit}") if unit in _UNIT_NAMES else unit
        except KeyError:
            return unit

    def declared_unit(self, declared: str) -> str:
        """"1 piece" → "1 件": the unit of a declared-unit text named in the interface language."""
        quantity, _, unit = declared.rpartition(" ")
        return f"{quantity} {self.unit(unit)}".strip() if self.language != "en" else declared

    def pick(self, english: str, chinese: str) -> str:
        """The wording in the interface language (Traditional converted from Simplified)."""
        if self.is_en or not chinese:
            return english
        if self.language == "zh-Hant":
            return to_hong_kong(chinese)
        return chinese

    def capped(self, lines: list[str], total: int | None = None) -> list[str]:
        """The first :data:`~footprint.errors.MAX_SHOWN_ISSUES` lines of a problem list, then how
        many more there are, of ``total`` (default: all the lines given). A file with 20,000 bad
        rows is one screen, not a 90 MB page."""
        hidden = (len(lines) if total is None else total) - MAX_SHOWN_ISSUES
        return lines if hidden <= 0 else [*lines[:MAX_SHOWN_ISSUES], self("issue.more", count=hidden)]

    @staticmethod
    def language_name(code: str) -> str:
        return LANGUAGES.get(code, code)
