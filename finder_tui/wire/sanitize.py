"""Scrub control characters out of untrusted text, once, at ingest.

Message bodies, peer ids, aliases and server error texts all reach the terminal. Textual writes
ESC/OSC/C1 sequences through untouched, so anything that is displayed goes through ``scrub`` first;
the raw original is kept separately for lossless export.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, and the bidi overrides/isolates that can make
# text render in a different order than it is stored ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def scrub(text: str) -> str:
    """Remove control characters; keep newlines and tabs. Idempotent."""
    if text.isprintable():
        return text
    # Line breaks and tabs are kept and are the usual reason a text is not "printable": when
    # nothing else is, no character matches _CONTROL (every one of them is non-printable) and
    # the regex pass is skipped. A "\r" is non-printable, so CRLF text still takes the slow path.
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return _CONTROL.sub("", text.replace("\r\n", "\n"))


def scrub_line(text: str) -> str:
    """Scrub, then fold newlines and tabs to spaces (for one-line previews and ids)."""
    if text.isprintable():  # no control, bidi, tab or newline: nothing to remove or fold
        return text
    cleaned = scrub(text)
    if "\n" in cleaned or "\t" in cleaned:
        cleaned = " ".join(cleaned.split())
    return cleaned
