"""Notifications and hooks inside the inbox: the headless AlertRouter, delivered through Textual.

The router decides what notifies (and runs the hooks); this module only delivers: a toast for a
live start, the bell, a terminal sequence (``terminal.write_terminal``, wrapped for tmux), or a
desktop notifier, falling back to the terminal's sequence when none is installed. Whether the app
is focused comes from Textual's AppFocus/AppBlur events (``App.app_focus``) where the terminal
reports them. The app's 1 s tick delivers the trailing notifications coalescing held back.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textual.app import App

from .. import notify
from .. import service_events as ev
from ..alerts import LIVE_KEY, AlertRouter, Notification, run_desktop
from ..client import Secret
from ..config import Settings
from ..hooks import HookRunner
from ..store.index import Index
from ..store.live import DEFAULT_STALE_AFTER
from ..wire.sanitize import scrub_line
from .terminal import write_terminal


@dataclass(frozen=True, slots=True)
class AlertSettings:
    notify: str = "terminal"
    notify_live: bool = False
    notify_terminal: str = "auto"
    live_stale_after: float | None = None
    hooks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    token: Secret | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, token: Secret | None) -> AlertSettings:
        return cls(
            notify=settings.notify,
            notify_live=settings.notify_live,
            notify_terminal=settings.notify_terminal,
            live_stale_after=settings.live_stale_after,
            hooks=settings.hooks,
            token=token,
        )


class TuiAlerts:
    """Routes service events to hooks and notifications for one running app."""

    def __init__(self, app: App[Any], settings: AlertSettings) -> None:
        self.app = app
        self.settings = settings
        self.mode = settings.notify
        if self.mode == "desktop" and not notify.desktop_available():
            self.mode = "terminal"  # no notifier installed (checked once): the terminal's own
        self.flavour = notify.terminal_flavour(os.environ, settings.notify_terminal)
        self.written: list[str] = []  # every terminal sequence written (tests, the status bar)
        self.shown: list[Notification] = []
        self.live_toasts = 0
        self.bell_on_live = False  # the older ``bell = true`` setting (palette: toggle)
        self._desktop_reported = False
        self.router: AlertRouter | None = None
        self.runner = (
            HookRunner(
                dict(settings.hooks),
                secret=settings.token.reveal() if settings.token else None,
                on_failure=self._hook_failed,
            )
            if settings.hooks
            else None
        )

    @property
    def live_stale_after(self) -> float:
        """When a start with no end stops counting as live: the config's, else the default."""
        stale = self.settings.live_stale_after
        return DEFAULT_STALE_AFTER if stale is None else stale

    def attach(self, index: Index) -> None:
        """The store opened: route against its index."""
        if self.settings.live_stale_after is not None:
            index.live_stale_after = self.settings.live_stale_after
        self.router = AlertRouter(
            index,
            runner=self.runner,
            notify_mode=self.mode,
            notify_live=self.settings.notify_live,
        )

    def handle(self, event: ev.Event, open_session: str | None) -> None:
        if self.router is None:
            return
        focused = bool(self.app.app_focus)
        for note in self.router.handle(event, focused=focused, open_session=open_session):
            if note.key == LIVE_KEY:
                self._live_toast(note)
            if note.external:
                self.deliver(note)

    def tick(self, open_session: str | None) -> None:
        """Deliver what a session's coalescing window held back, now that it ended."""
        if self.router is None:
            return
        focused = bool(self.app.app_focus)
        for note in self.router.due(focused=focused, open_session=open_session):
            self.deliver(note)

    def _live_toast(self, note: Notification) -> None:
        self.live_toasts += 1
        # markup=False: names come from the wire.
        self.app.notify(f"{scrub_line(note.title)} went live", title="Live now", markup=False)
        if self.bell_on_live and not (note.external and self.mode == "bell"):
            self.app.bell()  # one bell: ``notify = "bell"`` rings it in ``deliver`` already

    def deliver(self, note: Notification) -> None:
        secret = self.settings.token.reveal() if self.settings.token else None
        if secret:  # message text holding the token never reaches a notifier or the screen
            note = Notification(
                note.key, note.title.replace(secret, "***"), note.body.replace(secret, "***")
            )
        self.shown.append(note)
        if self.mode == "bell":
            self.app.bell()
        elif self.mode == "terminal":
            self._write_notification(note)
        elif self.mode == "desktop":
            missing = partial(self._call_soon, partial(self._desktop_missing, note))
            started = run_desktop(
                note, secret=secret, on_failure=self._desktop_failed, on_missing=missing
            )
            if not started:  # no desktop notifier on this platform
                self._write_notification(note)

    def _write_notification(self, note: Notification) -> None:
        self.write(notify.sequence(self.flavour, note.title, note.body))

    def write(self, sequence: str) -> None:
        sequence = notify.for_terminal(sequence, os.environ)
        self.written.append(sequence)
        write_terminal(self.app, sequence)

    def _desktop_missing(self, note: Notification) -> None:
        """The notifier vanished from PATH: the terminal's sequence from now on."""
        self.mode = "terminal"
        if self.router is not None:
            self.router.notify_mode = "terminal"
        self._write_notification(note)

    def _report(self, text: str) -> None:
        self.app.notify(text, title="Hook", severity="warning", timeout=8, markup=False)

    def _report_from_thread(self, text: str) -> None:
        self._call_soon(lambda: self._report(text))

    def _desktop_failed(self, text: str) -> None:
        if not self._desktop_reported:  # once: a broken notifier fails every time
            self._desktop_reported = True
            self._report_from_thread(text)

    def _hook_failed(self, text: str) -> None:
        self._report_from_thread(text)

    def _call_soon(self, callback: Callable[[], None]) -> None:
        """Run on the app's thread: directly when already there (a hook refused by ``fire``)."""
        if threading.get_ident() == getattr(self.app, "_thread_id", None):
            callback()
            return
        try:
            self.app.call_from_thread(callback)
        except RuntimeError:  # the app is not running any more: the log has it
            pass

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
