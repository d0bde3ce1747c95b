"""Session list rows keep the pane divider in place whatever emoji a name or preview holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from finder_tui.tui import emoji
from tests.tui.helpers import Chat, running_app, screen_lines

T0 = 1_700_000_000
E = Chat.named("emojirows")


async def test_in_base_mode_a_name_with_a_skin_tone_is_drawn_as_its_base_emoji(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emoji, "_mode", emoji.BASE)
    async with running_app(tmp_path / "store", items=[E.item(1, T0, "hi 👍🏻❤️")]) as h:
        await h.open_session(E.session_id)
        await h.pilot.press("a")
        await h.wait(lambda: h.app.screen.query("#alias-input"), what="alias dialog")
        h.app.screen.query_one("#alias-input", Input).value = "fan 👍🏻 club"
        await h.pilot.press("enter")
        await h.wait(lambda: h.row(E.session_id).title == "fan 👍🏻 club", what="the alias")
        await h.pilot.pause()
        lines = screen_lines(h.pilot)
        assert any("fan 👍 club" in line for line in lines)
        assert not any("👍🏻" in line for line in lines)
        assert any("hi 👍❤" in line for line in lines)
