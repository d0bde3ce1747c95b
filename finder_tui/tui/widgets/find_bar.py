"""Find in the open conversation: a query box and "n/m" counter under the conversation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label


class FindBar(Horizontal):
    BINDINGS = [
        Binding("down,f3", "step(1)", "Next match", id="find.next"),
        Binding("up,shift+f3", "step(-1)", "Previous match", id="find.previous"),
        Binding("escape", "close", "Close find", id="find.close"),
    ]

    class Changed(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Step(Message):
        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    class Closed(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Label(Content("Find:"), id="find-label")
        yield Input(placeholder="text in this conversation…", id="find-input")
        yield Label(Content(""), id="find-count")

    def open(self) -> None:
        self.display = True
        self.query_one(Input).focus()

    def show_count(self, current: int, total: int, query: str, *, everything: bool = True) -> None:
        """``everything``: the conversation's whole history is loaded (else older messages,
        not loaded yet, were not searched: scrolling up loads them, ``s`` searches all)."""
        if not query:
            text = ""
        else:
            text = "no matches" if total == 0 else f"{current + 1}/{total}"
            if not everything:
                text += " · loaded only"
        self.query_one("#find-count", Label).update(Content(text))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))

    def action_step(self, delta: int) -> None:
        self.post_message(self.Step(delta))

    def action_close(self) -> None:
        self.display = False
        self.post_message(self.Closed())
