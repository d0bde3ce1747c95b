"""Notification sequences: the right OSC for the terminal, text that cannot break out of it."""

from __future__ import annotations

import re

import pytest

from finder_tui import notify

HOSTILE = "hi\x1b]777;notify;evil;x\x07\x1b[2J; there\x9b31m"


def _osc_count(text: str) -> int:
    return len(re.findall("\x1b\\]", text))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM": "xterm-kitty"}, notify.OSC99),
        ({"TERM_PROGRAM": "iTerm.app"}, notify.OSC9),
        ({"TERM_PROGRAM": "WezTerm"}, notify.OSC9),
        ({"WT_SESSION": "1"}, notify.OSC9),
        ({"TERM": "foot"}, notify.OSC777),
        ({"TERM_PROGRAM": "ghostty", "TERM": "xterm-ghostty"}, notify.OSC777),
        ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, notify.OSC777),
    ],
)
def test_the_sequence_is_chosen_from_the_terminal(env: dict[str, str], expected: str) -> None:
    assert notify.terminal_flavour(env) == expected


def test_the_config_can_force_a_sequence() -> None:
    assert notify.terminal_flavour({"TERM": "xterm-kitty"}, "osc777") == notify.OSC777


@pytest.mark.parametrize("flavour", [notify.OSC99, notify.OSC9, notify.OSC777])
def test_hostile_text_cannot_end_the_sequence_or_start_another(flavour: str) -> None:
    out = notify.sequence(flavour, "Ann\x07;x", HOSTILE)
    expected_oscs = 2 if flavour == notify.OSC99 else 1
    assert _osc_count(out) == expected_oscs
    assert out.count("\x07") == (0 if flavour == notify.OSC99 else 1)
    assert out.count("\x1b") == (4 if flavour == notify.OSC99 else 1)
    assert "\x9b" not in out and "[2J" in out  # the CSI introducer is gone, its text inert


def test_osc777_has_exactly_its_own_fields() -> None:
    out = notify.sequence(notify.OSC777, "An;n", "a;b;c")
    assert out == "\x1b]777;notify;An,n;a,b,c\x07"


def test_kitty_gets_a_title_and_a_body_chunk() -> None:
    out = notify.sequence(notify.OSC99, "Ann", "hello", ident=7)
    assert out == "\x1b]99;i=finder-7:d=0;Ann\x1b\\\x1b]99;i=finder-7:d=1:p=body;hello\x1b\\"


def test_each_kitty_notification_has_its_own_id_so_none_replaces_another() -> None:
    ids = {
        re.findall(r"i=([^:;]+)", notify.sequence(notify.OSC99, "Ann", "hi"))[0] for _ in range(3)
    }
    assert len(ids) == 3


@pytest.mark.parametrize("flavour", [notify.OSC99, notify.OSC9, notify.OSC777])
def test_inside_tmux_the_sequence_is_wrapped_in_the_passthrough_envelope(flavour: str) -> None:
    inner = notify.sequence(flavour, "Ann", HOSTILE, ident=1)
    out = notify.for_terminal(inner, {"TMUX": "/tmp/tmux-1000/default,1,0"})
    assert out.startswith("\x1bPtmux;") and out.endswith("\x1b\\")
    body = out[len("\x1bPtmux;") : -2]
    assert body == inner.replace("\x1b", "\x1b\x1b"), "every ESC inside is doubled"
    assert "\x1b\\" not in body.replace("\x1b\x1b", ""), "nothing ends the envelope early"
    assert notify.for_terminal(inner, {}) == inner


def test_the_window_title_and_notifications_share_one_terminal_scrub() -> None:
    assert notify.terminal_safe("a\x1b]0;x\x07b\x9bc\nd") == "a]0,xbc d"


def test_text_is_capped() -> None:
    out = notify.sequence(notify.OSC9, "n" * 500, "b" * 5000)
    assert len(out) < notify.MAX_TITLE + notify.MAX_BODY + 20


def test_desktop_on_linux_passes_text_after_double_dash_with_markup_escaped() -> None:
    command = notify.desktop_command("-h Ann", "<b>x</b> & y", platform="linux")
    assert command is not None
    argv, env = command
    assert argv[:3] == ["notify-send", "--app-name=finder-tui", "--"]
    assert argv[3:] == ["-h Ann", "&lt;b&gt;x&lt;/b&gt; &amp; y"]
    assert env == {}


def test_desktop_on_macos_reads_the_text_from_the_environment_never_from_the_script() -> None:
    command = notify.desktop_command('Ann" & do shell script "x', "body", platform="darwin")
    assert command is not None
    argv, env = command
    assert argv[0] == "osascript" and "Ann" not in " ".join(argv)
    assert env == {"title": 'Ann" & do shell script "x', "body": "body"}
    assert "FINDER_TUI_TITLE" in argv[2] and "FINDER_TUI_BODY" in argv[2]


def test_a_desktop_notifier_missing_from_path_is_not_available() -> None:
    assert not notify.desktop_available("linux", which=lambda name: None)
    assert notify.desktop_available("linux", which=lambda name: f"/usr/bin/{name}")
    assert not notify.desktop_available("win32", which=lambda name: f"/usr/bin/{name}")


def test_coalescing_allows_one_per_session_per_window() -> None:
    gate = notify.Coalescer(5.0)
    assert gate.allow("a", now=100.0)
    assert not gate.allow("a", now=103.0)
    assert gate.allow("b", now=103.0)
    assert gate.allow("a", now=105.5)


def test_what_the_window_refused_comes_back_once_it_ends_as_one_trailing_notification() -> None:
    gate = notify.Coalescer(5.0)
    assert gate.allow("a", now=100.0)
    assert not gate.allow("a", now=101.0)
    gate.hold("a", 1, "second")
    gate.hold("a", 2, "fourth")
    assert gate.due(now=104.0) == []
    ((key, held),) = gate.due(now=105.0)
    assert (key, held.count, held.last) == ("a", 3, "fourth")
    assert gate.due(now=111.0) == [], "handed back once"
    assert not gate.allow("a", now=106.0), "the trailing one opened a new window"
