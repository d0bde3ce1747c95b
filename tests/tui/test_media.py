"""The message cursor and what it acts on: image preview (half-cell blocks in a plain
terminal), saving with an overwrite question, links as terminal hyperlinks, the opener."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from finder_tui.demo.kinds import SAMPLES
from finder_tui.media import MediaLimits
from finder_tui.tui.image_view import choose_protocol
from finder_tui.tui.opener import OpenError, open_external, opener_argv
from finder_tui.tui.screens.media import (
    ChooseLinkScreen,
    ImagePreviewScreen,
    MessageDetailScreen,
    SaveImageScreen,
)
from tests.tui.helpers import Chat, running_app, visible_strips

T0 = 1_764_600_000
M = Chat.named("media")
IMAGE_XML = dict((n, c) for n, _t, c in SAMPLES)["image"]
TWO_LINKS = "see https://example.com/a and https://example.org/b?x=1&y=2"


def items() -> list[dict]:
    return [
        M.item(1, T0, TWO_LINKS),
        M.item(2, T0 + 60, IMAGE_XML, msg_type=3),
        M.item(3, T0 + 120, "one link: https://example.net/only"),
    ]


async def test_j_and_k_move_a_highlighted_message(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=items()) as h:
        await h.open_session(M.session_id)
        h.conv.focus()
        await h.pilot.press("k")
        await h.wait(lambda: h.conv.cursor == 2, what="k selects the newest visible message")
        await h.pilot.press("k", "k")
        await h.wait(lambda: h.conv.cursor == 0)
        await h.pilot.press("j")
        await h.wait(lambda: h.conv.cursor == 1)
        cursor_style = h.conv.get_component_rich_style("conversation--cursor")
        image_row = next(i for i, line in enumerate(h.conv.lines) if "[image" in line.text)
        strip = h.conv.render_line(image_row - int(h.conv.scroll_y))
        assert any(s.style and s.style.bgcolor == cursor_style.bgcolor for s in strip)


async def test_urls_are_terminal_hyperlinks_showing_the_url_itself(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=items()) as h:
        await h.open_session(M.session_id)
        links = {
            s.text.strip(): s.style.link
            for strip in visible_strips(h.conv)
            for s in strip
            if s.style and s.style.link
        }
        assert links["https://example.com/a"] == "https://example.com/a"
        assert links["https://example.org/b?x=1&y=2"] == "https://example.org/b?x=1&y=2"


async def test_enter_on_an_image_previews_it_in_half_cell_blocks(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=items()) as h:
        await h.open_session(M.session_id)
        h.conv.focus()
        await h.pilot.press("k", "k", "enter")
        await h.wait(lambda: isinstance(h.app.screen, ImagePreviewScreen), what="the preview")
        screen = h.app.screen
        await h.wait(
            lambda: (
                "▀" in "".join(s.text for s in _screen(h))
                or "▄" in "".join(s.text for s in _screen(h))
            ),
            what="half-cell blocks painted",
        )
        assert type(screen.query_one(".preview-image")).__name__ == "HalfcellImage"
        cached = list((h.store_dir / "media").glob("*.png"))
        assert len(cached) == 1 and stat.S_IMODE(cached[0].stat().st_mode) == 0o600
        await h.pilot.press("escape")
        await h.wait(lambda: not isinstance(h.app.screen, ImagePreviewScreen))


async def test_s_saves_the_image_and_asks_before_overwriting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "Downloads").mkdir(parents=True)
    async with running_app(tmp_path / "store", items=items()) as h:
        await h.open_session(M.session_id)
        h.conv.focus()
        await h.pilot.press("k", "k", "S")
        await h.wait(lambda: isinstance(h.app.screen, SaveImageScreen), what="the save dialog")
        target = tmp_path / "home" / "Downloads" / f"finder-{h.conv.messages[1].new_msg_id}.png"
        dialog = h.app.screen
        assert isinstance(dialog, SaveImageScreen) and dialog.default == target
        await h.pilot.press("enter")
        await h.wait(target.exists, what="the saved file")
        assert target.read_bytes().startswith(b"\x89PNG")
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        target.write_bytes(b"mine")
        await h.pilot.press("S")
        await h.wait(lambda: isinstance(h.app.screen, SaveImageScreen))
        await h.pilot.press("enter")
        await h.wait(lambda: type(h.app.screen).__name__ == "ConfirmScreen", what="overwrite?")
        await h.pilot.press("n")
        await h.pilot.pause()
        assert target.read_bytes() == b"mine"


async def test_o_on_a_message_with_several_links_asks_which(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=items()) as h:
        await h.open_session(M.session_id)
        h.conv.focus()
        await h.pilot.press("k", "k", "k", "o")
        await h.wait(lambda: isinstance(h.app.screen, ChooseLinkScreen), what="the link choice")
        choice = h.app.screen
        assert isinstance(choice, ChooseLinkScreen)
        assert choice.urls == ["https://example.com/a", "https://example.org/b?x=1&y=2"]


def fake_opener(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "opened.txt"
    script = bin_dir / "xdg-open"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}.tmp\nenv >> {log}.tmp\nmv {log}.tmp {log}\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return log


def test_the_opener_gets_the_url_as_one_argument_and_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_opener(tmp_path, monkeypatch)
    monkeypatch.setenv("FINDER_TUI_TOKEN", "secret-token-xyz")
    url = "https://example.org/b?x=1&y=2;$(touch${IFS}/tmp/pwned)&z=`id`"
    open_external(url)
    deadline = time.monotonic() + 10
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = log.read_text().splitlines()
    assert lines[0] == url
    assert "secret-token-xyz" not in log.read_text()


def test_the_opener_drops_any_variable_holding_the_token_whatever_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_opener(tmp_path, monkeypatch)
    monkeypatch.setenv("WKTEAM_AUTH", "secret-token-abc")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unrelated-secret")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    monkeypatch.setenv("BROWSER", "x-secret-token-abc")
    open_external("https://example.org/", secret="secret-token-abc")
    deadline = time.monotonic() + 10
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = log.read_text()
    assert "secret-token-abc" not in seen
    assert "unrelated-secret" not in seen
    assert "PATH=" in seen
    assert "XDG_CURRENT_DESKTOP=KDE" in seen  # xdg-open still finds the desktop's opener


@pytest.mark.parametrize(
    "target", ["-x", "javascript:alert(1)", "file:///etc/passwd", "relative.png"]
)
def test_the_opener_refuses_anything_but_web_links_and_saved_files(target: str) -> None:
    with pytest.raises(OpenError):
        opener_argv(target)


def _screen(h: object) -> list:
    app = h.app  # type: ignore[attr-defined]
    return [segment for strip in app.screen._compositor.render_strips() for segment in strip]


async def test_o_on_a_location_shows_its_coordinates_in_the_detail_view(tmp_path: Path) -> None:
    location = dict((n, c) for n, _t, c in SAMPLES)["location"]
    async with running_app(tmp_path / "store", items=[M.item(1, T0, location, msg_type=48)]) as h:
        await h.open_session(M.session_id)
        h.conv.focus()
        await h.pilot.press("o")
        await h.wait(lambda: isinstance(h.app.screen, MessageDetailScreen), what="the details")
        detail = h.app.screen
        assert isinstance(detail, MessageDetailScreen)
        rows = dict(detail.rows)
        assert rows["latitude"] == "22.540503" and rows["longitude"] == "113.934528"
        assert rows["place"] == "腾讯大厦"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "xterm-kitty"}, "halfcell"),
        ({"TERM": "screen-256color"}, "halfcell"),
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM_PROGRAM": "WezTerm"}, "sixel"),
        ({"TERM": "xterm-256color"}, "halfcell"),
        ({"TERM": "xterm-256color", "FINDER_TUI_IMAGES": "sixel"}, "sixel"),
    ],
)
def test_the_preview_protocol_follows_the_terminal_and_is_half_cell_under_tmux(
    environ: dict[str, str], expected: str
) -> None:
    assert choose_protocol(environ) == expected


async def test_an_image_over_the_configured_cap_is_refused_with_a_word(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=items()) as h:
        h.app.media_limits = MediaLimits(image_bytes=1024)  # the demo's PNGs are ~3 KB
        await h.open_session(M.session_id)
        h.conv.focus()
        await h.pilot.press("k", "k", "enter")
        notes = lambda: [str(n.message) for n in h.app._notifications]  # noqa: E731
        await h.wait(lambda: any("larger than 1 KB" in n for n in notes()), what="the refusal")
        assert not isinstance(h.app.screen, ImagePreviewScreen)
        assert not list((h.store_dir / "media").glob("*.png"))
