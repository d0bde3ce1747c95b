"""The compose box under the conversation: a TextArea where Enter sends and the draft is kept.

Enter sends; Shift+Enter, Alt+Enter and Ctrl+J add a line (Ctrl+J is the one every terminal
can tell apart from Enter). Pasted text is only inserted, never sent, whatever newlines it
holds: a bracketed paste arrives as one Paste event; a terminal without bracketed paste types
it as keys in one burst, so an Enter read within ``PASTE_BURST`` seconds of a character is a
line break. An input method's committed text (Chinese, Japanese) reaches the app as
characters; a terminal that passes on the Enter that confirmed the composition sends it right
after them, so an Enter read within ``IME_GUARD`` seconds of a non-ASCII character is that
confirmation and does nothing (a second Enter sends). Times are when the keys were read, not
when a busy app got to them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.timer import Timer
from textual.widgets import TextArea

from ...outbox import MAX_TEXT, clean_text, text_refusal

NEWLINE_KEYS = frozenset({"shift+enter", "alt+enter", "ctrl+j"})


class ComposeBox(TextArea):
    BINDINGS = [
        Binding("escape", "leave", "Leave (keeps draft)", id="compose.leave"),
    ]
    # The key bar while the box has focus: printable keys type here, so the inbox's keys
    # (/ Filter, ? Help, ...) would be wrong to show.
    KEY_HINTS = (
        ("enter", "Send", True),
        ("^j", "New line", True),
        ("esc", "Leave (keeps draft)", True),
    )
    IME_GUARD = 0.05
    PASTE_BURST = 0.005
    DRAFT_SAVE_DELAY = 1.0

    class Submitted(TextualMessage):
        """The user pressed Enter on a message worth sending (already checked)."""

        def __init__(self, session_id: str, text: str) -> None:
            super().__init__()
            self.session_id = session_id
            self.text = text

    class Left(TextualMessage):
        """Escape: focus goes back to the conversation; the draft stays."""

    def __init__(
        self, *, save_draft: Callable[[str, str], None] | None = None, id: str | None = None
    ) -> None:
        super().__init__(
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            id=id,
        )
        self.session_id: str | None = None
        self.unavailable = ""  # why nothing can be sent (offline), shown in the border
        self._saved = ""  # the draft as last handed to the store
        self._last_char_at = float("-inf")  # when the last character key was read
        self._last_char_wide = False
        self._save_timer: Timer | None = None
        # Called directly (not a message): it must also run while the app shuts down.
        self._save_draft = save_draft

    # ---- session and draft -----------------------------------------------------------------

    def open_session(self, session_id: str | None, draft: str) -> None:
        """Show another conversation's draft (the caller saved the current one first)."""
        self.session_id = session_id
        self._saved = draft
        self.load_text(draft)
        self.move_cursor(self.document.end)
        self._show_state()

    def take_draft(self) -> tuple[str, str] | None:
        """(session, text) when the draft changed since it was last saved; marks it saved."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if self.session_id is None or self.text == self._saved:
            return None
        self._saved = self.text
        return self.session_id, self.text

    def put_back(self, text: str) -> None:
        """A sent text the store refused: back in the box, before what was typed since."""
        current = self.text
        self.load_text(f"{text}\n{current}" if current else text)
        self.move_cursor(self.document.end)
        self._save_soon(self.DRAFT_SAVE_DELAY)

    def set_unavailable(self, reason: str) -> None:
        self.unavailable = reason
        self._show_state()

    # ---- keys ------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            since = event.time - self._last_char_at
            if self._last_char_wide and since < self.IME_GUARD:
                return  # the input method's confirmation, not a send
            if since < self.PASTE_BURST:
                self.insert("\n")  # a line break inside a paste typed as keys
                self._last_char_at = event.time
                return
            self._submit()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.is_printable and event.character:
            self._last_char_at = event.time
            self._last_char_wide = not event.character.isascii()
        await super()._on_key(event)

    def action_leave(self) -> None:
        self._save_soon(0)
        self.post_message(self.Left())

    def _submit(self) -> None:
        if self.session_id is None:
            self.notify("Open a conversation to reply to it.", markup=False)
            return
        if self.unavailable:
            self.notify(f"Cannot send: {self.unavailable}", severity="warning", markup=False)
            return
        text = clean_text(self.text)
        refusal = text_refusal(text)
        if refusal:
            self.notify(
                f"{refusal[0].upper()}{refusal[1:]}.", severity="warning", markup=False, timeout=4
            )
            return
        self.post_message(self.Submitted(self.session_id, text))
        self._saved = ""
        self.clear()

    # ---- draft saving and the border -------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self:
            self._show_state()
            self._save_soon(self.DRAFT_SAVE_DELAY)

    def on_blur(self) -> None:
        self._save_soon(0)

    def _save_soon(self, delay: float) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        if delay <= 0:
            self._save_now()
        else:
            self._save_timer = self.set_timer(delay, self._save_now)

    def _save_now(self) -> None:
        taken = self.take_draft()
        if taken is not None and self._save_draft is not None:
            self._save_draft(*taken)

    def on_unmount(self) -> None:
        self._save_now()

    def _show_state(self) -> None:
        if self.unavailable:
            self.border_title = Content(f"cannot send: {self.unavailable}")
            self.border_subtitle = ""
            self.set_class(True, "-unavailable")
            return
        self.set_class(False, "-unavailable")
        self.border_title = Content("reply · Enter sends · Ctrl+J new line · Esc leaves")
        length = len(clean_text(self.text))
        over = length > MAX_TEXT
        self.set_class(over, "-too-long")
        if over:
            self.border_subtitle = Content(f"{length:,}/{MAX_TEXT:,}: too long to send")
        elif length > MAX_TEXT * 0.8:
            self.border_subtitle = Content(f"{length:,}/{MAX_TEXT:,}")
        else:
            self.border_subtitle = ""
