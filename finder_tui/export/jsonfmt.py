"""Lossless JSON export, and the reader ``finder-tui import`` uses to get the items back.

Each message's ``item`` is its original wire item spliced in as the exact JSON text it was
stored as (``Message.raw``), never re-encoded from Python values: a uint64 NewMsgId such as
18446744073709551615 stays exact even for readers that would round it through a double, and
every field we do not model survives. One message per line keeps the file diffable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from ..wire.models import Message
from .common import Doc, ExportError, content_text

FORMAT_NAME = "finder-tui-export"
VERSION = 1


class ExportFormatError(ValueError):
    """The bytes are not a finder-tui JSON export this version can read."""


def _str(text: str) -> bytes:
    try:
        return orjson.dumps(text)
    except TypeError:  # a lone surrogate (only possible in hand-built messages)
        return orjson.dumps(text.encode("utf-8", "replace").decode("utf-8"))


def _item_text(message: Message) -> bytes:
    raw = message.raw
    # A store written by an older or buggy build must not be able to corrupt the whole file.
    try:
        valid = isinstance(orjson.loads(raw), dict)
    except orjson.JSONDecodeError:
        valid = False
    if not valid:
        raise ExportError(f"message {message.key} has no valid original item")
    return raw


def _header(doc: Doc) -> bytes:
    session = {
        "id": doc.session.session_id,
        "peer": doc.session.peer,
        "alias": doc.session.alias,
        "nickname": doc.session.nickname,
        "display_name": doc.name,
        "identity": doc.session.me,
        # The read marker: ``import`` restores it (with the alias) into another store.
        "read_time": doc.session.read_time,
        "read_seq": doc.session.read_seq,
    }
    filters = {
        "since": doc.since.isoformat() if doc.since else None,
        "until": doc.until.isoformat() if doc.until else None,
        "include_system": doc.include_system,
    }
    return b"".join(
        (
            b'{"format":',
            orjson.dumps(FORMAT_NAME),
            b',"version":',
            orjson.dumps(VERSION),
            b',\n"session":',
            orjson.dumps(session),
            b',\n"filter":',
            orjson.dumps(filters),
            b',\n"exported_at":',
            orjson.dumps(doc.exported_iso()),
            b',\n"count":',
            orjson.dumps(len(doc.messages)),
            b',\n"messages":[',
        )
    )


def render(doc: Doc) -> Iterator[bytes]:
    yield _header(doc)
    first = True
    for batch in doc.batches():
        parts: list[bytes] = []
        for message in batch:
            parts.append(b"\n" if first else b",\n")
            first = False
            parts.append(b'{"kind":')
            parts.append(_str(message.kind))
            parts.append(b',"text":')
            parts.append(_str(content_text(message, doc.name_of, detailed=False)))
            parts.append(b',"item":')
            parts.append(_item_text(message))
            parts.append(b"}")
        yield b"".join(parts)
    yield b"\n]}\n"


def read_export_items(data: bytes) -> list[dict[str, Any]]:
    """The original wire items of a JSON export, in file order (for ``finder-tui import``).

    Raises ``ExportFormatError`` (a ``ValueError``) with a readable reason on anything else.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ExportFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise ExportFormatError(f"not a {FORMAT_NAME} file (missing or wrong 'format')")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise ExportFormatError(
            f"unsupported export version {version!r} (this finder-tui reads version {VERSION})"
        )
    messages = doc.get("messages")
    if not isinstance(messages, list):
        raise ExportFormatError("'messages' is not a list")
    items: list[dict[str, Any]] = []
    for n, entry in enumerate(messages):
        item = entry.get("item") if isinstance(entry, dict) else None
        if not isinstance(item, dict):
            raise ExportFormatError(f"message {n} has no 'item' object")
        items.append(item)
    return items
