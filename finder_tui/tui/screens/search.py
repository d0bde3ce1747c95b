"""Global search across every conversation: type, see hits (session, time, snippet), jump."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ...search import Hit, SearchResult, search
from ...store.index import Index
from ..timefmt import full


@dataclass(frozen=True, slots=True)
class SearchJump:
    session_id: str
    message_key: str
    query: str


def hit_prompt(hit: Hit, name: str) -> Content:
    """Plain Content (never markup) with the match highlighted."""
    head = Content.styled(f"{name}  ·  {full(hit.message.create_time)}", "dim")
    snippet = Content(hit.snippet).stylize("bold reverse", hit.snippet_start, hit.snippet_end)
    return Content.assemble(head, "\n  ", snippet)


class SearchScreen(ModalScreen[SearchJump | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Close search", id="search.close"),
        Binding("down", "focus_results", "Results", show=False, id="search.results"),
    ]

    def __init__(self, index: Index, query: str = "") -> None:
        super().__init__()
        self.index = index
        self.initial = query
        self.hits: list[Hit] = []
        self.result: SearchResult | None = None
        self.shown_query = ""  # the query whose hits are listed (searches run in a worker)

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog", classes="dialog"):
            yield Label(Content("Search all conversations"), classes="dialog-title")
            yield Input(value=self.initial, placeholder="text to find…", id="search-input")
            yield Label(Content(""), id="search-summary", classes="dialog-hint")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.initial:
            self._run(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._run(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter jumps to the newest hit; Down moves into the list to pick another."""
        if self.hits and self.shown_query == event.value:
            hit = self.hits[0]
            self.dismiss(SearchJump(hit.session_id, hit.message.key, event.value))

    def action_focus_results(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            results.highlighted = 0
            results.focus()

    @work(thread=True, exclusive=True, name="search")
    def _run(self, query: str) -> None:
        result = search(self.index, query, limit=300)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, query, result)

    def _show(self, query: str, result: SearchResult) -> None:
        self.shown_query = query
        self.result = result
        self.hits = result.hits
        options = []
        for i, hit in enumerate(result.hits):
            summary = self.index.session(hit.session_id)
            name = summary.display_name if summary else hit.session_id
            options.append(Option(hit_prompt(hit, name), id=str(i)))
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options(options)
        if not query.strip():
            summary_text = ""
        else:
            shown = f" (showing {len(result.hits)})" if result.total > len(result.hits) else ""
            summary_text = f"{result.total} matches{shown} in {result.seconds * 1000:.0f} ms"
        self.query_one("#search-summary", Label).update(Content(summary_text))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[int(event.option.id or 0)]
        query = self.query_one("#search-input", Input).value
        self.dismiss(SearchJump(hit.session_id, hit.message.key, query))

    def action_cancel(self) -> None:
        self.dismiss(None)
