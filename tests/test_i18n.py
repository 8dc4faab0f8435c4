"""Every visible string exists in English and Simplified Chinese."""

from footprint.i18n import missing_keys, normalise_language, text


def test_no_missing_keys():
    assert missing_keys() == {"en": set(), "zh-Hans": set()}


def test_languages_and_fallbacks():
    assert text("common.stage.packaging", "zh-CN") == "包装"
    assert text("common.stage.packaging", "en") == "Packaging"
    assert text("common.unit_text", "en", declared_unit="1 piece") == "kg CO2e / 1 piece"
    assert normalise_language("zh_HK") == "zh-Hant"
    assert text("common.stage.packaging", "zh-Hant") in {"包裝", "包装"}  # 包裝 with OpenCC installed
