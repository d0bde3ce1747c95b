"""How the inbox delivers a notification: falling back, trailing, one bell, through tmux."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from finder_tui.tui.alerting import AlertSettings
from tests.tui.helpers import live_item, running_app
from tests.tui.test_alerts import FRESH, NOW, S1, S2, inbox, use_alerts


async def test_desktop_without_notify_send_on_path_falls_back_to_the_terminal_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "platform", "linux")
    async with running_app(tmp_path / "store", items=inbox()) as h:
        alerts = use_alerts(h, AlertSettings(notify="desktop", notify_terminal="osc777"))
        await h.open_session(S1.session_id)
        await h.push([S2.item(70, NOW, "first")])
        await h.wait(lambda: len(alerts.written) == 1, what="the first, in the terminal")
        alerts.router.coalescer.window = 0.0  # type: ignore[union-attr]
        await h.push([S2.item(71, NOW, "second")])
        await h.wait(lambda: len(alerts.written) == 2, what="the second too")
        assert "second" in alerts.written[1]
        assert not [n for n in h.app._notifications if "desktop" in str(n.message)]


async def test_a_second_dm_within_the_window_comes_as_a_trailing_notification(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        alerts = use_alerts(h, AlertSettings(notify="terminal", notify_terminal="osc9"))
        assert alerts.router is not None
        alerts.router.coalescer.window = 0.5
        await h.open_session(S1.session_id)
        await h.push([S2.item(80, NOW, "one")])
        await h.push([S2.item(81, NOW, "two")])
        await h.push([S2.item(82, NOW, "three")])
        await h.wait(lambda: len(alerts.written) == 2, timeout=5, what="the trailing one")
        assert alerts.written[1].endswith("(2 new) three\x07")


async def test_a_live_start_rings_one_bell_with_bell_mode_and_the_old_bell_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        rings: list[int] = []
        monkeypatch.setattr(h.app, "bell", lambda: rings.append(1))
        use_alerts(h, AlertSettings(notify="bell", notify_live=True))
        h.app.action_toggle_bell()  # the older ``bell = true``
        await h.push([live_item(90, NOW - 5, FRESH + 7)])
        await h.wait(lambda: h.app.live_toasts == 1, what="the live toast")
        await h.pilot.pause(0.2)
        assert rings == [1]


async def test_inside_tmux_the_notification_goes_through_its_passthrough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,1,0")
    async with running_app(tmp_path / "store", items=inbox()) as h:
        alerts = use_alerts(h, AlertSettings(notify="terminal", notify_terminal="osc9"))
        await h.open_session(S1.session_id)
        await h.push([S2.item(95, NOW, "hi")])
        await h.wait(lambda: len(alerts.written) == 1)
        assert alerts.written[0].startswith("\x1bPtmux;\x1b\x1b]9;")
        assert alerts.written[0].endswith("\x1b\\")
