"""The image preview keeps the picture's proportions (textual-image stretches it when both
its width and height are given)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from finder_tui.demo.kinds import SAMPLES
from finder_tui.media import MediaFetcher
from finder_tui.tui.image_view import image_widget_class
from finder_tui.tui.screens.media import ImagePreviewScreen
from tests.tui.helpers import Chat, running_app

T0 = 1_764_600_000
P = Chat.named("preview")
IMAGE_XML = dict((n, c) for n, _t, c in SAMPLES)["image"]


async def test_the_preview_keeps_the_images_aspect_ratio(tmp_path: Path) -> None:
    async with running_app(tmp_path / "store", items=[P.item(1, T0, IMAGE_XML, msg_type=3)]) as h:
        await h.open_session(P.session_id)
        h.conv.focus()
        await h.pilot.press("k", "enter")
        await h.wait(lambda: isinstance(h.app.screen, ImagePreviewScreen), what="the preview")
        await h.pilot.pause()
        await h.pilot.pause()
        widget = h.app.screen.query_one(".preview-image")
        assert isinstance(widget, image_widget_class())
        cached = next((h.store_dir / "media").glob("*.png"))
        with Image.open(cached) as image:
            picture = image.width / image.height
        from textual_image._terminal import get_cell_size

        cell = get_cell_size()
        shown = (widget.size.width * cell.width) / (widget.size.height * cell.height)
        assert widget.size.width > 10
        assert abs(shown - picture) / picture < 0.15
        dialog = h.app.screen.query_one("#image-dialog")
        assert widget.region.right <= dialog.region.right
        assert widget.region.bottom <= dialog.region.bottom


async def test_an_unexpected_failure_fetching_an_image_is_said_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: MediaFetcher, message: object) -> Path:
        raise RuntimeError("boom")

    monkeypatch.setattr(MediaFetcher, "image", broken)
    async with running_app(tmp_path / "store", items=[P.item(1, T0, IMAGE_XML, msg_type=3)]) as h:
        await h.open_session(P.session_id)
        h.conv.focus()
        await h.pilot.press("k", "enter")

        def said() -> bool:
            return any("image unavailable" in str(n.message) for n in h.app._notifications)

        await h.wait(said, what="the failure notice")
        assert h.app.is_running
