"""footprint.user_json: JSON from users is read, or refused with one clear message."""

from __future__ import annotations

import pytest

from footprint.errors import InputError
from footprint.user_json import MAX_DEPTH, read_json


def refusal(data, source="f.json") -> str:
    with pytest.raises(InputError) as raised:
        read_json(data, source)
    (issue,) = raised.value.issues
    assert issue.message_zh
    assert str(raised.value).startswith(f"{source}: ")
    return issue.message


def test_ordinary_json_is_read_with_a_byte_order_mark_and_surrogate_pairs():
    assert read_json('\ufeff{"a": [1, 2.5, "x"], "b": null}') == {"a": [1, 2.5, "x"], "b": None}
    assert read_json(b'{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}
    assert read_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 2_000, 100_000])
def test_deep_nesting_is_refused(depth):
    assert refusal("[" * depth + "]" * depth) == f"the JSON is nested more than {MAX_DEPTH} levels deep"
    if depth > 1_000:  # past the decoder's own guard, an unclosed one is refused the same way
        assert "nested more than" in refusal('{"a": ' + "[" * depth)


def test_a_number_of_5000_digits_is_refused():
    assert refusal('{"amount": ' + "9" * 5_000 + "}").startswith("a number is 5000 characters long")
    assert refusal('{"amount": 0.' + "1" * 5_000 + "}").startswith("a number is 5002 characters long")


@pytest.mark.parametrize("text", ['"\\ud800"', '{"k\\udfff": 1}', '["a", {"b": ["\\udc00x"]}]'])
def test_a_lone_surrogate_is_refused(text):
    assert "unpaired UTF-16 surrogate" in refusal(text)


def test_a_key_given_twice_is_refused():
    assert refusal('{"t": "q", "v": 0.01, "v": 1.05}') == "the key 'v' appears twice in one object; each key may appear once"
    assert "appears twice" in refusal('[{"a": {"x": 1, "x": 1}}]')


def test_bad_bytes_and_syntax_are_one_message():
    assert refusal(b'{"a": "\xff"}') == "the JSON is not UTF-8 text"
    assert refusal("{bad}").startswith("not valid JSON: Expecting property name")
