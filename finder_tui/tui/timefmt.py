"""Short, readable times for lists and bubbles (local time)."""

from __future__ import annotations

import time
from datetime import date, datetime


def _local(ts: int | float) -> datetime:
    """Local time; a timestamp no calendar can show (an old store, a clock gone mad) becomes
    the epoch rather than an exception in the middle of painting."""
    try:
        return datetime.fromtimestamp(ts)
    except (OverflowError, OSError, ValueError):
        return datetime.fromtimestamp(0)


def relative(ts: int | float, now: float | None = None) -> str:
    """``now``, ``5m``, ``3h``, ``Tue``, ``08-16``, ``2023-08-16``."""
    if not ts:
        return ""
    now = time.time() if now is None else now
    delta = now - ts
    if delta < 60:
        return "now"
    if delta < 3600:
        return f"{int(delta // 60)}m"
    then, today = _local(ts), _local(now)
    if delta < 86400 and then.date() == today.date():
        return f"{int(delta // 3600)}h"
    if delta < 6 * 86400:
        return then.strftime("%a")
    if then.year == today.year:
        return then.strftime("%m-%d")
    return then.strftime("%Y-%m-%d")


def clock(ts: int | float) -> str:
    return _local(ts).strftime("%H:%M")


def day_of(ts: int | float) -> date:
    return _local(ts).date()


def day_label(day: date) -> str:
    return day.strftime("%Y-%m-%d %a")


def full(ts: int | float) -> str:
    return _local(ts).strftime("%Y-%m-%d %H:%M")


def day_time(ts: int | float) -> str:
    """``12-02 05:40``: ``full`` without the year, in 11 cells."""
    return _local(ts).strftime("%m-%d %H:%M")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest_of_day = divmod(seconds, 86400)
    if days >= 2:
        return f"{days}d{rest_of_day // 3600:02d}h"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
