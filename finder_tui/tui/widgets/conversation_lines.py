"""What a conversation is drawn from: the line specs one layout makes of its messages (day
separators, meta lines, wrapped bubbles, centred notices, notes), the text a message shows,
and find-in-conversation highlighting. No widget state: ``ConversationView`` calls these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from ...export.common import NameOf, content_text
from ...wire.content import BROKEN, SYSTEM_KINDS
from ...wire.models import Message
from ..cells import wrap
from ..emoji import BASE, simplify
from ..emoji import mode as emoji_mode
from ..timefmt import clock, day_label, day_of
from .line_list import seg

DAY, META, BUBBLE, CENTER, BLANK, NOTE = range(6)


@dataclass(slots=True)
class Line:
    kind: int
    message: int = -1  # index into ``messages``
    text: str = ""
    width: int = 0  # bubble width (cells) for BUBBLE lines


def message_text(
    message: Message, names: Callable[[Message], NameOf], *, card: bool = False
) -> str:
    """The stored text, or, for the few messages whose text depends on names or on a later
    recall, what ``show`` and the exports print (cheap for all others: layout runs often);
    with ``card``, a link card's URL on a line of its own (shown as itself, a hyperlink);
    emoji sequences drawn as their base emoji in ``base`` mode (see ``emoji``)."""
    meta = message.meta
    if "recalled" in meta or "template" in meta:
        text = content_text(message, names(message), detailed=False)
    else:
        text = message.text
    if card:
        url = meta.get("url")
        if url and isinstance(url, str) and url not in text:
            text += "\n" + url
    return simplify(text) if emoji_mode() == BASE else text


def body_text(message: Message, names: Callable[[Message], NameOf]) -> str:
    if message.kind == BROKEN:
        expected = message.meta.get("expected", "message")
        return f"[unreadable {expected} payload]\n{message.text}"
    return message_text(message, names, card=True)


def lay_out(
    messages: list[Message],
    start: int,
    end: int,
    lines: list[Line],
    first_line: list[int],
    width: int,
    names: Callable[[Message], NameOf],
    notes: dict[str, str],
) -> None:
    """Append the lines of ``messages[start:end]`` to ``lines`` and each one's first line
    number to ``first_line``, for a pane ``width`` cells wide."""
    text_width = max(8, int(width * 0.72) - 4)
    previous_day = day_of(messages[start - 1].create_time) if start else None
    for i in range(start, end):
        message = messages[i]
        day = day_of(message.create_time)
        if day != previous_day:
            lines.append(Line(DAY, i, day_label(day)))
            previous_day = day
        first_line.append(len(lines))
        if message.kind in SYSTEM_KINDS:
            # Centred and wrapped: a notice can be long, or hold line breaks (type 10000).
            shown = message_text(message, names)
            notice = f"{clock(message.create_time)} · {shown}"
            lines.extend(Line(CENTER, i, part) for part in wrap(notice, width - 4) or [""])
            continue
        lines.append(Line(META, i, clock(message.create_time)))
        text = body_text(message, names)
        body = wrap(text, text_width) or [""]
        bubble = max(cell_len(line) for line in body) + 2
        lines.extend(Line(BUBBLE, i, line, bubble) for line in body)
        note = notes.get(message.key)
        if note:
            lines.append(Line(NOTE, i, note))
        lines.append(Line(BLANK, i))


def highlighted(text: str, query: str, style: Style, mark: Style) -> list[Segment]:
    """``text`` in ``style`` with each match of the casefolded ``query`` in ``mark``."""
    folded = text.casefold()
    if len(folded) != len(text) or query not in folded:
        return [seg(text, style)]
    out: list[Segment] = []
    pos = 0
    size = len(query)
    while (found := folded.find(query, pos)) >= 0:
        if found > pos:
            out.append(seg(text[pos:found], style))
        out.append(seg(text[found : found + size], mark))
        pos = found + size
    if pos < len(text):
        out.append(seg(text[pos:], style))
    return out
