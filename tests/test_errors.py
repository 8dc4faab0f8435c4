"""footprint.errors: a message stays a line long whatever the user typed."""

from __future__ import annotations

from footprint.errors import MAX_SHOWN_ISSUES, InputError, RowIssue, shorten


def test_shorten_quotes_short_values_and_cuts_long_ones_with_their_length():
    assert shorten("abc") == "'abc'"
    assert shorten(12) == "'12'"
    assert shorten("x" * 32_000) == f"'{'x' * 80}'… (32000 characters)"


def test_a_row_issue_caps_what_it_keeps_and_shows():
    issue = RowIssue("m" * 50_000, value="v" * 32_000, line_id="i" * 5_000, field="f" * 5_000)
    assert len(issue.describe()) < 3_000
    assert issue.value.endswith("… (32000 characters)")
    assert issue.line_id.endswith("… (5000 characters)")


def test_an_input_error_lists_the_first_problems_and_counts_the_rest():
    error = InputError(issues=[RowIssue(f"problem {n}", row=n) for n in range(1, 20_001)], source="big.csv")
    text = str(error)
    assert text.startswith("big.csv: 20000 problems:")
    assert text.count("\n  - ") == MAX_SHOWN_ISSUES
    assert text.endswith(f"… and {20_000 - MAX_SHOWN_ISSUES} more")
