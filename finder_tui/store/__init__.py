"""The local TinyDB store: a head file that commits atomically, plus sealed segments."""

from .errors import (
    StoreCorruptError,
    StoreError,
    StoreInUseError,
    StoreVersionError,
    StoreWriteError,
)
from .index import Index
from .index_records import LiveStream, SessionSummary
from .store import IngestResult, Store

__all__ = [
    "Index",
    "IngestResult",
    "LiveStream",
    "SessionSummary",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreInUseError",
    "StoreVersionError",
    "StoreWriteError",
]
