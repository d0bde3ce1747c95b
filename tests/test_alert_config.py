"""The notify, live_stale_after and [hooks] settings: defaults, values, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from finder_tui.config import ConfigError, resolve


@pytest.fixture()
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(path))
    return path


def test_defaults_are_terminal_notifications_no_live_ones_no_hooks_and_twelve_hours() -> None:
    settings = resolve()
    assert (settings.notify, settings.notify_live, settings.notify_terminal) == (
        "terminal",
        False,
        "auto",
    )
    assert settings.hooks == ()
    assert settings.live_stale_after == 12 * 3600


def test_the_alert_settings_are_read_from_the_file(config_file: Path) -> None:
    config_file.write_text(
        'notify = "desktop"\nnotify_live = true\nnotify_terminal = "osc9"\n'
        'live_stale_after = "90m"\n'
        '[hooks]\nmessage = ["/home/me/bin/on-dm", "--quiet"]\nlive_end = ["/bin/true"]\n',
        "utf-8",
    )
    settings = resolve()
    assert (settings.notify, settings.notify_live, settings.notify_terminal) == (
        "desktop",
        True,
        "osc9",
    )
    assert settings.live_stale_after == 5400
    assert dict(settings.hooks) == {
        "message": ("/home/me/bin/on-dm", "--quiet"),
        "live_end": ("/bin/true",),
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('notify = "loud"', "'notify'"),
        ("notify = 1", "'notify'"),
        ('notify_terminal = "osc52"', "'notify_terminal'"),
        ('live_stale_after = "soon"', "'live_stale_after'"),
        ("live_stale_after = 5", "'live_stale_after'"),
        ('[hooks]\non_dm = ["/bin/true"]', "'hooks.on_dm'"),
        ('[hooks]\nmessage = "/bin/true --quiet"', "'hooks.message'"),
        ("[hooks]\nmessage = []", "'hooks.message'"),
        ('[hooks]\nmessage = ["", "x"]', "'hooks.message'"),
        ('[hooks]\nsent = ["/bin/x", 3]', "'hooks.sent'"),
    ],
)
def test_a_bad_alert_setting_names_the_file_and_key(config_file: Path, text: str, key: str) -> None:
    config_file.write_text(text + "\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        resolve()
    assert str(config_file) in str(caught.value) and key in str(caught.value)
