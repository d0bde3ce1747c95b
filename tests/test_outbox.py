"""Sending through the outbox, against the real demo server that records every call."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui import service_events as ev
from finder_tui.cli import main
from finder_tui.client import ClientConfig, Secret
from finder_tui.demo import DemoServer, FaultSpec, seed_items
from finder_tui.demo import reply as demo_reply
from finder_tui.outbox import DELIVERED, FAILED, SENT, UNKNOWN, Entry, Outbox
from finder_tui.outbox.book import OUTBOX_FILE
from finder_tui.store import Store
from finder_tui.wire.models import Message
from tests.conftest import TOKEN, WID

ServerFactory = Callable[..., DemoServer]
Env = Callable[[DemoServer], dict[str, str]]
ReadyToSend = Callable[..., tuple[DemoServer, str]]


def synced_store(server: DemoServer, env: Env, store_dir: Path) -> tuple[str, str, str]:
    """Sync the store once; returns (session id, peer, own identity) of a chat session."""
    env(server)
    assert main(["sync", "--once", "--store", str(store_dir)]) == 0
    with Store.open(store_dir) as store:
        summary = next(s for s in store.index.sessions() if s.me and s.peer)
    return summary.session_id, summary.peer, summary.me


SENT_AT = 1_700_000_000.0


@pytest.fixture()
def ready(
    demo_server: ServerFactory,
    server_env: Env,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> ReadyToSend:
    """ready(**server_args) starts a demo server with these arguments, syncs the store once and
    clears the captured output; returns the server and a chat session id to send to."""

    def make(**server_args: Any) -> tuple[DemoServer, str]:
        server = demo_server(**server_args)
        session_id, _, _ = synced_store(server, server_env, store_dir)
        capsys.readouterr()
        return server, session_id

    return make


def client_config(server: DemoServer) -> ClientConfig:
    return ClientConfig(server.url, WID, Secret(TOKEN), 2.0, 5.0)


def unknown_entry(tmp_path: Path, text: str, known_seq: int = 0) -> tuple[Outbox, Entry]:
    """An outbox with one entry whose request left at SENT_AT with no answer (unknown)."""
    outbox = Outbox(tmp_path)
    entry = outbox.add("s@findermsg", "peer", "me", text, SENT_AT, known_seq=known_seq)
    outbox.update(entry.id, state=UNKNOWN, attempted_at=SENT_AT)
    return outbox, entry


def sent_seed_item() -> dict[str, Any]:
    """The first seed item we sent ourselves."""
    item: dict[str, Any] = next(i for i in seed_items() if i["content"].get("isSender") == 1)
    return item


def send(store_dir: Path, session_id: str, text: str, *extra: str) -> int:
    return main(["send", session_id, text, "--json", "--store", str(store_dir), *extra])


def last_json(capsys: pytest.CaptureFixture[str]) -> Any:
    out = capsys.readouterr().out
    return orjson.loads(out[out.rindex("{") :]) if out.rstrip().endswith("}") else orjson.loads(out)


def outbox_on_disk(store_dir: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = orjson.loads((store_dir / OUTBOX_FILE).read_bytes())["entries"]
    return entries


def texts_in(store_dir: Path, session_id: str, text: str) -> int:
    with Store.open(store_dir) as store:
        return sum(1 for m in store.index.messages(session_id) if m.text == text)


def test_a_send_is_exactly_one_private_send_with_the_session_body(
    demo_server: ServerFactory,
    server_env: Env,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = demo_server()
    session_id, peer, me = synced_store(server, server_env, store_dir)
    capsys.readouterr()

    assert send(store_dir, session_id, "你好，收到了") == 0

    answer = last_json(capsys)
    calls = server.calls_to("/privateSend")
    assert [call.body for call in calls] == [
        {
            "wId": WID,
            "toUserName": peer,
            "myUserName": me,
            "sessionId": session_id,
            "content": "你好，收到了",
        }
    ]
    sent_item = server.items[-1]["content"]
    assert sent_item["isSender"] == 1 and sent_item["msgSessionId"] == session_id
    assert answer["state"] == SENT
    assert answer["new_msg_id"] == str(sent_item["msg"]["NewMsgId"])
    assert answer["session_id"] == session_id


def test_a_new_msg_id_above_2_63_is_kept_exact(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    huge = (1 << 64) - 3  # a float would round it to 2^64
    monkeypatch.setattr(demo_reply, "_fresh_id", lambda demo, rng: huge)
    server, session_id = ready()

    assert send(store_dir, session_id, "big id") == 0

    assert last_json(capsys)["new_msg_id"] == "18446744073709551613"
    assert outbox_on_disk(store_dir)[0]["new_msg_id"] == "18446744073709551613"
    assert main(["sync", "--once", "--store", str(store_dir)]) == 0
    with Store.open(store_dir) as store:
        assert huge in {m.new_msg_id for m in store.index.messages(session_id)}
    assert Outbox.load(store_dir).entries()[0].state == DELIVERED


def test_a_1001_answer_is_failed_and_nothing_is_sent_again(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready(faults="send_fail=1")

    assert send(store_dir, session_id, "will fail") == 1
    assert last_json(capsys)["state"] == FAILED

    for _ in range(3):
        assert main(["sync", "--once", "--store", str(store_dir)]) == 0
    assert len(server.calls_to("/privateSend")) == 1
    assert main(["outbox", "--json", "--store", str(store_dir)]) == 0
    listed = last_json_list(capsys)
    assert [(e["state"], e["text"]) for e in listed] == [(FAILED, "will fail")]


def last_json_list(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    value: list[dict[str, Any]] = orjson.loads(
        out[out.rindex("\n[") + 1 :] if "\n[" in out else out
    )
    return value


def test_a_refused_connection_is_failed_without_any_call(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready()
    server.stop()
    capsys.readouterr()

    assert send(store_dir, session_id, "nobody listens") == 1

    answer = last_json(capsys)
    assert answer["state"] == FAILED and "not sent" in answer["error"]
    assert server.calls_to("/privateSend") == []


def test_a_timed_out_send_is_unknown_then_one_bubble_after_any_number_of_syncs(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready(faults="send_timeout=1,send_timeout_seconds=3")

    assert send(store_dir, session_id, "slow one", "--timeout", "0.5") == 3
    assert last_json(capsys)["state"] == UNKNOWN

    for _ in range(3):
        assert main(["sync", "--once", "--store", str(store_dir)]) == 0
    assert len(server.calls_to("/privateSend")) == 1
    assert texts_in(store_dir, session_id, "slow one") == 1
    (entry,) = Outbox.load(store_dir).entries()
    assert entry.state == DELIVERED  # the same text came back after the send: reconciled
    assert main(["outbox", "--json", "--store", str(store_dir)]) == 0
    assert last_json_list(capsys) == []


def test_a_dropped_send_stays_unknown_and_retrying_it_needs_a_yes(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready(faults="send_drop=1")
    assert send(store_dir, session_id, "dropped") == 3
    entry_id = last_json(capsys)["id"]
    assert main(["sync", "--once", "--store", str(store_dir)]) == 0
    assert Outbox.load(store_dir).get(entry_id).state == UNKNOWN  # type: ignore[union-attr]

    assert main(["outbox", "retry", entry_id, "--store", str(store_dir)]) == 2
    assert "arrive twice" in capsys.readouterr().err
    assert len(server.calls_to("/privateSend")) == 1

    server.set_faults(None)
    assert main(["outbox", "retry", entry_id[:5], "--yes", "--store", str(store_dir)]) == 0
    assert len(server.calls_to("/privateSend")) == 2


def test_discard_drops_a_failed_message(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready(faults="send_fail=1")
    assert send(store_dir, session_id, "oops") == 1
    entry_id = last_json(capsys)["id"]

    assert main(["outbox", "discard", entry_id, "--store", str(store_dir)]) == 0

    assert Outbox.load(store_dir).entries() == []


def test_empty_and_overlong_messages_are_refused_before_any_call(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready()

    assert send(store_dir, session_id, " \x1b\x07\n ") == 1
    assert "empty" in capsys.readouterr().err
    assert send(store_dir, session_id, "长" * 2001) == 1
    assert "2,001 characters" in capsys.readouterr().err
    assert server.calls_to("/privateSend") == []


def test_control_characters_are_stripped_before_sending(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, session_id = ready()
    monkeypatch.setattr(sys, "stdin", _Stdin("hi\x1b]0;pwned\x07 there\r\nline two\u202e\n"))

    assert send(store_dir, session_id, "-") == 0

    assert server.calls_to("/privateSend")[0].body["content"] == "hi]0;pwned there\nline two"


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text


def test_kill_9_between_the_outbox_commit_and_the_answer_leaves_unknown_and_no_second_call(
    demo_server: ServerFactory,
    server_env: Env,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = demo_server(faults="send_timeout=1,send_timeout_seconds=30")
    session_id, _, _ = synced_store(server, server_env, store_dir)
    argv = [sys.executable, "-m", "finder_tui", "send", session_id, "in flight"]
    proc = subprocess.Popen(
        [*argv, "--store", str(store_dir), "--timeout", "60"],
        env=server_env(server),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not server.calls_to("/privateSend") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.calls_to("/privateSend"), "the send never reached the server"
        (on_disk,) = outbox_on_disk(store_dir)
        assert on_disk["state"] == "pending" and on_disk["attempted_at"] is not None
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    capsys.readouterr()
    assert main(["outbox", "--json", "--store", str(store_dir)]) == 0
    assert [e["state"] for e in last_json_list(capsys)] == [UNKNOWN]
    server.set_faults(None)
    for _ in range(2):
        assert main(["sync", "--once", "--store", str(store_dir)]) == 0
    assert len(server.calls_to("/privateSend")) == 1
    assert texts_in(store_dir, session_id, "in flight") == 1


def test_a_pending_message_that_never_left_is_failed_after_a_restart(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    queued = outbox.add("s@findermsg", "peer", "me", "queued only", time.time())
    left = outbox.add("s@findermsg", "peer", "me", "request left", time.time())
    outbox.update(left.id, attempted_at=time.time())
    outbox.set_draft("s@findermsg", "half a thought")
    outbox.commit()

    again = Outbox.load(tmp_path)

    assert again.get(queued.id).state == FAILED  # type: ignore[union-attr]
    assert again.get(left.id).state == UNKNOWN  # type: ignore[union-attr]
    assert again.draft("s@findermsg") == "half a thought"


def test_an_unreadable_outbox_file_is_kept_aside_not_lost(tmp_path: Path) -> None:
    (tmp_path / OUTBOX_FILE).write_bytes(b'{"entries": [{"id": ')

    outbox = Outbox.load(tmp_path)

    assert outbox.entries() == [] and "kept as" in outbox.warning
    kept = list(tmp_path.glob(f"{OUTBOX_FILE}.unreadable-*"))
    assert [p.read_bytes() for p in kept] == [b'{"entries": [{"id": ']


def test_send_faults_are_their_own_grammar_and_all_leaves_them_out() -> None:
    spec = FaultSpec.parse("all=0.6,send_drop=0.5,send_timeout_seconds=2")
    assert spec.send_rates == {"send_fail": 0.0, "send_timeout": 0.0, "send_drop": 0.5}
    assert spec.send_timeout_seconds == 2.0
    assert sum(spec.rates.values()) == pytest.approx(0.6)
    with pytest.raises(ValueError, match="send_drop"):
        FaultSpec.parse("bogus=0.1")


def test_get_session_id_returns_the_known_session_or_mints_one(
    demo_server: ServerFactory, make_client: Callable[..., Any]
) -> None:
    from finder_tui.outbox import get_session_id

    server = demo_server()
    client = make_client(server.url)
    item = sent_seed_item()
    content = item["content"]
    peer = content["msg"]["ToUserName"]["string"]
    me = content["msg"]["FromUserName"]["string"]
    as_channels = me.endswith("@finder")

    assert get_session_id(client, peer, me, as_channels=as_channels) == content["msgSessionId"]
    minted = get_session_id(client, "v2_new@finder", me, as_channels=True)
    assert minted.endswith("@findermsg") and minted != content["msgSessionId"]


def test_demo_peers_answer_a_sent_message(
    ready: ReadyToSend,
    store_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_reply, "REPLY_DELAY", (0.05, 0.1))
    server, session_id = ready(peer_replies=1.0)
    assert send(store_dir, session_id, "anyone?") == 0

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and server.items[-1]["content"]["isSender"] == 1:
        time.sleep(0.05)
    last = server.items[-1]["content"]
    assert last["isSender"] == 0 and last["msgSessionId"] == session_id


def test_the_service_sends_in_order_and_merges_the_synced_copy_into_one(
    ready: ReadyToSend,
    store_dir: Path,
) -> None:
    from finder_tui.service import SyncService

    server, session_id = ready()
    events: list[ev.Event] = []
    config = client_config(server)
    service = SyncService(store_dir, config, events.append, poll_interval=0.2)
    service.start()
    try:
        assert service.opened.wait(10)
        for text in ("one", "two", "three"):
            service.send_text(session_id, text)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (
            len(server.calls_to("/privateSend")) < 3 or service.outbox_entries(session_id)
        ):
            time.sleep(0.05)
    finally:
        service.stop()
    assert [c.body["content"] for c in server.calls_to("/privateSend")] == ["one", "two", "three"]
    states = [e.state for e in events if isinstance(e, ev.OutboxChanged)]
    assert states.count(SENT) == 3 and DELIVERED in states
    with Store.open(store_dir) as store:
        texts = [m.text for m in store.index.messages(session_id)]
    assert [texts.count(t) for t in ("one", "two", "three")] == [1, 1, 1]
    assert {e.state for e in Outbox.load(store_dir).entries()} == {DELIVERED}


def test_a_timed_out_send_in_the_service_survives_restarts_with_one_call_and_one_bubble(
    ready: ReadyToSend,
    store_dir: Path,
) -> None:
    from finder_tui.service import SyncService

    server, session_id = ready(faults="send_timeout=1,send_timeout_seconds=2")
    config = client_config(server)
    states: list[str] = []
    for run in range(3):
        events: list[ev.Event] = []
        service = SyncService(store_dir, config, events.append, poll_interval=0.2, send_timeout=0.5)
        service.start()
        try:
            assert service.opened.wait(10)
            if run == 0:
                service.send_text(session_id, "patience")
            time.sleep(1.5)  # several polls
        finally:
            service.stop()
        states += [e.state for e in events if isinstance(e, ev.OutboxChanged)]
    assert UNKNOWN in states and states[-1] == DELIVERED
    assert len(server.calls_to("/privateSend")) == 1
    assert texts_in(store_dir, session_id, "patience") == 1


def _sent_message(session_id: str, text: str, when: int, new_msg_id: int) -> Message:
    return Message(
        key=str(new_msg_id),
        new_msg_id=new_msg_id,
        session_id=session_id,
        peer="peer",
        is_sender=True,
        create_time=when,
        seq=1,
        msg_type=1,
        kind="text",
        text=text,
    )


def test_reconciling_by_text_needs_our_session_the_same_text_and_a_time_after_the_send(
    tmp_path: Path,
) -> None:
    outbox, entry = unknown_entry(tmp_path, "hello")
    sent_at = SENT_AT

    assert outbox.reconcile([_sent_message("s@findermsg", "hello", int(sent_at) - 600, 1)]) == set()
    assert outbox.reconcile([_sent_message("t@findermsg", "hello", int(sent_at) + 5, 2)]) == set()
    assert outbox.reconcile([_sent_message("s@findermsg", "hello!", int(sent_at) + 5, 3)]) == set()
    assert outbox.get(entry.id).state == UNKNOWN  # type: ignore[union-attr]

    assert outbox.reconcile([_sent_message("s@findermsg", "hello", int(sent_at) + 5, 4)]) == {
        "s@findermsg"
    }
    delivered = outbox.get(entry.id)
    assert delivered is not None and (delivered.state, delivered.new_msg_id) == (DELIVERED, 4)


def test_an_entry_without_a_session_id_asks_get_session_id_then_sends_once(
    demo_server: ServerFactory, make_client: Callable[..., Any], tmp_path: Path
) -> None:
    from finder_tui.outbox import Sender

    server = demo_server()
    item = sent_seed_item()
    msg = item["content"]["msg"]
    peer, me = msg["ToUserName"]["string"], msg["FromUserName"]["string"]
    outbox = Outbox(tmp_path)
    entry = outbox.add("", peer, me, "first words", time.time())
    sender = Sender(outbox, make_client(server.url))
    sender.enqueue(entry.id)

    outcome = sender.send_next()

    assert outcome is not None and outcome.state == SENT
    assert [c.path for c in server.calls] == ["/getSessionId", "/privateSend"]
    assert server.calls[1].body["sessionId"] == item["content"]["msgSessionId"]
    assert sender.send_next() is None  # nothing left, nothing sent again


def test_send_as_an_identity_starts_a_conversation_through_get_session_id(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from finder_tui.demo.data import OWN_FINDER

    server, _ = ready()
    newcomer = "v2_brandnew@finder"

    assert send(store_dir, newcomer, "nice to meet you") == 1  # no such conversation...
    assert "--as" in capsys.readouterr().err
    assert send(store_dir, newcomer, "nice to meet you", "--as", OWN_FINDER) == 0

    answer = last_json(capsys)
    calls = [c for c in server.calls if c.path in ("/getSessionId", "/privateSend")]
    assert [c.path for c in calls] == ["/getSessionId", "/privateSend"]
    assert calls[0].body == {
        "wId": WID,
        "toUserName": newcomer,
        "myUserName": OWN_FINDER,
        "type": 1,
    }
    assert calls[1].body["sessionId"] == answer["session_id"]
    assert answer["session_id"].endswith("@findermsg") and answer["state"] == SENT


def test_send_as_with_an_ambiguous_session_lists_the_candidates_and_sends_nothing(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from finder_tui.demo.data import OWN_FINDER

    server, _ = ready()
    with Store.open(store_dir) as store:
        sessions = store.index.sessions()
    prefix = "v2_"  # the start of every Channels peer id
    assert sum(1 for s in sessions if s.peer.startswith(prefix)) > 1
    capsys.readouterr()

    assert send(store_dir, prefix, "hi", "--as", OWN_FINDER) == 2

    assert "matches several sessions" in capsys.readouterr().err
    assert server.calls_to("/privateSend") == [] and server.calls_to("/getSessionId") == []
    assert not (store_dir / OUTBOX_FILE).exists() or outbox_on_disk(store_dir) == []


def test_a_second_retry_queued_behind_a_timed_out_one_sends_nothing(
    ready: ReadyToSend,
    store_dir: Path,
) -> None:
    from finder_tui.outbox_service import STALE, OutboxDesk
    from finder_tui.service_commands import RetrySend, SendText

    server, session_id = ready(faults="send_fail=1")
    config = client_config(server)
    events: list[ev.Event] = []
    with Store.open(store_dir) as store:
        desk = OutboxDesk(store, Outbox.load(store_dir), config, events.append, send_timeout=0.5)
        try:

            def apply_then_send(command: RetrySend | SendText) -> None:
                desk.apply(command)  # as the store thread does: one command, then its sends
                while desk.has_work:
                    desk.send_one()

            apply_then_send(SendText(session_id, "twice pressed"))
            (entry,) = desk.outbox.open_entries(session_id)
            assert (entry.state, entry.attempts) == (FAILED, 1)
            server.set_faults(FaultSpec.parse("send_timeout=1,send_timeout_seconds=2"))
            # R pressed twice while the thread was busy: two retries of the failed entry.
            apply_then_send(RetrySend(entry.id, FAILED, 1))
            apply_then_send(RetrySend(entry.id, FAILED, 1))
        finally:
            desk.close()

    assert len(server.calls_to("/privateSend")) == 2  # the first send and ONE retry
    assert desk.outbox.get(entry.id).state == UNKNOWN  # type: ignore[union-attr]
    assert [e.state for e in events if isinstance(e, ev.OutboxChanged)][-1] == STALE


def test_the_same_text_sent_half_a_minute_before_the_request_left_does_not_deliver_it(
    tmp_path: Path,
) -> None:
    outbox, entry = unknown_entry(tmp_path, "ok")
    sent_at = SENT_AT

    # "ok" typed on the phone 30 s earlier: not this message, which may never have left.
    assert outbox.reconcile([_sent_message("s@findermsg", "ok", int(sent_at) - 30, 7)]) == set()
    assert outbox.get(entry.id).state == UNKNOWN  # type: ignore[union-attr]
    # A second of clock difference is still allowed.
    assert outbox.reconcile([_sent_message("s@findermsg", "ok", int(sent_at) - 1, 8)]) == {
        "s@findermsg"
    }


def test_one_bad_outbox_entry_is_skipped_and_reported_and_the_others_are_kept(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path)
    good = outbox.add("s@findermsg", "peer", "me", "still here", time.time())
    outbox.set_draft("s@findermsg", "a draft")
    outbox.commit()
    data = orjson.loads((tmp_path / OUTBOX_FILE).read_bytes())
    data["entries"].append({"id": "broken", "state": "teleported", "text": "?"})
    data["entries"].append("not even an object")
    raw = orjson.dumps(data)
    (tmp_path / OUTBOX_FILE).write_bytes(raw)

    again = Outbox.load(tmp_path)

    assert [e.id for e in again.entries()] == [good.id]
    assert again.draft("s@findermsg") == "a draft"
    assert "2 unreadable outbox entries were skipped" in again.warning
    assert [p.read_bytes() for p in tmp_path.glob(f"{OUTBOX_FILE}.bad-entries-*")] == [raw]


def test_a_sent_message_that_never_syncs_back_can_be_forgotten_saying_it_was_sent(
    ready: ReadyToSend,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, session_id = ready()
    assert send(store_dir, session_id, "gone out") == 0  # sent; no sync has brought it back
    entry_id = last_json(capsys)["id"]

    assert main(["outbox", "discard", entry_id, "--store", str(store_dir)]) == 0

    assert "it was sent" in capsys.readouterr().out
    assert Outbox.load(store_dir).entries() == []
    assert len(server.calls_to("/privateSend")) == 1


def test_a_sent_entry_a_day_old_ages_out_of_the_outbox(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    sent_at = time.time()
    entry = outbox.add("s@findermsg", "peer", "me", "went out", sent_at)
    outbox.update(entry.id, state=SENT, new_msg_id=42)  # stamps updated: now
    outbox.commit()

    assert [e.id for e in Outbox.load(tmp_path, now=sent_at + 3_600).entries()] == [entry.id]
    assert Outbox.load(tmp_path, now=sent_at + 2 * 86_400).entries() == []


def test_one_text_check_refuses_empty_and_overlong_messages_for_box_and_store_alike() -> None:
    from finder_tui.outbox import MAX_TEXT, text_refusal

    assert text_refusal("") == "nothing to send: the message is empty"
    assert "the limit is 2,000" in text_refusal("x" * (MAX_TEXT + 1))
    assert text_refusal("x" * MAX_TEXT) == ""


def test_after_a_send_cannot_connect_the_rest_of_the_queue_fails_at_once_without_a_request(
    ready: ReadyToSend,
    store_dir: Path,
) -> None:
    from finder_tui.outbox_service import OutboxDesk
    from finder_tui.service_commands import SendText

    server, session_id = ready()
    config = client_config(server)
    server.stop()  # nothing listens there any more: connections are refused
    events: list[ev.Event] = []
    with Store.open(store_dir) as store:
        desk = OutboxDesk(store, Outbox.load(store_dir), config, events.append, send_timeout=5)
        try:
            for text in ("one", "two", "three"):  # pressed while "one" is being sent
                desk.apply(SendText(session_id, text))
            while desk.has_work:
                desk.send_one()
            desk.apply(SendText(session_id, "four"))  # pressed after: it gets its own try
            while desk.has_work:
                desk.send_one()
        finally:
            desk.close()

    entries = sorted(desk.outbox.open_entries(session_id), key=lambda e: e.created)
    assert [e.state for e in entries] == [FAILED] * 4
    assert [e.attempts for e in entries] == [1, 0, 0, 1]  # "two", "three": no request
    assert all("could not be reached" in e.error for e in entries[1:3])
    states = [e.state for e in events if isinstance(e, ev.OutboxChanged)]
    assert states.count(FAILED) == 4


def test_a_message_synced_before_the_send_never_reconciles_it_by_text(tmp_path: Path) -> None:
    outbox, entry = unknown_entry(tmp_path, "same", known_seq=100)
    sent_at = SENT_AT
    known = _sent_message("s@findermsg", "same", int(sent_at) + 1, 11)
    new = _sent_message("s@findermsg", "same", int(sent_at) + 1, 12)

    assert outbox.reconcile([dataclasses.replace(known, seq=100)]) == set()
    assert outbox.reconcile([dataclasses.replace(new, seq=101)]) == {"s@findermsg"}
    assert outbox.get(entry.id).new_msg_id == 12  # type: ignore[union-attr]
