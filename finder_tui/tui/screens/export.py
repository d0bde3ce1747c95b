"""The export dialog: format, destination, date range, system notices; writes in a thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, RadioButton, RadioSet
from textual.worker import get_current_worker

from ...export import FORMATS, ExportRequest, ExportResult, default_filename, export_conversation
from ...export import parse_date as parse_export_date
from ...store.index_records import SessionSummary
from ...wire.models import Message
from ...wire.sanitize import scrub_line

FORMAT_LABELS = {
    "md": "Markdown",
    "txt": "Text",
    "json": "JSON",
    "csv": "CSV",
    "html": "HTML",
}


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(Content(self.question), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Overwrite (y)", variant="warning", id="confirm-yes")
                yield Button("Cancel (n)", id="confirm-no")

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ExportScreen(ModalScreen[ExportResult | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel export", id="export.cancel")]

    def __init__(
        self,
        summary: SessionSummary,
        messages: list[Message],
        *,
        directory: Path | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.summary = summary
        self.messages = messages
        self.directory = directory or Path.cwd()
        self.today = today or date.today()
        self.fmt = "md"
        self._path_edited = False
        self.busy = False

    @property
    def peer_name(self) -> str:
        return self.summary.display_name

    def default_path(self, fmt: str) -> str:
        return str(self.directory / default_filename(self.peer_name, fmt, self.today))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label(
                Content(f"Export conversation with {self.peer_name} ({len(self.messages)} items)"),
                classes="dialog-title",
            )
            with RadioSet(id="export-format"):
                for fmt in FORMATS:
                    yield RadioButton(
                        Content(FORMAT_LABELS.get(fmt, fmt)), value=fmt == self.fmt, id=f"fmt-{fmt}"
                    )
            yield Label(Content("Destination"))
            yield Input(value=self.default_path(self.fmt), id="export-path")
            with Horizontal(id="export-range"):
                yield Input(placeholder="since YYYY-MM-DD", id="export-since")
                yield Input(placeholder="until YYYY-MM-DD", id="export-until")
            yield Checkbox(Content("Include system notices"), id="export-system")
            yield Checkbox(
                Content("CSV for spreadsheets (BOM, exact ids)"), value=True, id="export-bom"
            )
            yield ProgressBar(total=100, show_eta=False, id="export-progress")
            yield Label(id="export-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-progress").display = False
        self.query_one("#export-error").display = False
        self.query_one("#export-format", RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        button_id = event.pressed.id or ""
        self.fmt = button_id.removeprefix("fmt-")
        if not self._path_edited:
            box = self.query_one("#export-path", Input)
            box.value = self.default_path(self.fmt)
            self._path_edited = False

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        if event.value != self.default_path(self.fmt):
            self._path_edited = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._start()

    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        self._start()

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def show_error(self, text: str) -> None:
        label = self.query_one("#export-error", Label)
        label.update(Content(scrub_line(text)[:300]))  # error texts can carry file names
        label.display = True

    def build_request(self) -> ExportRequest | None:
        path_text = self.query_one("#export-path", Input).value.strip()
        if not path_text:
            self.show_error("Choose a destination file.")
            return None
        try:
            since_text = self.query_one("#export-since", Input).value.strip()
            until_text = self.query_one("#export-until", Input).value.strip()
            since = parse_export_date(since_text) if since_text else None
            until = parse_export_date(until_text) if until_text else None
        except ValueError as exc:
            self.show_error(str(exc))
            return None
        if since and until and since > until:
            self.show_error("The start date is after the end date.")
            return None
        return ExportRequest(
            session=self.summary,
            messages=self.messages,
            fmt=self.fmt,
            path=Path(path_text).expanduser(),
            since=since,
            until=until,
            include_system=self.query_one("#export-system", Checkbox).value,
            csv_bom=self.query_one("#export-bom", Checkbox).value,
        )

    def _start(self) -> None:
        if self.busy:
            return
        request = self.build_request()
        if request is None:
            return
        if request.path.exists():

            def confirmed(answer: bool | None) -> None:
                if answer:
                    self._run(request, overwrite=True)

            self.app.push_screen(
                ConfirmScreen(f"{scrub_line(str(request.path))} exists. Overwrite it?"), confirmed
            )
            return
        self._run(request, overwrite=False)

    def _run(self, request: ExportRequest, *, overwrite: bool) -> None:
        self.busy = True
        self.query_one("#export-error").display = False
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, len(request.messages)), progress=0)
        self.query_one("#export-go", Button).disabled = True
        self._write(request, overwrite)

    @work(thread=True, exclusive=True, name="export-writer")
    def _write(self, request: ExportRequest, overwrite: bool) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, done, total)

        try:
            result = export_conversation(request, progress=progress, overwrite=overwrite)
        except (OSError, ValueError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.dismiss, result)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=max(1, total), progress=done)

    def _failed(self, text: str) -> None:
        self.busy = False
        self.query_one("#export-go", Button).disabled = False
        self.query_one("#export-progress").display = False
        self.show_error(text)
