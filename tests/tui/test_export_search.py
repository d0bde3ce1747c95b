"""The export dialog, find in the conversation (ctrl+f) and global search (s), through Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label, OptionList

from finder_tui.export import read_export_items
from finder_tui.tui.screens.export import ConfirmScreen, ExportScreen
from finder_tui.tui.screens.search import SearchScreen
from finder_tui.tui.widgets.conversation import ConversationView
from tests.tui.helpers import Chat, Harness, running_app, screen_lines, widget_text

T0 = 1_700_000_000
A, B = Chat.named("alpha"), Chat.named("bravo")
HOSTILE = '<script>alert(1)</script> =HYPERLINK("http://x") [ @click=app.quit]x'


def inbox() -> list[dict]:
    items = [B.item(1 + i, T0 + i * 60, f"bravo 你好 {i} 👨‍👩‍👧") for i in range(5)]
    items += [
        A.item(10 + i, T0 + 900 + i * 60, f"alpha 谢谢 {i}", sent=i % 2 == 0) for i in range(30)
    ]
    items.append(A.item(50, T0 + 9000, HOSTILE))
    return items


def _existing_file(tmp_path: Path) -> Path:
    existing = tmp_path / "conv.md"
    existing.write_text("keep me", "utf-8")
    return existing


async def _export_over(h: Harness, existing: Path) -> ExportScreen:
    """Open the export dialog, export to an existing file and wait for the overwrite question."""
    screen = await _open_export(h)
    screen.query_one("#export-path", Input).value = str(existing)
    await h.pilot.click("#export-go")
    await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="overwrite question")
    return screen


async def _open_export(h: Harness) -> ExportScreen:
    await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
    await h.pilot.press("e")
    await h.wait(lambda: isinstance(h.app.screen, ExportScreen), what="the export dialog")
    screen = h.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


async def test_export_dialog_writes_each_format(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        for fmt in ("json", "csv", "html"):
            screen = await _open_export(h)
            await h.pilot.click(f"#fmt-{fmt}")
            path_box = screen.query_one("#export-path", Input)
            assert path_box.value.endswith(f".{fmt}")  # the default name follows the format
            target = tmp_path / f"out.{fmt}"
            path_box.value = str(target)
            await h.pilot.click("#export-go")
            await h.wait(lambda: not isinstance(h.app.screen, ExportScreen), what="export done")
            await h.wait(target.exists, what=f"{target.name} written")
            assert oct(target.stat().st_mode & 0o777) == "0o600"
        items = read_export_items((tmp_path / "out.json").read_bytes())
        assert len(items) == 31 and items[-1]["content"]["msg"]["Content"]["string"] == HOSTILE
        html = (tmp_path / "out.html").read_text("utf-8")
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        csv_text = (tmp_path / "out.csv").read_text("utf-8-sig")
        assert "'<script>" not in csv_text and ",=HYPERLINK" not in csv_text
        assert any("Exported 31 messages" in n.message for n in h.app._notifications)
        assert not list(tmp_path.glob(".*.tmp"))


async def test_export_asks_before_overwriting_and_reports_errors(tmp_path: Path) -> None:
    existing = _existing_file(tmp_path)
    async with running_app(tmp_path / "store", items=inbox()) as h:
        screen = await _export_over(h, existing)
        await h.pilot.pause()
        # The whole question shows, wrapped inside the dialog, however long the path.
        shown = "".join("".join(line.replace("│", "").split()) for line in screen_lines(h.pilot))
        assert "exists.Overwriteit?" in shown, shown
        await h.pilot.press("n")
        await h.wait(lambda: isinstance(h.app.screen, ExportScreen), what="back to the dialog")
        assert existing.read_text("utf-8") == "keep me"
        # A bad date and a directory that does not exist: clear errors, dialog stays open.
        screen.query_one("#export-since", Input).value = "2023-13-45"
        await h.pilot.click("#export-go")
        error = screen.query_one("#export-error", Label)
        await h.wait(lambda: "month must be" in str(error.content), what="the date error")
        await h.pilot.pause()
        screen.query_one("#export-since", Input).value = ""
        path_box = screen.query_one("#export-path", Input)
        path_box.value = str(tmp_path / "missing" / "x.md")
        path_box.focus()
        await h.pilot.press("enter")  # Enter in the dialog exports, like the button
        await h.wait(
            lambda: "missing" in str(error.content),
            what=f"the write error (shown: {error.content!s}, screen {h.app.screen!r})",
        )
        assert "does not exist" in str(error.content)
        assert isinstance(h.app.screen, ExportScreen)
        assert not (tmp_path / "missing").exists()
        # Yes overwrites.
        path_box.value = str(existing)
        await h.pilot.press("enter")
        await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="overwrite question")
        await h.pilot.press("y")
        await h.wait(lambda: existing.read_text("utf-8") != "keep me", what="overwritten")
        assert "alpha" in existing.read_text("utf-8")


async def test_find_in_conversation_counts_and_steps(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.press("ctrl+f")
        await h.pilot.press(*"谢谢")
        await h.wait(lambda: len(h.inbox.find_matches) == 30, what="30 matches")
        count = h.app.query_one("#find-count", Label)
        await h.wait(lambda: str(count.content) == "30/30", what="30/30: the newest match first")
        assert h.conv.highlight == "谢谢"
        await h.pilot.press("up")
        await h.wait(lambda: str(count.content) == "29/30", what="previous match")
        await h.pilot.press("enter", "enter")
        await h.wait(lambda: str(count.content) == "1/30", what="wraps to the first")
        first = h.inbox.find_matches[0][0]
        assert h.conv.current_match_message == first
        await h.pilot.press("escape")
        await h.wait(lambda: not h.conv.highlight, what="find closed")


async def test_find_says_when_older_messages_were_not_searched_and_searches_them_once_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ConversationView, "FETCH", 40)  # the newest 40 of 60 (a screenful+)
    texts = ["needle old" if i == 5 else "needle new" if i == 55 else f"hay {i}" for i in range(60)]
    items = [A.item(i + 1, T0 + i * 60, text) for i, text in enumerate(texts)]
    async with running_app(tmp_path / "store", items=items) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        assert not h.conv.history_complete
        await h.pilot.press("ctrl+f", *"needle")
        count = h.app.query_one("#find-count", Label)
        partial = "1/1 · loaded only"
        await h.wait(lambda: str(count.content) == partial, what="one match, said to be partial")
        newest = h.conv.messages[h.inbox.find_matches[0][0]]
        h.conv.load_older()  # as scrolling to the top does
        await h.wait(lambda: str(count.content) == "2/2", what="both matches, the same current")
        assert h.conv.history_complete
        current = h.inbox.find_matches[h.inbox.find_current][0]
        assert h.conv.messages[current] is newest  # still on the match the user was on
        assert h.conv.current_match_message == current


async def test_global_search_lists_hits_and_jumps(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=inbox()) as h:
        await h.wait(lambda: h.conv.session_id == A.session_id, what="A open")
        await h.pilot.press("s")
        await h.wait(lambda: isinstance(h.app.screen, SearchScreen), what="the search screen")
        await h.pilot.press(*"你好")
        screen = h.app.screen
        assert isinstance(screen, SearchScreen)
        results = screen.query_one(OptionList)
        await h.wait(
            lambda: screen.shown_query == "你好" and results.option_count == 5,
            what="5 hits in bravo for the whole query",
        )
        assert all(hit.session_id == B.session_id for hit in screen.hits)
        assert "5 matches" in widget_text(screen.query_one("#search-summary"))
        await h.pilot.press("enter")  # the newest hit
        await h.wait(lambda: h.conv.session_id == B.session_id, what="jumped to bravo")
        assert h.conv.highlight == "你好"
        newest = screen.hits[0].message.key
        assert h.conv.messages[h.conv.current_match_message].key == newest


async def test_the_overwrite_question_and_the_cancel_button_answer_by_click(tmp_path: Path) -> None:
    existing = _existing_file(tmp_path)
    async with running_app(tmp_path / "store", items=inbox()) as h:
        screen = await _export_over(h, existing)
        await h.pilot.click("#confirm-no")
        await h.wait(lambda: h.app.screen is screen, what="back to the dialog")
        assert existing.read_text("utf-8") == "keep me"
        await h.pilot.click("#export-go")
        await h.wait(lambda: isinstance(h.app.screen, ConfirmScreen), what="asked again")
        await h.pilot.click("#confirm-yes")
        await h.wait(lambda: existing.read_text("utf-8") != "keep me", what="overwritten")
        await h.wait(lambda: not isinstance(h.app.screen, ExportScreen), what="dialog closed")
        # The Cancel button closes the dialog without writing.
        screen = await _open_export(h)
        target = tmp_path / "never.md"
        screen.query_one("#export-path", Input).value = str(target)
        await h.pilot.click("#export-cancel")
        await h.wait(lambda: not isinstance(h.app.screen, ExportScreen), what="dialog cancelled")
        assert not target.exists()
