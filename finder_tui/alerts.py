"""Turn sync events into hook runs and notifications (headless; the TUI and ``sync`` share it).

A catch-up's backlog (``backfill``: after the start or after an outage) never notifies; hooks
still run for what it brings that was created after the process started (a forwarder must not
lose the DMs of a network blip). Notifications are for received DMs when the app is not focused
or the DM is in another session than the open one, and for live starts only with
``notify_live``; at most one per session per few seconds, then a trailing "(N new)" one.
Delivering a notification (a toast, a terminal sequence, the bell) is the UI's job;
``run_desktop`` runs a desktop notifier in the background.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from . import hooks, notify
from . import service_events as ev
from .client import Secret
from .peers import display_name
from .store import live
from .store.index import Index
from .store.index_records import LiveStream
from .wire.models import Message

LIVE_KEY = "\x00live"  # the coalescing key of live starts (never a session id)


@dataclass(frozen=True, slots=True)
class Notification:
    key: str  # session id, or LIVE_KEY
    title: str
    body: str
    external: bool = True  # False: a live start to toast in the app, not to notify outside


class AlertRouter:
    """Decides, in one place, what notifies and which hooks run.

    Notifications: only traffic that arrived while running (never a catch-up's backlog, after
    a start or an outage). Hooks: that too, plus what a catch-up brings that was created after
    ``hooks_since`` (the process start): a forwarder must not lose the DMs of a network blip.
    """

    def __init__(
        self,
        index: Index,
        *,
        runner: hooks.HookRunner | None = None,
        notify_mode: str = "off",
        notify_live: bool = False,
        coalesce: float = notify.COALESCE_SECONDS,
        hooks_since: float | None = None,
    ) -> None:
        self.index = index
        self.runner = runner
        self.notify_mode = notify_mode
        self.notify_live = notify_live
        self.coalescer = notify.Coalescer(coalesce)
        self.hooks_since = time.time() if hooks_since is None else hooks_since

    def session_name(self, session_id: str, peer: str) -> str:
        summary = self.index.session(session_id)
        if summary is None:
            return display_name(peer)
        return display_name(summary.peer or peer, summary.alias, summary.nickname)

    def live_title(self, stream: LiveStream) -> str:
        (title,) = self.index.live_titles([stream])
        return title

    def handle(
        self, event: ev.Event, *, focused: bool = False, open_session: str | None = None
    ) -> list[Notification]:
        """Run the hooks an event calls for; the notifications to show (already coalesced)."""
        if isinstance(event, ev.NewMessages):
            return self._messages(event, focused, open_session)
        if isinstance(event, ev.LiveEvent):
            return self._live(event)
        return []

    def due(self, *, focused: bool = False, open_session: str | None = None) -> list[Notification]:
        """Trailing notifications: what a session's coalescing window held back, now it ended."""
        out = []
        for key, held in self.coalescer.due():
            if self.notify_mode == "off" or (focused and key == open_session):
                continue
            summary = self.index.session(key)
            name = self.session_name(key, summary.peer if summary else "")
            body = held.last if held.count == 1 else f"({held.count} new) {held.last}"
            out.append(Notification(key, name, body))
        return out

    def _hook_due(self, backfill: bool, when: int | None) -> bool:
        return not backfill or (when is not None and when >= self.hooks_since)

    def _messages(
        self, event: ev.NewMessages, focused: bool, open_session: str | None
    ) -> list[Notification]:
        out: list[Notification] = []
        for session_id, messages in event.by_session.items():
            received = [m for m in messages if not m.is_sender and not m.is_system]
            name = self.session_name(session_id, messages[0].peer) if messages else ""
            for message in messages:
                if message.is_system or not self._hook_due(event.backfill, message.create_time):
                    continue
                hook = hooks.SENT if message.is_sender else hooks.MESSAGE
                if self.runner is not None and self.runner.has(hook):
                    self.runner.fire(hook, message_values(message, name))
            if event.backfill or not received or self.notify_mode == "off":
                continue
            if focused and session_id == open_session:
                continue
            last = max(received, key=lambda m: (m.create_time, m.seq))
            if not self.coalescer.allow(session_id):
                self.coalescer.hold(session_id, len(received), last.text)
                continue
            body = last.text if len(received) == 1 else f"({len(received)} new) {last.text}"
            out.append(Notification(session_id, name, body))
        return out

    def _live(self, event: ev.LiveEvent) -> list[Notification]:
        stream = event.stream
        title = self.live_title(stream)
        started = event.event == live.STARTED
        hook = hooks.LIVE_START if started else hooks.LIVE_END
        when = stream.started_at if started else stream.ended_at
        if (
            self.runner is not None
            and self.runner.has(hook)
            and self._hook_due(event.backfill, when)
        ):
            self.runner.fire(hook, live_values(stream, event.event, title))
        if (
            event.backfill
            or not started
            or not live.is_live(stream, stale_after=self.index.live_stale_after)
        ):
            return []
        external = self.notify_live and self.notify_mode != "off" and self.coalescer.allow(LIVE_KEY)
        return [Notification(LIVE_KEY, title, "went live", external=external)]


def with_hooks(
    emit: Callable[[ev.Event], None],
    index: Index,
    configured: Iterable[tuple[str, Sequence[str]]],
    token: Secret | None,
    on_failure: Callable[[str], None],
) -> Callable[[ev.Event], None]:
    """``emit``, plus the configured hooks (``finder-tui sync``, a headless forwarder).

    A flood of DMs waits for a free hook (back-pressure on sync) rather than skipping any.
    """
    table = dict(configured)
    if not table:
        return emit
    runner = hooks.HookRunner(
        table, secret=token.reveal() if token else None, on_failure=on_failure, block=True
    )
    router = AlertRouter(index, runner=runner)

    def emit_and_run(event: ev.Event) -> None:
        emit(event)
        router.handle(event)

    return emit_and_run


def message_values(message: Message, peer_name: str) -> dict[str, str]:
    return {
        "session_id": message.session_id,
        "peer": message.peer,
        "peer_name": peer_name,
        "text": message.text,
        "new_msg_id": str(message.new_msg_id),
        "time": str(message.create_time),
    }


def live_values(stream: LiveStream, event: str, name: str) -> dict[str, str]:
    when = stream.ended_at if event == live.ENDED_EVENT else stream.started_at
    return {
        "peer": stream.account,
        "peer_name": "" if name == live.UNKNOWN_ACCOUNT else name,
        "time": str(when or int(time.time())),
        "object_id": stream.object_id,
        "live_id": stream.live_id,
    }


def run_desktop(
    notification: Notification,
    *,
    secret: str | None = None,
    on_failure: Callable[[str], None] = lambda text: None,
    on_missing: Callable[[], None] = lambda: None,
) -> bool:
    """Show a desktop notification in the background (argv list, minimal environment).

    False where this platform has no notifier; ``on_missing`` is called (from the worker
    thread) when the notifier is not installed after all, so the caller can fall back.
    """
    command = notify.desktop_command(notification.title, notification.body)
    if command is None:
        return False
    argv, values = command
    # One environment, built like a hook's: safe base, FINDER_TUI_* values, never the token.
    env = hooks.hook_environment(values, secret=secret)

    def run() -> None:
        try:
            subprocess.run(  # noqa: S603 - a fixed notifier, text only after "--" or in env
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=hooks.TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            on_missing()
        except (OSError, subprocess.SubprocessError) as exc:
            on_failure(f"desktop notification failed: {exc}")

    threading.Thread(target=run, name="finder-notify", daemon=True).start()
    return True
