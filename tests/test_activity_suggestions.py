"""“Did you mean …?” for unknown activity ids (footprint.activity_suggestions)."""

from __future__ import annotations

import pytest

from footprint.activity_suggestions import MAX_SUGGESTED, UnknownActivityMessages, suggest
from footprint.bom import bom_from_data
from footprint.errors import UnknownActivityError


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("AL-EXTR", "AL-EXTR-GBA"), ("pp-gab", "PP-GBA"), ("铝型材", "PROC-AL-EXTRUSION"), ("corrugated", "PAPER-CORR-CN"), ("aluminium profile", "AL-EXTR-GBA")],
)
def test_typos_prefixes_and_names_find_the_activity(gba_dataset, typed, expected):
    assert expected in suggest(gba_dataset, typed)


def test_nothing_close_suggests_nothing(gba_dataset):
    assert suggest(gba_dataset, "xyzzy") == [] and suggest(gba_dataset, "") == []


def test_unknown_lines_name_the_suggestions_and_no_command_line_tool(gba_engine):
    bom = bom_from_data(
        {"product": "x", "declared_unit": {"quantity": 1, "unit": "kg"}, "lines": [{"id": "A", "activity_id": "PP-GAB", "amount": 1, "unit": "kg"}]}
    )
    with pytest.raises(UnknownActivityError) as caught:
        gba_engine.calculate(bom)
    issue = caught.value.issues[0]
    assert "did you mean PP-GBA" in issue.message and "PP-GBA" in issue.message_zh
    assert "footprint " not in issue.message and "footprint " not in issue.message_zh


def test_suggestions_are_bounded_per_file(gba_dataset):
    """20,000 made-up ids cost at most MAX_SUGGESTED scans; the rest get the plain message."""
    messages = UnknownActivityMessages(gba_dataset)
    texts = [messages(f"PP-GB{i}") for i in range(MAX_SUGGESTED + 5)]
    assert all("did you mean" in text[0] for text in texts[:MAX_SUGGESTED])
    assert all("did you mean" not in text[0] for text in texts[MAX_SUGGESTED:])
    assert messages("PP-GB0") == texts[0]  # looked up once
