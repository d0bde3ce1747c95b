"""A Line API base: a ScrollView that renders precomputed rows through an LRU of Strips.

Rows can grow without bound (toolong's approach): nothing is a widget per row, only the
visible lines are rendered, and a rendered line is cached until the data or width changes.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LineList(ScrollView, can_focus=True):
    """Subclasses implement ``line_count`` and ``build_line(y, width) -> list[Segment]``."""

    DEFAULT_CSS = """
    LineList {
        overflow-x: hidden;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._base: Style | None = None  # rich_style is not free: computed once per repaint

    @property
    def line_count(self) -> int:
        raise NotImplementedError

    def build_line(self, y: int, width: int) -> list[Segment]:
        raise NotImplementedError

    def content_width(self) -> int:
        """The width lines are built for (at least the visible width)."""
        return max(1, self.scrollable_content_region.width)

    def invalidate(self) -> None:
        """Data changed: drop cached strips, resize the virtual canvas, repaint."""
        self._strips.clear()
        self._base = None
        self.virtual_size = Size(self.content_width(), self.line_count)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._base = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.content_width()
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        if index >= self.line_count:
            return Strip.blank(width, base)
        key = (index, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = Strip(self.build_line(index, width)).apply_style(base)
            strip = strip.crop_extend(0, width, base)
            self._strips[key] = strip
        visible = max(1, self.scrollable_content_region.width)
        if scroll_x or visible < width:
            strip = strip.crop_extend(scroll_x, scroll_x + visible, base)
        return strip.apply_offsets(scroll_x, index)

    def on_resize(self) -> None:
        self.invalidate()


def seg(text: str, style: Style | None = None) -> Segment:
    """A segment of untrusted text: plain characters, never parsed as markup."""
    return Segment(text, style)
