"""Emoji sequences drawn wider than the tables say (tmux): the ``emoji`` setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from textual.strip import Strip

from finder_tui.config import ConfigError, load_config_file
from finder_tui.tui.cells import pad_to, truncate, wrap
from finder_tui.tui.emoji import BASE, FULL, resolve_mode, simplify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("👨‍👩‍👧 family", "👨 family"),
        ("👍🏻 ok", "👍 ok"),
        ("🏳️‍🌈", "🏳"),
        ("👩🏽‍💻", "👩"),
        ("🇨🇳 🇯🇵", "CN JP"),
        ("café é 你好", "café é 你好"),
    ],
)
def test_base_mode_draws_a_sequence_as_its_base_emoji(text: str, expected: str) -> None:
    assert simplify(text, BASE) == expected
    assert all(len(c) == 1 for c in simplify(text, BASE) if ord(c) > 0x2000)


def test_full_mode_keeps_every_sequence() -> None:
    assert simplify("👨‍👩‍👧", FULL) == "👨‍👩‍👧"


def test_base_mode_never_widens_a_line() -> None:
    text = "好👨‍👩‍👧👍🏻🇨🇳ok"
    assert cell_len(simplify(text, BASE)) <= cell_len(text)


def test_auto_picks_base_inside_tmux_and_full_elsewhere() -> None:
    assert resolve_mode("auto", {"TMUX": "/tmp/tmux-0/default,1,0"}) == BASE
    assert resolve_mode(None, {}) == FULL
    assert resolve_mode("auto", {"FINDER_TUI_EMOJI": "base"}) == BASE
    assert resolve_mode("full", {"TMUX": "x"}) == FULL


def test_the_config_file_rejects_an_unknown_emoji_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('emoji = "wide"\n')
    with pytest.raises(ConfigError, match="emoji"):
        load_config_file(path)
    path.write_text('emoji = "base"\n')
    assert load_config_file(path)["emoji"] == "base"


@pytest.mark.parametrize(
    "text", ["ok\u200d", "好\u200d好 thanks", "🇨🇳\u200d", "a\u200db c", "\u200d👍"]
)
def test_a_padded_row_holding_a_stray_joiner_measures_exactly_its_width(text: str) -> None:
    # rich skips the character after any ZWJ, so a joiner that joins no emoji made a padded
    # row measure a cell short: Textual padded it once more and the divider moved right.
    for width in (3, 8, 20):
        row = pad_to(truncate(text, width), width)
        assert cell_len(row + "▕") == width + 1
        assert Strip([Segment(row), Segment("▕")]).cell_length == width + 1


def test_wrapped_lines_with_a_stray_joiner_measure_what_the_terminal_draws() -> None:
    for line in wrap("好\u200d好 thanks a\u200db " * 4, 10):
        assert cell_len(line + " ") == cell_len(line) + 1


def test_a_joiner_between_two_emoji_is_kept() -> None:
    assert pad_to("👨‍👩‍👧", 4) == "👨‍👩‍👧  "
    assert truncate("👩🏽‍💻 coding", 20) == "👩🏽‍💻 coding"


@pytest.mark.parametrize(
    "env",
    [{"TERM": "tmux-256color"}, {"TERM": "screen.xterm-256color"}, {"TERM_PROGRAM": "tmux"}],
)
def test_auto_picks_base_under_tmux_over_ssh_where_only_term_says_so(env: dict[str, str]) -> None:
    assert resolve_mode("auto", env) == BASE
    assert resolve_mode("auto", {"TERM": "xterm-256color"}) == FULL
