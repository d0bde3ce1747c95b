"""Notification text and the terminal's own notification sequences (no I/O here).

Title and body are hostile (a peer's name, a message). A terminal notification is an escape
sequence: ESC or BEL inside it would end it early and start another, and ``;`` separates its
fields (OSC 777, kitty's metadata), so all three go, besides the usual control-character scrub,
and both are capped.

Which sequence: OSC 99 for kitty, OSC 9 for iTerm2, WezTerm and Windows Terminal, OSC 777 for
foot, VTE terminals, Ghostty and the rest (detected from TERM_PROGRAM/TERM, or forced by the
``notify_terminal`` setting).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping

from .wire.sanitize import scrub_line

OSC99, OSC9, OSC777 = "osc99", "osc9", "osc777"
MAX_TITLE, MAX_BODY = 60, 160
COALESCE_SECONDS = 5.0
_ESC, _BEL, _ST = "\x1b", "\x07", "\x1b\\"
_OSC9_PROGRAMS = {"iterm.app", "wezterm", "windowsterminal"}
_OSC777_PROGRAMS = {"ghostty", "vscode"}


def clean(text: str, limit: int) -> str:
    """Scrubbed, one line, without ``;``/BEL/ESC, at most ``limit`` characters."""
    line = scrub_line(text).replace(";", ",").replace(_BEL, "").replace(_ESC, "")
    line = line.strip()
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def terminal_flavour(env: Mapping[str, str], forced: str = "auto") -> str:
    """The notification sequence this terminal understands."""
    if forced in (OSC99, OSC9, OSC777):
        return forced
    program = env.get("TERM_PROGRAM", "").lower()
    term = env.get("TERM", "").lower()
    if "kitty" in term or env.get("KITTY_WINDOW_ID"):
        return OSC99
    if program in _OSC9_PROGRAMS or env.get("WT_SESSION") or "wezterm" in term:
        return OSC9
    if program in _OSC777_PROGRAMS or term.startswith("foot") or "ghostty" in term:
        return OSC777
    return OSC777  # VTE (GNOME Terminal, Tilix, ...), rxvt-unicode with its extension, others


def sequence(flavour: str, title: str, body: str) -> str:
    """The escape sequence for one notification (title and body cleaned here)."""
    title, body = clean(title, MAX_TITLE) or "finder-tui", clean(body, MAX_BODY)
    if flavour == OSC99:  # kitty: title chunk (d=0), then the body (d=1, p=body) closes it
        return f"{_ESC}]99;i=finder:d=0;{title}{_ST}{_ESC}]99;i=finder:d=1:p=body;{body}{_ST}"
    if flavour == OSC9:  # one message only
        return f"{_ESC}]9;{title}: {body}{_BEL}" if body else f"{_ESC}]9;{title}{_BEL}"
    return f"{_ESC}]777;notify;{title};{body}{_BEL}"


def desktop_command(
    title: str, body: str, platform: str = sys.platform
) -> tuple[list[str], dict[str, str]] | None:
    """argv and extra environment for a desktop notifier, or None where there is none.

    macOS: the text is read by the script from the environment (``system attribute``), so it is
    never AppleScript source. Linux: notify-send takes the text as argv items after ``--`` (no
    shell, no option parsing), with markup characters escaped for servers that render it.
    """
    title, body = clean(title, MAX_TITLE) or "finder-tui", clean(body, MAX_BODY)
    if platform == "darwin":
        script = (
            'display notification (system attribute "FINDER_TUI_BODY") '
            'with title (system attribute "FINDER_TUI_TITLE")'
        )
        return ["osascript", "-e", script], {"FINDER_TUI_TITLE": title, "FINDER_TUI_BODY": body}
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        marked = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return ["notify-send", "--app-name=finder-tui", "--", title, marked], {}
    return None


class Coalescer:
    """At most one notification per key (a session) per ``window`` seconds."""

    def __init__(self, window: float = COALESCE_SECONDS) -> None:
        self.window = window
        self._last: dict[str, float] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._last.get(key)
        if last is not None and now - last < self.window:
            return False
        self._last[key] = now
        if len(self._last) > 1024:  # forget the oldest keys; only recent ones matter
            for old in sorted(self._last, key=self._last.__getitem__)[:512]:
                del self._last[old]
        return True
