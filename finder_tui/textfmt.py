"""Small text helpers for what the CLI prints to a person (counts, local times, stats)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def plural(count: int, word: str) -> str:
    """``1 page``, ``2 pages``, ``1,234 messages``: the one rule for counted words."""
    return f"{count} {word}" if count == 1 else f"{count:,} {word}s"


def local_time(ts: int | float | None) -> str:
    if not ts:
        return "-"
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def stamped(line: str, stamp: bool) -> str:
    """A continuous sync prints a local time before each line, like a log."""
    return f"{datetime.now().strftime('%Y-%m-%d %H:%M:%S')}  {line}" if stamp else line


def human_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` for a person: local dates, the cursor as ``1=1242`` (its non-zero keys)."""
    out = dict(stats)
    cursor = stats.get("cursor") or {}
    every = [f"{k}={v}" for k, v in cursor.items()]
    out["cursor"] = " ".join([f"{k}={v}" for k, v in cursor.items() if v] or every[:1]) or "-"
    out["last_success"] = local_time(stats.get("last_success"))
    if "names" in stats:
        out["names"] = f"{stats['names']} of {plural(stats['sessions'], 'peer')} named"
    return out
