"""The top bar (title, mode, live badge) and the status bar (sync state, counts, cursor)."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.widgets import Static

from ..cells import truncate


class TopBar(Static):
    """Title on the left, the mode (demo/offline/account) and the live badge on the right.

    The badge's colours are a component class using the theme's variables (override it in
    finder.tcss); a theme change recolours it. Title and mode only reverse/bold the bar's own
    colours ($panel/$text in finder.tcss).
    """

    COMPONENT_CLASSES = {"top-bar--live"}
    DEFAULT_CSS = """
    TopBar {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    TopBar > .top-bar--live {
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    _shown: tuple[str, int, tuple[str, ...]] | None = None

    def show(self, mode: str, live_now: int, names: tuple[str, ...] = ()) -> None:
        """``names``: who is live, when known (untrusted text: plain Content, capped)."""
        self._shown = (mode, live_now, names)
        title, mode_text, count = " finder-tui ", f" {mode} ", f" ● {live_now} LIVE "
        # The names get what is left of the bar, in cells (a wide name is two a character),
        # cut with an ellipsis; with no room for one, the badge stays just the count.
        room = self.size.width - cell_len(title + mode_text + "  " + count) - 3
        who = f"· {truncate(', '.join(names), room)} " if names and room >= 2 else ""
        badge = (
            Content.styled(count + who, self.get_visual_style("top-bar--live"))
            if live_now
            else Content("")
        )
        self.update(
            Content.assemble(
                Content.styled(title, "bold"),
                Content.styled(mode_text, "reverse"),
                "  ",
                badge,
            )
        )

    def on_resize(self, _: events.Resize) -> None:
        self._reshow()  # the names' room changed

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._shown is not None:
            # The theme changed: rebuild with its colours, once the stylesheet has updated the
            # component styles too (they update after the widget's own).
            self.call_after_refresh(self._reshow)

    def _reshow(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)


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
    """A one-line key hint bar: the focused pane's shown bindings plus the inbox's.

    Textual's Footer mounts a widget per key and recomposes on every focus change; at startup
    that alone cost more than the rest of the inbox. One Static line does the same job.
    A disabled binding (say, Export with no conversation open) shows dimmed, like Footer's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hints: list[tuple[str, str, bool]] = []

    def show_bindings(self, bindings: list[tuple[str, str, bool]]) -> None:
        """``bindings``: (key display, description, enabled) in the order to show."""
        self._hints = list(bindings)
        self._render_fitting()

    def on_resize(self) -> None:
        self._render_fitting()

    def _render_fitting(self) -> None:
        """Whole labels only: when the line is too narrow, the least important keys (the last
        ones: the focused pane's come first, then the app's) are dropped, never cut."""
        width = self.size.width or 10_000
        parts: list[Content | str] = []
        for key, description, enabled in fit_bindings(self._hints, width):
            if enabled:
                parts += [Content.styled(f" {key} ", "bold reverse"), Content(f" {description}  ")]
            else:
                parts += [
                    Content.styled(f" {key} ", "dim reverse"),
                    Content.styled(f" {description}  ", "dim"),
                ]
        self.update(Content.assemble(*parts))


KEEP = frozenset({"Help"})  # the way to every other key: never dropped


def fit_bindings(
    bindings: list[tuple[str, str, bool]], width: int, keep: frozenset[str] = KEEP
) -> list[tuple[str, str, bool]]:
    """The bindings whose hints fit in ``width`` cells, dropping from the end (``keep`` last)."""

    def cells(entries: list[tuple[str, str, bool]]) -> int:
        return sum(cell_len(f" {k} ") + cell_len(f" {d}  ") for k, d, _on in entries)

    kept = list(bindings)
    while kept and cells(kept) > width:
        droppable = [i for i, (_k, d, _on) in enumerate(kept) if d not in keep]
        kept.pop(droppable[-1] if droppable else -1)
    return kept
