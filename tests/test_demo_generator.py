"""The on-demand demo generator: any page of a big inbox from its seed, served over HTTP."""

from __future__ import annotations

import argparse
import io
import re
import threading
import time
from typing import Any

import httpx
import orjson

from finder_tui.demo import DemoServer, seed_items
from finder_tui.demo.cli import BUILT_UP_TO, add_arguments, demo_data, run
from finder_tui.demo.generator import CHUNK, GeneratedHistory
from finder_tui.wire.keybuff import decode
from finder_tui.wire.models import Message, parse_item

TOKEN = "gen-token"
WID = "gen-wid"
Item = dict[str, Any]


def all_pages(history: GeneratedHistory, size: int) -> list[Item]:
    out: list[Item] = []
    after = 0
    while page := history.page_after(after, size):
        out += page
        after = page[-1]["content"]["seq"]
    return out


def test_the_same_seed_gives_the_same_items_in_any_page_order() -> None:
    first = GeneratedHistory(sessions=20, messages=3 * CHUNK + 17, seed=3)
    again = GeneratedHistory(sessions=20, messages=3 * CHUNK + 17, seed=3)
    backwards = [again.chunk(n) for n in reversed(range(again.chunks))][::-1]
    assert [i for chunk in backwards for i in chunk] == all_pages(first, 333)
    other = GeneratedHistory(sessions=20, messages=3 * CHUNK + 17, seed=4)
    assert all_pages(other, 500) != all_pages(first, 500)


def test_generated_history_has_exactly_the_count_with_rising_seqs_and_unique_ids() -> None:
    history = GeneratedHistory(sessions=50, messages=2 * CHUNK + 5, seed=1)
    items = all_pages(history, 97)
    assert len(items) == 2 * CHUNK + 5
    seqs = [i["content"]["seq"] for i in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    times = [i["content"]["msg"]["CreateTime"] for i in items]
    assert times == sorted(times)
    messages = [parse_item(i) for i in items]
    assert all(isinstance(m, Message) for m in messages)
    keys = {m.key for m in messages if isinstance(m, Message)}
    assert len(keys) == len(items)
    assert sum(1 for i in items if not i["content"]["msgSessionId"]) > 0  # live notices
    assert len({i["content"]["msgSessionId"] for i in items} - {""}) > 10


def test_generator_keeps_only_a_few_chunks_in_memory() -> None:
    history = GeneratedHistory(sessions=5, messages=20 * CHUNK, seed=2, cache_chunks=3)
    all_pages(history, 500)
    assert len(history._cache) <= 3


def test_a_big_demo_server_listens_at_once_and_serves_every_item_once() -> None:
    data = demo_data(30, BUILT_UP_TO + 2 * CHUNK, 7)
    assert "source" in data
    began = time.perf_counter()
    with DemoServer(token=TOKEN, wid=WID, page_size=500, **data) as server:
        listening = time.perf_counter() - began
        assert server.item_count == 19 + BUILT_UP_TO + 2 * CHUNK
        seen, key = 0, ""
        with httpx.Client() as client:
            while True:
                body = {"wId": WID, "keyBuff": key}
                resp = client.post(
                    f"{server.url}/syncFinder", json=body, headers={"Authorization": TOKEN}
                )
                answer = orjson.loads(resp.content)["data"]
                if not answer["list"]:
                    break
                if not seen:
                    assert answer["list"][:19] == seed_items()  # the seed page first
                seen += len(answer["list"])
                key = answer["keyBuff"]
        assert seen == server.item_count
        assert decode(key).value(1) == server._last_seq_time()[0]
    assert listening < 5  # generous: generation is lazy, not timed here (see the bench)


def test_small_demo_data_is_the_exact_built_list() -> None:
    data = demo_data(12, 400, 7)
    assert "source" not in data and len(data["items"]) == 419


def test_demo_cli_announces_a_big_inbox_without_building_it() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--messages", "1000000", "--sessions", "1000", "--token", TOKEN])
    out, stop, result = io.StringIO(), threading.Event(), []
    thread = threading.Thread(target=lambda: result.append(run(args, stop=stop, out=out)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "FINDER_TUI_TOKEN" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert re.search(r"\(1,000,019 items\)", out.getvalue())
    finally:
        stop.set()
        thread.join(5)
    assert result == [0]
