"""Which session a user means: a session id, a unique prefix of one, an alias or a peer id."""

from __future__ import annotations

from ..wire.sanitize import scrub_line
from .index import Index


class SessionLookupError(LookupError):
    """No session, or several, match what the user typed; the text says which."""


def lookup_session(index: Index, needle: str) -> str:
    sessions = index.sessions()
    exact = [s for s in sessions if needle in (s.session_id, s.alias, s.peer)]
    if len(exact) == 1:
        return exact[0].session_id
    prefixed = [s for s in sessions if s.session_id.startswith(needle)]
    if len(prefixed) == 1:
        return prefixed[0].session_id
    if not exact and not prefixed:
        raise SessionLookupError(f"no session matches {scrub_line(needle)[:80]!r}")
    raise SessionLookupError(
        f"{scrub_line(needle)[:80]!r} matches several sessions; give more of the id"
    )
