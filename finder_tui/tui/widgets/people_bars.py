"""The conversation header (who is this, as which identity) and the attention banner."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ... import service_events as ev
from ...peers import display_name, identity_label, peer_kind
from ...store.index import SessionSummary


def header_parts(summary: SessionSummary) -> list[str]:
    """Name · kind · identity · alias · count: what names the open peer once messages scroll."""
    name = display_name(summary.peer, summary.alias, summary.nickname)
    parts = [name, peer_kind(summary.peer)]
    identity = identity_label(summary.me)
    if identity:
        parts.append(identity)
    if summary.alias and summary.nickname and summary.alias != summary.nickname:
        parts.append(f"nickname {summary.nickname}")
    elif summary.alias:
        parts.append("alias")
    parts.append("1 message" if summary.count == 1 else f"{summary.count:,} messages")
    return parts


class ConversationHeader(Static):
    """One line above the conversation. Every piece is plain Content (names are untrusted)."""

    DEFAULT_CSS = """
    ConversationHeader { height: 1; background: $panel; padding: 0 1; }
    """

    def show_summary(self, summary: SessionSummary | None, fallback: str = "") -> None:
        if summary is None:
            self.update(Content(fallback))
            return
        name, *rest = header_parts(summary)
        pieces: list[Content | str] = [Content.styled(name, "bold")]
        for part in rest:
            pieces += [Content.styled(" · ", "dim"), Content(part)]
        self.update(Content.assemble(*pieces))


class AttentionBanner(Static):
    """Across the top of the inbox, in the theme's error colour: what is wrong, what to do."""

    DEFAULT_CSS = """
    AttentionBanner {
        height: auto;
        max-height: 4;
        background: $error;
        color: $text;
        padding: 0 1;
        display: none;
    }
    """

    TITLES = {
        ev.AUTH: "The server refused the token",
        ev.STORE_IN_USE: "The store is in use by another finder-tui",
        ev.BAD_SEGMENTS: "Store files are unreadable",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind = ""
        self.text = ""

    def show_attention(self, attention: ev.Attention) -> None:
        self.kind, self.text = attention.kind, attention.text
        self.display = bool(attention.kind)
        if not attention.kind:
            self.update(Content(""))
            return
        title = self.TITLES.get(attention.kind, "Needs your attention")
        self.update(
            Content.assemble(
                Content.styled(f"⚠ {title}: ", "bold"),
                Content(attention.text),
                "\n",
                Content.styled(attention.hint, "bold"),
            )
        )
