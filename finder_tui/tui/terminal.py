"""The one way the app writes its own escape sequences (notifications, the window title).

Through the app's driver (the path Textual uses for the bell and the clipboard; Textual 8 has no
public method for an arbitrary sequence), never with ``print``, which would land in the middle of
a frame. Untrusted text inside a sequence goes through ``notify.terminal_safe`` first.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from ..notify import terminal_safe

__all__ = ["terminal_safe", "write_terminal"]


def write_terminal(app: App[Any], sequence: str) -> bool:
    """Write ``sequence`` to the terminal; False when there is none (shutting down). A headless
    app's driver writes nothing."""
    driver = app._driver  # noqa: SLF001 - see the module docstring
    if driver is None:
        return False
    driver.write(sequence)
    return True
