"""Keys: help, alias, sync now, binding metadata and the command palette."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.color import Color
from textual.app import App
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.geometry import Region
from textual.widgets import Input

from finder_tui.store import Store
from finder_tui.tui.screens.alias import AliasScreen
from finder_tui.tui.screens.export import ExportScreen
from finder_tui.tui.screens.help import HelpScreen
from finder_tui.tui.screens.inbox import InboxScreen
from finder_tui.tui.widgets.conversation import ConversationView
from finder_tui.tui.widgets.live_view import LiveView
from finder_tui.tui.widgets.session_list import LIVE_ENTRY, SessionList
from tests.tui.helpers import Chat, Harness, running_app, visible_lines, widget_text

T0 = 1_700_000_000
K1, K2 = Chat.named("kilo"), Chat.named("lima")


def inbox() -> list[dict]:
    return [
        K2.item(1, T0, "lima says hi"),
        K1.item(2, T0 + 60, "kilo says hi"),
        K1.item(3, T0 + 120, "kilo again", sent=True),
    ]


def palette_open(app: App[Any]) -> bool:
    return CommandPalette.is_open(app)


# The inbox's keys were the App's: they moved to InboxScreen with their ids (keymap config).
BINDING_OWNERS: list[type[DOMNode]] = [InboxScreen, SessionList, ConversationView, LiveView]


@pytest.mark.parametrize("owner", BINDING_OWNERS, ids=lambda o: o.__name__)
def test_every_binding_has_an_id_and_a_description(owner: type[DOMNode]) -> None:
    bindings = owner.BINDINGS
    assert bindings
    ids = []
    for binding in bindings:
        assert isinstance(binding, Binding), binding
        assert binding.id, f"{owner.__name__} binding {binding.key!r} has no id"
        assert binding.description.strip(), f"{owner.__name__} {binding.key!r}: no description"
        ids.append(binding.id)
    assert len(ids) == len(set(ids)), f"duplicate binding ids in {owner.__name__}: {ids}"


async def test_help_lists_every_binding_and_escape_closes(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.pilot.press("question_mark")
        await h.wait(lambda: isinstance(h.app.screen, HelpScreen), what="the help screen")
        text = widget_text(h.app.screen.query_one("#help-text"))
        for owner in BINDING_OWNERS:
            for binding in owner.BINDINGS:
                assert isinstance(binding, Binding)
                assert binding.description in text, f"help lacks {binding.description!r}"
        assert "Command palette" in text
        keys = h.app.query_one("#keys")
        await h.wait(lambda: "Close help" in widget_text(keys), what="the dialog's keys")
        await h.pilot.press("escape")
        await h.wait(lambda: not isinstance(h.app.screen, HelpScreen), what="help closed")
        assert h.app.return_code is None
        assert h.app.focused is h.sessions
        # The key bar shows the inbox's keys again, though the focus never moved.
        await h.wait(lambda: "Close help" not in widget_text(keys), what="the inbox's keys")
        assert "Quit" in widget_text(keys) and "Open" in widget_text(keys)


async def test_alias_renames_the_row_and_persists(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    async with running_app(store_dir, items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == K1.session_id)
        await h.pilot.press("a")
        await h.wait(lambda: isinstance(h.app.screen, AliasScreen), what="the alias dialog")
        box = h.app.screen.query_one("#alias-input", Input)
        assert box.has_focus and box.value == ""
        await h.pilot.press(*"Kilo Shop", "enter")
        await h.wait(lambda: not isinstance(h.app.screen, AliasScreen))
        await h.wait(lambda: h.row(K1.session_id).title == "Kilo Shop", what="alias in the list")
        assert h.row(K2.session_id).title != "Kilo Shop"
        # Escape cancels: the alias stays.
        await h.pilot.press("a")
        await h.wait(lambda: isinstance(h.app.screen, AliasScreen))
        assert h.app.screen.query_one("#alias-input", Input).value == "Kilo Shop"
        await h.pilot.press("x", "escape")
        await h.wait(lambda: not isinstance(h.app.screen, AliasScreen))
        await h.pilot.pause(0.1)
        assert h.index.session(K1.session_id).alias == "Kilo Shop"
    store = Store.open(store_dir)
    try:
        summary = store.index.session(K1.session_id)
        assert summary is not None and summary.alias == "Kilo Shop"
    finally:
        store.close()


async def test_alias_shows_in_the_open_conversation(tmp_path: Path) -> None:
    """The alias names the open conversation's peer: its message headers use it at once."""
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == K1.session_id)
        assert any("kilo says hi" in line for line in visible_lines(h.conv))
        await h.pilot.press("a")
        await h.wait(lambda: isinstance(h.app.screen, AliasScreen))
        await h.pilot.press(*"Kilo Shop", "enter")
        await h.wait(lambda: h.row(K1.session_id).title == "Kilo Shop")
        await h.pilot.pause(0.1)
        lines = visible_lines(h.conv)
        header = next(line for line in lines if "22:14" in line)
        assert "Kilo Shop" in header, (
            "the open conversation still names the peer by its id after setting an alias: "
            f"{header.strip()!r}"
        )


async def test_r_syncs_now(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        server = h.server
        assert server is not None
        before = server.requests
        await h.pilot.press("r")
        await h.wait(lambda: server.requests > before, what="a request after r")
        await h.wait(lambda: h.app.sync_state.state == "idle")
        assert any("Syncing now" in str(n.message) for n in h.app._notifications)
        # And what the sync brings is shown.
        server.append([K2.item(9, T0 + 600, "lima is back")])
        await h.pilot.press("r")
        await h.wait(lambda: h.session_keys()[0] == K2.session_id, what="K2 moved to the top")


async def test_command_palette_offers_sync_now(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        server = h.server
        assert server is not None
        await h.pilot.press("ctrl+p")
        await h.wait(lambda: palette_open(h.app), what="the command palette")
        await h.pilot.press(*"sync")
        palette = h.app.screen
        commands = palette.query_one(CommandList)

        def prompts() -> list[str]:
            return [
                str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)
            ]

        await h.wait(lambda: any("Sync now" in p for p in prompts()), what="'Sync now' offered")
        before = server.requests
        await h.pilot.press("enter")
        await h.wait(lambda: not palette_open(h.app))
        await h.wait(lambda: server.requests > before, what="the palette's sync to run")


async def test_r_offline_says_there_is_nothing_to_sync(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", online=False, wait_state="offline") as h:
        await h.pilot.press("r")
        await h.wait(lambda: bool(h.app._notifications), what="a notice")
        messages = [n.message for n in h.app._notifications]
        assert any("Offline" in m for m in messages), messages
        assert not any("Syncing now" in m for m in messages)


async def test_palette_screenshot_is_private_and_a_failure_says_why(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        shots = tmp_path / "shots"
        shots.mkdir()
        saved = h.app.deliver_screenshot(path=str(shots))
        assert saved is not None
        path = Path(saved)
        await h.wait(path.exists, what="the screenshot written (off the event loop)")
        assert path.parent == shots and path.suffix == ".svg"
        assert (path.stat().st_mode & 0o777) == 0o600  # it shows private messages
        assert "<svg" in path.read_text("utf-8")
        assert h.app.deliver_screenshot(path=str(tmp_path / "missing")) is None

        def errors() -> list[str]:
            return [n.message for n in h.app._notifications if n.severity == "error"]

        await h.wait(lambda: bool(errors()), what="the error notice")
        assert any("missing" in m and "No such file" in m for m in errors()), errors()


async def test_dialogs_fit_a_small_terminal(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox(), size=(80, 24)) as h:
        await h.pilot.press("question_mark")
        await h.wait(lambda: isinstance(h.app.screen, HelpScreen), what="help")
        await h.pilot.pause()
        body = h.app.screen.query_one("#help-body").region
        assert body.right <= 80 and body.bottom <= 24, body
        await h.pilot.press("escape")
        await h.wait(lambda: not isinstance(h.app.screen, HelpScreen), what="help closed")
        await h.pilot.press("e")
        await h.wait(lambda: bool(h.app.screen.query(".dialog")), what="the export dialog")
        await h.pilot.pause()
        dialog = h.app.screen.query_one(".dialog").region
        assert dialog.right <= 80 and dialog.bottom <= 24, dialog


async def test_help_shows_the_keys_of_the_users_keymap(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        h.app.user_keymap = {"app.quit": "ctrl+q"}
        h.app.set_keymap(h.app.user_keymap)
        await h.pilot.press("question_mark")
        await h.wait(lambda: isinstance(h.app.screen, HelpScreen), what="help")
        text = widget_text(h.app.screen.query_one("#help-text"))
        quit_line = next(line for line in text.splitlines() if "Quit" in line)
        assert "^q" in quit_line and " q " not in quit_line.replace("^q", "")


# ---- actions that need an open conversation (check_action) ------------------------------------

CONVERSATION_ACTIONS = ("alias", "export", "find")


def key_bar_color(h: Harness, description: str) -> Color | None:
    """The foreground colour the key bar paints ``description`` in (dimmed when disabled)."""
    keys = h.app.query_one("#keys")
    for strip in keys.render_lines(Region(0, 0, keys.size.width, 1)):
        for segment in strip:
            if segment.text.strip() == description and segment.style is not None:
                return segment.style.color
    raise AssertionError(f"{description!r} is not in the key bar: {widget_text(keys)!r}")


async def test_export_alias_and_find_are_disabled_on_the_live_view_and_shown_dimmed(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == K1.session_id, what="the newest open")
        await h.wait(lambda: key_bar_color(h, "Export") == key_bar_color(h, "Quit"))
        assert all(h.inbox.check_action(a, ()) for a in CONVERSATION_ACTIONS)

        await h.pilot.press("l")
        await h.wait(lambda: h.inbox.open_key == LIVE_ENTRY, what="the live view")
        assert all(h.inbox.check_action(a, ()) is None for a in CONVERSATION_ACTIONS)
        for description in ("Alias", "Export", "Find"):
            await h.wait(
                lambda d=description: key_bar_color(h, d) != key_bar_color(h, "Quit"),  # type: ignore[misc]
                what=f"{description} dimmed in the key bar",
            )
        assert key_bar_color(h, "Search all") == key_bar_color(h, "Quit")  # still enabled

        # A disabled key does nothing: no dialog, no find bar.
        await h.pilot.press("e", "a", "ctrl+f")
        await h.pilot.pause(0.1)
        assert not isinstance(h.app.screen, (ExportScreen, AliasScreen))
        assert not any(bar.display for bar in h.app.query("#find-bar"))

        # Opening a conversation enables them again.
        await h.open_session(K2.session_id)
        assert all(h.inbox.check_action(a, ()) for a in CONVERSATION_ACTIONS)
        await h.wait(lambda: key_bar_color(h, "Export") == key_bar_color(h, "Quit"))
        await h.pilot.press("e")
        await h.wait(lambda: isinstance(h.app.screen, ExportScreen), what="the export dialog")


async def test_conversation_actions_are_disabled_before_any_session_exists(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", online=False, wait_state="offline") as h:
        assert h.inbox.open_key is None and not h.session_keys()
        assert all(h.inbox.check_action(a, ()) is None for a in CONVERSATION_ACTIONS)
        assert h.inbox.check_action("search", ()) and h.inbox.check_action("filter", ())
        await h.wait(lambda: key_bar_color(h, "Export") != key_bar_color(h, "Quit"))


async def test_the_palette_marks_conversation_commands_disabled_with_none_open(
    tmp_path: Path,
) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == K1.session_id)

        def helps() -> dict[str, str]:
            return {c.title: c.help for c in h.app.get_system_commands(h.app.screen)}

        assert "disabled" not in helps()["Export conversation"]
        await h.pilot.press("l")
        await h.wait(lambda: h.inbox.open_key == LIVE_ENTRY)
        for title in ("Set alias", "Export conversation", "Find in conversation"):
            assert "disabled: no conversation is open" in helps()[title], helps()[title]
        assert "disabled" not in helps()["Search all conversations"]
        # Chosen anyway, it says what to do instead of opening a dialog.
        [export] = [c for c in h.app.get_system_commands(h.app.screen) if c.title.startswith("Exp")]
        export.callback()
        await h.wait(
            lambda: any("Open a conversation" in str(n.message) for n in h.app._notifications)
        )
        assert not isinstance(h.app.screen, ExportScreen)


async def test_keymap_ids_of_the_inbox_keys_still_rebind_them(tmp_path: Path) -> None:
    """``app.export`` etc. are user config: they kept their ids when they moved to the screen."""
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == K1.session_id)
        h.app.set_keymap({"app.export": "x", "app.live": "v"})
        await h.pilot.press("v")
        await h.wait(lambda: h.inbox.open_key == LIVE_ENTRY, what="v opens the live view")
        await h.open_session(K1.session_id)
        await h.pilot.press("x")
        await h.wait(lambda: isinstance(h.app.screen, ExportScreen), what="x exports")
