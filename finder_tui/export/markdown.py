"""Markdown export: a header, a heading per day, one quoted block per message.

Every piece of message-derived text is escaped so it renders as the literal characters it is:
inline punctuation that could open a link, image, emphasis, code span, HTML, math or table is
backslash-escaped, autolink literals are broken, and characters that open a block only at the
start of a line (headings, lists, setext underlines) are escaped there. Nothing a peer sends
can become a link, an image fetch or a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from ..wire.models import Message
from .common import Doc, content_text, encode, render_by_day

# CommonMark allows a backslash before any ASCII punctuation; these are the ones that matter
# ("@" also stops e-mail autolinks and GitHub mentions).
_INLINE = re.compile(r"([\\`*_\[\]{}()<>|~$&@])")
# Autolink literals (GFM, linkify): "://", "www." and bare domains are broken by escaping the
# ":" or "." that makes them, so a bare URL stays text; other dots (1.5 MB) are left alone.
_AUTOLINK = re.compile(r":(?=//)|(?<=[A-Za-z0-9])\.(?=[A-Za-z])")
# Block openers that only count at the start of a line (after up to 3 spaces or tabs).
_LINE_START = re.compile(r"^([ \t]*)([#+=\-])", re.MULTILINE)  # ">" is escaped inline
_ORDERED = re.compile(r"^([ \t]*\d+)\.", re.MULTILINE)
# Leading indentation becomes no-break spaces: 4+ spaces would otherwise start a code block
# (showing the escapes literally), and NBSPs keep the indentation visible when rendered.
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def escape(text: str) -> str:
    """Text that renders as exactly these characters: no link, image, HTML, heading or list."""
    text = _INLINE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: "\\" + m.group(0), text)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _ORDERED.sub(r"\1\\.", text)
    return _INDENT.sub(lambda m: "\u00a0" * len(m.group(0).expandtabs(4)), text)


def _quote(text: str) -> str:
    """A blockquote that keeps every line break (two trailing spaces = hard break)."""
    if not text.strip():
        return "> *(empty)*\n"
    lines = escape(text).split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip():
            out.append(">")
            continue
        hard_break = i + 1 < len(lines) and lines[i + 1].strip()
        out.append(f"> {line}  " if hard_break else f"> {line}")
    return "\n".join(out) + "\n"


def _header(doc: Doc) -> str:
    lines = [
        f"# Conversation with {escape(doc.name)}",
        "",
        f"- **Session:** {escape(doc.session.session_id)}",
        f"- **Peer:** {escape(doc.session.peer or '(unknown)')}",
        f"- **Dates:** {doc.date_range()}",
        f"- **Messages:** {len(doc.messages)}",
        f"- **Exported:** {doc.exported_iso()} by finder-tui",
        "",
    ]
    return "\n".join(lines) + "\n"


def render(doc: Doc) -> Iterator[bytes]:
    def block(message: Message, when: datetime) -> str:
        who = escape(doc.sender(message))
        return f"**{when:%H:%M} · {who}**\n\n" + _quote(content_text(message, doc.name_of)) + "\n"

    yield encode(_header(doc))
    yield from render_by_day(doc, lambda label: f"## {label}\n\n", block)
