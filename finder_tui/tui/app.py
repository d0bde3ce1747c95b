"""The inbox: session list, conversation, live view, status bar; a sync service underneath."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from platformdirs import user_downloads_path
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message as TextualMessage
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Input, Static

from .. import service_events as ev
from ..client import ClientConfig
from ..export import ExportResult
from ..fsutil import atomic_write_bytes
from ..peers import display_name
from ..search import find_in_messages
from ..service import SyncService
from ..store.index import Index, SessionSummary
from ..wire import keybuff
from ..wire.sanitize import scrub_line
from .screens.alias import AliasScreen
from .screens.export import ExportScreen
from .screens.help import HelpScreen
from .screens.search import SearchJump, SearchScreen
from .timefmt import clock
from .widgets.bars import KeyBar, StatusBar, TopBar
from .widgets.conversation import ConversationView
from .widgets.find_bar import FindBar
from .widgets.live_view import LiveView
from .widgets.session_list import LIVE_ENTRY, SessionList


class ServiceEvents(TextualMessage):
    """Wakes the UI to drain the events the sync thread buffered (one wake-up per burst)."""


class FinderApp(App[None]):
    CSS_PATH = "finder.tcss"
    TITLE = "finder-tui"

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("r", "sync_now", "Sync now", id="app.sync"),
        Binding("a", "alias", "Alias", id="app.alias"),
        Binding("l", "open_live", "Live", id="app.live"),
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("e", "export", "Export", id="app.export"),
        Binding("ctrl+f", "find", "Find", id="app.find"),
        Binding("s", "search", "Search all", id="app.search"),
        Binding("escape", "back_to_list", "Back to list", show=False, id="app.back"),
    ]

    def __init__(
        self,
        *,
        store_dir: Path,
        client_config: ClientConfig | None,
        mode: str,
        poll_interval: float = 5.0,
        bell: bool = False,
        seal_at: int | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.user_keymap = dict(keymap or {})
        self.mode = mode
        self.bell_enabled = bell
        self.index: Index | None = None
        self.open_key: str | None = None
        # Whether the user has looked at the open conversation: one the app opened by itself
        # (the newest, at start) keeps its unread count until the user picks or enters it.
        self.open_seen = False
        self.sync_state = ev.StateChanged(ev.STARTING)
        self.progress: ev.Progress | None = None
        self.store_error = ""
        self.live_toasts = 0
        # Until the user picks a session (or the first catch-up ends), follow the newest one.
        self.follow_newest = True
        self._follow_once = False
        self.caught_up = False  # the first catch-up ended (refreshes go faster after it)
        self.find_query = ""
        self.find_matches: list[tuple[int, int, int]] = []
        self.find_current = -1
        self._pending: list[ev.Event] = []
        self._pending_lock = threading.Lock()
        self._wake_posted = False
        self._list_dirty = False
        self._flush_now = False
        self._mounted_ui = False
        self._refresh_timer: Timer | None = None
        self._last_refresh = 0.0
        self.service = SyncService(
            store_dir,
            client_config,
            self._emit,
            poll_interval=poll_interval,
            seal_at=seal_at,
            wait_for_ui=True,
        )

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar(id="top-bar")
        with Horizontal(id="panes"):
            # The filter box and the find bar are mounted after the first frame (each holds
            # an Input, whose styling is a good share of that frame's cost).
            with Vertical(id="list-pane"):
                yield SessionList(id="sessions")
            with Vertical(id="main-pane"):
                with ContentSwitcher(initial="conversation", id="switcher"):
                    yield ConversationView(id="conversation")
                    yield LiveView(id="live")
                yield Static(id="new-below")
        yield StatusBar(id="status")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        self.query_one(TopBar).show(self.mode, 0)
        self.query_one("#new-below").display = False
        self.query_one(SessionList).focus()
        self._refresh_status()
        self._refresh_keys()
        # A dialog's keys show while it is up; once it closes (or the palette does) the bar
        # must show the inbox's again, and focus need not change for that to happen.
        self.screen_change_signal.subscribe(self, self._on_screen_change)
        self.screen.bindings_updated_signal.subscribe(self, self._on_screen_change)
        self.set_interval(1.0, self._tick)
        self._mounted_ui = True
        self.on_service_events(ServiceEvents())  # the store opened before compose: show it
        self.call_after_refresh(self._mount_after_first_frame)

    async def _mount_after_first_frame(self) -> None:
        # Ready before the user reaches for them: a key typed right after the first "/" must
        # land in the box, not in the list while the box mounts.
        await self._ensure_filter_box()
        await self._ensure_find_bar()

    # How long the first frame waits for the store to open. A head opens in a few ms; past
    # this the inbox paints without sessions and they arrive as an event.
    OPEN_WAIT = 0.25

    async def on_load(self) -> None:
        # Open the store before composing: on its own thread, but with the event loop idle, so
        # the two do not take turns on the GIL and the first frame already shows the sessions.
        self.service.start()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.service.opened.wait, self.OPEN_WAIT)

    async def on_unmount(self) -> None:
        # Joining the store thread commits: do it off the event loop.
        await asyncio.to_thread(self.service.stop)

    # ---- events from the sync thread -------------------------------------------------------

    def _emit(self, event: ev.Event) -> None:
        """Called on the store thread: buffer, and post one wake-up per burst (coalescing)."""
        with self._pending_lock:
            self._pending.append(event)
            if self._wake_posted:
                return
            self._wake_posted = True
        self.post_message(ServiceEvents())

    # Seconds between repaints of the list and status in a flood of events: slower during the
    # first catch-up, when the store thread competes for the GIL page after page.
    REFRESH_EVERY = 0.25
    REFRESH_EVERY_CATCHING_UP = 1.0

    def on_service_events(self, _: ServiceEvents) -> None:
        with self._pending_lock:
            self._wake_posted = False
            if not self._mounted_ui:
                return  # keep them: on_mount posts a wake-up once the widgets exist
            events, self._pending = self._pending, []
        try:
            for event in events:
                self._list_dirty |= self._handle(event)
        except NoMatches:
            return  # the app is shutting down; its widgets are gone
        self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if self._flush_now:
            self._flush_now = False
            if self._refresh_timer is not None:
                self._refresh_timer.stop()
            self._flush_refresh()
            return
        if self._refresh_timer is not None:
            return
        every = self.REFRESH_EVERY if self.caught_up else self.REFRESH_EVERY_CATCHING_UP
        wait = every - (time.monotonic() - self._last_refresh)
        if wait <= 0:
            self._flush_refresh()
        else:
            self._refresh_timer = self.set_timer(wait, self._flush_refresh)

    def _flush_refresh(self) -> None:
        self._refresh_timer = None
        self._last_refresh = time.monotonic()
        try:
            if self._list_dirty:
                self._list_dirty = False
                self._refresh_list()
            self._refresh_status()
        except NoMatches:
            pass

    def _handle(self, event: ev.Event) -> bool:
        """Apply one event; returns whether the session list needs a refresh."""
        if isinstance(event, ev.StateChanged):
            self.sync_state = event
            if event.state == ev.SYNCING:
                self.progress = None
            self._flush_now = True  # state changes show at once, not after the throttle
            if event.state in (ev.IDLE, ev.OFFLINE, ev.STOPPED):
                self.caught_up = True
                if self.follow_newest:
                    self.follow_newest = False
                    self._follow_once = True
                    return True
            return False
        if isinstance(event, ev.Progress):
            self.progress = event
            return False
        if isinstance(event, ev.StoreOpened):
            self.index = event.index
            self._refresh_list()  # first paint now, not after the throttle
            self.call_after_refresh(self.service.ui_ready.set)
            return False
        if isinstance(event, ev.StoreLoaded):
            if self.open_key and self.open_key != LIVE_ENTRY:
                self._open(self.open_key, seen=self.open_seen)
            return True
        if isinstance(event, ev.StoreFailed):
            self.store_error = event.error
            self.notify(event.error, title="Store", severity="error", markup=False, timeout=10)
            return False
        if isinstance(event, ev.NewMessages):
            self._on_new_messages(event)
            return True
        if isinstance(event, ev.LiveEvent):
            self._on_live(event)
            return True
        if isinstance(event, ev.IndexChanged):
            return True
        if isinstance(event, ev.ItemsRejected):
            return False
        return False

    def _on_new_messages(self, event: ev.NewMessages) -> None:
        key = self.open_key
        if key and key != LIVE_ENTRY and key in event.by_session:
            self.query_one(ConversationView).append(event.by_session[key])
            if self.open_seen:
                self.service.mark_read(key)
        if key == LIVE_ENTRY and event.notices:
            self._show_live()

    def _on_live(self, event: ev.LiveEvent) -> None:
        if event.backfill or event.event != "started" or not event.stream.live_now:
            return
        self.live_toasts += 1
        # Content, never markup: ids come from the wire.
        self.notify(
            f"Live now: stream {scrub_line(event.stream.object_id)}",
            title="A followed account went live",
            markup=False,
        )
        if self.bell_enabled:
            self.bell()

    # ---- refreshing ------------------------------------------------------------------------

    def _refresh_list(self) -> None:
        if self.index is None:
            return
        live_now = self.index.live_now_count()
        self.query_one(SessionList).update_data(
            self.index.sessions(), live_now, self.index.unseen_live_notices()
        )
        self.query_one(TopBar).show(self.mode, live_now)
        session_list = self.query_one(SessionList)
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
            self.query_one(LiveView).update_streams(self.index.live_streams())
        elif self.open_key is not None:
            summary = self.index.session(self.open_key)  # an alias may have changed
            if summary is not None:
                name = display_name(summary.peer, summary.alias)
                self.query_one(ConversationView).set_peer_name(name)

    def _tick(self) -> None:
        self._refresh_status()
        self.query_one(LiveView).tick()

    def status_text(self) -> tuple[str, str, str]:
        state = self.sync_state
        if self.store_error:
            text = f"stopped: {self.store_error}"
        elif state.state == ev.SYNCING:
            p = self.progress
            text = f"syncing {p.pages} pages, {p.new} new" if p else "syncing…"
        elif state.state == ev.IDLE:
            text = f"idle since {clock(state.at)}"
        elif state.state == ev.BACKOFF:
            wait = max(0, int((state.retry_at or 0) - time.time()))
            text = f"retrying in {wait}s after: {state.detail}"
        elif state.state == ev.STOPPED:
            text = f"stopped: {state.detail} (r retries)"
        elif state.state == ev.OFFLINE:
            text = "offline"
        else:
            text = "opening store…" if state.state == ev.LOADING else state.state
        if self.index is None:
            counts = "—"
        else:
            notices = self.index.notice_count()
            counts = (
                f"{self.index.message_count - notices:,} messages · "
                f"{self.index.session_count():,} sessions"
            )
            if not self.index.complete:
                counts += " (loading history…)"
        cursor = keybuff.describe(self.service.key_buff)
        cursor_text = "cursor " + (
            " ".join(f"{k}={v}" for k, v in cursor.items() if v) if cursor else "—"
        )
        return scrub_line(text)[:300], counts, cursor_text

    def _refresh_status(self) -> None:
        self.query_one(StatusBar).show(*self.status_text())

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, ConversationView):
            self._mark_seen()
        self._refresh_keys()

    def _on_screen_change(self, _: Screen[object]) -> None:
        self.call_after_refresh(self._refresh_keys)

    def _refresh_keys(self) -> None:
        """Key hints: the focused widget's shown bindings first, then the app's."""
        shown: list[tuple[str, str]] = []
        seen: set[str] = set()
        for active in self.active_bindings.values():
            binding = active.binding
            if binding.show and active.enabled and binding.description not in seen:
                seen.add(binding.description)
                shown.append((self.get_key_display(binding), binding.description))
        shown.append(("^p", "Palette"))
        try:
            self.query_one(KeyBar).show_bindings(shown)
        except NoMatches:
            pass

    # ---- opening sessions ------------------------------------------------------------------

    def _open(self, key: str, *, seen: bool = True) -> None:
        """Show ``key``; ``seen`` (the user chose it) marks it read, an automatic open not."""
        self.open_key = key
        self.open_seen = seen
        switcher = self.query_one(ContentSwitcher)
        if key == LIVE_ENTRY:
            switcher.current = "live"
            self.query_one("#new-below").display = False
            self._show_live()
            return
        switcher.current = "conversation"
        if self.index is None:
            return
        summary = self.index.session(key)
        name = display_name(summary.peer, summary.alias) if summary else key
        self.query_one(ConversationView).show(key, self.index.messages(key), name)
        if seen:
            self.service.mark_read(key)
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
            self.service.mark_read(key)

    def _show_live(self) -> None:
        if self.index is not None:
            self.query_one(LiveView).update_streams(self.index.live_streams())
        self.service.mark_live_seen()

    def on_session_list_selected(self, event: SessionList.Selected) -> None:
        self.follow_newest = self._follow_once = False
        if event.key == self.open_key:
            self._mark_seen()  # a click on the open one
        else:
            self._open(event.key)

    def on_session_list_entered(self, event: SessionList.Entered) -> None:
        if self.open_key != event.key:
            self._open(event.key)
        else:
            self._mark_seen()
        target = "#live" if event.key == LIVE_ENTRY else "#conversation"
        self.query_one(target).focus()

    def on_conversation_view_new_below(self, event: ConversationView.NewBelow) -> None:
        try:
            marker = self.query_one("#new-below", Static)
        except NoMatches:
            return
        marker.display = event.count > 0
        if event.count:
            marker.update(Content(f"↓ {event.count} new (G / End to jump)"))

    # ---- filter ----------------------------------------------------------------------------

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

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "session-filter":
            self.query_one(SessionList).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "session-filter":
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

    # ---- actions ---------------------------------------------------------------------------

    def action_help(self) -> None:
        sections: list[tuple[str, list[BindingType]]] = [
            ("Everywhere", list(self.BINDINGS)),
            ("Session list", list(SessionList.BINDINGS)),
            ("Conversation", list(ConversationView.BINDINGS)),
            ("Live view", list(LiveView.BINDINGS)),
            ("Find bar", list(FindBar.BINDINGS)),
            (
                "Built in",
                [
                    Binding("tab", "", "Move focus between list and conversation"),
                    Binding("ctrl+p", "", "Command palette"),
                ],
            ),
        ]
        self.push_screen(HelpScreen(sections, self.user_keymap))

    def action_toggle_bell(self) -> None:
        self.bell_enabled = not self.bell_enabled
        state = "on" if self.bell_enabled else "off"
        self.notify(f"Live bell {state}", timeout=2, markup=False)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """The palette's Screenshot, written like an export: owner-only (it shows private
        messages), atomically, off the event loop, and an error that says why it failed."""
        directory = Path(path).expanduser() if path else user_downloads_path()
        if not path and not directory.is_dir():
            directory = Path.cwd()  # no Downloads folder here: next to where the app runs
        stamp = time.strftime(time_format or "%Y-%m-%dT%H_%M_%S")
        target = directory / (filename or f"{self.title}_{stamp}.svg")
        if not directory.is_dir():
            self._screenshot_failed(target, os.strerror(errno.ENOENT))
            return None
        # The SVG comes from the compositor (this thread); the fsync'd write does not.
        self._write_screenshot(target, self.export_screenshot().encode("utf-8"))
        return str(target)

    @work(thread=True, name="screenshot-writer")
    def _write_screenshot(self, target: Path, svg: bytes) -> None:
        try:
            atomic_write_bytes(target, svg)
        except OSError as exc:
            self.call_from_thread(self._screenshot_failed, target, exc.strerror or str(exc))
            return
        self.call_from_thread(
            self.notify, f"Saved screenshot to {target}", title="Screenshot", markup=False
        )

    def _screenshot_failed(self, target: Path, reason: str) -> None:
        self.notify(
            f"Could not save the screenshot to {target}: {reason}",
            title="Screenshot",
            severity="error",
            markup=False,
        )

    def action_sync_now(self) -> None:
        if self.service.client_config is None:
            self.notify(
                "Offline: no server is configured, so there is nothing to sync.",
                timeout=4,
                markup=False,
            )
            return
        self.service.sync_now()
        self.notify("Syncing now…", timeout=2, markup=False)

    def action_open_live(self) -> None:
        self.query_one(SessionList).select_key(LIVE_ENTRY)

    def action_alias(self) -> None:
        key = self.open_key
        if self.index is None or not key or key == LIVE_ENTRY:
            self.notify("Open a conversation to set its alias.", markup=False)
            return
        summary = self.index.session(key)
        if summary is None:
            return
        label = display_name(summary.peer)

        def done(alias: str | None) -> None:
            if alias is not None:
                self.service.set_alias(key, alias)

        self.push_screen(AliasScreen(label, summary.alias), done)

    def _open_summary(self) -> SessionSummary | None:
        key = self.open_key
        if self.index is None or not key or key == LIVE_ENTRY:
            return None
        return self.index.session(key)

    def action_export(self) -> None:
        summary = self._open_summary()
        if summary is None or self.index is None:
            self.notify("Open a conversation to export it.", markup=False)
            return

        def done(result: ExportResult | None) -> None:
            if result is not None:
                self.notify(
                    f"Exported {result.count} messages to {result.path}",
                    title="Export",
                    markup=False,
                    timeout=8,
                )

        self.push_screen(ExportScreen(summary, self.index.messages(summary.session_id)), done)

    # ---- find in conversation --------------------------------------------------------------

    def _find_bar(self) -> FindBar | None:
        try:
            return self.query_one(FindBar)
        except NoMatches:
            return None  # not used yet

    async def action_find(self) -> None:
        if self._open_summary() is None:
            self.notify("Open a conversation to search in it.", markup=False)
            return
        bar = await self._ensure_find_bar()
        bar.open()

    async def _ensure_find_bar(self) -> FindBar:
        bar = self._find_bar()
        if bar is None:
            bar = FindBar(id="find-bar")
            bar.display = False
            await self.query_one("#main-pane").mount(bar)
        return bar

    def on_find_bar_changed(self, event: FindBar.Changed) -> None:
        conversation = self.query_one(ConversationView)
        self.find_query = event.query
        self.find_matches = find_in_messages(conversation.messages, event.query)
        # Start from the newest match: the view opens at the bottom.
        self.find_current = len(self.find_matches) - 1
        self._show_find()

    def on_find_bar_step(self, event: FindBar.Step) -> None:
        if self.find_matches:
            self.find_current = (self.find_current + event.delta) % len(self.find_matches)
        self._show_find()

    def on_find_bar_closed(self, _: FindBar.Closed) -> None:
        self._close_find()
        self.query_one(ConversationView).focus()

    def _show_find(self) -> None:
        conversation = self.query_one(ConversationView)
        bar = self.query_one(FindBar)
        if not self.find_matches:
            conversation.set_highlight(self.find_query)
            bar.show_count(0, 0, self.find_query)
            return
        message_index = self.find_matches[self.find_current][0]
        conversation.set_highlight(self.find_query, message_index)
        conversation.scroll_to_message(message_index)
        bar.show_count(self.find_current, len(self.find_matches), self.find_query)

    def _close_find(self) -> None:
        self.find_query, self.find_matches, self.find_current = "", [], -1
        bar = self._find_bar()
        if bar is not None and bar.display:
            bar.display = False
        self.query_one(ConversationView).set_highlight("")

    # ---- global search ---------------------------------------------------------------------

    def action_search(self) -> None:
        if self.index is None:
            return

        def jump(target: SearchJump | None) -> None:
            if target is not None:
                self.jump_to(target)

        self.push_screen(SearchScreen(self.index), jump)

    def jump_to(self, target: SearchJump) -> None:
        self.follow_newest = self._follow_once = False
        self.query_one(SessionList).select_key(target.session_id, announce=False)
        self._open(target.session_id)
        conversation = self.query_one(ConversationView)
        for i, message in enumerate(conversation.messages):
            if message.key == target.message_key:
                conversation.set_highlight(target.query, i)
                conversation.call_after_refresh(conversation.scroll_to_message, i)
                break
        conversation.focus()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Sync now", "Fetch new messages immediately", self.action_sync_now)
        yield SystemCommand("Live streams", "Open the live view", self.action_open_live)
        yield SystemCommand("Set alias", "Name the open conversation's peer", self.action_alias)
        yield SystemCommand("Filter sessions", "Filter the session list", self.action_filter)
        yield SystemCommand("Export conversation", "Save the open conversation", self.action_export)
        yield SystemCommand(
            "Find in conversation", "Find text in this conversation", self.action_find
        )
        yield SystemCommand("Search all conversations", "Global search", self.action_search)
        yield SystemCommand(
            "Toggle live bell",
            "Ring the terminal bell when a followed account goes live",
            self.action_toggle_bell,
        )
        yield SystemCommand("Help", "Show every key binding", self.action_help)
