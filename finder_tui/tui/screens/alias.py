"""Set or clear the alias of the open conversation's peer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class AliasScreen(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="alias.cancel")]

    def __init__(self, peer_label: str, current: str) -> None:
        super().__init__()
        self.peer_label = peer_label
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="alias-dialog", classes="dialog"):
            yield Label(Content(f"Alias for {self.peer_label}"), classes="dialog-title")
            yield Input(
                value=self.current,
                placeholder="empty clears the alias",
                max_length=64,
                id="alias-input",
            )
            yield Label(Content("Enter saves · Escape cancels"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
