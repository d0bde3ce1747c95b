"""SVG snapshots of the main views (pytest-textual-snapshot).

Deterministic by construction: offline app (no clock-driven sync state), a store made from the
vendor's success example (all its dates are in 2023, so the list shows full dates, never "5m" or
a weekday), TZ=UTC, fixed terminal size, and every stream in that page has ended (the live view
shows no running duration). Update with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import ContentSwitcher

from finder_tui.tui.app import FinderApp
from finder_tui.tui.screens.help import HelpScreen
from finder_tui.tui.widgets.conversation import ConversationView
from finder_tui.tui.widgets.session_list import SessionList
from tests.conftest import FIXTURES
from tests.tui.helpers import SIZE, prepare_store, wait_for, widget_text

FIXTURE = FIXTURES / "syncFinder-success.json"


@pytest.fixture()
def seed_app(tmp_path: Path) -> FinderApp:
    data = json.loads(FIXTURE.read_text("utf-8"))["data"]
    store_dir = tmp_path / "store"
    prepare_store(store_dir, data["list"], data["keyBuff"])
    return FinderApp(store_dir=store_dir, client_config=None, mode="offline", poll_interval=60)


def _loaded(app: FinderApp) -> bool:
    """Loaded and painted: the list, the open conversation and the status bar all show it
    (they repaint on their own schedule, so the internal state alone is not enough).
    The autopilot starts before the inbox screen has composed: until then, not loaded."""
    try:
        conv = app.query_one("#conversation", ConversationView)
        sessions = app.query_one("#sessions", SessionList)
    except NoMatches:
        return False
    return (
        app.sync_state.state == "offline"
        and app.index is not None
        and len(sessions.rows) == app.index.session_count() + 1
        and app.inbox.open_key is not None
        and conv.scroll_y == conv.max_scroll_y
        and widget_text(app.query_one("#status")).startswith(" offline")
    )


async def _wait_loaded(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, FinderApp)
    await wait_for(pilot, lambda: _loaded(app), what="the seed store to load")
    assert app.live_toasts == 0 and app.index is not None and app.index.live_now_count() == 0


def test_snapshot_inbox(snap_compare: Any, seed_app: FinderApp) -> None:
    assert snap_compare(seed_app, terminal_size=SIZE, run_before=_wait_loaded)


def test_snapshot_help(snap_compare: Any, seed_app: FinderApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _wait_loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(seed_app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_live_view(snap_compare: Any, seed_app: FinderApp) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _wait_loaded(pilot)
        await pilot.press("l")
        switcher = seed_app.query_one("#switcher", ContentSwitcher)
        await wait_for(pilot, lambda: switcher.current == "live")
        sessions = seed_app.query_one("#sessions", SessionList)
        await wait_for(pilot, lambda: sessions.rows[0].badge == "")

    assert snap_compare(seed_app, terminal_size=SIZE, run_before=run_before)
