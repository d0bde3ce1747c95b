"""A session's preview (made when a summary is read, not per ingested message) is always its
newest message's, whichever way the summary is read: the list, one session, the head."""

from __future__ import annotations

from pathlib import Path

from finder_tui.demo import generate_items
from finder_tui.store import Store
from finder_tui.store.index import Index, _preview
from finder_tui.wire.models import Message, parse_item


def history() -> list[Message]:
    out = []
    for item in generate_items(sessions=4, messages=400, seed=14):
        result = parse_item(item)
        assert isinstance(result, Message)
        out.append(result)
    return out


def newest_previews(messages: list[Message]) -> dict[str, str]:
    newest: dict[str, Message] = {}
    for m in messages:
        if m.session_id and (
            m.session_id not in newest
            or (m.create_time, m.seq)
            >= (newest[m.session_id].create_time, newest[m.session_id].seq)
        ):
            newest[m.session_id] = m
    return {sid: _preview(m) for sid, m in newest.items()}


def test_every_read_of_a_summary_shows_the_newest_messages_preview() -> None:
    messages = history()
    index = Index()
    previous = 0
    for cut in (100, 250, 399):
        index.add(messages[previous:cut])
        expected = newest_previews(messages[:cut])
        assert {s.session_id: s.preview for s in index.sessions()} == expected
        assert {s.session_id: s.preview for s in index.summaries_for_store()} == expected
        sid = next(iter(expected))
        index.add(messages[cut : cut + 1])  # one more message, then one session read alone
        summary = index.session(sid)
        assert summary is not None
        assert summary.preview == newest_previews(messages[: cut + 1])[sid]
        previous = cut


def test_the_committed_head_keeps_the_newest_previews(tmp_path: Path) -> None:
    messages = history()
    with Store.open(tmp_path / "store", seal_at=150) as store:
        for start in range(0, len(messages), 60):
            store.ingest(messages[start : start + 60])
            store.commit()
    with Store.open(tmp_path / "store") as store:
        assert {s.session_id: s.preview for s in store.index.sessions()} == newest_previews(
            messages
        )
