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


def test_traditional_uses_hong_kong_wording_not_converted_mainland_terms():
    """OpenCC s2hk converts characters only; the terms table puts Hong Kong vocabulary in."""
    from footprint.i18n import to_hong_kong

    assert to_hong_kong("产品信息") == "產品資料"
    assert to_hong_kong("下载研究文件") == "下載研究檔案"
    assert to_hong_kong("数据质量") == "數據質素"
    assert to_hong_kong("单件质量（kg）") == "單件質量（kg）"  # mass stays 質量
    assert to_hong_kong("请提供下列文件") == "請提供下列文件"  # documents stay 文件
    assert to_hong_kong("聚丙烯塑料，集装箱海运") == "聚丙烯塑膠，貨櫃海運"

