"""The one error of the media layer: its text is what a user sees in place of the image."""

from __future__ import annotations


class MediaError(Exception):
    """An image that cannot be shown; ``reason`` is short and safe to print
    (``str(error)`` reads ``image unavailable: <reason>``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"image unavailable: {reason}")
        self.reason = reason

    @property
    def placeholder(self) -> str:
        return str(self)
