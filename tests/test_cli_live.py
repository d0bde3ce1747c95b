"""`finder-tui stats` counts only streams plausibly live now, with the configured limit."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from finder_tui.cli import main
from finder_tui.demo.data import build_live_notice
from finder_tui.store import Store
from finder_tui.wire.models import Message, parse_item


def _store_with_a_start(directory: Path, age: int) -> None:
    item = build_live_notice(
        start=True, object_id=42, seq=1, create_time=int(time.time()) - age, new_msg_id=1
    )
    message = parse_item(item)
    assert isinstance(message, Message)
    with Store.open(directory) as store:
        store.ingest([message])
        store.commit()


def _live_now(capsys: pytest.CaptureFixture[str], store: Path) -> int:
    assert main(["stats", "--json", "--store", str(store)]) == 0
    return int(json.loads(capsys.readouterr().out)["live_now"])


def test_stats_does_not_count_a_start_two_days_old_unless_the_limit_allows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    _store_with_a_start(store, 2 * 86400)
    assert _live_now(capsys, store) == 0
    config = tmp_path / "config.toml"
    config.write_text('live_stale_after = "3d"\n', "utf-8")
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(config))
    assert _live_now(capsys, store) == 1
