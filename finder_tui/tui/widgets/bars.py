"""The top bar (title, mode, live badge) and the status bar (sync state, counts, cursor)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class TopBar(Static):
    """Title on the left, the mode (demo/offline/account) and the live badge on the right."""

    def show(self, mode: str, live_now: int, names: tuple[str, ...] = ()) -> None:
        """``names``: who is live, when known (untrusted text: plain Content, capped)."""
        who = f"· {', '.join(names)} "[:40] if names else ""
        badge = (
            Content.styled(f" ● {live_now} LIVE {who}", "bold white on red")
            if live_now
            else Content("")
        )
        self.update(
            Content.assemble(
                Content.styled(" finder-tui ", "bold"),
                Content.styled(f" {mode} ", "reverse"),
                "  ",
                badge,
            )
        )


class StatusBar(Static):
    """One line: sync state · counts · decoded cursor. Every piece is plain Content."""

    def show(self, state: str, counts: str, cursor: str) -> None:
        self.update(
            Content.assemble(
                Content(f" {state}"),
                Content.styled("  │  ", "dim"),
                Content(counts),
                Content.styled("  │  ", "dim"),
                Content(cursor),
            )
        )


class KeyBar(Static):
    """A one-line key hint bar: the app's shown bindings plus the focused pane's.

    Textual's Footer mounts a widget per key and recomposes on every focus change; at startup
    that alone cost more than the rest of the inbox. One Static line does the same job.
    """

    def show_bindings(self, bindings: list[tuple[str, str]]) -> None:
        parts: list[Content | str] = []
        for key, description in bindings:
            parts += [Content.styled(f" {key} ", "bold reverse"), Content(f" {description}  ")]
        self.update(Content.assemble(*parts))
