"""Notifications and hooks inside the inbox: the headless AlertRouter, delivered through Textual.

A terminal notification is written through the app's driver (the same path Textual uses for the
bell and the clipboard; Textual 8 has no public method for an arbitrary sequence), never with
``print``, which would land in the middle of a frame. Whether the app is focused comes from
Textual's AppFocus/AppBlur events (``App.app_focus``) where the terminal reports them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App

from .. import notify
from .. import service_events as ev
from ..alerts import AlertRouter, Notification, run_desktop
from ..client import Secret
from ..config import Settings
from ..hooks import HookRunner
from ..store.index import Index


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
        self.flavour = notify.terminal_flavour(os.environ, settings.notify_terminal)
        self.written: list[str] = []  # every terminal sequence written (tests, the status bar)
        self.shown: list[Notification] = []
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

    def attach(self, index: Index) -> None:
        """The store opened: route against its index."""
        if self.settings.live_stale_after is not None:
            index.live_stale_after = self.settings.live_stale_after
        self.router = AlertRouter(
            index,
            runner=self.runner,
            notify_mode=self.settings.notify,
            notify_live=self.settings.notify_live,
        )

    def handle(self, event: ev.Event, open_session: str | None) -> None:
        if self.router is None:
            return
        focused = bool(self.app.app_focus)
        for note in self.router.handle(event, focused=focused, open_session=open_session):
            self.deliver(note)

    def deliver(self, note: Notification) -> None:
        secret = self.settings.token.reveal() if self.settings.token else None
        if secret:  # message text holding the token never reaches a notifier or the screen
            note = Notification(
                note.key, note.title.replace(secret, "***"), note.body.replace(secret, "***")
            )
        self.shown.append(note)
        mode = self.settings.notify
        if mode == "bell":
            self.app.bell()
        elif mode == "terminal":
            self.write(notify.sequence(self.flavour, note.title, note.body))
        elif mode == "desktop":
            if not run_desktop(note, secret=secret, on_failure=self._desktop_failed):
                # No desktop notifier on this platform: the terminal's own is the next best.
                self.write(notify.sequence(self.flavour, note.title, note.body))

    def write(self, sequence: str) -> None:
        self.written.append(sequence)
        driver = self.app._driver  # noqa: SLF001 - see the module docstring
        if driver is not None:
            driver.write(sequence)

    def _report(self, text: str) -> None:
        self.app.notify(text, title="Hook", severity="warning", timeout=8, markup=False)

    def _report_from_thread(self, text: str) -> None:
        self._call_soon(lambda: self._report(text))

    def _desktop_failed(self, text: str) -> None:
        if not self._desktop_reported:  # once: a missing notify-send fails every time
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
