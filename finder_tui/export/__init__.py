"""Conversation export (md, txt, json, csv, html): headless, streamed, atomic."""

from __future__ import annotations

from .api import (
    FORMATS,
    ExportRequest,
    ExportResult,
    default_filename,
    export_all,
    export_conversation,
    parse_date,
    select_messages,
    stream_conversation,
)
from .common import ExportError
from .jsonfmt import ExportFormatError, read_export_items

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportFormatError",
    "ExportRequest",
    "ExportResult",
    "default_filename",
    "export_all",
    "export_conversation",
    "parse_date",
    "read_export_items",
    "select_messages",
    "stream_conversation",
]
