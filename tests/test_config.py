"""Settings: flags beat environment beat the TOML file; the file is validated strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from finder_tui.config import (
    ConfigError,
    account_store_dir,
    config_path,
    load_config_file,
    resolve,
)


@pytest.fixture()
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(path))
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


FULL = """
base_url = "http://file.example:1"
wid = "file-wid"
token = "file-token"
store = "/tmp/file-store"
poll_interval = 7
bell = true
connect_timeout = 3
read_timeout = 9.5
"""


def test_file_only(config_file: Path) -> None:
    write(config_file, FULL)
    settings = resolve()
    assert settings.base_url == "http://file.example:1"
    assert settings.wid == "file-wid"
    assert settings.token is not None and settings.token.reveal() == "file-token"
    assert settings.store == Path("/tmp/file-store")
    assert settings.poll_interval == 7.0
    assert settings.bell is True
    assert settings.connect_timeout == 3.0 and settings.read_timeout == 9.5
    client = settings.client_config()
    assert client.read_timeout == 9.5 and client.connect_timeout == 3.0
    assert "file-token" not in repr(settings)


def test_env_beats_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, FULL)
    monkeypatch.setenv("FINDER_TUI_BASE_URL", "http://env.example:2")
    monkeypatch.setenv("FINDER_TUI_WID", "env-wid")
    monkeypatch.setenv("FINDER_TUI_TOKEN", "env-token")
    monkeypatch.setenv("FINDER_TUI_STORE", "/tmp/env-store")
    settings = resolve()
    assert settings.base_url == "http://env.example:2"
    assert settings.wid == "env-wid"
    assert settings.token is not None and settings.token.reveal() == "env-token"
    assert settings.store == Path("/tmp/env-store")
    assert settings.store_dir() == Path("/tmp/env-store")


def test_flags_beat_env_and_file(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(config_file, FULL)
    monkeypatch.setenv("FINDER_TUI_BASE_URL", "http://env.example:2")
    monkeypatch.setenv("FINDER_TUI_WID", "env-wid")
    monkeypatch.setenv("FINDER_TUI_TOKEN", "env-token")
    monkeypatch.setenv("FINDER_TUI_STORE", "/tmp/env-store")
    settings = resolve(
        base_url="http://flag.example:3",
        wid="flag-wid",
        token="flag-token",
        store="/tmp/flag-store",
        poll_interval=1.5,
    )
    assert settings.base_url == "http://flag.example:3"
    assert settings.wid == "flag-wid"
    assert settings.token is not None and settings.token.reveal() == "flag-token"
    assert settings.store == Path("/tmp/flag-store")
    assert settings.poll_interval == 1.5


def test_empty_flag_falls_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDER_TUI_WID", "env-wid")
    assert resolve(wid="").wid == "env-wid"


def test_defaults_without_anything() -> None:
    assert not config_path().exists()
    settings = resolve()
    assert settings.base_url is None and settings.token is None
    assert settings.poll_interval == 5.0 and settings.bell is False
    with pytest.raises(ConfigError) as info:
        settings.client_config()
    assert "--base-url" in str(info.value) and "FINDER_TUI_TOKEN" in str(info.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('tokn = "x"\n', "tokn"),
        ("[server]\nbase_url = 'x'\n", "server"),
        ("poll_interval = 'fast'\n", "poll_interval"),
        ("bell = 1\n", "bell"),
        ("base_url = 5\n", "base_url"),
        ("read_timeout = true\n", "read_timeout"),
        ("store = ['a']\n", "store"),
        ("poll_interval = 0.01\n", "poll_interval"),
        ("media_cache_mb = 0\n", "media_cache_mb"),
        ("image_max_mb = 'big'\n", "image_max_mb"),
        ("image_max_mb = 2000\n", "image_max_mb"),
        ("media_cache_mb = 10\nimage_max_mb = 30\n", "image_max_mb"),
    ],
)
def test_bad_file_names_file_and_key(config_file: Path, text: str, key: str) -> None:
    write(config_file, text)
    with pytest.raises(ConfigError) as info:
        resolve()
    message = str(info.value)
    assert str(config_file) in message
    assert f"'{key}'" in message


def test_unparsable_file(config_file: Path) -> None:
    write(config_file, "base_url = \n[[[")
    with pytest.raises(ConfigError) as info:
        load_config_file(config_file)
    assert str(config_file) in str(info.value)


def test_use_file_false_ignores_a_bad_file(config_file: Path) -> None:
    write(config_file, "nonsense = 1\n")
    assert resolve(use_file=False, wid="w").wid == "w"


def test_store_env_overrides_account_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDER_TUI_BASE_URL", "http://h:1")
    monkeypatch.setenv("FINDER_TUI_WID", "w1")
    default = resolve().store_dir()
    assert default == account_store_dir("http://h:1", "w1")
    assert default.is_relative_to(tmp_path / "_xdg" / "data")
    monkeypatch.setenv("FINDER_TUI_STORE", str(tmp_path / "mine"))
    assert resolve().store_dir() == tmp_path / "mine"
    monkeypatch.setenv("FINDER_TUI_STORE", "~/finder-store")
    assert resolve().store_dir() == Path("~/finder-store").expanduser()


def test_account_store_dir_per_account() -> None:
    one = account_store_dir("http://h:1", "wid-a")
    assert one == account_store_dir("http://h:1", "wid-a")
    assert one != account_store_dir("http://h:1", "wid-b")
    assert one != account_store_dir("http://other:1", "wid-a")
    assert one.parent.name == "accounts"
    assert one.name.startswith("wid-a-")
    hostile = account_store_dir("http://h:1", "../../etc/passwd\x1b")
    assert hostile.parent == one.parent
    assert "/" not in hostile.name and ".." not in hostile.name
    assert account_store_dir("http://h:1", "").name.startswith("account-")


@pytest.mark.parametrize("value", [-1.0, 0.0, 0.01, 1e9])
def test_poll_interval_flag_is_range_checked(value: float) -> None:
    # The file's poll_interval must be within [0.2, 3600]; the flag must be held to the same
    # range (a negative value reaches time.sleep, 0 silently became 5).
    with pytest.raises(ConfigError) as info:
        resolve(poll_interval=value)
    assert "poll" in str(info.value)


def test_an_invalid_server_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid URL|must look like"):
        resolve(base_url="http://[::1", use_file=False)
    with pytest.raises(ConfigError, match="must look like"):
        resolve(base_url="ftp://host", use_file=False)


def test_media_limits_come_from_the_file_in_megabytes(config_file: Path) -> None:
    write(config_file, "media_cache_mb = 64\nimage_max_mb = 2.5\n")
    settings = resolve()
    assert (settings.media_cache_mb, settings.image_max_mb) == (64.0, 2.5)
    assert resolve(use_file=False).media_cache_mb == 512.0
