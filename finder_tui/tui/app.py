"""The App: the sync service, its event pump and the command palette.

The layout and everything the user does in the inbox (opening sessions, filter, find, the
dialogs) live in ``InboxScreen`` (``screens/inbox.py``), the default screen. Events from the
store thread are buffered here, one wake-up per burst, and applied to the inbox by direct
typed calls on it, in order, with the list and status repaints throttled.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from platformdirs import user_downloads_path
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message as TextualMessage
from textual.screen import Screen
from textual.timer import Timer

from .. import service_events as ev
from ..client import ClientConfig
from ..fsutil import atomic_write_bytes
from ..media.limits import MediaLimits
from ..service import SyncService
from ..store.index import Index
from .alerting import AlertSettings, TuiAlerts
from .screens.help import HelpScreen
from .screens.inbox import InboxScreen
from .status_line import status_text
from .widgets.conversation import ConversationView
from .widgets.find_bar import FindBar
from .widgets.live_view import LiveView
from .widgets.session_list import SessionList


class ServiceEvents(TextualMessage):
    """Wakes the UI to drain the events the sync thread buffered (one wake-up per burst)."""


class FinderApp(App[None]):
    CSS_PATH = "finder.tcss"
    TITLE = "finder-tui"

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
        alerts: AlertSettings | None = None,
        media_limits: MediaLimits | None = None,
    ) -> None:
        super().__init__()
        self.media_limits = media_limits or MediaLimits()
        self.alerts = TuiAlerts(self, alerts or AlertSettings())
        self.alerts.bell_on_live = bell
        self.user_keymap = dict(keymap or {})
        self.mode = mode
        self.index: Index | None = None
        self.sync_state = ev.StateChanged(ev.STARTING)
        self.progress: ev.Progress | None = None
        self.store_error = ""
        self.caught_up = False  # the first catch-up ended (refreshes go faster after it)
        self._inbox: InboxScreen | None = None
        self._pending: list[ev.Event] = []
        self._pending_lock = threading.Lock()
        self._wake_posted = False
        self._list_dirty = False
        self._flush_now = False
        self._mounted_ui = False
        self._refresh_timer: Timer | None = None
        self._gc_paused = False
        self._last_refresh = 0.0
        self.service = SyncService(
            store_dir,
            client_config,
            self._emit,
            poll_interval=poll_interval,
            seal_at=seal_at,
            wait_for_ui=True,
        )

    # ---- the inbox screen ------------------------------------------------------------------

    def get_default_screen(self) -> InboxScreen:
        self._inbox = InboxScreen()
        return self._inbox

    @property
    def inbox(self) -> InboxScreen:
        """The inbox screen (the default screen, under any dialog)."""
        assert self._inbox is not None, "the app has not started"
        return self._inbox

    def on_mount(self) -> None:
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        self.set_interval(1.0, self._tick)

    def inbox_mounted(self) -> None:
        """Called by the inbox once its widgets exist (right after its first frame): apply
        what the store thread sent."""
        self._resume_gc()
        self._mounted_ui = True
        self.service.first_frame.set()  # the store thread opens the head now (glance.py)
        self.on_service_events(ServiceEvents())

    def _tick(self) -> None:
        if not self._mounted_ui:
            return
        try:
            self.inbox.tick()
            self.alerts.tick(self.inbox.open_key)
        except NoMatches:
            pass  # shutting down: the inbox's widgets are gone before the app's timers stop

    def on_descendant_focus(self, _: events.DescendantFocus) -> None:
        # On any screen: the key bar shows the focused widget's keys (a dialog's, too).
        if self._mounted_ui:
            self.inbox.refresh_keys()  # (it tolerates a missing key bar)

    # How long the first frame waits for the store to open. A head opens in a few ms; past
    # this the inbox paints without sessions and they arrive as an event.
    OPEN_WAIT = 0.25

    async def on_load(self) -> None:
        # No cyclic garbage collection until the first frame: the store's head is tens of
        # thousands of young objects, and the collections they set off (one walked them all)
        # took ~3 ms of that frame. They run right after it instead.
        self._gc_paused = gc.isenabled()
        gc.disable()
        self.set_timer(2.0, self._resume_gc)  # should the first frame never come
        # Open the store before composing: on its own thread, but with the event loop idle, so
        # the two do not take turns on the GIL and the first frame already shows the sessions.
        self.service.start()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.service.opened.wait, self.OPEN_WAIT)

    async def action_quit(self) -> None:
        """A send in flight is waited for (at most its timeout) with a word, not a freeze."""
        if self.service.send_in_flight:
            wait = self.service.send_timeout
            text = f"Waiting for a send to finish (at most {wait:g} s)…"
            self.notify(text, markup=False, timeout=wait + 2)
            await asyncio.to_thread(self.service.stop)
        self.exit()

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    async def on_unmount(self) -> None:
        self._resume_gc()
        if self._inbox is not None:
            self._inbox.restore_window_title()
        self.alerts.close()
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
                return  # keep them: the inbox asks for them once its widgets exist
            events, self._pending = self._pending, []
        try:
            for event in events:
                self._list_dirty |= self._handle(event)
                self.alerts.handle(event, self.inbox.open_key)
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
                self.inbox.refresh_list()
            self.inbox.refresh_status()
        except NoMatches:
            pass

    def _handle(self, event: ev.Event) -> bool:
        """Apply one event; returns whether the session list needs a refresh."""
        match event:
            case ev.StateChanged():
                self.sync_state = event
                if event.state == ev.SYNCING:
                    self.progress = None
                self._flush_now = True  # state changes show at once, not after the throttle
                if event.state in (ev.IDLE, ev.OFFLINE, ev.STOPPED):
                    self.caught_up = True
                    return self.inbox.catch_up_ended()
                return False
            case ev.Progress():
                self.progress = event
                return False
            case ev.StoreOpened():
                self.index = event.index
                self.alerts.attach(event.index)
                self.inbox.refresh_list()  # first paint now, not after the throttle
                self.call_after_refresh(self.service.ui_ready.set)
                return False
            case ev.StoreLoaded():
                self.inbox.history_loaded()
                return True
            case ev.StoreFailed():
                self.store_error = event.error
                self.notify(event.error, title="Store", severity="error", markup=False, timeout=10)
                return False
            case ev.SegmentsUnavailable():  # the attention banner: only the user can repair
                files = f"{event.files()}: those messages are unavailable"
                self.inbox.show_attention(ev.Attention(ev.BAD_SEGMENTS, files, event.HINT))
                return False
            case ev.NewMessages():
                self.inbox.new_messages(event)
                return True
            case ev.LiveEvent():
                return True  # its toast, bell and hooks: ``self.alerts`` (one place decides)
            case ev.IndexChanged():
                return True
            case ev.ItemsRejected():
                return False
            case ev.OutboxChanged() | ev.OutboxNotice():
                self.inbox.outbox_event(event)
            case ev.Attention():
                self.inbox.show_attention(event)
                return False
        return False

    @property
    def live_toasts(self) -> int:
        return self.alerts.live_toasts

    @property
    def bell_enabled(self) -> bool:
        return self.alerts.bell_on_live

    # ---- status ----------------------------------------------------------------------------

    def status_text(self, *, full: bool = False) -> tuple[str, str, str]:
        return status_text(
            self.sync_state,
            self.progress,
            self.store_error,
            self.index,
            self.service.key_buff,
            full=full,
        )

    # ---- app-wide actions and the palette --------------------------------------------------

    def action_help(self) -> None:
        from .widgets.compose import ComposeBox  # not imported before the first frame

        sections: list[tuple[str, list[BindingType]]] = [
            ("Everywhere", list(InboxScreen.BINDINGS)),
            ("Session list", list(SessionList.BINDINGS)),
            ("Conversation", list(ConversationView.BINDINGS)),
            ("Live view", list(LiveView.BINDINGS)),
            ("Find bar", list(FindBar.BINDINGS)),
            (
                "Compose box",
                [
                    Binding("enter", "", "Send"),
                    Binding("ctrl+j", "", "New line (also shift+enter, alt+enter)"),
                    *ComposeBox.BINDINGS,
                ],
            ),
            (
                "Built in",
                [
                    Binding("tab", "", "Move focus: list, conversation, compose box"),
                    Binding("ctrl+p", "", "Command palette"),
                ],
            ),
        ]
        self.push_screen(HelpScreen(sections, self.user_keymap))

    def action_toggle_bell(self) -> None:
        self.alerts.bell_on_live = not self.alerts.bell_on_live
        state = "on" if self.bell_enabled else "off"
        self.notify(f"Live bell {state}", timeout=2, markup=False)

    def action_sync_now(self) -> None:
        if not self.service.running and self.service.restart():
            # The store thread ended (e.g. the store was in use): open the store again.
            self.store_error = ""
            self.notify("Opening the store again…", timeout=2, markup=False)
            return
        if self.service.client_config is None:
            self.notify(
                "Offline: no server is configured, so there is nothing to sync.",
                timeout=4,
                markup=False,
            )
            return
        self.service.sync_now()
        self.notify("Syncing now…", timeout=2, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        inbox = self.inbox

        def on_conversation(
            title: str, help: str, action: str, callback: Callable[[], object]
        ) -> SystemCommand:
            # Disabled with no open conversation: still listed, saying so; choosing it shows
            # the action's own notice of what to do.
            if not inbox.check_action(action, ()):
                help = f"{help} (disabled: no conversation is open)"
            return SystemCommand(title, help, callback)

        yield SystemCommand("Sync now", "Fetch new messages immediately", self.action_sync_now)
        yield SystemCommand("Live streams", "Open the live view", inbox.action_open_live)
        yield on_conversation(
            "Set alias", "Name the open conversation's peer", "alias", inbox.action_alias
        )
        yield SystemCommand("Filter sessions", "Filter the session list", inbox.action_filter)
        yield on_conversation(
            "Export conversation", "Save the open conversation", "export", inbox.action_export
        )
        yield on_conversation(
            "Find in conversation", "Find text in this conversation", "find", inbox.action_find
        )
        yield SystemCommand("Search all conversations", "Global search", inbox.action_search)
        yield SystemCommand(
            "Toggle live bell",
            "Ring the terminal bell when a followed account goes live",
            self.action_toggle_bell,
        )
        yield on_conversation(
            "Reply", "Write in the open conversation", "reply", inbox.action_reply
        )
        yield SystemCommand(
            "Retry unsent message", "Send the newest unsent one again", inbox.action_retry_send
        )
        yield SystemCommand(
            "Discard unsent message", "Drop the newest unsent one", inbox.action_discard_send
        )
        yield SystemCommand(
            "Next unread",
            "Open the next conversation with unread messages",
            inbox.action_next_unread,
        )
        yield SystemCommand(
            "Previous unread",
            "Open the previous conversation with unread messages",
            inbox.action_previous_unread,
        )
        yield SystemCommand(
            "Mark unread", "Mark the open conversation unread", inbox.action_mark_unread
        )
        yield SystemCommand(
            "Status details", "The full status and error text", inbox.action_details
        )
        yield SystemCommand("Help", "Show every key binding", self.action_help)

    # ---- screenshots -----------------------------------------------------------------------

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
