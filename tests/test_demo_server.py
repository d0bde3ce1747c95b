"""The demo syncFinder server and its data: a real server on 127.0.0.1, an httpx client."""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from finder_tui.demo import (
    DemoServer,
    FaultSpec,
    LiveFeed,
    default_demo_items,
    generate_items,
    seed_items,
)
from finder_tui.demo.cli import add_arguments, run
from finder_tui.demo.data import HOSTILE_TEXTS
from finder_tui.demo.faults import KINDS
from finder_tui.wire.keybuff import Cursor, decode, encode

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "s3cret-Token_for-tests"
WID = "wid-1"
U64 = (1 << 64) - 1

Item = dict[str, Any]


_HTTP: list[httpx.Client] = []


@pytest.fixture(scope="module", autouse=True)
def _shared_client() -> Iterator[None]:
    # One client for the module: building one per call costs ~30 ms (its SSL context).
    with httpx.Client(timeout=5.0) as client:
        _HTTP.append(client)
        yield
        _HTTP.clear()


@pytest.fixture(scope="module")
def fixture_page() -> dict[str, Any]:
    page: dict[str, Any] = json.loads((FIXTURES / "syncFinder-success.json").read_text("utf-8"))
    return page


@pytest.fixture(scope="module")
def demo_items() -> list[Item]:
    return default_demo_items()


@pytest.fixture()
def server(demo_items: list[Item]) -> Iterator[DemoServer]:
    with DemoServer(token=TOKEN, wid=WID, items=demo_items, page_size=100) as srv:
        yield srv


def post(
    srv: DemoServer,
    key_buff: str = "",
    *,
    token: str | None = TOKEN,
    wid: str = WID,
    timeout: float = 5.0,
) -> httpx.Response:
    headers = {} if token is None else {"Authorization": token}
    body = {"wId": wid, "keyBuff": key_buff}
    return _HTTP[0].post(f"{srv.url}/syncFinder", json=body, headers=headers, timeout=timeout)


def answer(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200
    data: dict[str, Any] = orjson.loads(resp.content)
    return data


def msg(item: Item) -> dict[str, Any]:
    result: dict[str, Any] = item["content"]["msg"]
    return result


def is_valid(item: Any) -> bool:
    """The item schema a client must enforce (junk from the ``malformed`` fault fails it)."""
    try:
        content, m = item["content"], item["content"]["msg"]
        ints = (content["seq"], content["isSender"], m["NewMsgId"], m["MsgType"], m["CreateTime"])
        strs = (
            content["msgSessionId"],
            m["Content"]["string"],
            m["FromUserName"]["string"],
            m["ToUserName"]["string"],
        )
    except (KeyError, TypeError):
        return False
    return (
        all(isinstance(v, int) and not isinstance(v, bool) for v in ints)
        and all(isinstance(v, str) for v in strs)
        and 1 <= m["NewMsgId"] <= U64
    )


def collect(srv: DemoServer, *, timeout: float = 5.0, max_calls: int = 300) -> list[Item]:
    """A retrying client: any error means "try the same keyBuff again"; stops when caught up."""
    got: dict[tuple[int, int], Item] = {}
    key = ""
    with httpx.Client(base_url=srv.url, timeout=timeout) as client:
        for _ in range(max_calls):
            try:
                resp = client.post(
                    "/syncFinder",
                    json={"wId": WID, "keyBuff": key},
                    headers={"Authorization": TOKEN},
                )
                body = orjson.loads(resp.content) if resp.status_code == 200 else None
                if not body or body["code"] != "1000":
                    continue
                page, new_key = body["data"]["list"], body["data"]["keyBuff"]
            except (httpx.HTTPError, orjson.JSONDecodeError):
                continue
            valid = [item for item in page if is_valid(item)]
            for item in valid:
                got.setdefault((msg(item)["NewMsgId"], item["content"]["seq"]), item)
            if not valid and new_key == key:
                return sorted(got.values(), key=lambda it: it["content"]["seq"])
            key = new_key
    raise AssertionError("the client never caught up")


# -- data ------------------------------------------------------------------------------------


def test_seed_items_are_the_fixture_page(fixture_page: dict[str, Any]) -> None:
    assert seed_items() == fixture_page["data"]["list"]


def test_generate_items_is_reproducible() -> None:
    one = generate_items(sessions=5, messages=120, seed=3)
    assert one == generate_items(sessions=5, messages=120, seed=3)
    assert one != generate_items(sessions=5, messages=120, seed=4)
    assert orjson.dumps(one) == orjson.dumps(generate_items(sessions=5, messages=120, seed=3))


def test_generated_items_have_the_wire_shape(
    demo_items: list[Item], fixture_page: dict[str, Any]
) -> None:
    items = generate_items(sessions=12, messages=400, seed=7)
    assert len(items) == 400
    assert items == demo_items[19:]
    template = fixture_page["data"]["list"][-1]
    for item in items:
        assert list(item) == list(template)
        assert list(msg(item)) == list(msg(template))
        assert is_valid(item)
        assert msg(item)["MsgSeq"] == msg(item)["MsgId"] == item["content"]["seq"]
    seqs = [it["content"]["seq"] for it in items]
    times = [msg(it)["CreateTime"] for it in items]
    assert seqs[0] == 1243 and seqs == sorted(set(seqs))
    assert times == sorted(times)
    days = {datetime.fromtimestamp(t, UTC).date() for t in times}
    assert len(days) >= 5  # day separators in the chat view


def test_generated_ids_are_unique_uint64_beyond_int64(demo_items: list[Item]) -> None:
    ids = [msg(it)["NewMsgId"] for it in demo_items]
    assert len(set(ids)) == len(ids)
    assert all(1 <= i <= U64 for i in ids)
    assert sum(i > 1 << 63 for i in ids) > 10
    raw = orjson.dumps(demo_items)
    assert all(f'"NewMsgId":{i},'.encode() in raw for i in ids)  # exact ints, never floats


def test_generated_sessions_and_directions() -> None:
    items = generate_items(sessions=12, messages=400, seed=7)
    chats = [it for it in items if msg(it)["MsgType"] != 10002]
    sessions = {it["content"]["msgSessionId"] for it in chats}
    assert len(sessions) == 12
    assert all(re.fullmatch(r"[0-9a-f]{64}@findermsg", s) for s in sessions)
    peers: set[str] = set()
    for it in chats:
        frm, to = msg(it)["FromUserName"]["string"], msg(it)["ToUserName"]["string"]
        own, peer = (frm, to) if it["content"]["isSender"] == 1 else (to, frm)
        assert own.startswith("wxid_") or re.fullmatch(r"v2_[0-9a-f]{76}@finder", own)
        peers.add(peer)
    assert any(re.fullmatch(r"v2_[0-9a-f]{76}@finder", p) for p in peers)
    assert any(re.fullmatch(r"fv1_[0-9a-f]{64}@findermsgstranger", p) for p in peers)
    assert {it["content"]["isSender"] for it in chats} == {0, 1}


def test_generated_content_mix() -> None:
    items = generate_items(sessions=12, messages=400, seed=7)
    types = Counter(msg(it)["MsgType"] for it in items)
    assert types[1] > 200
    assert all(types[t] > 0 for t in (3, 43, 47, 49, 10002))
    assert set(types) - {1, 3, 43, 47, 49, 10002}  # some unknown type
    texts = [msg(it)["Content"]["string"] for it in items if msg(it)["MsgType"] == 1]
    assert any("\u200d" in t for t in texts)  # ZWJ emoji sequences
    assert any("🇨🇳" in t or "🇯🇵" in t for t in texts)
    assert any(len(t) >= 300 and "\n" not in t for t in texts)
    assert any("\n" in t for t in texts)
    assert 1 <= sum(t in HOSTILE_TEXTS for t in texts) <= 10
    img = next(msg(it)["Content"]["string"] for it in items if msg(it)["MsgType"] == 3)
    assert 'cdnthumbwidth="' in img and 'hdlength="' in img and 'md5="' in img


def _live_events(items: list[Item]) -> list[tuple[str, str]]:
    events = []
    for it in items:
        if msg(it)["MsgType"] != 10002:
            continue
        assert it["content"]["msgSessionId"] == "" and msg(it)["FromUserName"]["string"] == ""
        text = msg(it)["Content"]["string"]
        if m := re.search(r"LiveStartNotifyMsg_(\d{20})_2_\1_2<", text):
            assert "/cgi-bin/micromsg-bin/findergetlivetips" in text
            events.append(("start", m.group(1)))
        else:
            m = re.search(r"<object_id>(\d{20})</object_id>", text)
            assert m and f"<revoke_id>{m.group(1)}_13_18</revoke_id>" in text
            events.append(("end", m.group(1)))
    return events


def test_generated_live_notices() -> None:
    items = generate_items(sessions=12, messages=400, seed=7)
    events = _live_events(items)
    assert 10 <= len(events) <= 30  # about 5%
    starts = [oid for kind, oid in events if kind == "start"]
    ends = [oid for kind, oid in events if kind == "end"]
    assert all(int(oid) <= U64 for oid in starts)
    assert set(ends) <= set(starts) and len(set(ends)) == len(ends)
    assert set(ends)  # complete start/end pairs
    assert set(starts) - set(ends)  # some still live at the end
    for oid in ends:
        assert events.index(("start", oid)) < events.index(("end", oid))


def test_live_feed_continues_the_inbox(demo_items: list[Item]) -> None:
    feed = LiveFeed(1, demo_items)
    known = {it["content"]["msgSessionId"] for it in demo_items}
    seq, new = demo_items[-1]["content"]["seq"], []
    for _ in range(150):
        batch = feed.next_items(seq, 1_700_000_000)
        assert batch and all(it["content"]["seq"] > seq for it in batch)
        seq = batch[-1]["content"]["seq"]
        new += batch
    assert all(is_valid(it) for it in new)
    assert any(it["content"]["msgSessionId"] in known - {""} for it in new)
    kinds = {kind for kind, _ in _live_events(new)}
    assert kinds == {"start", "end"}
    ids = [msg(it)["NewMsgId"] for it in demo_items + new]
    assert len(set(ids)) == len(ids)


# -- the API ---------------------------------------------------------------------------------


def test_first_page_starts_with_the_seed_verbatim(
    server: DemoServer, fixture_page: dict[str, Any]
) -> None:
    resp = post(server)
    body = answer(resp)
    assert body["code"] == "1000" and body["message"] == "处理成功"
    page = body["data"]["list"]
    assert len(page) == 100
    assert page[:19] == fixture_page["data"]["list"]
    assert b'"NewMsgId":9008843899058959155' in resp.content
    assert decode(body["data"]["keyBuff"]).value(1) == page[-1]["content"]["seq"]


def test_paging_delivers_every_item_once(demo_items: list[Item]) -> None:
    with DemoServer(token=TOKEN, wid=WID, items=demo_items, page_size=37) as srv:
        seen: list[Item] = []
        key = ""
        while True:
            data = answer(post(srv, key))["data"]
            if not data["list"]:
                break
            seen += data["list"]
            key = data["keyBuff"]
        assert seen == demo_items
        cursor = decode(key)
        assert cursor == Cursor(
            ((1, demo_items[-1]["content"]["seq"]),) + tuple((k, 0) for k in range(2, 10))
        )
        assert data["keyBuff"] == key  # caught up: same keyBuff, empty list
        assert srv.requests == len(demo_items) // 37 + 2


def test_seed_keybuff_resumes_after_the_seed(
    server: DemoServer, fixture_page: dict[str, Any]
) -> None:
    page = answer(post(server, fixture_page["data"]["keyBuff"]))["data"]["list"]
    assert page[0]["content"]["seq"] == 1243


@pytest.mark.parametrize("token", [None, "wrong", f"Bearer {TOKEN}", TOKEN + "x", ""])
def test_bad_token_is_1001_without_echo(server: DemoServer, token: str | None) -> None:
    resp = post(server, token=token)
    body = answer(resp)
    assert body["code"] == "1001" and body["data"] is None
    assert body["message"] in {"缺少Authorization", "Authorization无效"}
    assert TOKEN.encode() not in resp.content
    if token:
        assert token.encode() not in resp.content


def test_unknown_wid_and_bad_keybuff(server: DemoServer) -> None:
    assert answer(post(server, wid="other"))["message"] == "wId不存在"
    too_big = base64.b64encode(b"\x0a\x0d\x08\x01\x10" + b"\xff" * 9 + b"\x7f").decode()
    for bad in ("!!!", "/w==", "CgUIARDaCQ", too_big):
        body = answer(post(server, bad))
        assert (body["code"], body["message"], body["data"]) == ("1001", "keyBuff无效", None)


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"wId": "wid-1"}', b'{"wId": 1, "keyBuff": ""}', b'{"keyBuff": ""}'],
)
def test_bad_body_is_1001(server: DemoServer, content: bytes) -> None:
    resp = _HTTP[0].post(
        f"{server.url}/syncFinder", content=content, headers={"Authorization": TOKEN}
    )
    body = answer(resp)
    assert body["code"] == "1001" and body["message"].startswith("参数错误")


def test_other_methods_and_paths_are_404(server: DemoServer) -> None:
    assert _HTTP[0].get(f"{server.url}/syncFinder").status_code == 404
    assert _HTTP[0].head(f"{server.url}/syncFinder").status_code == 404
    assert _HTTP[0].put(f"{server.url}/syncFinder", content=b"{}").status_code == 404
    assert _HTTP[0].post(f"{server.url}/login", json={}).status_code == 404
    assert _HTTP[0].post(f"{server.url}/", json={}).status_code == 404


def test_append_is_served_next_call(server: DemoServer) -> None:
    key = ""
    while (data := answer(post(server, key))["data"])["list"]:
        key = data["keyBuff"]
    last = server.items[-1]["content"]["seq"]
    extra = generate_items(sessions=1, messages=3, seed=99, start_seq=last + 1)
    server.append(extra)
    data = answer(post(server, key))["data"]
    assert data["list"] == extra
    assert decode(data["keyBuff"]).value(1) == extra[-1]["content"]["seq"]


def test_live_every_appends_items() -> None:
    with DemoServer(token=TOKEN, wid=WID, items=seed_items(), live_every=0.1) as srv:
        deadline = time.monotonic() + 3
        while len(srv.items) < 22 and time.monotonic() < deadline:
            time.sleep(0.05)
        got = collect(srv)
    assert len(got) >= 22 and got[:19] == seed_items()
    assert all(is_valid(it) for it in got)
    times = [msg(it)["CreateTime"] for it in got]
    assert times == sorted(times)


def test_server_is_silent_and_never_logs_the_token(
    server: DemoServer, capfd: pytest.CaptureFixture[str]
) -> None:
    post(server)
    post(server, token="wrong")
    post(server, "!!!")
    _HTTP[0].get(f"{server.url}/x")
    server.set_faults(FaultSpec({"truncated": 0.5, "malformed": 0.5}))
    post(server)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# -- faults ----------------------------------------------------------------------------------


def test_fault_spec_grammar() -> None:
    spec = FaultSpec.parse(
        " 1001=0.1, 500=0.1,slow=0.05,truncated=0.05,duplicate=0.05,malformed=0.1"
    )
    assert spec.rates == {
        "1001": 0.1,
        "500": 0.1,
        "slow": 0.05,
        "truncated": 0.05,
        "duplicate": 0.05,
        "malformed": 0.1,
    }
    assert spec.slow_seconds == 3.0
    spec = FaultSpec.parse("all=0.3,slow=0.1,seed=5,slow_seconds=0.25")
    assert spec.rates["slow"] == pytest.approx(0.15) and spec.rates["500"] == pytest.approx(0.05)
    assert (spec.seed, spec.slow_seconds) == (5, 0.25)
    for bad in ("boom=0.1", "1001", "1001=x", "1001=1.5", "all=0.9,500=0.5", "slow=-1"):
        with pytest.raises(ValueError):
            FaultSpec.parse(bad)
    assert FaultSpec.parse("").rates == dict.fromkeys(KINDS, 0.0)


def test_fault_draw_is_seeded_and_proportional() -> None:
    def draws(seed: int) -> list[str | None]:
        spec = FaultSpec.parse("all=0.6", seed=seed)
        return [spec.choose() for _ in range(3000)]

    first = draws(1)
    assert first == draws(1) and first != draws(2)
    counts = Counter(first)
    assert 1000 < counts[None] < 1400
    assert all(220 < counts[kind] < 380 for kind in KINDS)  # 0.6 / 6 each


@pytest.mark.parametrize("kind", KINDS)
def test_retrying_client_gets_every_item_once(kind: str) -> None:
    items = seed_items() + generate_items(sessions=4, messages=120, seed=11)
    faults = FaultSpec({kind: 0.6}, seed=3, slow_seconds=0.02)
    with DemoServer(token=TOKEN, wid=WID, items=items, page_size=25, faults=faults) as srv:
        assert collect(srv) == items
        if kind in ("1001", "500", "truncated", "duplicate"):
            assert srv.requests > len(items) // 25 + 2  # the faults cost extra calls


def test_all_faults_together_with_client_timeouts() -> None:
    items = seed_items() + generate_items(sessions=4, messages=150, seed=12)
    faults = FaultSpec.parse("all=0.7,slow=0.1,slow_seconds=0.6", seed=9)
    with DemoServer(token=TOKEN, wid=WID, items=items, page_size=30, faults=faults) as srv:
        assert collect(srv, timeout=0.3) == items  # "slow" answers time out


def test_truncated_answer_is_not_json(server: DemoServer) -> None:
    server.set_faults(FaultSpec({"truncated": 1.0}))
    resp = post(server)
    assert resp.status_code == 200
    assert int(resp.headers["Content-Length"]) == len(resp.content) > 0
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(resp.content)
    server.set_faults(None)
    full = post(server).content
    assert full.startswith(resp.content) and len(resp.content) == len(full) // 2


def test_fault_kinds_individually(server: DemoServer) -> None:
    server.set_faults(FaultSpec({"1001": 1.0}))
    assert answer(post(server)) == {"code": "1001", "message": "服务繁忙,请稍后重试", "data": None}
    server.set_faults(FaultSpec({"500": 1.0}))
    resp = post(server)
    assert resp.status_code == 500 and b"500" in resp.content
    server.set_faults(FaultSpec({"duplicate": 1.0}))
    key = encode(Cursor(((1, 1242),) + tuple((k, 0) for k in range(2, 10))))
    data = answer(post(server, key))["data"]
    assert data["keyBuff"] == key and data["list"][0]["content"]["seq"] == 1243
    server.set_faults(FaultSpec({"slow": 1.0}, slow_seconds=0.3))
    started = time.monotonic()
    assert answer(post(server))["code"] == "1000"
    assert time.monotonic() - started >= 0.3


def test_malformed_adds_only_invalid_junk(server: DemoServer) -> None:
    server.set_faults(FaultSpec({"malformed": 1.0}, seed=4))
    real = server.items[:100]
    shapes: set[str] = set()
    for _ in range(15):
        page = answer(post(server))["data"]["list"]
        junk = [it for it in page if not is_valid(it)]
        assert 1 <= len(junk) <= 3
        assert [it for it in page if is_valid(it)] == real
        shapes |= {orjson.dumps(j).decode()[:40] for j in junk}
    assert len(shapes) >= 3
    raw = orjson.dumps(answer(post(server))["data"]["list"])
    assert raw.count(b'"syncKeyType"') >= 100


# -- cli -------------------------------------------------------------------------------------


def test_cli_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([])
    assert (args.port, args.wid, args.sessions, args.messages, args.seed) == (
        0,
        "demo-wid",
        12,
        400,
        7,
    )
    assert (args.page_size, args.live_every, args.faults, args.token) == (100, None, None, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["--live-every", "0"])


def test_cli_run_prints_connection_and_serves() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--messages", "30", "--token", TOKEN, "--wid", WID])
    out, stop, result = io.StringIO(), threading.Event(), []
    thread = threading.Thread(target=lambda: result.append(run(args, stop=stop, out=out)))
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while "FINDER_TUI_TOKEN" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        text = out.getvalue()
        m = re.search(
            r"FINDER_TUI_BASE_URL=(\S+) FINDER_TUI_WID=(\S+) FINDER_TUI_TOKEN=(\S+)", text
        )
        assert m and m.group(2) == WID and m.group(3) == TOKEN
        resp = httpx.post(
            f"{m.group(1)}/syncFinder",
            json={"wId": WID, "keyBuff": ""},
            headers={"Authorization": TOKEN},
        )
        assert len(orjson.loads(resp.content)["data"]["list"]) == 49
    finally:
        stop.set()
        thread.join(5)
    assert result == [0]


def test_demo_never_imports_textual() -> None:
    code = "import sys, finder_tui.demo.cli; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_new_items_are_numbered_above_the_highest_cursor_a_client_presented(
    server: DemoServer,
) -> None:
    # A client restarted with a store synced against an earlier (longer) run of the server.
    ahead = encode(Cursor(((1, 10_000_000),), 0))
    assert answer(post(server, ahead))["data"]["list"] == []

    def build(next_seq: int) -> list[Item]:
        item = json.loads(json.dumps(server.items[-1]))
        item["content"]["seq"] = next_seq
        return [item]

    server.append_next(build)

    page = answer(post(server, ahead))["data"]["list"]
    assert [item["content"]["seq"] for item in page] == [10_000_001]
