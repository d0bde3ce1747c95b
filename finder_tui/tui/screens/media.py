"""Dialogs for what a message holds: an image preview, a choice among its links, and where
to save an image (asking before overwriting)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ..image_view import image_widget_class
from .export import ConfirmScreen


class ImagePreviewScreen(ModalScreen[str | None]):
    """The image, drawn by textual-image; dismisses with "external" or "save" for O and S."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = """
    ImagePreviewScreen { align: center middle; }
    #image-dialog { width: 90%; height: 90%; border: round $accent; background: $surface; }
    #image-area { width: 1fr; height: 1fr; align: center middle; }
    /* auto in both: textual-image fits the picture keeping its proportions (1fr stretched it) */
    #image-area > .preview-image { width: auto; height: auto; }
    #image-dialog > Label { width: 100%; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q,enter", "close", "Close", id="preview.close"),
        Binding("O", "choose('external')", "Open in viewer", id="preview.external"),
        Binding("S", "choose('save')", "Save", id="preview.save"),
    ]

    def __init__(self, path: Path, title: str) -> None:
        super().__init__()
        self.path = path
        self.title_text = title

    def compose(self) -> ComposeResult:
        widget_class = image_widget_class()
        with Vertical(id="image-dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            with Container(id="image-area"):
                yield widget_class(str(self.path), classes="preview-image")
            yield Label(
                Content("O open in the system viewer · S save · Escape closes"),
                classes="dialog-hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)

    def action_choose(self, what: str) -> None:
        self.dismiss(what)


class ChooseLinkScreen(ModalScreen[str | None]):
    """Several links in one message: pick the one to open (each shown as the URL itself)."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = "ChooseLinkScreen { align: center middle; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="links.cancel")]

    def __init__(self, urls: list[str]) -> None:
        super().__init__()
        self.urls = urls

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="links-dialog"):
            yield Label(Content("Open which link?"), classes="dialog-title")
            yield OptionList(*(Option(Content(url)) for url in self.urls), id="links-list")
            yield Label(Content("Enter opens · Escape cancels"), classes="dialog-hint")

    @on(OptionList.OptionSelected, "#links-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.urls[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveImageScreen(ModalScreen[Path | None]):
    """Where to save: a safe default name, editable; an existing file needs a yes."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = "SaveImageScreen { align: center middle; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save.cancel")]

    def __init__(self, default: Path, exists: Callable[[Path], bool] | None = None) -> None:
        super().__init__()
        self.default = default
        self.exists = exists or Path.exists

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="save-dialog"):
            yield Label(Content("Save image as"), classes="dialog-title")
            yield Input(value=str(self.default), id="save-path")
            yield Label(Content("Enter saves · Escape cancels"), classes="dialog-hint")

    @on(Input.Submitted, "#save-path")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if path.is_dir():
            path = path / self.default.name
        if not self.exists(path):
            self.dismiss(path)
            return

        def answered(overwrite: bool | None) -> None:
            if overwrite:
                self.dismiss(path)

        self.app.push_screen(ConfirmScreen(f"{path} exists. Overwrite it?"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageDetailScreen(ModalScreen[None]):
    """Everything we know of one message, as plain text: kind, ids, time and the fields its
    payload carried (a location's coordinates, a file's size, a quote's source…)."""

    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = "MessageDetailScreen { align: center middle; }"
    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="detail.close")]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="detail-dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            for name, value in self.rows:
                yield Label(Content.assemble(Content.styled(f"{name}: ", "bold"), value))
            yield Label(Content("Escape closes"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
