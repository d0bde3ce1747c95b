"""Store errors: each names the file or directory concerned and says that nothing was lost."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: the store cannot be opened or written."""


class StoreInUseError(StoreError):
    """``str()`` is the CLI's line (what and what to do); ``what`` is what alone, for a banner
    that says what to do in its own hint."""

    def __init__(self, what: str, advice: str) -> None:
        super().__init__(f"{what} ({advice})")
        self.what = what


class StoreCorruptError(StoreError):
    pass


class StoreVersionError(StoreError):
    pass


class StoreWriteError(StoreError):
    pass
