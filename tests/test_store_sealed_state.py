"""State derived from messages outlives a seal and a reopen: a recall marks its message
wherever the two are stored, and a shared Channels post still names its live stream."""

from __future__ import annotations

from pathlib import Path

from finder_tui.demo import generate_items
from finder_tui.demo.kinds import SAMPLES, showcase_items
from finder_tui.store import Store
from finder_tui.wire.models import Message, parse_item
from tests.test_live_streams import OBJECT, feed_share, notice

SEAL_AT = 40


def parsed(items: list[dict[str, object]]) -> list[Message]:
    out = [parse_item(item) for item in items]
    return [m for m in out if isinstance(m, Message)]


def recalled_and_recall() -> tuple[Message, Message]:
    items = parsed(showcase_items([]))
    recall = next(i for i, (name, _t, _c) in enumerate(SAMPLES) if name == "recall")
    return items[0], items[1 + recall]


def filler() -> list[Message]:
    return parsed(generate_items(sessions=3, messages=120, seed=8))


def shown(store: Store, target: Message) -> Message:
    (found,) = (
        m for m in store.index.messages_before(target.session_id, None, 100) if m.key == target.key
    )
    return found


def test_a_recall_after_its_message_was_sealed_marks_it_now_and_after_a_reopen(
    store_dir: Path,
) -> None:
    target, recall = recalled_and_recall()
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        store.ingest([target, *filler()])
        store.commit()
        assert store.segments and store.index.head_messages() == []
        assert shown(store, target).meta.get("recalled") is not True
        store.ingest([recall])  # the cached sealed copy is marked at once
        store.commit()
        assert shown(store, target).meta.get("recalled") is True
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        assert shown(store, target).meta.get("recalled") is True


def test_a_message_and_its_recall_sealed_together_stay_marked_after_a_reopen(
    store_dir: Path,
) -> None:
    target, recall = recalled_and_recall()
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        store.ingest([target])
        store.commit()  # the message's document is written unmarked
        store.ingest([recall])
        store.commit()
        store.ingest(filler())
        store.commit()
        assert store.index.head_messages() == []
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        assert shown(store, target).meta.get("recalled") is True
        assert shown(store, recall).meta.get("recalled") is not True


def test_a_channel_posts_owner_read_before_a_seal_names_its_stream_after_a_reopen(
    store_dir: Path,
) -> None:
    share = feed_share(1, OBJECT, "主播小王")
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        store.ingest([share, *filler()])
        store.commit()
        assert store.index.head_messages() == []
    with Store.open(store_dir, seal_at=SEAL_AT) as store:
        store.ingest([notice(10_000, share.create_time + 60, OBJECT)])
        (stream,) = (s for s in store.index.live_streams() if s.object_id == str(OBJECT))
        assert stream.account_name == "主播小王"
