"""Store errors: each names the file or directory concerned and says that nothing was lost."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: the store cannot be opened or written."""


class StoreInUseError(StoreError):
    pass


class StoreCorruptError(StoreError):
    pass


class StoreVersionError(StoreError):
    pass


class StoreWriteError(StoreError):
    pass
