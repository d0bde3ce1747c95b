"""The session filter (``/``): a box over the session list that narrows it as you type;
Enter opens the highlighted match, Escape (or Enter) clears it and the full list comes back.

A base of ``InboxScreen`` (like ``FindInConversation``): it needs the open conversation
(``open_key``), whether to follow the newest session, ``_open`` and ``_mark_seen``.
"""

from __future__ import annotations

from textual import on
from textual.css.query import NoMatches
from textual.widgets import Input

from ..widgets.session_list import SessionList
from .inbox_panes import InboxPanes


class SessionFilter(InboxPanes):
    open_key: str | None  # the inbox's open conversation (or the live view, or None)
    follow_newest: bool
    _follow_once: bool

    def _open(self, key: str, *, seen: bool = True) -> None:
        raise NotImplementedError

    def _mark_seen(self) -> None:
        raise NotImplementedError

    def _filter_box(self) -> Input | None:
        try:
            return self.query_one("#session-filter", Input)
        except NoMatches:
            return None  # not used yet

    async def _ensure_filter_box(self) -> Input:
        box = self._filter_box()
        if box is None:
            box = Input(placeholder="filter sessions…", id="session-filter")
            box.display = False
            await self.query_one("#list-pane").mount(box, before=0)
        return box

    async def action_filter(self) -> None:
        box = await self._ensure_filter_box()
        box.display = True
        box.focus()

    @on(Input.Changed, "#session-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(SessionList).set_filter(event.value)

    @on(Input.Submitted, "#session-filter")
    def _filter_submitted(self) -> None:
        # Enter opens the highlighted match, then the full list comes back around it.
        session_list = self.query_one(SessionList)
        if not session_list.rows:
            return  # nothing matches: Enter opens nothing, the filter stays to be edited
        chosen = session_list.selected_key
        if chosen and chosen != self.open_key:
            self.follow_newest = self._follow_once = False
            self._open(chosen)
        else:
            self._mark_seen()
        self._close_filter()

    def action_back_to_list(self) -> None:
        box = self._filter_box()
        if box is not None and box.display:
            self._close_filter()
        self.query_one(SessionList).focus()

    def _close_filter(self) -> None:
        """Clear and hide the filter; the selection returns to the open conversation."""
        box = self._filter_box()
        if box is not None:
            box.value = ""
            box.display = False
        session_list = self.query_one(SessionList)
        session_list.set_filter("")
        if self.open_key is not None:
            session_list.select_key(self.open_key, announce=False)
        session_list.focus()
