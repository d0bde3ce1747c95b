"""Which textual-image widget draws a preview: Kitty's graphics protocol, Sixel, or coloured
half-cell blocks (everywhere, tmux included).

textual-image queries the terminal when it is imported, which cannot work once Textual reads
stdin (and a launch must not wait for it). So the choice comes from the environment, and the
library is imported with that query turned off. ``FINDER_TUI_IMAGES`` =
``auto`` (default) | ``kitty`` | ``sixel`` | ``halfcell`` overrides it.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from typing import Any

KITTY, SIXEL, HALFCELL, AUTO = "kitty", "sixel", "halfcell", "auto"
ENV = "FINDER_TUI_IMAGES"
_import_lock = threading.Lock()


def choose_protocol(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    wanted = (env.get(ENV) or AUTO).strip().lower()
    if wanted in (KITTY, SIXEL, HALFCELL):
        return wanted
    if env.get("TMUX") or env.get("STY") or env.get("TERM", "").startswith(("screen", "tmux")):
        return HALFCELL  # multiplexers do not pass graphics through reliably
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if term == "xterm-kitty" or env.get("KITTY_WINDOW_ID") or program == "ghostty":
        return KITTY
    if program in ("WezTerm", "iTerm.app") or term.startswith(("foot", "mlterm")):
        return SIXEL
    if env.get("KONSOLE_VERSION"):
        return SIXEL
    return HALFCELL


def _cell_pixels() -> tuple[int, int]:
    """The terminal's cell size in pixels from the window-size ioctl (no reply to wait for);
    VT340's 10x20 when it says nothing."""
    stream = sys.__stdout__
    try:
        import fcntl
        import termios
        from array import array

        if stream is not None and stream.isatty():
            buf = array("H", [0, 0, 0, 0])
            fcntl.ioctl(stream, termios.TIOCGWINSZ, buf)
            rows, columns, width, height = buf
            if rows and columns and width and height:
                return width // columns, height // rows
    except (ImportError, OSError, ValueError):
        pass
    return 10, 20


def _import_widgets() -> Any:
    """``textual_image.widget`` imported without its terminal queries: the cell size is filled
    in first, and stdout reads as no TTY while the module picks its default renderer."""
    with _import_lock:
        if "textual_image.widget" in sys.modules:
            return sys.modules["textual_image.widget"]
        from textual_image import _terminal

        width, height = _cell_pixels()
        _terminal.get_cell_size._result = _terminal.CellSize(width, height)  # type: ignore[attr-defined]
        saved = sys.__stdout__
        sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]  # its detection asks isatty()
        try:
            import textual_image.widget as widgets
        finally:
            sys.__stdout__ = saved  # type: ignore[misc]
        return widgets


def image_widget_class(protocol: str | None = None) -> Any:
    widgets = _import_widgets()
    chosen = protocol or choose_protocol()
    if chosen == KITTY:
        return widgets.TGPImage
    if chosen == SIXEL:
        return widgets.SixelImage
    return widgets.HalfcellImage
