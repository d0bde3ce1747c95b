"""The inbox screen: session list, conversation, live view, key and status bars.

It owns the layout, opening sessions, the session filter (its base ``SessionFilter`` in
``inbox_filter.py``), find in the conversation (its base, ``FindInConversation`` in
``inbox_find.py``) and the dialogs the inbox opens (alias, export,
global search). The App (``FinderApp``) owns the sync
service and its event pump: it calls this screen's typed methods (``refresh_list``,
``refresh_status``, ``history_loaded``, ``new_messages``, ``catch_up_ended``, ``tick``) as
events arrive, in their order, with no message queue in between.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol, cast

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from ...peers import display_name
from ...store.glance import Glance
from ...store.index import Index
from ...store.index_records import SessionSummary
from ...textfmt import plural
from ..read_state import BINDINGS as READ_STATE_BINDINGS
from ..widgets.bars import KeyBar, StatusBar, TopBar
from ..widgets.conversation import ConversationView
from ..widgets.live_pane import LivePane, live_names
from ..widgets.live_view import LiveView
from ..widgets.message_cursor import MessageCursor
from ..widgets.session_list import LIVE_ENTRY, SessionList
from .alias import AliasScreen
from .inbox_filter import SessionFilter
from .inbox_people import PeopleInInbox
from .inbox_reply import ReplyInConversation
from .search import SearchJump, SearchScreen

if TYPE_CHECKING:
    from ...export import ExportResult
    from ...service import SyncService
    from ...service_events import NewMessages
    from ..alerting import TuiAlerts


class InboxHost(Protocol):
    """What the inbox needs from its App (``FinderApp``), named so it never imports it."""

    service: SyncService
    index: Index | None
    mode: str
    alerts: TuiAlerts

    def status_text(self, *, full: bool = False) -> tuple[str, str, str]: ...

    def inbox_mounted(self) -> None: ...


# Actions that act on the open conversation: disabled (and shown so) while none is open.
NEEDS_CONVERSATION = frozenset({"alias", "export", "find", "reply"})


class InboxScreen(PeopleInInbox, ReplyInConversation, SessionFilter):
    # Every key of the inbox, in the order the key bar shows them. The ids are user config
    # (keymap): they keep the "app." prefix they had when these were the App's bindings.
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="app.quit"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("r", "app.sync_now", "Sync now", id="app.sync"),
        Binding("a", "alias", "Alias", id="app.alias"),
        Binding("l", "open_live", "Live", id="app.live"),
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("e", "export", "Export", id="app.export"),
        Binding("ctrl+f", "find", "Find", id="app.find"),
        Binding("s", "search", "Search all", id="app.search"),
        Binding("escape", "back_to_list", "Back to list", show=False, id="app.back"),
        *READ_STATE_BINDINGS,
        Binding("i", "reply", "Reply", id="app.reply"),
        Binding("R", "retry_send", "Retry unsent message", show=False, id="app.retry_send"),
        Binding("D", "discard_send", "Discard unsent message", show=False, id="app.discard_send"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.open_key: str | None = None
        self.live_shown = 0  # the live count the badge shows (the 1 s tick recounts it)
        # Whether the user has looked at the open conversation: one the app opened by itself
        # (the newest, at start) keeps its unread count until the user picks or enters it.
        self.open_seen = False
        # Until the user picks a session (or the first catch-up ends), follow the newest one.
        self.follow_newest = True
        self._follow_once = False

    @property
    def host(self) -> InboxHost:
        return cast(InboxHost, self.app)

    @property
    def reply_service(self) -> SyncService:
        return self.host.service

    @property
    def index(self) -> Index | None:
        return self.host.index

    @property
    def service(self) -> SyncService:
        return self.host.service

    def status_lines(self) -> tuple[str, str, str]:
        return self.host.status_text(full=True)

    # ---- layout ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        # The first frame: the session list and the bars (see InboxPanes for the rest).
        self.query_one(TopBar).show(self.host.mode, 0)
        self.query_one(SessionList).focus()
        # The App waited (briefly) for the store thread: the head's index, or else the glance
        # of the last commit (the index replaces it a few ms later, StoreOpened).
        index, glance = self.service.index, self.service.glance
        if index is not None:
            self._show_sessions(index)
        elif glance is not None:
            self._show_glance(glance)
        self.refresh_status()
        self.refresh_keys()
        # A dialog's keys show while it is up; once it closes (or the palette does) the bar
        # must show the inbox's again, and focus need not change for that to happen.
        self.app.screen_change_signal.subscribe(self, self._on_screen_change)
        self.bindings_updated_signal.subscribe(self, self._on_screen_change)

    def panes_ready(self) -> None:
        self.host.inbox_mounted()  # the store's events, in order (StoreOpened first)
        self.call_after_refresh(self._mount_after_first_frame)

    async def _mount_after_first_frame(self) -> None:
        # Ready before the user reaches for them: a key typed right after the first "/" must
        # land in the box, not in the list while the box mounts.
        await self._ensure_filter_box()
        await self._ensure_find_bar()
        await self.ensure_compose_box()

    # ---- called by the App's event pump ----------------------------------------------------

    def catch_up_ended(self) -> bool:
        """The first catch-up ended: open the newest session once (returns whether the list
        needs a refresh for that)."""
        if not self.follow_newest:
            return False
        self.follow_newest = False
        self._follow_once = True
        return True

    def history_loaded(self) -> None:
        """Older history finished loading: the open conversation shows all of it."""
        if self.open_key and self.open_key != LIVE_ENTRY:
            self._open(self.open_key, seen=self.open_seen)

    def new_messages(self, event: NewMessages) -> None:
        key = self.open_key
        if key and key != LIVE_ENTRY and key in event.by_session:
            self.query_one(ConversationView).append(event.by_session[key])
            if self.open_seen:
                self.host.service.mark_read(key)
        if key == LIVE_ENTRY and event.notices:
            self._show_live()

    def _show_glance(self, glance: Glance) -> None:
        now, stale_after = time.time(), self.host.alerts.live_stale_after
        live_now = glance.live_now(now, stale_after)
        names = glance.live_names(now, stale_after)
        self._fill_list(glance.sessions, live_now, glance.unseen_live, names)

    def _show_sessions(self, index: Index) -> SessionList:
        live_now = index.live_now_count()
        names = live_names(index, live_now)
        return self._fill_list(index.sessions(), live_now, index.unseen_live_notices(), names)

    def _fill_list(
        self, sessions: list[SessionSummary], live_now: int, unseen: int, names: tuple[str, ...]
    ) -> SessionList:
        """The list and the top bar's live badge, from the index or from the glance."""
        self.live_shown = live_now
        session_list = self.query_one(SessionList)
        session_list.update_data(sessions, live_now, unseen)
        self.query_one(TopBar).show(self.host.mode, live_now, names)
        return session_list

    def refresh_list(self) -> None:
        index = self.index
        if index is None:
            return
        session_list = self._show_sessions(index)
        # Re-opening the newest session on every refresh of a long catch-up would relayout the
        # conversation again and again: open the first one at once, the newest once at the end.
        if self.open_key is None or self._follow_once:
            newest = session_list.first_session_key()
            if newest is not None:
                self._follow_once = False
                if newest != self.open_key:
                    session_list.select_key(newest, announce=False)
                    if self.open_key is None:
                        # The first frame shows the list; laying out the conversation waits
                        # for the frame after it.
                        self.call_after_refresh(self._open_first, newest)
                    else:
                        self._open(newest, seen=False)
                    return
        if self.open_key == LIVE_ENTRY:
            self.query_one(LivePane).show_streams(index)
        elif self.open_key is not None:
            if self.query_one(ConversationView).session_id != self.open_key:
                self._open(self.open_key, seen=self.open_seen)  # picked from the glance
                return
            summary = index.session(self.open_key)  # an alias or a name may have changed
            if summary is not None:
                name = summary.display_name
                self.query_one(ConversationView).set_peer_name(name)
                self.show_header(summary)

    def refresh_status(self) -> None:
        self.query_one(StatusBar).show(*self.host.status_text())

    def tick(self) -> None:
        self.refresh_status()
        self.query_one(LiveView).tick()
        # A stream crossing ``live_stale_after`` stops counting with nothing else happening.
        if self.index is not None and self.index.live_now_count() != self.live_shown:
            self.refresh_list()

    # ---- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Actions on the open conversation are disabled (shown dimmed) while none is open."""
        if action in NEEDS_CONVERSATION and self.open_summary() is None:
            return None
        return True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # The App refreshes the key bar after this (focus moves in dialogs matter too).
        if isinstance(event.widget, ConversationView):
            self._mark_seen()

    def _on_screen_change(self, _: Screen[object]) -> None:
        self.call_after_refresh(self.refresh_keys)

    def refresh_keys(self) -> None:
        """Key hints: the focused widget's shown bindings first, then the inbox's; disabled
        ones dimmed."""
        box = self.compose_box()
        if box is not None and self.app.focused is box:
            self._show_keys(list(box.KEY_HINTS))
            return
        shown: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for active in self.app.active_bindings.values():
            binding = active.binding
            if binding.show and binding.description not in seen:
                seen.add(binding.description)
                shown.append(
                    (self.app.get_key_display(binding), binding.description, active.enabled)
                )
        shown.append(("^p", "Palette", True))
        self._show_keys(shown)

    def _show_keys(self, shown: list[tuple[str, str, bool]]) -> None:
        try:
            self.query_one(KeyBar).show_bindings(shown)
        except NoMatches:
            pass

    # ---- opening sessions ------------------------------------------------------------------

    def open_summary(self) -> SessionSummary | None:
        key = self.open_key
        if self.index is None or not key or key == LIVE_ENTRY:
            return None
        return self.index.session(key)

    def _open(self, key: str, *, seen: bool = True) -> None:
        """Show ``key``; ``seen`` (the user chose it) marks it read, an automatic open not."""
        self.ensure_panes()
        self.open_key = key
        self.open_seen = seen
        self.refresh_bindings()  # export, alias and find depend on what is open
        if key != self.read_delay.key:
            self.read_delay.cancel()
        switcher = self.query_one(ContentSwitcher)
        if key == LIVE_ENTRY:
            switcher.current = "live"
            self.query_one("#new-below").display = False
            self.show_header(None, "● Live streams")
            self._show_live()
            self.reply_opened(key)
            return
        switcher.current = "conversation"
        if self.index is None:
            return
        summary = self.index.session(key)
        name = summary.display_name if summary else key
        conversation = self.query_one(ConversationView)
        index = self.index
        conversation.fetch_older = lambda before, n: index.messages_before(key, before, n)
        conversation.show(key, index.messages_before(key, None, conversation.FETCH), name)
        self.show_header(summary, key)
        self.reply_opened(key)
        if seen:
            self.host.service.mark_read(key)
        self._close_find()

    def _open_first(self, key: str) -> None:
        if self.open_key is None:  # unless the user opened something in the meantime
            self._open(key, seen=False)

    def _mark_seen(self) -> None:
        """The user turned to the conversation the app had opened by itself: it is read, and
        the app no longer swaps it for the newest one when a catch-up ends."""
        self.follow_newest = self._follow_once = False
        key = self.open_key
        if key is not None and key != LIVE_ENTRY and not self.open_seen:
            self.open_seen = True
            self.host.service.mark_read(key)

    def _show_live(self) -> None:
        if self.index is not None:
            self.query_one(LivePane).show_streams(self.index)
        self.host.service.mark_live_seen()

    def on_session_list_selected(self, event: SessionList.Selected) -> None:
        self.follow_newest = self._follow_once = False
        if event.key == self.open_key:
            self._mark_seen()  # a click on the open one
        else:
            self.preview(event.key)

    def on_session_list_entered(self, event: SessionList.Entered) -> None:
        if self.open_key != event.key:
            self._open(event.key)
        else:
            self._mark_seen()
        target = "#live" if event.key == LIVE_ENTRY else "#conversation"
        self.query_one(target).focus()

    def on_message_cursor_act(self, event: MessageCursor.Act) -> None:
        from . import message_actions  # media and dialogs load on first use, not at start-up

        message_actions.handle(self, event.message, event.verb)

    def on_conversation_view_new_below(self, event: ConversationView.NewBelow) -> None:
        try:
            marker = self.query_one("#new-below", Static)
        except NoMatches:
            return
        marker.display = event.count > 0
        if event.count:
            marker.update(Content(f"↓ {event.count} new (G / End to jump)"))

    def action_open_live(self) -> None:
        self.query_one(SessionList).select_key(LIVE_ENTRY)

    # ---- dialogs ---------------------------------------------------------------------------

    def action_alias(self) -> None:
        summary = self.open_summary()
        if summary is None:
            self.notify("Open a conversation to set its alias.", markup=False)
            return
        key = summary.session_id

        def done(alias: str | None) -> None:
            if alias is not None:
                self.host.service.set_alias(key, alias)

        label = display_name(summary.peer, "", summary.nickname)
        self.app.push_screen(AliasScreen(label, summary.alias), done)

    def action_export(self) -> None:
        from .export import ExportScreen  # its widgets cost ~40 ms to import: on first use

        summary = self.open_summary()
        if summary is None or self.index is None:
            self.notify("Open a conversation to export it.", markup=False)
            return

        def done(result: ExportResult | None) -> None:
            if result is not None:
                name = summary.display_name
                count = plural(result.count, "message")
                self.notify(
                    f"Exported {count} with {name} to {result.path}",
                    title="Export",
                    markup=False,
                    timeout=8,
                )

        messages = self.index.messages(summary.session_id)
        self.app.push_screen(ExportScreen(summary, messages), done)

    def action_search(self) -> None:
        if self.index is None:
            return

        def jump(target: SearchJump | None) -> None:
            if target is not None:
                self.jump_to(target)

        self.app.push_screen(SearchScreen(self.index), jump)

    def jump_to(self, target: SearchJump) -> None:
        self.follow_newest = self._follow_once = False
        self.query_one(SessionList).select_key(target.session_id, announce=False)
        self._open(target.session_id)
        conversation = self.query_one(ConversationView)
        while True:  # an older hit: read history back to it
            keys = [m.key for m in conversation.messages]
            if target.message_key in keys or not conversation.fetch_more():
                break
        for i, message in enumerate(conversation.messages):
            if message.key == target.message_key:
                conversation.set_highlight(target.query, i)
                conversation.call_after_refresh(conversation.scroll_to_message, i)
                break
        conversation.focus()
