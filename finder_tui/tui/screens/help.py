"""The help screen: every binding of the app and its panes, with its description."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def _rows(
    app: App[object], title: str, bindings: list[BindingType], keymap: dict[str, str]
) -> list[Content]:
    rows = [Content.styled(title, "bold underline")]
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        bound = keymap.get(binding.id or "", binding.key)  # the user's keymap wins
        keys = ", ".join(app.get_key_display(binding.with_key(k.strip())) for k in bound.split(","))
        rows.append(
            Content.assemble(
                Content.styled(f"  {keys:<20}", "bold"),
                Content(f"{binding.description:<30}"),
                Content.styled(binding.id or "", "dim"),
            )
        )
    rows.append(Content(""))
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(
        self, sections: list[tuple[str, list[BindingType]]], keymap: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        lines: list[Content] = [Content.styled("finder-tui — keys", "bold"), Content("")]
        for title, bindings in self.sections:
            lines.extend(_rows(self.app, title, bindings, self.keymap))
        lines.append(Content.styled("Escape closes this screen.", "dim"))
        with VerticalScroll(id="help-body"):
            yield Static(Content("\n").join(lines), id="help-text")
