"""Global search and the session filter match people's names and aliases, not only text."""

from __future__ import annotations

from pathlib import Path

from finder_tui.demo import seed_items
from finder_tui.search import search
from finder_tui.store import Store
from finder_tui.store.contacts import Contact
from finder_tui.tui.widgets.session_list import parse_filter
from finder_tui.wire.models import parse_page


def test_global_search_lists_a_conversation_whose_nickname_matches_first(store_dir: Path) -> None:
    with Store.open(store_dir) as store:
        store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
        peer = store.index.sessions()[-1].peer
        store.set_contact(Contact(peer, nickname="山茶花Camellia", fetched_at=1.0))
        result = search(store.index, "camellia")
        assert result.total == 1
        hit = result.hits[0]
        assert hit.by_name and store.index.session(hit.session_id).peer == peer  # type: ignore[union-attr]
        assert search(store.index, "camellia", session_id=hit.session_id).total == 0


def test_the_filter_reads_is_unread_and_keeps_the_rest_as_a_needle() -> None:
    assert parse_filter("is:unread") == (True, "")
    assert parse_filter("  Wang IS:UNREAD ") == (True, "wang")
    assert parse_filter("王") == (False, "王")
