"""In the inbox: stale streams are not live, Enter shows a stream's facts, DMs notify and run hooks."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import ContentSwitcher

from finder_tui.client import Secret
from finder_tui.config import resolve
from finder_tui.tui.alerting import AlertSettings, TuiAlerts
from finder_tui.tui.widgets.live_pane import LiveDetail
from finder_tui.tui.widgets.live_view import LiveView
from tests.hook_script import runs, write_hook
from tests.tui.helpers import Chat, Harness, live_item, running_app, visible_lines

NOW = int(time.time())
S1, S2 = Chat.named("alpha"), Chat.named("bravo")
OLD = 14_215_000_000_000_000_111
FRESH = 14_215_000_000_000_000_222


def inbox() -> list[dict[str, Any]]:
    return [
        S1.item(1, NOW - 600, "alpha hello"),
        S2.item(2, NOW - 500, "bravo hello"),
        live_item(3, NOW - 2 * 86400, OLD),
    ]


def use_alerts(h: Harness, settings: AlertSettings) -> TuiAlerts:
    """Swap in alerts with these settings (the harness builds the app with the defaults)."""
    alerts = TuiAlerts(h.app, settings)
    alerts.attach(h.index)
    h.app.alerts = alerts
    return alerts


async def test_a_start_two_days_old_with_no_end_is_no_end_seen_and_not_counted(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        assert h.index.live_now_count() == 0
        assert "LIVE" not in h.top(), "the header badge does not count it"
        assert h.sessions.rows[0].preview != "1 live now"
        await h.pilot.press("l")
        await h.wait(lambda: h.app.query_one(ContentSwitcher).current == "live")
        lines = visible_lines(h.live)
        row = lines[next(i for i, line in enumerate(lines) if str(OLD) in line) - 1]
        assert row.lstrip().startswith("no end seen 2d"), row
        assert "a followed account" in row
        strip = h.live.render_line(2)
        dim = [s.style for s in strip if s.text.strip() and s.style is not None]
        assert dim and all(style.dim for style in dim[:1]), "shown dim"


async def test_enter_on_a_stream_shows_its_ids_and_times_in_a_detail_pane(tmp_path: Path) -> None:
    items = [*inbox(), live_item(4, NOW - 120, FRESH), live_item(5, NOW - 60, FRESH, start=False)]
    async with running_app(tmp_path / "store", items=items) as h:
        await h.pilot.press("l")
        await h.wait(lambda: h.app.query_one(ContentSwitcher).current == "live")
        live = h.app.query_one(LiveView)
        live.focus()
        await h.pilot.pause()
        assert [s.object_id for s in live.streams] == [str(FRESH), str(OLD)], "by end time"
        detail = h.app.query_one(LiveDetail)
        assert not detail.display
        await h.pilot.press("enter")
        await h.wait(lambda: detail.display, what="the detail pane")
        text = str(detail.render())
        stream = live.streams[0]
        assert f"object id  {FRESH}" in text and f"live id    {stream.live_id}" in text
        assert "status     ended" in text and "duration   1m00s" in text
        await h.pilot.press("j", "enter")
        await h.wait(lambda: str(OLD) in str(detail.render()))
        assert "no end seen (2d since the start" in str(detail.render())


async def test_a_dm_in_another_session_writes_one_scrubbed_osc_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        alerts = use_alerts(h, AlertSettings(notify="terminal", notify_terminal="osc777"))
        h.index.set_alias(S2.session_id, "Bravo Shop")
        await h.open_session(S1.session_id)
        written: list[str] = []
        driver = h.app._driver
        assert driver is not None

        # Notifications only (the window title goes through the same driver).
        def record(sequence: str) -> None:
            if not sequence.startswith("\x1b]2;"):
                written.append(sequence)

        monkeypatch.setattr(driver, "write", record)
        hostile = "hi\x1b]777;notify;pwned;x\x07 there; \x1b\\ end"
        await h.push([S2.item(10, NOW, hostile)])
        await h.wait(lambda: len(written) == 1, what="one notification")
        (sequence,) = written
        assert sequence == "\x1b]777;notify;Bravo Shop;hi]777,notify,pwned,x there, \\ end\x07"
        assert alerts.written == written
        # A DM in the open session of a focused app does not notify.
        await h.push([S1.item(11, NOW, "in the open one")])
        await h.pilot.pause(0.2)
        assert len(written) == 1


async def test_a_dm_in_the_open_session_notifies_when_the_terminal_is_not_focused(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        alerts = use_alerts(h, AlertSettings(notify="terminal", notify_terminal="osc9"))
        await h.open_session(S1.session_id)
        h.app.post_message(events.AppBlur())
        await h.wait(lambda: not h.app.app_focus, what="the app blurred")
        await h.push([S1.item(12, NOW, "are you there?")])
        await h.wait(lambda: len(alerts.written) == 1)
        assert alerts.written[0].startswith("\x1b]9;") and "are you there?" in alerts.written[0]


async def test_bell_mode_rings_the_bell_and_catch_up_backlog_never_notifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        assert h.app.alerts.shown == [], "the catch-up's messages are backlog"
        rings: list[int] = []
        monkeypatch.setattr(h.app, "bell", lambda: rings.append(1))
        use_alerts(h, AlertSettings(notify="bell"))
        await h.open_session(S1.session_id)
        await h.push([S2.item(13, NOW, "ding")])
        await h.wait(lambda: rings == [1], what="the bell")


async def test_live_starts_notify_only_with_notify_live(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        quiet = use_alerts(h, AlertSettings(notify="terminal"))
        await h.push([live_item(20, NOW - 30, FRESH)])
        await h.wait(lambda: h.app.live_toasts == 1)
        assert quiet.written == []
        loud = use_alerts(h, AlertSettings(notify="terminal", notify_live=True))
        await h.push([live_item(21, NOW - 20, FRESH + 1)])
        await h.wait(lambda: len(loud.written) == 1)
        assert "a followed account" in loud.written[0] and "went live" in loud.written[0]


async def test_a_message_hook_runs_once_with_the_variables_while_the_inbox_runs(
    tmp_path: Path,
) -> None:
    script, out = write_hook(tmp_path)
    async with running_app(tmp_path / "store", items=inbox()) as h:
        alerts = use_alerts(
            h,
            AlertSettings(
                notify="off",
                hooks=(("message", (str(script), str(out))),),
                token=Secret("tok-never-in-hooks"),
            ),
        )
        h.index.set_alias(S2.session_id, "Bravo Shop")
        await h.push([S2.item(30, NOW, "新消息 hello")])
        assert alerts.runner is not None and alerts.runner.wait_idle()
        await h.pilot.pause(0.3)
    (record,) = runs(out)
    assert record.argv == [str(out)]
    env = record.env
    assert env["FINDER_TUI_EVENT"] == "message"
    assert env["FINDER_TUI_SESSION_ID"] == S2.session_id
    assert env["FINDER_TUI_PEER"] == S2.peer
    assert env["FINDER_TUI_PEER_NAME"] == "Bravo Shop"
    assert env["FINDER_TUI_TEXT"] == "新消息 hello"
    assert env["FINDER_TUI_TIME"] == str(NOW)
    assert int(env["FINDER_TUI_NEW_MSG_ID"]) > 0
    assert not any("tok-never-in-hooks" in v for v in env.values())


def test_the_app_takes_its_alert_settings_from_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('notify = "bell"\nlive_stale_after = "2h"\n', "utf-8")
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(config))
    settings = AlertSettings.from_settings(resolve(), None)
    assert (settings.notify, settings.live_stale_after) == ("bell", 7200)


def feed_share(seq: int, object_id: int, nickname: str) -> dict[str, Any]:
    xml = (
        '<msg><appmsg appid="" sdkver="0"><title>post</title><type>51</type><finderFeed>'
        f"<objectId>{object_id}</objectId><nickname>{nickname}</nickname>"
        "<username>v2_0600000000000000000000000000000000000000000000000000f229@finder</username>"
        "</finderFeed></appmsg></msg>"
    )
    return S1.item(seq, NOW - 100, xml, msg_type=49)


async def test_the_badge_and_the_toast_name_the_account_a_shared_post_told(
    tmp_path: Path,
) -> None:
    async with running_app(
        tmp_path / "store", items=[*inbox(), feed_share(4, FRESH, "小林的厨房")]
    ) as h:
        await h.push([live_item(40, NOW - 10, FRESH)])
        await h.wait(lambda: h.app.live_toasts == 1)
        assert "小林的厨房 went live" in [str(n.message) for n in h.app._notifications]
        await h.wait(lambda: "● 1 LIVE · 小林的厨房" in h.top(), what="the named badge")


async def test_a_failing_hook_is_shown_once_and_sync_goes_on(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        use_alerts(h, AlertSettings(notify="off", hooks=(("message", (str(tmp_path / "no"),)),)))
        await h.push([S2.item(50, NOW, "one")])
        await h.push([S2.item(51, NOW, "two")])

        def failures() -> list[str]:
            return [str(n.message) for n in h.app._notifications if "hook" in str(n.message)]

        await h.wait(lambda: len(failures()) == 1, what="the failure toast")
        await h.pilot.pause(0.3)
        assert len(failures()) == 1 and "cannot run" in failures()[0]
        assert h.app.sync_state.state == "idle"


async def test_desktop_mode_runs_notify_send_with_the_text_as_arguments_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "notify-send.json"
    fake = bin_dir / "notify-send"
    fake.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"json.dump({{'argv': sys.argv[1:], 'env': dict(os.environ)}}, open({str(record)!r}, 'w'))\n",
        "utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(sys, "platform", "linux")
    async with running_app(tmp_path / "store", items=inbox()) as h:
        use_alerts(h, AlertSettings(notify="desktop", token=Secret("tok-desk-123")))
        h.index.set_alias(S2.session_id, "Bravo Shop")
        await h.open_session(S1.session_id)
        await h.push([S2.item(60, NOW, "<b>hi</b> $(id) tok-desk-123")])
        await h.wait(record.exists, what="notify-send to run")
    seen = json.loads(record.read_text("utf-8"))
    assert seen["argv"] == [
        "--app-name=finder-tui",
        "--",
        "Bravo Shop",
        "&lt;b&gt;hi&lt;/b&gt; $(id) ***",
    ]
    assert "FINDER_TUI_TOKEN" not in seen["env"]
    assert not any("tok-desk-123" in value for value in seen["env"].values())
