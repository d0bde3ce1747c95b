"""How the UI formats message times (finder_tui/tui/timefmt.py)."""

from __future__ import annotations

from finder_tui.tui.timefmt import clock, day_of, full, relative


def test_a_time_no_calendar_can_show_is_formatted_without_an_exception() -> None:
    for fn in (clock, day_of, full):
        fn(300_000_000_000)  # an old store could hold one: shown as the epoch, no exception
    assert relative(300_000_000_000, now=1_700_000_000) != ""
