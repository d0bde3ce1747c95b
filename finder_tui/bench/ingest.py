"""Ingest throughput: the product's SyncEngine against a stock-TinyDB and a minimal SQLite client.

Every client pages through the same server process from an empty cursor, so all of them store
the same pages (``page_size`` items each) fetched over loopback HTTP.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from tinydb import TinyDB

from ..client import ClientConfig
from .core import INBOX, SESSION, Context, Figure, at_least, at_most, finder_ingest, log, settle

Item = dict[str, Any]


def pages(config: ClientConfig) -> Iterator[list[Item]]:
    """The raw item lists of successive syncFinder answers, until an empty one."""
    headers = {"Authorization": config.token.reveal(), "Content-Type": "application/json"}
    with httpx.Client(base_url=config.base_url, timeout=60.0) as http:
        key_buff = ""
        while True:
            body = orjson.dumps({"wId": config.wid, "keyBuff": key_buff})
            response = http.post("/syncFinder", content=body, headers=headers)
            response.raise_for_status()
            answer = orjson.loads(response.content)
            if answer.get("code") != "1000":
                raise RuntimeError(f"server answered {answer.get('code')}")
            items: list[Item] = answer["data"]["list"] or []
            if not items:
                return
            yield items
            key_buff = answer["data"]["keyBuff"]


def http_only(config: ClientConfig) -> tuple[int, float]:
    """Fetch and decode every page, store nothing: the floor under every client."""
    started = time.perf_counter()
    count = sum(len(items) for items in pages(config))
    return count, time.perf_counter() - started


def sqlite_ingest(config: ClientConfig, path: Path) -> tuple[int, float]:
    """A minimal client: one INSERT OR IGNORE transaction per page (sqlite3 defaults, fsync on)."""
    started = time.perf_counter()
    db = sqlite3.connect(path)
    try:
        db.execute(
            "CREATE TABLE messages (new_msg_id TEXT PRIMARY KEY, session TEXT, raw TEXT NOT NULL)"
        )
        for items in pages(config):
            rows = [
                (
                    str(item["content"]["msg"]["NewMsgId"]),
                    item["content"].get("msgSessionId", ""),
                    orjson.dumps(item).decode(),
                )
                for item in items
            ]
            with db:
                db.executemany("INSERT OR IGNORE INTO messages VALUES (?, ?, ?)", rows)
        (count,) = db.execute("SELECT count(*) FROM messages").fetchone()
    finally:
        db.close()
    return int(count), time.perf_counter() - started


def tinydb_ingest(
    config: ClientConfig, path: Path, total: int, page_size: int, budget: float
) -> tuple[float, int, int]:
    """Stock TinyDB (JSONStorage): ``insert_multiple`` of each page's raw items into one table.

    Each write re-reads and re-serialises the whole file, so a page costs O(items stored). Past
    ``budget`` seconds the rest is extrapolated from a least-squares fit of page time against
    items already stored. Returns (seconds for ``total`` items, pages measured, pages in all).
    """
    started = time.perf_counter()
    samples: list[tuple[int, float]] = []  # (items stored before the page, page seconds)
    stored = 0
    with TinyDB(path) as db:
        table = db.table("messages")
        last = started
        for items in pages(config):
            table.insert_multiple(items)
            now = time.perf_counter()
            samples.append((stored, now - last))
            last = now
            stored += len(items)
            if now - started > budget and stored < total:
                break
    all_pages = math.ceil(total / page_size)
    measured = sum(seconds for _, seconds in samples)
    if stored >= total:
        return measured, len(samples), len(samples)
    a, b = _fit(samples)
    rest = sum(a + b * n for n in range(stored, total, page_size))
    return measured + rest, len(samples), all_pages


def _fit(samples: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares ``seconds = a + b * stored`` (b >= 0)."""
    xs = [float(x) for x, _ in samples]
    ys = [y for _, y in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var if var else 0
    b = max(0.0, b)
    return mean_y - b * mean_x, b


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    for name in (INBOX, SESSION):
        figures += _dataset(ctx, name)
    return figures


def _dataset(ctx: Context, name: str) -> list[Figure]:
    server = ctx.server(name)
    config = server.config()
    size = ctx.sizes.page_size
    total = server.count
    prefix = f"ingest.{name}"
    label = f"{total:,} items, {ctx.recipe(name).sessions} session(s), page {size}"

    settle()
    log(f"{prefix}: finder-tui SyncEngine ({label})")
    directory = ctx.path(f"store-{name}")
    count, seconds = finder_ingest(server, directory)
    ctx.set_store(name, directory)
    finder = count / seconds

    settle()
    log(f"{prefix}: HTTP fetch only")
    count, seconds = http_only(config)
    fetch = count / seconds

    settle()
    log(f"{prefix}: sqlite3 client")
    count, seconds = sqlite_ingest(config, ctx.path(f"{name}.sqlite"))
    sqlite = count / seconds

    settle()
    log(f"{prefix}: stock TinyDB (budget {ctx.sizes.tinydb_budget:g} s)")
    seconds, done, all_pages = tinydb_ingest(
        config, ctx.path(f"{name}.tinydb.json"), total, size, ctx.sizes.tinydb_budget
    )
    tiny_note = (
        "all pages" if done == all_pages else f"extrapolated from first {done}/{all_pages} pages"
    )
    ratio = sqlite / finder
    return [
        at_least(f"{prefix}.finder", finder, "items/s", 5_000, label),
        Figure(f"{prefix}.sqlite", sqlite, "items/s", note="sqlite3, 1 txn/page"),
        Figure(f"{prefix}.tinydb", total / seconds, "items/s", note=tiny_note),
        Figure(f"{prefix}.http_only", fetch, "items/s", note="fetch + decode, no storage"),
        at_most(f"{prefix}.sqlite_over_finder", ratio, "x", 2, "sqlite items/s / finder items/s"),
    ]
