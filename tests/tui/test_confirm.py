"""The yes/no question that guards sending again."""

from __future__ import annotations

from textual.app import App
from textual.geometry import Region
from textual.widgets import Label

from finder_tui.tui.screens.confirm import ConfirmScreen

QUESTION = (
    "No answer came for this message: it may already have been sent. Sending it again may "
    "make it arrive twice."
)


class _Asker(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(ConfirmScreen("Send again?", QUESTION), self.answers.append)


async def test_the_question_wraps_whole_inside_the_dialog_at_132_columns() -> None:
    app = _Asker()
    async with app.run_test(size=(132, 40)) as pilot:
        await pilot.pause()
        label = app.screen.query_one("#confirm-question", Label)
        shown = " ".join(
            "".join(s.text for s in line).strip()
            for line in label.render_lines(Region(0, 0, *label.size))
        )
        assert "arrive twice." in shown
        assert label.region.width <= app.screen.query_one("#confirm-dialog").region.width


async def test_enter_does_not_answer_yes_only_y_does() -> None:
    app = _Asker()
    async with app.run_test(size=(132, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == [] and isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.answers == [True]
