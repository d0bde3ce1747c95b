"""Turn sync events into hook runs and notifications (headless; the TUI and ``sync`` share it).

Only traffic that arrived while running counts: a catch-up's backlog (``backfill``) never runs
a hook or notifies. Notifications are for received DMs when the app is not focused or the DM is
in another session than the open one, and for live starts only with ``notify_live``; at most one
per session per few seconds. Delivering a notification (a terminal sequence, the bell) is the
UI's job; ``run_desktop`` runs a desktop notifier in the background.
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
from .store.index import Index, LiveStream
from .wire.models import Message

LIVE_KEY = "\x00live"  # the coalescing key of live starts (never a session id)


@dataclass(frozen=True, slots=True)
class Notification:
    key: str  # session id, or LIVE_KEY
    title: str
    body: str


class AlertRouter:
    def __init__(
        self,
        index: Index,
        *,
        runner: hooks.HookRunner | None = None,
        notify_mode: str = "off",
        notify_live: bool = False,
        coalesce: float = notify.COALESCE_SECONDS,
    ) -> None:
        self.index = index
        self.runner = runner
        self.notify_mode = notify_mode
        self.notify_live = notify_live
        self.coalescer = notify.Coalescer(coalesce)

    def session_name(self, session_id: str, peer: str) -> str:
        summary = self.index.session(session_id)
        if summary is None:
            return display_name(peer)
        return display_name(summary.peer or peer, summary.alias, summary.nickname)

    def handle(
        self, event: ev.Event, *, focused: bool = False, open_session: str | None = None
    ) -> list[Notification]:
        """Run the hooks an event calls for; the notifications to show (already coalesced)."""
        if isinstance(event, ev.NewMessages) and not event.backfill:
            return self._messages(event, focused, open_session)
        if isinstance(event, ev.LiveEvent) and not event.backfill:
            return self._live(event)
        return []

    def _messages(
        self, event: ev.NewMessages, focused: bool, open_session: str | None
    ) -> list[Notification]:
        out: list[Notification] = []
        for session_id, messages in event.by_session.items():
            received = [m for m in messages if not m.is_sender and not m.is_system]
            name = self.session_name(session_id, messages[0].peer) if messages else ""
            for message in messages:
                if message.is_system:
                    continue
                hook = hooks.SENT if message.is_sender else hooks.MESSAGE
                if self.runner is not None and self.runner.has(hook):
                    self.runner.fire(hook, message_values(message, name))
            if not received or self.notify_mode == "off":
                continue
            if focused and session_id == open_session:
                continue
            if not self.coalescer.allow(session_id):
                continue
            last = max(received, key=lambda m: (m.create_time, m.seq))
            body = last.text if len(received) == 1 else f"({len(received)} new) {last.text}"
            out.append(Notification(session_id, name, body))
        return out

    def _live(self, event: ev.LiveEvent) -> list[Notification]:
        stream = event.stream
        (title,) = self.index.live_titles([stream])
        hook = hooks.LIVE_START if event.event == live.STARTED else hooks.LIVE_END
        if self.runner is not None and self.runner.has(hook):
            self.runner.fire(hook, live_values(stream, event.event, title))
        if (
            event.event != live.STARTED
            or not self.notify_live
            or self.notify_mode == "off"
            or not live.is_live(stream, stale_after=self.index.live_stale_after)
            or not self.coalescer.allow(LIVE_KEY)
        ):
            return []
        return [Notification(LIVE_KEY, title, "went live")]


def with_hooks(
    emit: Callable[[ev.Event], None],
    index: Index,
    configured: Iterable[tuple[str, Sequence[str]]],
    token: Secret | None,
    on_failure: Callable[[str], None],
) -> Callable[[ev.Event], None]:
    """``emit``, plus the configured hooks for what arrives once caught up (``finder-tui sync``)."""
    table = dict(configured)
    if not table:
        return emit
    runner = hooks.HookRunner(
        table, secret=token.reveal() if token else None, on_failure=on_failure
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
        "peer_name": name,
        "time": str(when or int(time.time())),
        "object_id": stream.object_id,
        "live_id": stream.live_id,
    }


def run_desktop(
    notification: Notification,
    *,
    secret: str | None = None,
    on_failure: Callable[[str], None] = lambda text: None,
) -> bool:
    """Show a desktop notification in the background (argv list, minimal environment)."""
    command = notify.desktop_command(notification.title, notification.body)
    if command is None:
        return False
    argv, values = command
    env = hooks.hook_environment({}, secret=secret)
    env.update(values)
    if secret:  # the title and body are message text: drop one that holds the token
        env = {k: v for k, v in env.items() if secret not in v}

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
        except (OSError, subprocess.SubprocessError) as exc:
            on_failure(f"desktop notification failed: {exc}")

    threading.Thread(target=run, name="finder-notify", daemon=True).start()
    return True
