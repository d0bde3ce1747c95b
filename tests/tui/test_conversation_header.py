"""The conversation header names the open peer without repeating itself and fits its width:
parts are dropped whole, least useful first, never cut in the middle."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from finder_tui.demo import seed_items
from finder_tui.store.index_records import SessionSummary
from finder_tui.tui.widgets.people_bars import fit_parts, header_parts
from tests.tui.helpers import running_app, widget_text

CHANNELS_PEER = "v2_060000231003b20faec8c6e2d81acd2f219@finder"
ME = "wxid_abcdefgh12345"


def _summary(**kw: object) -> SessionSummary:
    fields: dict[str, object] = {"session_id": "s1", "peer": CHANNELS_PEER, "me": ME, "count": 2}
    fields.update(kw)
    return SessionSummary(**fields)  # type: ignore[arg-type]


def test_a_peer_without_a_name_shows_its_short_id_and_its_kind_once() -> None:
    texts = [text for _, text in header_parts(_summary())]
    assert texts == ["v2_0600…f219", "Channels", "as WeChat", "2 messages"]
    assert " · ".join(texts).count("Channels") == 1


def test_a_named_peer_shows_its_name_its_kind_and_a_thousands_count() -> None:
    texts = [text for _, text in header_parts(_summary(nickname="高佳琪的小店", count=1234))]
    assert texts == ["高佳琪的小店", "Channels", "as WeChat", "1,234 messages"]


def test_parts_are_dropped_whole_count_then_alias_then_identity_then_kind() -> None:
    parts = header_parts(_summary(alias="老顾客", nickname="高佳琪的小店", count=7))
    full = fit_parts(parts, 200)
    assert full == ["老顾客", "Channels", "as WeChat", "nickname 高佳琪的小店", "7 messages"]
    for width in range(1, cell_len(" · ".join(full)) + 1):
        kept = fit_parts(parts, width)
        assert kept[0] == "老顾客" and all(part in full for part in kept)  # whole parts only
        assert kept == ["老顾客"] or cell_len(" · ".join(kept)) <= width
    assert fit_parts(parts, 30) == ["老顾客", "Channels", "as WeChat"]  # 26 cells
    assert fit_parts(parts, 17) == ["老顾客", "Channels"]
    assert fit_parts(parts, 16) == ["老顾客"]
    assert fit_parts(parts, 5) == ["老顾客"]


async def test_at_80_columns_the_header_fits_whole_parts(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=seed_items(), size=(80, 24)) as h:
        await h.wait(lambda: all(s.nickname for s in h.index.sessions()), what="every peer named")
        key = h.session_keys()[0]
        await h.open_session(key)
        header = h.app.query_one("#conversation-header")
        summary = h.index.session(key)
        await h.wait(lambda: summary.nickname in widget_text(header), what="the name")
        line = widget_text(header).strip()
        width = header.content_size.width
        assert cell_len(line) <= width
        parts = line.split(" · ")
        full = [text for _, text in header_parts(summary)]
        assert parts == full[: len(parts)] or all(part in full for part in parts)
        assert not line.endswith(("as", "·"))
