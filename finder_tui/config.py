"""Settings: flags beat environment beat the TOML config file; paths from platformdirs."""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import platformdirs

from .alert_config import DEFAULT_STALE_AFTER, alert_settings_error, stale_after_seconds
from .client import ClientConfig, Secret

APP = "finder-tui"
ENV_BASE_URL, ENV_WID, ENV_TOKEN = "FINDER_TUI_BASE_URL", "FINDER_TUI_WID", "FINDER_TUI_TOKEN"
ENV_STORE, ENV_CONFIG = "FINDER_TUI_STORE", "FINDER_TUI_CONFIG"

# key -> (type, description); anything else in the file is an error, not silently ignored.
_SCHEMA: dict[str, tuple[type | tuple[type, ...], str]] = {
    "base_url": (str, "server URL, e.g. http://host:port"),
    "wid": (str, "the login instance id (wId)"),
    "token": (str, "the Authorization token (prefer FINDER_TUI_TOKEN)"),
    "store": (str, "store directory"),
    "poll_interval": ((int, float), "seconds between polls"),
    "bell": (bool, "ring the terminal bell when a followed account goes live"),
    "connect_timeout": ((int, float), "seconds"),
    "read_timeout": ((int, float), "seconds"),
    "send_timeout": ((int, float), "seconds to wait for a send's answer (then: unknown)"),
    "keymap": (dict, 'a table of binding id = "keys", e.g. "app.quit" = "ctrl+q"'),
    "emoji": (str, '"auto", "full" or "base" (emoji sequences drawn as their base emoji)'),
    "live_stale_after": ((int, float, str), 'a start with no end is not live after this ("12h")'),
    "notify": (str, "off, bell, terminal or desktop"),
    "notify_live": (bool, "also notify when a followed account goes live"),
    "notify_terminal": (str, "auto, osc99 (kitty), osc9 (iTerm2/WezTerm) or osc777 (foot/VTE)"),
    "hooks": (dict, 'a table of event = ["/path/to/program", "arg", ...]'),
    "media_cache_mb": ((int, float), "MB of images kept in the store's cache (512)"),
    "image_max_mb": ((int, float), "MB an image download may reach before it is refused (20)"),
}
# The numeric settings checked by range: lowest, highest, unit (MB are 2^20 bytes).
_RANGES: dict[str, tuple[float, float, str]] = {
    "poll_interval": (0.2, 3600, "seconds"),
    "media_cache_mb": (1, 1_000_000, "MB"),
    "image_max_mb": (0.001, 1024, "MB"),
}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str | None = None
    wid: str | None = None
    token: Secret | None = None
    store: Path | None = None
    poll_interval: float = 5.0
    bell: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    send_timeout: float = 15.0
    keymap: tuple[tuple[str, str], ...] = ()
    emoji: str = "auto"
    live_stale_after: float = DEFAULT_STALE_AFTER
    notify: str = "terminal"
    notify_live: bool = False
    notify_terminal: str = "auto"
    hooks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    media_cache_mb: float = 512.0
    image_max_mb: float = 20.0

    @property
    def has_server(self) -> bool:
        return bool(self.base_url)

    def client_config(self) -> ClientConfig:
        missing = [
            name
            for name, value in (("--base-url", self.base_url), ("--wid", self.wid))
            if not value
        ]
        if not self.token:
            missing.append(ENV_TOKEN)
        if missing:
            raise ConfigError(f"server settings incomplete: missing {', '.join(missing)}")
        assert self.base_url and self.wid and self.token
        return ClientConfig(
            self.base_url, self.wid, self.token, self.connect_timeout, self.read_timeout
        )

    def store_dir(self) -> Path:
        if self.store is not None:
            return self.store
        return account_store_dir(self.base_url or "", self.wid or "")


def config_path() -> Path:
    override = os.environ.get(ENV_CONFIG)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def account_store_dir(base_url: str, wid: str) -> Path:
    """One store per account: a readable slug of the wId plus a hash of server and wId."""
    digest = hashlib.sha256(f"{base_url}\n{wid}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", wid)[:32].strip("-") or "account"
    return data_dir() / "accounts" / f"{slug}-{digest}"


def load_config_file(path: Path) -> dict[str, Any]:
    """Read and validate the TOML config; a missing file is an empty config."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    for key, value in data.items():
        if key not in _SCHEMA:
            known = ", ".join(sorted(_SCHEMA))
            raise ConfigError(f"{path}: unknown setting '{key}' (known: {known})")
        expected, what = _SCHEMA[key]
        if isinstance(value, bool) and expected is not bool:
            raise ConfigError(f"{path}: '{key}' must be {what}")
        if not isinstance(value, expected):
            raise ConfigError(f"{path}: '{key}' has the wrong type ({what})")
    keymap = data.get("keymap", {})
    bad = [k for k, v in keymap.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ConfigError(f"{path}: keymap entries must be non-empty key strings: {', '.join(bad)}")
    if data.get("emoji", "auto") not in ("auto", "full", "base"):
        raise ConfigError(f'{path}: \'emoji\' must be "auto", "full" or "base"')
    problem = alert_settings_error(path, data)
    if problem:
        raise ConfigError(problem)
    for key, (low, high, unit) in _RANGES.items():
        if key in data and not low <= float(data[key]) <= high:
            raise ConfigError(f"{path}: '{key}' must be between {low:g} and {high:g} {unit}")
    if float(data.get("image_max_mb", 20)) > float(data.get("media_cache_mb", 512)):
        raise ConfigError(f"{path}: 'image_max_mb' must not exceed 'media_cache_mb'")
    return data


def _check_url(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigError(f"the server URL {url!r} is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"the server URL {url!r} must look like http://host:port")


def resolve(
    *,
    base_url: str | None = None,
    wid: str | None = None,
    token: str | None = None,
    store: str | Path | None = None,
    poll_interval: float | None = None,
    use_file: bool = True,
) -> Settings:
    """Merge flags (arguments), then the environment, then the config file."""
    env = os.environ
    file = load_config_file(config_path()) if use_file else {}

    def pick(flag: Any, env_name: str | None, key: str) -> Any:
        if flag not in (None, ""):
            return flag
        if env_name and env.get(env_name):
            return env[env_name]
        return file.get(key)

    base_url_value = pick(base_url, ENV_BASE_URL, "base_url")
    if base_url_value:
        _check_url(base_url_value)
    token_value = pick(token, ENV_TOKEN, "token")
    if isinstance(token_value, str):
        token_value = token_value.strip()  # a pasted token often carries a newline
    store_value = pick(store, ENV_STORE, "store")
    interval = pick(poll_interval, None, "poll_interval")
    interval = 5.0 if interval is None else float(interval)
    if not 0.2 <= interval <= 3600:
        raise ConfigError(f"poll interval must be between 0.2 and 3600 seconds (got {interval})")
    return Settings(
        base_url=base_url_value,
        wid=pick(wid, ENV_WID, "wid"),
        token=Secret(token_value) if token_value else None,
        store=Path(store_value).expanduser() if store_value else None,
        poll_interval=interval,
        bell=bool(file.get("bell", False)),
        connect_timeout=float(file.get("connect_timeout", 5.0)),
        read_timeout=float(file.get("read_timeout", 20.0)),
        send_timeout=float(file.get("send_timeout", 15.0)),
        keymap=tuple(sorted(file.get("keymap", {}).items())),
        emoji=str(file.get("emoji", "auto")),
        live_stale_after=stale_after_seconds(file.get("live_stale_after", DEFAULT_STALE_AFTER)),
        notify=file.get("notify", "terminal"),
        notify_live=bool(file.get("notify_live", False)),
        notify_terminal=file.get("notify_terminal", "auto"),
        hooks=tuple((k, tuple(v)) for k, v in sorted(file.get("hooks", {}).items())),
        media_cache_mb=float(file.get("media_cache_mb", 512.0)),
        image_max_mb=float(file.get("image_max_mb", 20.0)),
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Flags, then environment, then the config file; warns when the token came as a flag."""
    if getattr(args, "token", None):
        print(
            "finder-tui: warning: --token lands in your shell history; "
            "prefer the FINDER_TUI_TOKEN environment variable",
            file=sys.stderr,
        )
    return resolve(
        base_url=getattr(args, "base_url", None),
        wid=getattr(args, "wid", None),
        token=getattr(args, "token", None),
        store=getattr(args, "store", None),
        poll_interval=getattr(args, "poll_interval", None),
    )
