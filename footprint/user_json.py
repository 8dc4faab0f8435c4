"""The one reader for JSON that comes from users: files, uploads, pasted or scanned QR payloads.

Why one reader: the standard ``json.loads`` accepts things that later crash or mislead us — a
100,000-deep ``[[[[`` (RecursionError, here or in whatever walks the result), an integer of
5,000 digits (ValueError from Python's int-string limit), a lone surrogate ``"\\ud800"`` (a
UnicodeEncodeError when the text is printed or stored), and an object that names a key twice
(``{"v": 0.01, "v": 1.05}``: the last one wins silently, so a signed payload can be read one way
by us and another way by a person or another tool). :func:`read_json` refuses all four with an
:class:`~footprint.errors.InputError` that names the file, so every caller reports it like any
other bad input (exit 2 on the command line, a message in the web app).

Costs are linear in the text: the depth limit is enforced by the decoder's own recursion guard
(caught) and by one iterative walk over the result, which also checks every string.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InputError, RowIssue, shorten

MAX_DEPTH = 64  # a study with a 12-level BOM nests about 30 deep
MAX_NUMBER_CHARS = 100  # a quantity is never 100 digits long; Python refuses ints past 4,300
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(Exception):
    """Raised from the decoder's hooks; turned into an InputError by :func:`read_json`."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


def _number(text: str, convert: type) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(
            f"a number is {len(text)} characters long (at most {MAX_NUMBER_CHARS}): {shorten(text, 20)}",
            f"数字长度为 {len(text)} 个字符，超过上限 {MAX_NUMBER_CHARS}",
        )
    return convert(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused(
            f"the key {shorten(duplicate)} appears twice in one object; each key may appear once",
            f"同一对象中键 {shorten(duplicate)} 出现了两次；每个键只能出现一次",
        )
    return data


def _check_tree(data: Any) -> None:
    """Depth and strings, iteratively (the result may be deeper than Python's recursion limit)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise _Refused(
                    "a text contains an unpaired UTF-16 surrogate (\\ud800-\\udfff escape), which is not a character",
                    "文本中含有不成对的 UTF-16 代理码（\\ud800-\\udfff），不是有效字符",
                )
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)


def _too_deep() -> _Refused:
    return _Refused(
        f"the JSON is nested more than {MAX_DEPTH} levels deep",
        f"JSON 嵌套超过 {MAX_DEPTH} 层",
    )


def read_json(data: str | bytes | bytearray, source: str | None = None) -> Any:
    """Parse user JSON (bytes: UTF-8, a BOM allowed) or raise an :class:`InputError` that says why."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, (bytes, bytearray)) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise _problem("the JSON is not UTF-8 text", "JSON 不是 UTF-8 文本", source) from None
    try:
        content = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=lambda digits: _number(digits, int),
            parse_float=lambda digits: _number(digits, float),
        )
        _check_tree(content)
    except json.JSONDecodeError as error:
        raise _problem(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            f"JSON 格式错误：第 {error.lineno} 行第 {error.colno} 列",
            source,
        ) from None
    except RecursionError:  # the decoder's own guard, far below the 100,000 levels a file can hold
        refused = _too_deep()
        raise _problem(refused.message, refused.message_zh, source) from None
    except _Refused as refused:
        raise _problem(refused.message, refused.message_zh, source) from None
    return content


def _problem(message: str, message_zh: str, source: str | None) -> InputError:
    return InputError(issues=[RowIssue(message, message_zh)], source=source)
