"""Server and store errors as the user sees them: the status bar says what and when, the UI
stays usable, and recovery needs no restart."""

from __future__ import annotations

from pathlib import Path

from finder_tui.demo import DemoServer, FaultSpec
from finder_tui.demo.faults import BUSY_MESSAGE
from finder_tui.store import Store
from finder_tui.tui.app import FinderApp
from finder_tui.tui.widgets.session_list import LIVE_ENTRY
from tests.tui.helpers import (
    SIZE,
    TOKEN,
    WID,
    Chat,
    client_config,
    prepare_store,
    running_app,
    wait_for,
    widget_text,
)

T0 = 1_700_000_000
E1, E2, E3 = Chat.named("echo"), Chat.named("foxtrot"), Chat.named("golf")


def inbox() -> list[dict]:
    return [
        E3.item(1, T0, "golf"),
        E2.item(2, T0 + 60, "foxtrot"),
        E1.item(3, T0 + 120, "echo"),
    ]


async def test_api_1001_backs_off_and_recovers(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        assert h.server is not None
        h.server.set_faults(FaultSpec.parse("1001=1.0"))
        await h.pilot.press("r")
        await h.wait(lambda: "retrying in" in h.status(), what="backoff shown")
        status = h.status()
        assert BUSY_MESSAGE in status and "1001" in status
        assert h.app.sync_state.state == "backoff"
        # Still navigable while backing off.
        await h.pilot.press("j")
        await h.wait(lambda: h.conv.session_id == E2.session_id, what="j still works")
        # The server recovers; "sync now" retries at once.
        h.server.set_faults(None)
        h.server.append([E3.item(4, T0 + 600, "golf is back")])
        await h.pilot.press("r")
        await h.wait(lambda: "idle since" in h.status(), what="recovered")
        await h.wait(lambda: h.session_keys()[0] == E3.session_id)
        assert h.sessions.selected_key == E2.session_id


async def test_http_500_backs_off(tmp_path: Path) -> None:
    async with running_app(
        tmp_path / "store", items=inbox(), faults="500=1.0", wait_state=None
    ) as h:
        await h.wait(lambda: "retrying in" in h.status(), what="backoff shown")
        assert "HTTP 500" in h.status()
        assert h.app.index is not None and h.index.session_count() == 0
        assert [row.key for row in h.sessions.rows] == [LIVE_ENTRY]
        await h.pilot.press("enter")  # nothing to open, nothing breaks
        assert h.app.return_code is None


async def test_unreachable_server_backs_off_with_connection_error(tmp_path: Path) -> None:
    dead = DemoServer(token=TOKEN, wid=WID, items=[]).start()
    url = dead.url
    dead.stop()  # nothing listens there any more
    app = FinderApp(
        store_dir=tmp_path / "store",
        client_config=client_config(url),
        mode="demo",
        poll_interval=60,
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: "retrying in" in widget_text(app.query_one("#status")), what="backoff"
        )
        status = widget_text(app.query_one("#status"))
        assert "retrying in" in status and "cannot reach" in status, status
        assert url in status
        assert "ConnectError" in status
        assert app.return_code is None


async def test_server_dying_mid_run_backs_off_with_connection_error(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        server = h.server
        assert server is not None
        server.stop()
        served_before = server.requests
        await h.pilot.press("r")
        await wait_for(
            h.pilot,
            lambda: "retrying in" in h.status() or server.requests > served_before,
            what="the sync after the server stopped",
        )
        assert server.requests == served_before, (
            "DemoServer.stop() returned but the server still answered the app's kept-alive "
            "connection: stop() must close open connections"
        )
        await h.wait(lambda: "retrying in" in h.status(), what="backoff after the server died")
        status = h.status()
        assert "cannot reach" in status or "no answer" in status, status
        # Everything synced before is still there.
        assert h.session_keys() == [E1.session_id, E2.session_id, E3.session_id]
        await h.pilot.press("j")
        await h.wait(lambda: h.conv.session_id == E2.session_id)


async def test_wrong_token_stops_without_showing_it(tmp_path: Path) -> None:
    wrong = "wrong-token-Z81kq"
    async with running_app(
        tmp_path / "store", items=inbox(), token=wrong, wait_state="stopped"
    ) as h:
        status = h.status()
        assert "stopped:" in status
        assert "Authorization" in status and "r retries" in status
        assert wrong not in status and TOKEN not in status
        assert h.app.return_code is None
        server = h.server
        assert server is not None
        before = server.requests
        await h.pilot.press("r")  # retries on request, stops again
        await h.wait(lambda: server.requests > before)
        await h.wait(lambda: h.app.sync_state.state == "stopped")


async def test_offline_mode_shows_the_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(store_dir, inbox())
    async with running_app(store_dir, online=False, wait_state="offline") as h:
        assert h.app.service.client_config is None
        await h.wait(lambda: h.status().lstrip().startswith("offline"))
        assert "3 messages · 3 sessions" in h.status()
        assert "offline" in h.top()
        assert h.session_keys() == [E1.session_id, E2.session_id, E3.session_id]
        await h.wait(lambda: h.conv.session_id == E1.session_id)
        await h.pilot.press("r")  # nothing to sync with; no crash
        await h.pilot.pause(0.1)
        assert h.app.sync_state.state == "offline"


async def test_store_in_use_is_reported(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    holder = Store.open(store_dir)
    try:
        async with running_app(store_dir, online=False, wait_state=None) as h:
            await h.wait(lambda: "stopped:" in h.status(), what="stopped in the status bar")
            status = h.status()
            assert "stopped:" in status and "in use" in status
            assert any("in use" in str(n.message) for n in h.app._notifications)
            assert h.app.return_code is None
    finally:
        holder.close()
