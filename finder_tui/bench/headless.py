"""Headless figures: opening the store, global search, conversation export."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from ..export import FORMATS, ExportRequest, export_conversation
from ..search import search
from ..store import Store
from .core import INBOX, SESSION, Context, Figure, log, median, settle

# (label, query): ASCII word, Chinese 2-char, emoji, rare string (planted hostile text), absent.
QUERIES: tuple[tuple[str, str], ...] = (
    ("ascii", "thanks"),
    ("cjk2", "直播"),
    ("emoji", "🎉"),
    ("rare", "HYPERLINK"),
    ("absent", "no-such-text-zq"),
)


def open_store(ctx: Context) -> list[Figure]:
    directory = ctx.store(INBOX)
    log("open: Store.open -> sessions(), then load_segments")
    first: list[float] = []
    for _ in range(ctx.sizes.repeats):
        settle()
        started = time.perf_counter()
        store = Store.open(directory, lazy_history=True)
        sessions = store.index.sessions()
        first.append(time.perf_counter() - started)
        store.close()
    settle()
    started = time.perf_counter()
    store = Store.open(directory, lazy_history=True)
    store.load_segments()
    loaded = time.perf_counter() - started
    count, segments = store.index.message_count, len(store.segments)
    store.close()
    return [
        Figure(
            "open.store.sessions_ms",
            median(first) * 1000,
            "ms",
            note=f"{len(sessions)} sessions from the head; median of {len(first)}",
        ),
        Figure(
            "open.store.loaded_ms",
            loaded * 1000,
            "ms",
            note=f"open + load_segments: {count:,} messages, {segments} segments",
        ),
    ]


def run_search(ctx: Context) -> list[Figure]:
    store = Store.open(ctx.store(INBOX))
    try:
        store.load_segments()
        index = store.index
        log(f"search: {len(QUERIES)} queries over {index.message_count:,} messages")
        figures = []
        for label, query in QUERIES:
            settle()
            times: list[float] = []
            total = 0
            for _ in range(ctx.sizes.repeats):
                started = time.perf_counter()
                total = search(index, query).total
                times.append(time.perf_counter() - started)
            figures.append(
                Figure(
                    f"search.{label}.median_ms",
                    median(times) * 1000,
                    "ms",
                    note=f"{query!r}: {total:,} hits",
                )
            )
        return figures
    finally:
        store.close()


def run_export(ctx: Context) -> list[Figure]:
    store = Store.open(ctx.store(SESSION))
    try:
        store.load_segments()
        index = store.index
        summary = max(index.sessions(), key=lambda s: s.count)
        messages = index.messages(summary.session_id)
        out = ctx.path("export")
        out.mkdir(exist_ok=True)
        log(f"export: {len(messages):,} messages to {', '.join(FORMATS)}")
        stamp = datetime(2026, 1, 1, tzinfo=UTC)
        figures = []
        for fmt in FORMATS:
            settle()
            path = Path(out / f"conversation.{fmt}")
            started = time.perf_counter()
            request = ExportRequest(summary, messages, fmt, path, exported_at=stamp)
            result = export_conversation(request, overwrite=True)
            seconds = time.perf_counter() - started
            figures.append(
                Figure(f"export.{fmt}.ms", seconds * 1000, "ms", note=f"{result.count:,} messages")
            )
            figures.append(Figure(f"export.{fmt}.mb", result.bytes / 1e6, "MB"))
            path.unlink()
        return figures
    finally:
        store.close()
