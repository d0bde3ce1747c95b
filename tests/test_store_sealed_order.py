"""A conversation read across sealed segments and the head keeps (time, seq) order even when
messages did not arrive in that order (a late message, a backfill, an import)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from finder_tui.demo import generate_items
from finder_tui.store import Store
from finder_tui.wire.models import Message, parse_item

SEAL_AT = 30


def order(message: Message) -> tuple[int, int]:
    return (message.create_time, message.seq)


def one_session() -> list[Message]:
    parsed = [parse_item(item) for item in generate_items(sessions=2, messages=400, seed=5)]
    messages = [m for m in parsed if isinstance(m, Message) and m.session_id]
    sid = max(
        {m.session_id for m in messages}, key=lambda s: sum(m.session_id == s for m in messages)
    )
    return sorted((m for m in messages if m.session_id == sid), key=order)


def test_newest_screen_reads_an_older_file_that_holds_newer_messages(store_dir: Path) -> None:
    history = one_session()
    chunks = [history[i : i + 40] for i in range(0, len(history), 40)]
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        for chunk in reversed(chunks):  # newest first: older files hold newer messages
            store.ingest(chunk)
            store.commit()
        store.ingest([])
        assert len(store.segments) >= 3
    sid = history[0].session_id
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        assert store.index.messages_before(sid, None, 50) == history[-50:]
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        before = order(history[-60])
        assert store.index.messages_before(sid, before, 45) == history[-105:-60]


def test_a_late_message_in_the_head_does_not_hide_newer_sealed_ones(store_dir: Path) -> None:
    history = one_session()
    late = history[0]
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        store.ingest(history[1:])
        store.commit()
        assert store.segments
        store.ingest([late])  # arrives last, ordered first: it stays in the head
        store.commit()
    sid = late.session_id
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        assert store.index.messages_before(sid, None, 20) == history[-20:]
        assert store.index.messages_before(sid, None, len(history)) == history
        shifted = dataclasses.replace(late)
        assert store.index.messages_before(sid, order(history[1]), 5) == [shifted]
