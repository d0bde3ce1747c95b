"""Validation of the alert settings (notify, notify_terminal, live_stale_after, [hooks]).

Errors name the file and the key, like every other setting: a typo must not silently turn
notifications or a hook off.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .store.live import DEFAULT_STALE_AFTER

NOTIFY_MODES = ("off", "bell", "terminal", "desktop")
TERMINAL_FLAVOURS = ("auto", "osc99", "osc9", "osc777")
HOOK_EVENTS = ("message", "live_start", "live_end", "sent")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_HOOK_ARGS = 64

__all__ = ["DEFAULT_STALE_AFTER", "alert_settings_error", "stale_after_seconds"]


class _Invalid(ValueError):
    pass


def stale_after_seconds(value: Any) -> float:
    """``12h``, ``90m``, ``2d``, ``3600s`` or a number of seconds → seconds (at least a minute)."""
    if isinstance(value, bool):
        raise _Invalid('must be a duration such as "12h" or a number of seconds')
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise _Invalid('must be a duration such as "12h", "90m", "2d" or a number of seconds')
        seconds = float(match.group(1)) * _UNIT[match.group(2)]
    if not 60 <= seconds <= 365 * 86400:
        raise _Invalid("must be between one minute and a year")
    return seconds


def alert_settings_error(path: Path, data: dict[str, Any]) -> str | None:
    """The first bad alert setting, as "<file>: '<key>' <what is wrong>", or None."""
    try:
        _check(data)
    except _Invalid as exc:
        return f"{path}: {exc}"
    return None


def _check(data: dict[str, Any]) -> None:
    def fail(key: str, what: str) -> None:
        raise _Invalid(f"'{key}' {what}")

    if "notify" in data and data["notify"] not in NOTIFY_MODES:
        fail("notify", f"must be one of {', '.join(NOTIFY_MODES)} (got {data['notify']!r})")
    flavour = data.get("notify_terminal")
    if flavour is not None and flavour not in TERMINAL_FLAVOURS:
        fail("notify_terminal", f"must be one of {', '.join(TERMINAL_FLAVOURS)} (got {flavour!r})")
    if "live_stale_after" in data:
        try:
            stale_after_seconds(data["live_stale_after"])
        except _Invalid as exc:
            fail("live_stale_after", str(exc))
    for event, argv in data.get("hooks", {}).items():
        key = f"hooks.{event}"
        if event not in HOOK_EVENTS:
            fail(key, f"is not a hook event (known: {', '.join(HOOK_EVENTS)})")
        if not isinstance(argv, list) or not argv or len(argv) > MAX_HOOK_ARGS:
            fail(key, 'must be a non-empty list of strings, e.g. ["/home/me/bin/on-dm"]')
        if not all(isinstance(arg, str) and "\x00" not in arg for arg in argv) or not argv[0]:
            fail(key, "must hold only strings, the first one the program to run")
