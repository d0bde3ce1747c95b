"""Plain-text export: a header, a rule per day, then ``[HH:MM] sender:`` and the indented body.

The body is indented so a multi-line message cannot fake a day rule or another message's
header line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ..wire.models import Message
from ..wire.sanitize import scrub_line
from .common import Doc, content_text, encode, render_by_day

_INDENT = "    "


def _header(doc: Doc) -> str:
    lines = [
        f"Conversation with {doc.name}",
        f"Session:  {scrub_line(doc.session.session_id)}",
        f"Peer:     {scrub_line(doc.session.peer) or '(unknown)'}",
        f"Dates:    {doc.date_range()}",
        f"Messages: {len(doc.messages)}",
        f"Exported: {doc.exported_iso()} by finder-tui",
        "",
    ]
    return "\n".join(lines) + "\n"


def _body(text: str) -> str:
    if not text.strip():
        return f"{_INDENT}(empty)\n"
    return "".join(f"{_INDENT}{line}".rstrip() + "\n" for line in text.split("\n"))


def render(doc: Doc) -> Iterator[bytes]:
    def block(message: Message, when: datetime) -> str:
        return (
            f"[{when:%H:%M}] {doc.sender(message)}:\n"
            + _body(content_text(message, doc.name_of))
            + "\n"
        )

    yield encode(_header(doc))
    yield from render_by_day(doc, lambda label: f"=== {label} ===\n\n", block)
