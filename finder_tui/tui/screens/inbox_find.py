"""Find in the open conversation (ctrl+f): the find bar under it, its matches, the current one.

The base of ``InboxScreen``: it only needs to know which conversation is open
(``open_summary``) and where the conversation view and the main pane are.
"""

from __future__ import annotations

from textual.css.query import NoMatches

from ...search import find_in_messages
from ...store.index_records import SessionSummary
from ..widgets.conversation import ConversationView
from ..widgets.find_bar import FindBar
from .inbox_panes import InboxPanes


class FindInConversation(InboxPanes):
    def __init__(self) -> None:
        super().__init__()
        self.find_query = ""
        # (message index, start, end) of every match, oldest first; find_current indexes it.
        self.find_matches: list[tuple[int, int, int]] = []
        self.find_current = -1

    def open_summary(self) -> SessionSummary | None:
        """The open conversation's summary; None on the live view or before any is open."""
        raise NotImplementedError

    def _find_bar(self) -> FindBar | None:
        try:
            return self.query_one(FindBar)
        except NoMatches:
            return None  # not used yet

    async def action_find(self) -> None:
        if self.open_summary() is None:
            self.notify("Open a conversation to search in it.", markup=False)
            return
        bar = await self._ensure_find_bar()
        bar.open()

    async def _ensure_find_bar(self) -> FindBar:
        bar = self._find_bar()
        if bar is None:
            bar = FindBar(id="find-bar")
            bar.display = False
            self.ensure_panes()
            await self.query_one("#main-pane").mount(bar)
        return bar

    def on_find_bar_changed(self, event: FindBar.Changed) -> None:
        conversation = self.query_one(ConversationView)
        self.find_query = event.query
        self.find_matches = find_in_messages(conversation.messages, event.query)
        # Start from the newest match: the view opens at the bottom.
        self.find_current = len(self.find_matches) - 1
        self._show_find()

    def on_conversation_view_older_loaded(self, event: ConversationView.OlderLoaded) -> None:
        """Scrolling up loaded older messages: search them too, staying on the same match."""
        if not self.find_query:
            return
        current = self.find_matches[self.find_current] if self.find_matches else None
        conversation = self.query_one(ConversationView)
        self.find_matches = find_in_messages(conversation.messages, self.find_query)
        self.find_current = len(self.find_matches) - 1
        if current is not None:
            moved = (current[0] + event.shift, current[1], current[2])
            if moved in self.find_matches:
                self.find_current = self.find_matches.index(moved)
        self._show_count()

    def on_find_bar_step(self, event: FindBar.Step) -> None:
        if self.find_matches:
            self.find_current = (self.find_current + event.delta) % len(self.find_matches)
        self._show_find()

    def on_find_bar_closed(self, _: FindBar.Closed) -> None:
        self._close_find()
        self.query_one(ConversationView).focus()

    def _show_find(self) -> None:
        conversation = self.query_one(ConversationView)
        if not self.find_matches:
            conversation.set_highlight(self.find_query)
            self._show_count()
            return
        message_index = self.find_matches[self.find_current][0]
        conversation.set_highlight(self.find_query, message_index)
        conversation.scroll_to_message(message_index)
        self._show_count()

    def _show_count(self) -> None:
        everything = self.query_one(ConversationView).history_complete
        bar = self.query_one(FindBar)
        bar.show_count(
            self.find_current, len(self.find_matches), self.find_query, everything=everything
        )

    def _close_find(self) -> None:
        self.find_query, self.find_matches, self.find_current = "", [], -1
        bar = self._find_bar()
        if bar is not None and bar.display:
            bar.display = False
        self.query_one(ConversationView).set_highlight("")
