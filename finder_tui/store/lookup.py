"""Which session a user means, by what the UI shows: a session id or peer id (or a prefix of
either, like the ``fv1_3692`` of ``fv1_3692…d819``), an alias or a nickname.

Tried in order, the first tier with any match decides: exact (ids, alias, nickname, the display
name), then case-insensitive exact (alias, nickname), then case-insensitive prefix of any. One
match is the answer; several are listed so the user can pick.
"""

from __future__ import annotations

from collections.abc import Callable

from ..wire.sanitize import scrub_line
from .index import Index
from .index_records import SessionSummary

MAX_LISTED = 10


class SessionLookupError(LookupError):
    """No session, or several, match what the user typed; the text says which."""


def _names(s: SessionSummary) -> tuple[str, ...]:
    return tuple(n for n in (s.alias, s.nickname) if n)


def _exact(s: SessionSummary, needle: str) -> bool:
    return needle in (s.session_id, s.peer, s.display_name) or (needle in _names(s))


def _exact_folded(s: SessionSummary, needle: str) -> bool:
    folded = needle.casefold()
    return any(n.casefold() == folded for n in _names(s))


def _prefix(s: SessionSummary, needle: str) -> bool:
    folded = needle.casefold()
    return any(field.casefold().startswith(folded) for field in (s.session_id, s.peer, *_names(s)))


def candidates(index: Index, needle: str) -> list[SessionSummary]:
    """The sessions ``needle`` could mean (one when it is unambiguous), newest first."""
    sessions = index.sessions()
    tiers: tuple[Callable[[SessionSummary, str], bool], ...] = (_exact, _exact_folded, _prefix)
    for matches in tiers:
        found = [s for s in sessions if matches(s, needle)]
        if found:
            return found
    return []


def lookup_session(index: Index, needle: str) -> str:
    found = candidates(index, needle)
    shown = repr(scrub_line(needle)[:80])
    if len(found) == 1:
        return found[0].session_id
    if not found:
        raise SessionLookupError(f"no session matches {shown}")
    listed = "\n".join(f"  {s.session_id[:16]}  {s.display_name}" for s in found[:MAX_LISTED])
    more = f"\n  … and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    return_text = (
        f"{shown} matches several sessions ({len(found)}); give more of the id or the name:\n"
        f"{listed}{more}"
    )
    raise SessionLookupError(return_text)
