"""Reading JSON answers: fast and exact, and tolerant of the one thing real servers get wrong.

orjson keeps uint64 ids exact and is fast, but it rejects a whole document when any string holds
a lone UTF-16 surrogate (``"\\ud83d"``: half an emoji, from a server that cut text by UTF-16
length). One such message would then block the sync for good, so such a document is parsed
again with the standard library (ints stay exact there too) and each lone surrogate becomes
U+FFFD: the text cannot be stored, exported or shown as UTF-8 otherwise.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONError(ValueError):
    pass


def _repair(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_repair(v) for v in value]
    if isinstance(value, dict):
        return {_repair(k): _repair(v) for k, v in value.items()}
    return value


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as first:
        try:
            return _repair(json.loads(data))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise JSONError(str(first)) from None
