"""The status bar's three parts (sync state, counts, cursor), from the App's state; ``full``
for the details dialog (``I``), else cut to fit, with the way to the details first when
something is wrong."""

from __future__ import annotations

import time

from .. import service_events as ev
from ..store.index import Index
from ..wire import keybuff
from ..wire.sanitize import scrub_line
from .timefmt import clock


def status_text(
    state: ev.StateChanged,
    progress: ev.Progress | None,
    store_error: str,
    index: Index | None,
    key_buff: str,
    *,
    full: bool = False,
) -> tuple[str, str, str]:
    if store_error:
        text = f"stopped: {store_error}"
    elif state.state == ev.SYNCING:
        text = f"syncing {progress.pages} pages, {progress.new} new" if progress else "syncing…"
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
    if index is None:
        counts = "—"
    else:
        notices = index.notice_count()
        counts = f"{index.message_count - notices:,} messages · {index.session_count():,} sessions"
        if not index.complete:
            counts += " (loading history…)"
    cursor = keybuff.describe(key_buff)
    cursor_text = "cursor " + (
        " ".join(f"{k}={v}" for k, v in cursor.items() if v) if cursor else "—"
    )
    text = scrub_line(text)
    if full:  # ``i``: the whole text, in a dialog
        return text, counts, cursor_text
    if store_error or state.state in (ev.BACKOFF, ev.STOPPED):
        text = "(I: details) " + text  # first: a narrow terminal still shows the way
    return text[:300], counts, cursor_text
