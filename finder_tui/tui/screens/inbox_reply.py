"""Replying in the open conversation: the compose box, the outbox's bubbles, retry, discard.

A base of ``InboxScreen`` (like ``FindInConversation``): it needs the open conversation
(``open_key``), ``_mark_seen`` and the service. It reads the outbox through the service
(copies) and sends through the service's typed commands, never touching the store.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from textual.css.query import NoMatches

from ... import service_events as ev
from ...outbox import FAILED, PENDING, SENT, UNKNOWN, Entry
from ...outbox_service import QUEUED, STALE
from ...wire.content import TEXT
from ...wire.models import U64_MAX, Message
from ..widgets.conversation import OUTBOX_KEY, ConversationView
from ..widgets.session_list import LIVE_ENTRY
from .confirm import ConfirmScreen
from .inbox_panes import InboxPanes

if TYPE_CHECKING:
    from ...service import SyncService
    from ..widgets.compose import ComposeBox

MARKS = {PENDING: "◷", SENT: "✓", FAILED: "✗", UNKNOWN: "?"}
DELIVERED_MARK = "✓✓"
NOTES = {
    FAILED: "not sent — R retry / D discard",
    UNKNOWN: "no answer: maybe not sent — R retry / D discard",
}
_LAST = U64_MAX  # an outbox bubble sorts after every stored message of its second


def outbox_message(entry: Entry) -> Message:
    """An outbox entry as a bubble of ours (its key says it is not a stored message)."""
    return Message(
        key=f"{OUTBOX_KEY}{entry.id}",
        new_msg_id=entry.new_msg_id or 0,
        session_id=entry.session_id,
        peer=entry.to_user,
        is_sender=True,
        create_time=int(entry.created),
        seq=_LAST,
        msg_type=1,
        kind=TEXT,
        text=entry.text,
        me=entry.my_user,
    )


class ReplyInConversation(InboxPanes):
    open_key: str | None  # the inbox's open conversation (or the live view, or None)

    def __init__(self) -> None:
        super().__init__()
        # Pressed send, not yet in the outbox (the store thread may be busy with another
        # send for up to its timeout): shown at once as queued, in order, per session.
        self._queued: dict[str, list[Entry]] = {}
        # Entries a retry was asked for, until the store thread reports back on them: a second
        # R meanwhile is ignored (it could otherwise send a timed-out retry again, unasked).
        self._retrying: set[str] = set()

    @property
    def reply_service(self) -> SyncService:
        raise NotImplementedError

    def _mark_seen(self) -> None:
        raise NotImplementedError

    # ---- the compose box -------------------------------------------------------------------

    def compose_box(self) -> ComposeBox | None:
        try:
            return cast("ComposeBox", self.query_one("#compose"))
        except NoMatches:
            return None  # not mounted yet (after the first frame)

    async def ensure_compose_box(self) -> ComposeBox:
        box = self.compose_box()
        if box is None:
            # Imported here: TextArea and its document model take ~50 ms to import, paid
            # after the first frame rather than before it.
            from ..widgets.compose import ComposeBox

            service = self.reply_service
            box = ComposeBox(save_draft=service.save_draft, id="compose")
            box.set_unavailable(service.offline_reason)
            self.ensure_panes()
            await self.query_one("#main-pane").mount(box, after="#switcher")
            self.reply_opened(self.open_key)
        return box

    def reply_opened(self, key: str | None) -> None:
        """A conversation (or the live view) opened: swap drafts, show its outbox."""
        box = self.compose_box()
        if box is None:
            return
        self.save_compose_draft()
        if key is None or key == LIVE_ENTRY:
            box.display = False
            box.open_session(None, "")
            return
        box.display = True
        box.open_session(key, self.reply_service.draft(key))
        self.refresh_outgoing()

    def save_compose_draft(self) -> None:
        box = self.compose_box()
        taken = box.take_draft() if box is not None else None
        if taken is not None:
            self.reply_service.save_draft(*taken)

    # ---- the outbox's bubbles --------------------------------------------------------------

    def refresh_outgoing(self) -> None:
        key = self.open_key
        if key is None or key == LIVE_ENTRY:
            return
        service = self.reply_service
        entries = sorted(service.outbox_entries(key), key=lambda e: e.created)
        entries += self._queued.get(key, [])
        marks = {f"{OUTBOX_KEY}{e.id}": MARKS.get(e.state, "") for e in entries}
        marks.update({str(i): DELIVERED_MARK for i in service.delivered_ids(key)})
        notes = {f"{OUTBOX_KEY}{e.id}": NOTES[e.state] for e in entries if e.state in NOTES}
        conversation = self.query_one(ConversationView)
        conversation.set_outgoing([outbox_message(e) for e in entries], marks, notes)

    def outbox_event(self, event: ev.OutboxChanged | ev.OutboxNotice) -> None:
        """Called by the App's event pump."""
        if isinstance(event, ev.OutboxNotice):
            if event.refused_text:
                self._unqueue(event.session_id)
                self._put_back(event.session_id, event.refused_text)
            self._retrying.clear()  # a refusal answers whatever was asked
            box = self.compose_box()
            if box is not None:
                box.set_unavailable(self.reply_service.offline_reason)
            self.notify(event.text, title="Send", severity="warning", markup=False, timeout=8)
            return
        if event.state == QUEUED:
            self._unqueue(event.session_id)
        self._retrying.discard(event.entry_id)
        if event.state == STALE:
            if event.session_id == self.open_key:
                self.refresh_outgoing()
            return
        if event.session_id == self.open_key:
            self.refresh_outgoing()
        if event.state == FAILED:
            self.notify(
                f"Message not sent: {event.detail}. R retries, D discards.",
                title="Send",
                severity="error",
                markup=False,
                timeout=8,
            )
        elif event.state == UNKNOWN:
            self.notify(
                f"No answer to a send ({event.detail}); it may have been sent. The next sync "
                "tells; nothing is sent again unless you retry (R).",
                title="Send",
                severity="warning",
                markup=False,
                timeout=10,
            )

    def _put_back(self, session_id: str, text: str) -> None:
        """A message the store thread refused goes back where it was typed, before any text
        typed since (the user's words are never lost to a refusal)."""
        box = self.compose_box()
        if box is not None and box.session_id == session_id:
            box.put_back(text)
            return
        draft = self.reply_service.draft(session_id)
        self.reply_service.save_draft(session_id, f"{text}\n{draft}" if draft else text)

    def _unqueue(self, session_id: str) -> None:
        queued = self._queued.get(session_id)
        if queued:
            queued.pop(0)  # commands are applied in order: the oldest one was taken
            if session_id == self.open_key:
                self.refresh_outgoing()

    def _unsent(self, states: tuple[str, ...] = (FAILED, UNKNOWN)) -> Entry | None:
        """The message retry/discard act on: the one under the message cursor if it is one of
        these, else the newest of them in the open conversation."""
        key = self.open_key
        if key is None or key == LIVE_ENTRY:
            return None
        entries = self.reply_service.outbox_entries(key)
        unsent = [e for e in entries if e.state in states]
        if not unsent:
            return None
        chosen = self.query_one(ConversationView).cursor_key()
        under_cursor = next((e for e in unsent if f"{OUTBOX_KEY}{e.id}" == chosen), None)
        return under_cursor or max(unsent, key=lambda e: e.created)

    # ---- actions and the compose box's messages --------------------------------------------

    async def action_reply(self) -> None:
        box = await self.ensure_compose_box()
        if self.open_key is None or self.open_key == LIVE_ENTRY:
            self.notify("Open a conversation to reply to it.", markup=False)
            return
        self._mark_seen()
        box.focus()

    def action_retry_send(self) -> None:
        entry = self._unsent()
        if entry is None:
            self.notify("No unsent message in this conversation.", markup=False, timeout=3)
            return
        if entry.id in self._retrying:
            self.notify("Already retrying this message.", markup=False, timeout=3)
            return
        service = self.reply_service
        if entry.state == FAILED:
            self._retrying.add(entry.id)
            service.retry_send(entry)
            return

        def answered(yes: bool | None) -> None:
            if yes and entry.id not in self._retrying:
                self._retrying.add(entry.id)
                service.retry_send(entry)

        self.app.push_screen(
            ConfirmScreen(
                "Send again?",
                "No answer came for this message: it may already have been sent. Sending "
                "it again may make it arrive twice.",
            ),
            answered,
        )

    def action_discard_send(self) -> None:
        """D: discard the newest unsent message, its text back in an empty compose box (or
        after a question); with none, forget a sent one no sync brought back."""
        entry = self._unsent() or self._unsent((SENT,))
        if entry is None:
            self.notify("No unsent message in this conversation.", markup=False, timeout=3)
            return
        service = self.reply_service
        if entry.state == SENT:
            service.discard_send(entry.id)
            self.notify(
                "Forgot a sent message: it went out, only the outbox no longer waits for it.",
                markup=False,
                timeout=5,
            )
            return
        box = self.compose_box()
        if box is not None and box.session_id == entry.session_id and not box.text.strip():
            service.discard_send(entry.id)
            box.put_back(entry.text)
            self.notify(
                "Discarded the unsent message; its text is back in the compose box.",
                markup=False,
                timeout=4,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                service.discard_send(entry.id)
                self.notify("Discarded the unsent message.", markup=False, timeout=3)

        self.app.push_screen(
            ConfirmScreen(
                "Discard the unsent message?",
                "The compose box holds other text, so this message's text would be lost.",
            ),
            answered,
        )

    def on_compose_box_submitted(self, event: ComposeBox.Submitted) -> None:
        self._queued.setdefault(event.session_id, []).append(
            Entry(f"local-{time.monotonic_ns()}", event.session_id, "", "", event.text, time.time())
        )
        self.reply_service.send_text(event.session_id, event.text)
        self.refresh_outgoing()

    def on_compose_box_left(self, _: ComposeBox.Left) -> None:
        self.query_one(ConversationView).focus()
