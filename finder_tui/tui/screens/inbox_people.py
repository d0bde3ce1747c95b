"""People in the inbox: the conversation header, the window title, read state that means
something (preview, then read), unread navigation, the attention banner and the status details.

A base of ``InboxScreen`` (like ``FindInConversation``): it needs the open conversation
(``open_key``, ``open_seen``, ``open_summary``), ``_open``/``_mark_seen`` and the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import service_events as ev
from ...store.index_records import SessionSummary
from ..read_state import ReadDelay, next_unread_key
from ..terminal import terminal_safe, write_terminal
from ..widgets.people_bars import AttentionBanner, ConversationHeader
from ..widgets.session_list import LIVE_ENTRY, SessionList
from .details import DetailsScreen
from .inbox_find import FindInConversation

if TYPE_CHECKING:
    from ...service import SyncService


class PeopleInInbox(FindInConversation):
    open_key: str | None
    open_seen: bool

    def __init__(self) -> None:
        super().__init__()
        self.read_delay = ReadDelay(self.set_timer)
        self.window_title = ""  # what the terminal's title bar shows (OSC 2)
        self._title_saved = False

    # ---- provided by InboxScreen ------------------------------------------------------------

    @property
    def service(self) -> SyncService:
        raise NotImplementedError

    def _open(self, key: str, *, seen: bool = True) -> None:
        raise NotImplementedError

    def _mark_seen(self) -> None:
        raise NotImplementedError

    def status_lines(self) -> tuple[str, str, str]:
        """The status line's full text (state, counts, cursor)."""
        raise NotImplementedError

    # ---- header and title -------------------------------------------------------------------

    def show_header(self, summary: SessionSummary | None, fallback: str = "") -> None:
        self.query_one(ConversationHeader).show_summary(summary, fallback)
        if summary is not None:
            self.set_window_title(summary.display_name)
        else:
            self.set_window_title(fallback)

    def set_window_title(self, name: str) -> None:
        """The terminal's title bar names the open conversation (OSC 2). Names are scrubbed at
        ingest; ESC, BEL and ``;`` are dropped here again, as for any terminal escape."""
        title = f"{name} — finder-tui" if name else "finder-tui"
        if title == self.window_title:
            return
        self.window_title = title
        safe = terminal_safe(title)
        # The first time, save the terminal's own title (xterm's title stack) to restore it.
        self._write_terminal(("" if self._title_saved else "\x1b[22;0t") + f"\x1b]2;{safe}\x07")
        self._title_saved = True

    def restore_window_title(self) -> None:
        if self._title_saved:
            self._write_terminal("\x1b[23;0t")
            self._title_saved = False

    def _write_terminal(self, sequence: str) -> None:
        write_terminal(self.app, sequence)

    # ---- read state ---------------------------------------------------------------------------

    def preview(self, key: str) -> None:
        """Moving through the list shows a conversation without reading it; it counts as read
        once it stayed open ``READ_AFTER`` seconds (fast j j j clears nothing)."""
        self._open(key, seen=False)
        if key != LIVE_ENTRY:
            self.read_delay.start(key, self._read_after_preview)

    def _read_after_preview(self, key: str) -> None:
        if self.open_key == key:
            self._mark_seen()

    def action_next_unread(self) -> None:
        self._step_unread(1)

    def action_previous_unread(self) -> None:
        self._step_unread(-1)

    def _step_unread(self, delta: int) -> None:
        session_list = self.query_one(SessionList)
        key = next_unread_key(session_list.rows, session_list.selected_key, delta, LIVE_ENTRY)
        if key is None:
            self.notify("No conversation has unread messages.", timeout=3, markup=False)
            return
        session_list.select_key(key)  # a preview, like moving there

    def action_mark_unread(self) -> None:
        key = self.open_key
        if not key or key == LIVE_ENTRY:
            self.notify("Open a conversation to mark it unread.", markup=False)
            return
        self.read_delay.cancel()
        self.open_seen = False  # stays unread until the user turns to it again
        self.service.mark_unread(key)

    # ---- problems the user must see ---------------------------------------------------------

    def show_attention(self, attention: ev.Attention) -> None:
        self.ensure_panes()
        self.query_one(AttentionBanner).show_attention(attention)

    def action_details(self) -> None:
        """The status line in full (an error is never cut to uselessness)."""
        self.ensure_panes()
        banner = self.query_one(AttentionBanner)
        state, counts, cursor = self.status_lines()
        parts = [state, "", counts, cursor]
        if banner.kind:
            parts[:0] = [banner.text, ""]
        self.app.push_screen(DetailsScreen("Status", "\n".join(parts)))
