"""Case-insensitive substring search over message text (global search and in-conversation find).

Matching happens on ``str.casefold()`` text, which can be longer than the original ('ß' folds
to 'ss', 'İ' to 'i̇'), so offsets found in the folded text are mapped back to the original one
before anyone highlights with them. No index is built: one casefold + ``find`` per message is
fast enough for the head's messages. Sealed history is searched through its compact text
index (``store.textindex``), which never loads the payloads of messages that do not match.
"""

from __future__ import annotations

import heapq
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .store.index import Index
from .store.textindex import search_sealed
from .wire.content import SYSTEM_KINDS
from .wire.models import Message

SNIPPET_CONTEXT = 15  # characters of context on each side of a match (~30 in all)
_MAX_EDGE_SHIFT = 8  # how far a snippet edge may move to avoid cutting a grapheme
_ELLIPSIS = "…"
_ONE_LINE = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\u2028": " ", "\u2029": " "})
_ZWJ = "\u200d"


@dataclass(frozen=True, slots=True)
class Hit:
    session_id: str
    message: Message
    start: int  # match span in ``message.text``
    end: int
    snippet: str  # one line around the match
    snippet_start: int  # match span in ``snippet``
    snippet_end: int
    by_name: bool = False  # the query matched the peer's name or alias, not this text


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]  # newest first, at most ``limit``
    total: int  # matching messages, before the limit
    seconds: float


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The folded text, and (only when lengths differ) folded position -> original position.

    No character folds to nothing, so equal lengths mean every character folded to exactly
    one: positions are then identical and no map is needed (the common case).
    """
    folded = text.casefold()
    if len(folded) == len(text):
        return folded, None
    positions: list[int] = []
    for i, char in enumerate(text):
        positions.extend([i] * len(char.casefold()))
    return folded, positions


def _span(positions: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """A folded span as an original one, widened to whole characters ('s' inside 'ß' -> 'ß')."""
    if positions is None:
        return start, end
    return positions[start], positions[end - 1] + 1


def _joins(char: str) -> bool:
    """Characters that belong to the grapheme before them (marks, ZWJ, selectors, skin tones)."""
    return (
        char == _ZWJ
        or "\ufe00" <= char <= "\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or "\U000e0020" <= char <= "\U000e007f"
        or unicodedata.combining(char) != 0
    )


def snippet(
    text: str, start: int, end: int, context: int = SNIPPET_CONTEXT
) -> tuple[str, int, int]:
    """One line of ``text`` around [start, end): (snippet, start, end within the snippet)."""
    left, right = max(0, start - context), min(len(text), end + context)
    # Do not cut an emoji ZWJ sequence, a skin tone or a combining mark in half (bounded).
    for _ in range(_MAX_EDGE_SHIFT):
        if left > 0 and (_joins(text[left]) or text[left - 1] == _ZWJ):
            left -= 1
    for _ in range(_MAX_EDGE_SHIFT):
        if right < len(text) and (_joins(text[right]) or text[right - 1] == _ZWJ):
            right += 1
    prefix = _ELLIPSIS if left > 0 else ""
    suffix = _ELLIPSIS if right < len(text) else ""
    body = text[left:right].translate(_ONE_LINE)  # 1:1 replacements keep offsets valid
    offset = len(prefix) - left
    return prefix + body + suffix, start + offset, end + offset


def _candidates(index: Index, session_id: str | None) -> list[Message]:
    if session_id == "":
        return index.messages("")  # account-level notices (live started/ended)
    if session_id is None:
        pool: Iterable[Message] = index.head_messages()
        return [m for m in pool if m.session_id and m.kind not in SYSTEM_KINDS]
    return [m for m in index.messages(session_id) if m.kind not in SYSTEM_KINDS]


def search(
    index: Index, query: str, *, limit: int = 500, session_id: str | None = None
) -> SearchResult:
    """Messages whose text contains ``query`` (case-insensitive), newest first.

    ``session_id``: None searches every conversation, a session id only that one, and ""
    the account-level system notices. One hit per message (its first match).
    """
    began = time.perf_counter()
    needle = query.casefold()
    if not needle.strip() or limit <= 0:
        return SearchResult([], 0, time.perf_counter() - began)
    matched: list[tuple[int, int, Message]] = []
    for message in _candidates(index, session_id):
        if needle in message.text.casefold():
            matched.append((message.create_time, message.seq, message))
    total = len(matched)
    if session_id is None and index.sealed is not None:
        sealed_total, sealed_hits = search_sealed(index.sealed, needle, limit)
        total += sealed_total
        matched += [(m.create_time, m.seq, m) for m in sealed_hits]
    newest = heapq.nlargest(limit, matched, key=lambda t: (t[0], t[1]))
    hits: list[Hit] = []
    for _, _, message in newest:
        folded, positions = _fold(message.text)
        at = folded.find(needle)
        start, end = _span(positions, at, at + len(needle))
        text, s_start, s_end = snippet(message.text, start, end)
        hits.append(Hit(message.session_id, message, start, end, text, s_start, s_end))
    named = _name_hits(index, needle) if session_id is None else []
    return SearchResult(named + hits, len(named) + total, time.perf_counter() - began)


def _name_hits(index: Index, needle: str) -> list[Hit]:
    """A conversation whose peer's nickname or alias matches: its newest message, listed first."""
    hits: list[Hit] = []
    for summary in index.sessions():
        if not any(needle in name.casefold() for name in (summary.alias, summary.nickname)):
            continue
        messages = index.messages_before(summary.session_id, None, 1)  # the newest only
        if messages:
            newest = messages[-1]
            text, _, _ = snippet(newest.text, 0, 0)
            hits.append(Hit(summary.session_id, newest, 0, 0, text, 0, 0, by_name=True))
    return hits


def find_in_messages(messages: Sequence[Message], query: str) -> list[tuple[int, int, int]]:
    """Every match of ``query`` in order: (message index, start, end) in ``message.text``.

    Matches do not overlap; spans are in original-text offsets (ready to highlight).
    """
    needle = query.casefold()
    if not needle:
        return []
    found: list[tuple[int, int, int]] = []
    for i, message in enumerate(messages):
        text = message.text
        folded = text.casefold()
        at = folded.find(needle)
        if at < 0:
            continue
        positions = None if len(folded) == len(text) else _fold(text)[1]
        last_end = 0
        while at >= 0:
            start, end = _span(positions, at, at + len(needle))
            if start >= last_end:  # two folded matches inside one 'ß' are one original span
                found.append((i, start, end))
                last_end = end
            at = folded.find(needle, at + len(needle))
    return found
