"""Emoji sequences a terminal may draw wider than the width tables say.

ZWJ sequences (👨‍👩‍👧), skin tones (👍🏻), presentation selectors (❤️) and flags (🇨🇳) are one
glyph of two cells for Unicode and rich, but tmux (and some terminals) count each part, so a
line holding one overflows and pushes the pane divider out. In ``base`` mode such a sequence is
drawn as its base emoji (👨, 👍, ❤) and a flag as its two letters (CN): each exactly as wide as
the tables say. ``auto`` (the default) picks ``base`` inside tmux or GNU screen, ``full``
elsewhere (also when TERM is tmux*/screen*, as over ssh). Config key ``emoji``, or env ``FINDER_TUI_EMOJI``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

FULL, BASE, AUTO = "full", "base", "auto"
MODES = (AUTO, FULL, BASE)
ENV = "FINDER_TUI_EMOJI"

# an emoji (pictographic ranges) followed by any joiner, selector, modifier or tag; or a flag
_SEQUENCE = re.compile(
    "([\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff])"
    "(?:[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
    "|(?<=\u200d)[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff])+"
    "|([\U0001f1e6-\U0001f1ff])([\U0001f1e6-\U0001f1ff])"
)
_MARKS = re.compile("[\u200d\ufe0f\U0001f3fb-\U0001f3ff\U0001f1e6-\U0001f1ff]")

_mode = FULL  # until ``configure`` (the launcher) resolves the setting


def resolve_mode(value: str | None, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    chosen = (env.get(ENV) or value or AUTO).strip().lower()
    if chosen not in MODES:
        chosen = AUTO
    if chosen == AUTO:
        return BASE if _under_multiplexer(env) else FULL
    return chosen


def _under_multiplexer(env: Mapping[str, str]) -> bool:
    """tmux or GNU screen: their own variables, or (over ssh, where those stay behind on the
    other machine) the TERM they set, which ssh passes on."""
    if (env.get("TMUX") or env.get("STY") or "").strip():
        return True
    term = env.get("TERM", "").lower()
    return term.startswith(("tmux", "screen")) or env.get("TERM_PROGRAM", "").lower() == "tmux"


def configure(value: str | None) -> str:
    """Set the mode for this process from the config value (the env var wins)."""
    global _mode
    _mode = resolve_mode(value)
    return _mode


def mode() -> str:
    return _mode


def _flag_letters(first: str, second: str) -> str:
    return "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in (first, second))


def _base(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    return _flag_letters(match.group(2), match.group(3))


def simplify(text: str, current: str | None = None) -> str:
    """``text`` with wide-drawn sequences reduced to their base emoji when the mode is base."""
    if (current or _mode) != BASE or _MARKS.search(text) is None:
        return text
    return _SEQUENCE.sub(_base, text)
