"""The full text of the status line (an error is never cut to uselessness): one key away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class DetailsScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = """
    DetailsScreen { align: center middle; }
    #details-text { width: 100%; }
    """
    BINDINGS = [Binding("escape,q,i", "dismiss", "Close details", id="details.close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text  # already scrubbed; shown as Content, never markup

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="details-dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            yield Static(Content(self.text), id="details-text")
            yield Label(Content("Escape closes this."), classes="dialog-hint")
