"""Notification text and the terminal's own notification sequences (no I/O here).

Title and body are hostile (a peer's name, a message). A terminal notification is an escape
sequence: ESC or BEL inside it would end it early and start another, and ``;`` separates its
fields (OSC 777, kitty's metadata), so all three go, besides the usual control-character scrub,
and both are capped.

Which sequence: OSC 99 for kitty, OSC 9 for iTerm2, WezTerm and Windows Terminal, OSC 777 for
foot, VTE terminals, Ghostty and the rest (detected from TERM_PROGRAM/TERM, or forced by the
``notify_terminal`` setting). Inside tmux (``TMUX`` set) the sequence is wrapped in tmux's
passthrough envelope so it reaches the outer terminal (needs ``set -g allow-passthrough on``).
Each notification has its own kitty id, so a new one never replaces the last.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .wire.sanitize import scrub_line

OSC99, OSC9, OSC777 = "osc99", "osc9", "osc777"
MAX_TITLE, MAX_BODY = 60, 160
COALESCE_SECONDS = 5.0
_ESC, _BEL, _ST = "\x1b", "\x07", "\x1b\\"
_OSC9_PROGRAMS = {"iterm.app", "wezterm", "windowsterminal"}
_OSC777_PROGRAMS = {"ghostty", "vscode"}


_ids = itertools.count(1)


def terminal_safe(text: str) -> str:
    """Text for inside any terminal escape sequence (a notification, the window title):
    one line, printable only, no ESC or BEL, and ``;`` (a field separator) turned into ``,``."""
    line = scrub_line(text).replace(_BEL, "").replace(_ESC, "")
    return "".join(c for c in line if c.isprintable()).replace(";", ",")


def clean(text: str, limit: int) -> str:
    """Scrubbed, one line, without ``;``/BEL/ESC, at most ``limit`` characters."""
    line = terminal_safe(text).strip()
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


def sequence(flavour: str, title: str, body: str, *, ident: int | None = None) -> str:
    """The escape sequence for one notification (title and body cleaned here).

    ``ident``: kitty's notification id, new for each notification by default (the same id
    would replace the notification still on screen).
    """
    title, body = clean(title, MAX_TITLE) or "finder-tui", clean(body, MAX_BODY)
    if flavour == OSC99:  # kitty: title chunk (d=0), then the body (d=1, p=body) closes it
        key = f"i=finder-{next(_ids) if ident is None else ident}"
        return f"{_ESC}]99;{key}:d=0;{title}{_ST}{_ESC}]99;{key}:d=1:p=body;{body}{_ST}"
    if flavour == OSC9:  # one message only
        return f"{_ESC}]9;{title}: {body}{_BEL}" if body else f"{_ESC}]9;{title}{_BEL}"
    return f"{_ESC}]777;notify;{title};{body}{_BEL}"


def tmux_passthrough(seq: str) -> str:
    """``seq`` in tmux's DCS passthrough envelope (every ESC inside doubled)."""
    return f"{_ESC}Ptmux;{seq.replace(_ESC, _ESC + _ESC)}{_ST}"


def for_terminal(seq: str, env: Mapping[str, str]) -> str:
    """``seq`` as it must be written here: wrapped for tmux when running inside it."""
    return tmux_passthrough(seq) if env.get("TMUX") else seq


def desktop_program(platform: str = sys.platform) -> str | None:
    """The desktop notifier of this platform, or None where there is none."""
    if platform == "darwin":
        return "osascript"
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return "notify-send"
    return None


def desktop_available(
    platform: str = sys.platform, which: Callable[[str], str | None] = shutil.which
) -> bool:
    """Whether this platform has a desktop notifier and it is on PATH (asked once per app)."""
    program = desktop_program(platform)
    return program is not None and which(program) is not None


def desktop_command(
    title: str, body: str, platform: str = sys.platform
) -> tuple[list[str], dict[str, str]] | None:
    """argv and values (for ``FINDER_TUI_<NAME>`` variables) for a desktop notifier, or None.

    macOS: the text is read by the script from the environment (``system attribute``), so it is
    never AppleScript source. Linux: notify-send has no other input than argv, so the text goes
    as argv items after ``--`` (no shell, no option parsing; scrubbed, capped, markup escaped):
    the one accepted exception to "values never go into argv".
    """
    title, body = clean(title, MAX_TITLE) or "finder-tui", clean(body, MAX_BODY)
    if platform == "darwin":
        script = (
            'display notification (system attribute "FINDER_TUI_BODY") '
            'with title (system attribute "FINDER_TUI_TITLE")'
        )
        return ["osascript", "-e", script], {"title": title, "body": body}
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        marked = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return ["notify-send", "--app-name=finder-tui", "--", title, marked], {}
    return None


@dataclass(slots=True)
class Held:
    """What arrived for one key while its window was closed: shown when the window ends."""

    count: int
    last: str


class Coalescer:
    """At most one notification per key (a session) per ``window`` seconds.

    What ``allow`` refuses is ``hold``-ed instead, and ``due`` hands it back once the window
    ends (a trailing "(N new) last" notification), so a second DM is never silently lost.
    """

    def __init__(self, window: float = COALESCE_SECONDS) -> None:
        self.window = window
        self._last: dict[str, float] = {}
        self._held: dict[str, Held] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._last.get(key)
        if last is not None and now - last < self.window:
            return False
        self._last[key] = now
        if len(self._last) > 1024:  # forget the oldest keys; only recent ones matter
            for old in sorted(self._last, key=self._last.__getitem__)[:512]:
                if old not in self._held:
                    del self._last[old]
        return True

    def hold(self, key: str, count: int, last: str) -> None:
        """Keep what ``allow`` refused for ``key`` until its window ends."""
        held = self._held.get(key)
        if held is None:
            self._held[key] = Held(count, last)
        else:
            held.count += count
            held.last = last

    def due(self, now: float | None = None) -> list[tuple[str, Held]]:
        """What was held for keys whose window has ended (each starts a new window)."""
        now = time.monotonic() if now is None else now
        out = []
        for key, held in list(self._held.items()):
            if now - self._last.get(key, 0.0) >= self.window:
                del self._held[key]
                self._last[key] = now
                out.append((key, held))
        return out
