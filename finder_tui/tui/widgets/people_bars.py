"""The conversation header (who is this, as which identity) and the attention banner."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from ... import service_events as ev
from ...peers import identity_label, peer_kind, short_id
from ...store.index_records import SessionSummary
from ...textfmt import plural
from ..emoji import simplify

# Which parts go first when the line is too narrow; the name always stays.
DROP_ORDER = ("count", "alias", "identity", "kind")
SEPARATOR = " · "


def header_parts(summary: SessionSummary) -> list[tuple[str, str]]:
    """(role, text): name · kind · identity · alias · count, what names the open peer once
    messages scroll. Without an alias or nickname the name is the short id (the kind follows)."""
    named = summary.alias or summary.nickname
    parts = [("name", named or short_id(summary.peer) or "(unknown)")]
    parts.append(("kind", peer_kind(summary.peer)))
    identity = identity_label(summary.me)
    if identity:
        parts.append(("identity", identity))
    if summary.alias and summary.nickname and summary.alias != summary.nickname:
        parts.append(("alias", f"nickname {summary.nickname}"))
    elif summary.alias:
        parts.append(("alias", "alias"))
    parts.append(("count", plural(summary.count, "message")))
    return parts


def fit_parts(parts: list[tuple[str, str]], width: int) -> list[str]:
    """The parts that fit ``width`` terminal cells, whole, dropping by ``DROP_ORDER``."""
    kept = list(parts)
    for role in DROP_ORDER:
        if width <= 0 or cell_len(SEPARATOR.join(text for _, text in kept)) <= width:
            break
        kept = [part for part in kept if part[0] != role]
    return [text for _, text in kept]


class ConversationHeader(Static):
    """One line above the conversation. Every piece is plain Content (names are untrusted)."""

    DEFAULT_CSS = """
    ConversationHeader { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._summary: SessionSummary | None = None
        self._fallback = ""

    def show_summary(self, summary: SessionSummary | None, fallback: str = "") -> None:
        self._summary, self._fallback = summary, fallback
        self._render_line()

    def on_resize(self) -> None:
        self._render_line()

    def _render_line(self) -> None:
        if self._summary is None:
            self.update(Content(self._fallback))
            return
        parts = [(role, simplify(text)) for role, text in header_parts(self._summary)]
        name, *rest = fit_parts(parts, self.content_size.width)
        pieces: list[Content | str] = [Content.styled(name, "bold")]
        for part in rest:
            pieces += [Content.styled(SEPARATOR, "dim"), Content(part)]
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
