"""The top bar (title, mode, live badge) and the status bar (sync state, counts, cursor)."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static


class TopBar(Static):
    """Title on the left, the mode (demo/offline/account) and the live badge on the right."""

    def show(self, mode: str, live_now: int) -> None:
        badge = (
            Content.styled(f" ● {live_now} LIVE ", "bold white on red") if live_now else Content("")
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hints: list[tuple[str, str]] = []

    def show_bindings(self, bindings: list[tuple[str, str]]) -> None:
        self._hints = list(bindings)
        self._render_fitting()

    def on_resize(self) -> None:
        self._render_fitting()

    def _render_fitting(self) -> None:
        """Whole labels only: when the line is too narrow, the least important keys (the last
        ones: the focused pane's come first, then the app's) are dropped, never cut."""
        width = self.size.width or 10_000
        kept = fit_bindings(self._hints, width)
        parts: list[Content | str] = []
        for key, description in kept:
            parts += [Content.styled(f" {key} ", "bold reverse"), Content(f" {description}  ")]
        self.update(Content.assemble(*parts))


KEEP = frozenset({"Help"})  # the way to every other key: never dropped


def fit_bindings(
    bindings: list[tuple[str, str]], width: int, keep: frozenset[str] = KEEP
) -> list[tuple[str, str]]:
    """The bindings whose hints fit in ``width`` cells, dropping from the end (``keep`` last)."""

    def cells(entries: list[tuple[str, str]]) -> int:
        return sum(cell_len(f" {k} ") + cell_len(f" {d}  ") for k, d in entries)

    kept = list(bindings)
    while kept and cells(kept) > width:
        droppable = [i for i, (_k, d) in enumerate(kept) if d not in keep]
        kept.pop(droppable[-1] if droppable else -1)
    return kept
