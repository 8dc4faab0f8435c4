"""The Chinese screens show no English interface words: every label, help text, placeholder,
message, metric, table header (a grid's header is its column_config label) and choice is read
from the screens of a complete session (form, results, compare page, certificate check) in
zh-Hans. Activity ids, units written as symbols (kg, kWh) and the bilingual activity names of
the picker (Chinese first, English after " · ", by design) are allowed."""

from __future__ import annotations

import json
import re

import pytest

from webapp.results_view import RESULT_TABS

from .helpers import calculate, new_app, show_results

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ENGLISH = re.compile(
    r"\b(piece|pieces|Upload|upload|Browse|activity_id|amount|data_type|mass_kg_per_piece|distance_km|"
    r"description|generation_activity_id|generation_start|green_power|Choose|Select|Product|Stage|Line)\b"
)
ATTRIBUTES = ("label", "help", "placeholder", "value", "body")


def _headers(element) -> list[str]:
    """A table's headers as shown: the column_config label where there is one."""
    frame = element.value
    labels = {}
    try:
        labels = {name: config.get("label") for name, config in json.loads(element.proto.columns or "{}").items()}
    except (AttributeError, ValueError):
        pass
    return [labels.get(str(column)) or str(column) for column in frame.columns]


def shown_texts(at) -> list[str]:
    found = []

    def walk(node):
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            yield child
            yield from walk(child)

    for element in walk(at._tree):
        kind = type(element).__name__
        if kind in ("Dataframe",) or getattr(element, "type", "") == "arrow_data_frame":
            found += _headers(element)
            continue
        choices = kind in ("Selectbox", "Radio", "Multiselect")
        for name in ATTRIBUTES:
            if choices and name == "value":  # the chosen option's value; what shows is in options
                continue
            try:
                value = getattr(element, name)
            except Exception:  # noqa: BLE001 - not every element has every attribute
                continue
            if isinstance(value, str):
                found.append(value)
        if choices and not str(element.key or "").startswith("pick.activity"):
            try:
                found += [str(option) for option in element.options]
            except Exception:  # noqa: BLE001
                pass
    return found


def english_words(at) -> set[str]:
    words = set()
    for text in shown_texts(at):
        if " · " in text and re.search(r"[\u4e00-\u9fff]", text.split(" · ")[0]):
            text = text.split(" · ")[0]  # "中文 · English": the English is the second language on purpose
        words.update(ENGLISH.findall(text))
    return words


def test_main_screens_in_simplified_chinese_have_no_english_ui_words(monkeypatch):
    at = new_app("zh-Hans")
    at.button(key="btn.example").click().run()
    assert english_words(at) == set()
    calculate(at)
    for tab in RESULT_TABS:  # only the results tab shown is drawn: each one in turn
        assert english_words(show_results(at, tab)) == set(), tab
    at.button(key="ws.btn.duplicate").click().run()
    at.radio(key="mode@zh-Hans").set_value("compare").run()
    at.button(key="ws.btn.compare").click().run()
    assert not at.exception, at.exception
    assert english_words(at) == set()
    at.radio(key="mode@zh-Hans").set_value("check").run()
    assert not at.exception, at.exception
    assert english_words(at) == set()
