"""The page pipeline (finder_tui.page_fetch) against a real DemoServer: peeking the next keyBuff,
PagePipeline and PageSource on their own, and SyncEngine catch-ups that use them.

A small ``min_body`` makes the demo's pages count as big, so the pipeline and the parser
process engage on a few hundred messages (``pipelined`` puts such a PageSource in the engine).
"""

from __future__ import annotations

import inspect
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui import sync
from finder_tui.client import (
    ApiError,
    ClientConfig,
    FinderClient,
    ProtocolError,
    Secret,
    SyncError,
)
from finder_tui.demo import DemoServer, FaultSpec, generate_items, seed_items
from finder_tui.demo.data import build_item
from finder_tui.demo.generator import GeneratedHistory
from finder_tui.demo.server import cursor_for
from finder_tui.page_fetch import PagePipeline, PageSource, peek_key_buff
from finder_tui.parse_process import PageParser
from finder_tui.store import Store
from finder_tui.sync import SyncEngine, SyncReport
from finder_tui.wire.answer import read_sync_answer
from finder_tui.wire.keybuff import decode, encode
from finder_tui.wire.models import Message, SyncPage
from tests.conftest import TOKEN, WID
from tests.pipeline_support import child_pids, demo_bodies, needs_proc, note_children
from tests.test_sync import assert_store_matches, last_seq, sync_until_caught_up

Item = dict[str, Any]
ServerFactory = Callable[..., DemoServer]
ClientFactory = Callable[..., FinderClient]
UsePipeline = Callable[[int], list[PageSource]]

SMALL_BODY = 1000  # below every demo page with a message in it, above the empty page
# How far ahead PageSource lets its pipeline fetch: PagePipeline's default.
DEPTH: int = inspect.signature(PagePipeline).parameters["depth"].default
PIPELINE_THREADS = ("sync-fetch", "sync-read")


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return seed_items() + generate_items(sessions=6, messages=600, seed=31)


@pytest.fixture(autouse=True)
def _note_children() -> None:
    note_children()


@pytest.fixture()
def pipelined(monkeypatch: pytest.MonkeyPatch) -> UsePipeline:
    """``pipelined(min_body)``: every SyncEngine cycle gets a PageSource whose parser reads
    bodies of ``min_body`` bytes or more in the helper; returns the list of sources made."""

    def use(min_body: int) -> list[PageSource]:
        made: list[PageSource] = []

        def source(client: FinderClient) -> PageSource:
            made.append(PageSource(client, PageParser(min_body=min_body)))
            return made[-1]

        monkeypatch.setattr(sync, "PageSource", source)
        return made

    return use


def pipeline_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in PIPELINE_THREADS and t.is_alive()]


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def key_after(item: Item) -> str:
    """The keyBuff the demo server answers after delivering ``item``."""
    return encode(cursor_for(int(item["content"]["seq"])))


def make_config(server: DemoServer) -> ClientConfig:
    return ClientConfig(server.url, WID, Secret(TOKEN), 2.0, 5.0)


def text_item(seq: int, new_msg_id: int, text: str) -> Item:
    return build_item(
        seq=seq,
        create_time=1700000000 + seq,
        new_msg_id=new_msg_id,
        msg_type=1,
        content=text,
        from_user="fv1_peek@findermsgstranger",
        to_user="wxid_me",
        is_sender=0,
        session_id="peek@findermsg",
    )


# ---- peek_key_buff ---------------------------------------------------------------------------


def test_peek_finds_the_key_buff_of_every_real_demo_body(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    server = demo_server(items, page_size=70)
    bodies = demo_bodies(server, make_client(server.url))
    assert len(bodies) == math.ceil(len(items) / 70) + 1
    for body in bodies:
        page = read_sync_answer(body).page
        assert page is not None and page.key_buff
        assert peek_key_buff(body) == page.key_buff
    assert peek_key_buff(bodies[-1]) == key_after(items[-1])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"code":"1001","message":"busy","data":null}',
        b'{"code":"1000","message":"","data":{"list":[]}}',
        b'{"code":"1000","data":{"list":[],"keyBuff":null}}',
        b'{"code":"1000","data":{"list":[],"keyBuff":12}}',
        b'{"code":"1000","data":{"list":[],"keyBuff":"CAE\\u003d"}}',
        b"<html>keyBuff</html>",
    ],
    ids=["empty", "1001", "no-key", "null", "number", "escaped", "html"],
)
def test_peek_finds_nothing_in_a_body_without_a_plain_key_buff(body: bytes) -> None:
    assert peek_key_buff(body) is None


def test_peek_finds_nothing_in_a_body_cut_before_its_key_buff(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    server = demo_server(seed_items(), faults="truncated=1")
    body = make_client(server.url).sync_body("")
    assert read_sync_answer(body).problem  # a truncated answer indeed
    assert peek_key_buff(body) is None


def test_a_key_buff_in_message_text_does_not_fool_peek() -> None:
    fake = encode(cursor_for(1))
    real = encode(cursor_for(9000))
    texts = [
        f'"keyBuff":"{fake}"',
        f'","keyBuff":"{fake}"}}',
        f'\\","keyBuff":"{fake}',
        f'{{"data":{{"keyBuff":"{fake}"}}}}',
    ]
    page = [text_item(100 + i, 500 + i, text) for i, text in enumerate(texts)]
    # keyBuff before the list, so the texts come after it in the body
    body = orjson.dumps({"code": "1000", "data": {"keyBuff": real, "list": page}})
    assert body.count(fake.encode()) == len(texts)
    assert peek_key_buff(body) == real
    answer = read_sync_answer(body).page
    assert answer is not None and [m.text for m in answer.messages] == texts


def test_key_buff_text_in_messages_served_by_the_demo_does_not_fool_peek(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    after = last_seq(items)
    bait = [
        text_item(after + 1 + i, 9100 + i, f'"keyBuff":"{key_after(items[i])}"') for i in range(30)
    ]
    server = demo_server(items + bait, page_size=50)
    for body in demo_bodies(server, make_client(server.url)):
        page = read_sync_answer(body).page
        assert page is not None and peek_key_buff(body) == page.key_buff


# ---- a wrong peek only costs requests --------------------------------------------------------


class FieldNamedKeyBuff(FinderClient):
    """The real server's bodies rewritten as another server might shape them: keyBuff before
    the list, and items carrying a field named keyBuff (an old cursor) after it. Peeking such a
    body guesses wrong; records the keyBuff of every request."""

    decoy = encode(cursor_for(0))  # a valid cursor: the server answers it with old pages

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def sync_body(self, key_buff: str) -> bytes:
        with self._lock:
            self.asked.append(key_buff)
        body = super().sync_body(key_buff)
        answer = orjson.loads(body)
        data = answer["data"]
        for item in data["list"]:
            item["keyBuff"] = self.decoy
        answer["data"] = {"keyBuff": data["keyBuff"], "list": data["list"]}
        return orjson.dumps(answer)


def test_a_wrong_peek_is_discarded_and_every_message_is_stored_once(
    demo_server: ServerFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
) -> None:
    server = demo_server(items, page_size=60)
    sources = pipelined(SMALL_BODY)
    client = FieldNamedKeyBuff(make_config(server))
    try:
        first = client.sync_body("")
        assert peek_key_buff(first) == FieldNamedKeyBuff.decoy  # the peek is fooled
        with Store.open(store_dir) as store:
            report = SyncEngine(client, store).run_cycle()
            assert report.duplicates == 0  # no page asked with the decoy was ingested
            assert report.new == len(items)
            assert_store_matches(store, items)
            assert store.key_buff == key_after(items[-1])
    finally:
        client.close()
    # The pipeline guessed wrong once, then stopped guessing for the rest of the cycle.
    assert client.asked.count(FieldNamedKeyBuff.decoy) == 1
    assert sources[0].pages_in_helper > 0
    assert pipeline_threads() == []


# ---- PagePipeline ----------------------------------------------------------------------------


def test_the_pipeline_gives_the_chain_in_order_then_ends(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    server = demo_server(items, page_size=80)
    before = server.requests
    pipeline = PagePipeline(make_client(server.url), read_sync_answer, "", min_body=SMALL_BODY)
    pages: list[SyncPage] = []
    try:
        assert pipeline.offers("") and not pipeline.offers(key_after(items[0]))
        while True:
            try:
                pages.append(pipeline.take())
            except LookupError:
                break
    finally:
        pipeline.stop()
    data_pages = math.ceil(len(items) / 80)
    assert len(pages) == data_pages + 1 and pages[-1].raw_count == 0
    seqs = [m.seq for page in pages for m in page.messages]
    assert seqs == sorted(seqs) == [int(i["content"]["seq"]) for i in items]
    assert pages[-1].key_buff == key_after(items[-1])
    assert server.requests - before == data_pages + 1  # nothing fetched twice
    assert pipeline_threads() == []


def test_the_pipeline_fetches_no_more_than_depth_pages_ahead(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    server = demo_server(items, page_size=40)
    before = server.requests
    pipeline = PagePipeline(
        make_client(server.url), read_sync_answer, "", min_body=SMALL_BODY, depth=DEPTH
    )
    try:
        assert wait_for(lambda: server.requests - before >= DEPTH)
        time.sleep(0.3)  # room for a fetcher that would run ahead
        assert server.requests - before == DEPTH
        first = pipeline.take()
        assert wait_for(lambda: server.requests - before >= DEPTH + 1)
        time.sleep(0.3)
        assert server.requests - before == DEPTH + 1
        assert pipeline.offers(first.key_buff)
        assert sorted(pipeline_threads()) == sorted(PIPELINE_THREADS)
    finally:
        pipeline.stop()
    assert pipeline_threads() == []


def test_a_fetch_error_comes_out_of_take_in_its_turn(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    server = demo_server(items, page_size=40, faults="1001=0.15,seed=3")  # request 6 fails
    pipeline = PagePipeline(make_client(server.url), read_sync_answer, "", min_body=SMALL_BODY)
    taken: list[SyncPage] = []
    try:
        with pytest.raises(ApiError):
            while True:
                taken.append(pipeline.take())
        assert len(taken) == 5
        assert not pipeline.offers(taken[-1].key_buff)  # the chain ended at the error
    finally:
        pipeline.stop()
    assert pipeline_threads() == []


# ---- PageSource ------------------------------------------------------------------------------


@needs_proc
def test_page_source_reads_big_pages_in_the_helper_along_the_chain(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    server = demo_server(items, page_size=50)
    before = server.requests
    source = PageSource(make_client(server.url), PageParser(min_body=SMALL_BODY))
    messages: list[Message] = []
    key_buff = ""
    try:
        while True:
            page = source.page(key_buff)
            messages += page.messages
            if page.raw_count == 0:
                break
            key_buff = page.key_buff
        assert source.pages_in_helper >= math.ceil(len(items) / 50) - 1  # the first is direct
        assert len(child_pids()) == 1
    finally:
        source.close()
    assert [m.new_msg_id for m in messages] == [i["content"]["msg"]["NewMsgId"] for i in items]
    assert key_buff == key_after(items[-1])
    assert server.requests - before == math.ceil(len(items) / 50) + 1
    assert pipeline_threads() == [] and child_pids() == []


def test_page_source_asked_for_another_key_answers_that_key_not_the_next_page(
    demo_server: ServerFactory, make_client: ClientFactory, items: list[Item]
) -> None:
    server = demo_server(items, page_size=50)
    source = PageSource(make_client(server.url), PageParser(min_body=SMALL_BODY))
    try:
        first = source.page("")
        again = source.page("")  # the cursor went back (a reset): the pipeline has page 2
        assert again.messages == first.messages
        second = source.page(again.key_buff)
        assert second.messages[0].seq > first.messages[-1].seq
        assert second.key_buff == key_after(items[99])
    finally:
        source.close()
    assert pipeline_threads() == []


# ---- SyncEngine with the pipeline ------------------------------------------------------------


@needs_proc
def test_a_pipelined_catch_up_stores_every_message_exactly_once(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
) -> None:
    server = demo_server(items, page_size=30)
    sources = pipelined(SMALL_BODY)
    helpers_seen: set[int] = set()
    before = server.requests
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store)
        engine.between_pages = lambda: helpers_seen.update(child_pids())
        report = engine.run_cycle()
        assert (report.new, report.duplicates, report.rejected) == (len(items), 0, 0)
        assert_store_matches(store, items)
        assert store.key_buff == key_after(items[-1])
        assert engine.caught_up
    data_pages = math.ceil(len(items) / 30)
    assert report.pages == data_pages + 1
    assert data_pages + 1 <= server.requests - before <= data_pages + DEPTH + 1
    assert sources[0].pages_in_helper >= data_pages - 1 and len(helpers_seen) == 1
    assert pipeline_threads() == [] and child_pids() == []
    with Store.open(store_dir) as store:
        assert_store_matches(store, items)
        assert store.key_buff == key_after(items[-1])


@needs_proc
def test_a_catch_up_of_generated_history_uses_the_pipeline_with_the_default_settings(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    history = GeneratedHistory(sessions=10, messages=2400, seed=17)
    server = demo_server([], source=history, page_size=200)  # ~170 kB pages: over MIN_BODY
    helpers_seen: set[int] = set()
    threads_seen: set[str] = set()

    def look() -> None:
        helpers_seen.update(child_pids())
        threads_seen.update(pipeline_threads())

    before = server.requests
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store)
        engine.between_pages = look
        report = engine.run_cycle()
        assert (report.new, report.duplicates) == (2400, 0)
        assert store.index.message_count == 2400
        last = history.last()
        assert last is not None and store.key_buff == key_after(last)
    assert report.pages == 2400 // 200 + 1
    assert server.requests - before <= report.pages + DEPTH
    assert len(helpers_seen) == 1 and threads_seen == set(PIPELINE_THREADS)
    assert pipeline_threads() == [] and child_pids() == []


@needs_proc
def test_a_poll_cycle_of_small_pages_makes_one_request_a_page_and_no_helper(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
) -> None:
    server = demo_server(items, page_size=100)
    sources = pipelined(20_000)  # a full page is big, a few new messages are not
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store)
        engine.run_cycle()
        helpers_seen: set[int] = set()
        engine.between_pages = lambda: helpers_seen.update(child_pids())

        before = server.requests
        idle = engine.run_cycle()
        assert idle.pages == 1 and server.requests - before == 1

        after = last_seq(items)
        server.append([text_item(after + 1 + i, 7700 + i, f"new {i}") for i in range(3)])
        before = server.requests
        poll = engine.run_cycle()
        assert (poll.new, poll.pages) == (3, 2)
        assert server.requests - before == 2
        assert helpers_seen == set() and pipeline_threads() == []
    assert sources[0].pages_in_helper > 0  # the catch-up did use the helper
    assert [s.pages_in_helper for s in sources[1:]] == [0, 0]


@needs_proc
def test_should_stop_mid_catch_up_ends_the_pipeline_and_keeps_what_was_stored(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
) -> None:
    server = demo_server(items, page_size=25)
    pipelined(SMALL_BODY)
    threads_seen: set[str] = set()
    before = server.requests
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store)
        checks = iter(range(1000))
        engine.should_stop = lambda: next(checks) >= 4
        engine.between_pages = lambda: threads_seen.update(pipeline_threads())
        report = engine.run_cycle()
        assert report.pages == 4 and not engine.caught_up
        assert threads_seen == set(PIPELINE_THREADS)  # it was running when told to stop
        assert pipeline_threads() == [] and child_pids() == []
        assert server.requests - before <= 4 + DEPTH + 1
        assert store.index.message_count == 100
    with Store.open(store_dir) as store:
        assert store.index.message_count == 100  # committed
        assert store.key_buff == key_after(items[99])
        rest = SyncEngine(make_client(server.url), store).run_cycle()
        assert (rest.new, rest.duplicates) == (len(items) - 100, 0)
        assert_store_matches(store, items)


def test_a_cursor_moved_mid_catch_up_is_followed_and_the_pages_fetched_ahead_are_dropped(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
) -> None:
    server = demo_server(items, page_size=40)
    pipelined(SMALL_BODY)
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url), store)
        calls = iter(range(1000))
        moved_from: list[str] = []

        def move_back_once() -> None:
            if next(calls) == 3:  # before the 4th page, with the next ones fetched ahead
                moved_from.append(store.key_buff)
                store.set_key_buff(key_after(items[39]))  # back to the end of page 1

        engine.between_pages = move_back_once
        report = engine.run_cycle()
        assert moved_from == [key_after(items[119])]
        assert report.duplicates == 80  # pages 2 and 3 again, never page 4 as if it were 2
        assert report.new == len(items)
        assert_store_matches(store, items)
        assert store.key_buff == key_after(items[-1])
    assert pipeline_threads() == []


def first_faults(spec: str, count: int) -> list[str | None]:
    """What a fresh FaultSpec parsed from ``spec`` injects into its first ``count`` requests."""
    faults = FaultSpec.parse(spec)
    return [faults.choose() for _ in range(count)]


def test_should_stop_does_not_wait_for_a_page_fetched_ahead(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
) -> None:
    spec = next(
        spec
        for seed in range(1000)
        if first_faults(spec := f"slow=0.3,slow_seconds=60,seed={seed}", 3) == [None, None, "slow"]
    )
    server = demo_server(items, page_size=40, faults=spec)  # the 3rd request takes 60 s
    pipelined(SMALL_BODY)
    with Store.open(store_dir) as store:
        engine = SyncEngine(make_client(server.url, read_timeout=60.0), store)
        checks = iter(range(1000))
        engine.should_stop = lambda: next(checks) >= 2  # stop after two pages
        cycle = threading.Thread(target=engine.run_cycle, name="test-cycle")
        cycle.start()
        cycle.join(timeout=5.0)
        stopped_in_time = not cycle.is_alive()
        server.stop()  # ends the slow answer, if the cycle still waits for it
        cycle.join(timeout=30.0)
        assert not cycle.is_alive()
        assert store.index.message_count == 80
    assert stopped_in_time


@pytest.mark.parametrize(
    ("fault", "error"),
    [("1001", ApiError), ("truncated", ProtocolError), ("500", ProtocolError)],
)
def test_a_fault_mid_chain_raises_as_without_the_pipeline_and_keeps_the_pages_before(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    tmp_path: Path,
    items: list[Item],
    pipelined: UsePipeline,
    fault: str,
    error: type[SyncError],
) -> None:
    faults = f"{fault}=0.15,seed=3"  # requests 1-5 answer, the 6th fails
    outcomes: list[tuple[type[BaseException], int, str, int]] = []
    for min_body in (SMALL_BODY, 1 << 40):  # with the pipeline, then never
        sources = pipelined(min_body)
        server = demo_server(items, page_size=40, faults=faults)
        with Store.open(tmp_path / str(min_body)) as store:
            report = SyncReport()
            with pytest.raises(SyncError) as info:
                SyncEngine(make_client(server.url), store).run_cycle(report)
            assert pipeline_threads() == [] and child_pids() == []
        with Store.open(tmp_path / str(min_body)) as store:  # what was committed
            outcomes.append(
                (type(info.value), store.index.message_count, store.key_buff, report.pages)
            )
        assert (sources[0].pages_in_helper > 0) == (min_body == SMALL_BODY)
    assert outcomes[0] == outcomes[1]
    kind, count, key_buff, pages = outcomes[0]
    assert kind is error
    assert (count, pages) == (5 * 40, 5)
    assert key_buff == key_after(items[5 * 40 - 1])
    assert decode(key_buff).value(1) == items[199]["content"]["seq"]


@pytest.mark.parametrize(
    ("faults", "read_timeout"),
    [
        ("duplicate=0.4,seed=5", 5.0),
        ("malformed=0.5,seed=6", 5.0),
        ("all=0.3,slow_seconds=2,seed=11", 0.15),
    ],
    ids=["duplicate", "malformed", "all-30"],
)
def test_a_pipelined_sync_under_faults_converges_to_the_clean_set(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    items: list[Item],
    pipelined: UsePipeline,
    faults: str,
    read_timeout: float,
) -> None:
    server = demo_server(items, page_size=50, faults=faults)
    sources = pipelined(SMALL_BODY)
    client = make_client(server.url, read_timeout=read_timeout)
    with Store.open(store_dir) as store:
        report = sync_until_caught_up(SyncEngine(client, store), server)
        assert_store_matches(store, items)
        assert report.new == len(items)
        if faults.startswith("malformed"):
            assert report.rejected > 0
    assert sum(source.pages_in_helper for source in sources) > 0
    assert pipeline_threads() == []
    with Store.open(store_dir) as store:
        assert_store_matches(store, items)


def test_an_empty_key_buff_ends_the_chain_instead_of_restarting_history() -> None:
    assert peek_key_buff(b'{"code":"1000","data":{"list":[],"keyBuff":""}}') is None
