"""Interface text for one language: ``app.*`` keys of footprint/locales/<lang>/app.yaml, stage
names from ``common.stage.*``, and the choice between the English and Chinese wording that
footprint objects carry (RowIssue.message / message_zh, rule Text.en / .zh)."""

from __future__ import annotations

from footprint.i18n import LANGUAGES, normalise_language, text, to_hong_kong

LANGUAGE_CHOICES = ("zh-Hans", "zh-Hant", "en")


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

    def pick(self, english: str, chinese: str) -> str:
        """The wording in the interface language (Traditional converted from Simplified)."""
        if self.is_en or not chinese:
            return english
        if self.language == "zh-Hant":
            return to_hong_kong(chinese)
        return chinese

    @staticmethod
    def language_name(code: str) -> str:
        return LANGUAGES.get(code, code)
