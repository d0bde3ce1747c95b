"""The inbox's layout, mounted in two steps so that the first frame costs only what it shows.

The first frame is the session list and the bars (``finder.tcss`` styles them). Right after
it is painted, ``ensure_panes`` loads ``panes.tcss`` and mounts the conversation pane and the
attention banner, then hands over to the inbox (``panes_ready``: the store's events, then
the inputs). Anything that needs the panes earlier calls ``ensure_panes`` first.

Before the split, the first frame styled, mounted and laid out 15 widgets (then restyled them
all when the screen resumed), against 2 in a bare Textual app.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from ..widgets.bars import KeyBar, StatusBar, TopBar
from ..widgets.conversation import ConversationView
from ..widgets.live_pane import LivePane
from ..widgets.people_bars import AttentionBanner, ConversationHeader
from ..widgets.session_list import SessionList

PANES_CSS = Path(__file__).parent.parent / "panes.tcss"


def load_panes_css(app: App[object]) -> None:
    """Add ``panes.tcss`` to the app's stylesheet, once. Nothing mounted is restyled: its
    rules only style the widgets mounted after it. (``add_source`` also drops the rules map
    that ``Stylesheet.read`` would leave stale until the next full parse.)"""
    location = (str(PANES_CSS), "")
    stylesheet = app.stylesheet
    if not stylesheet.has_source(*location):
        stylesheet.add_source(PANES_CSS.read_text(encoding="utf-8"), read_from=location)


class InboxPanes(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.panes_mounted = False
        self._styled_at_mount = False

    def compose(self) -> ComposeResult:
        yield TopBar(id="top-bar")
        with Horizontal(id="panes"):
            with Vertical(id="list-pane"):
                yield SessionList(id="sessions")
        yield StatusBar(id="status")
        yield KeyBar(id="keys")

    def on_screen_resume(self) -> None:
        # Called before Screen's own handler, which restyles every node, lays out and paints
        # the first frame; ``call_next`` runs right after that paint, before any other
        # message of this screen.
        if not self.panes_mounted:
            self._styled_at_mount = True
            self.call_next(self.ensure_panes)

    def update_node_styles(self, animate: bool = True) -> None:
        # The first resume restyles the whole screen, styled as it mounted a moment before
        # with nothing changed since (test_first_paint checks): skip that one pass. A focus,
        # class or theme change restyles as ever.
        if self._styled_at_mount and not animate:
            self._styled_at_mount = False
            return
        super().update_node_styles(animate)

    def ensure_panes(self) -> None:
        """Mount the conversation pane and the attention banner (once)."""
        if self.panes_mounted:
            return
        self.panes_mounted = True
        self._styled_at_mount = False
        load_panes_css(self.app)
        new_below = Static(id="new-below")
        new_below.display = False
        self.mount(AttentionBanner(id="attention"), after="#top-bar")
        # Registered (queryable) as mount() returns; their own Mount events follow.
        self.query_one("#panes").mount(
            Vertical(
                ConversationHeader(id="conversation-header"),
                ContentSwitcher(
                    ConversationView(id="conversation"),
                    LivePane(id="live"),
                    initial="conversation",
                    id="switcher",
                ),
                new_below,
                id="main-pane",
            )
        )
        self.panes_ready()

    def panes_ready(self) -> None:
        """The panes exist: the inbox takes the store's events from here."""
        raise NotImplementedError
