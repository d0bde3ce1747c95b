"""Which sync events run hooks and notify: only live traffic, names not ids, coalesced."""

from __future__ import annotations

import dataclasses
import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from finder_tui import alerts
from finder_tui import service_events as ev
from finder_tui.alerts import LIVE_KEY, AlertRouter
from finder_tui.demo import DemoServer, seed_items
from finder_tui.demo.data import OWN_FINDER, build_item, build_live_notice
from finder_tui.hooks import HookRunner
from finder_tui.store.index import Index
from finder_tui.wire.models import Message, parse_item
from tests.conftest import TOKEN
from tests.hook_script import runs, write_hook

NOW = int(time.time())
SESSION_A, SESSION_B = "a" * 64 + "@findermsg", "b" * 64 + "@findermsg"
PEER_A, PEER_B = "fv1_" + "a" * 64 + "@findermsgstranger", "fv1_" + "b" * 64 + "@findermsgstranger"


def dm(seq: int, session: str, peer: str, text: str, *, sent: bool = False) -> Message:
    frm, to = (OWN_FINDER, peer) if sent else (peer, OWN_FINDER)
    item = build_item(
        seq=seq,
        create_time=NOW,
        new_msg_id=5_000_000 + seq,
        msg_type=1,
        content=text,
        from_user=frm,
        to_user=to,
        is_sender=1 if sent else 0,
        session_id=session,
    )
    message = parse_item(item)
    assert isinstance(message, Message)
    return message


def arrived(*messages: Message, backfill: bool = False) -> ev.NewMessages:
    by_session: dict[str, list[Message]] = {}
    for message in messages:
        by_session.setdefault(message.session_id, []).append(message)
    return ev.NewMessages(by_session, [], backfill)


def index_with(*messages: Message) -> Index:
    index = Index()
    index.add(messages)
    index.set_alias(SESSION_A, "Ann")
    return index


def test_a_dm_in_another_session_notifies_with_the_display_name_and_preview() -> None:
    message = dm(1, SESSION_A, PEER_A, "hello there")
    router = AlertRouter(index_with(message), notify_mode="terminal")
    (note,) = router.handle(arrived(message), focused=True, open_session=SESSION_B)
    assert (note.key, note.title, note.body) == (SESSION_A, "Ann", "hello there")


def test_a_dm_in_the_open_session_of_a_focused_app_does_not_notify() -> None:
    message = dm(1, SESSION_A, PEER_A, "hello")
    router = AlertRouter(index_with(message), notify_mode="terminal")
    assert router.handle(arrived(message), focused=True, open_session=SESSION_A) == []
    assert len(router.handle(arrived(message), focused=False, open_session=SESSION_A)) == 1


def test_backlog_sent_messages_and_notify_off_do_not_notify() -> None:
    received, sent = dm(1, SESSION_A, PEER_A, "old"), dm(2, SESSION_B, PEER_B, "mine", sent=True)
    index = index_with(received, sent)
    assert AlertRouter(index, notify_mode="terminal").handle(arrived(received, backfill=True)) == []
    assert AlertRouter(index, notify_mode="terminal").handle(arrived(sent)) == []
    assert AlertRouter(index, notify_mode="off").handle(arrived(received)) == []


def test_a_burst_in_one_session_is_one_notification() -> None:
    first, second = dm(1, SESSION_A, PEER_A, "one"), dm(2, SESSION_A, PEER_A, "two")
    router = AlertRouter(index_with(first, second), notify_mode="terminal")
    (note,) = router.handle(arrived(first, second))
    assert note.body == "(2 new) two"
    assert router.handle(arrived(dm(3, SESSION_A, PEER_A, "three"))) == []
    assert len(router.handle(arrived(dm(4, SESSION_B, PEER_B, "other")))) == 1


def test_a_dm_held_back_by_the_window_comes_as_a_trailing_notification_when_it_ends() -> None:
    first, second, third = (dm(n, SESSION_A, PEER_A, t) for n, t in ((1, "a"), (2, "b"), (3, "c")))
    router = AlertRouter(index_with(first, second, third), notify_mode="terminal", coalesce=0.3)
    assert len(router.handle(arrived(first))) == 1
    assert router.handle(arrived(second)) == [] and router.handle(arrived(third)) == []
    assert router.due() == [], "the window is still open"
    time.sleep(0.35)
    (note,) = router.due()
    assert (note.key, note.title, note.body) == (SESSION_A, "Ann", "(2 new) c")
    assert router.due() == []


def test_a_trailing_notification_skips_the_session_now_open_in_a_focused_app() -> None:
    first, second = dm(1, SESSION_A, PEER_A, "a"), dm(2, SESSION_A, PEER_A, "b")
    router = AlertRouter(index_with(first, second), notify_mode="terminal", coalesce=0.1)
    router.handle(arrived(first))
    router.handle(arrived(second))
    time.sleep(0.15)
    assert router.due(focused=True, open_session=SESSION_A) == []


def test_hooks_forward_backlog_created_after_the_start_but_never_older_backlog(
    tmp_path: Path,
) -> None:
    script, out = write_hook(tmp_path)
    runner = HookRunner({"message": [str(script), str(out)]})
    old = dataclasses.replace(dm(1, SESSION_A, PEER_A, "before"), create_time=NOW - 3600)
    during_blip = dm(2, SESSION_A, PEER_A, "during the blip")
    router = AlertRouter(index_with(old, during_blip), runner=runner, hooks_since=NOW - 60)
    notes = router.handle(arrived(old, during_blip, backfill=True))
    assert runner.wait_idle()
    assert [r.env["FINDER_TUI_TEXT"] for r in runs(out)] == ["during the blip"]
    assert notes == [], "backlog never notifies"


def _live_event(when: int, *, backfill: bool = False) -> tuple[Index, ev.LiveEvent]:
    notice = parse_item(
        build_live_notice(start=True, object_id=42, seq=9, create_time=when, new_msg_id=9)
    )
    assert isinstance(notice, Message)
    index = Index()
    (change,) = index.add([notice]).live_changes
    return index, ev.LiveEvent(change.stream, change.event, backfill)


def test_live_starts_notify_only_with_notify_live_and_never_a_stale_one() -> None:
    index, event = _live_event(NOW - 60)
    (toast,) = AlertRouter(index, notify_mode="terminal").handle(event)
    assert not toast.external, "without notify_live only the in-app toast"
    (note,) = AlertRouter(index, notify_mode="terminal", notify_live=True).handle(event)
    assert (note.key, note.title, note.body) == (LIVE_KEY, "a followed account", "went live")
    assert note.external
    stale_index, stale = _live_event(NOW - 2 * 86400)
    assert AlertRouter(stale_index, notify_mode="terminal", notify_live=True).handle(stale) == []


def test_live_hooks_get_the_object_and_live_ids(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    runner = HookRunner({"live_start": [str(script), str(out)]})
    index, event = _live_event(NOW - 60)
    AlertRouter(index, runner=runner).handle(event)
    assert runner.wait_idle()
    (record,) = runs(out)
    env = record.env
    assert env["FINDER_TUI_EVENT"] == "live_start" and env["FINDER_TUI_OBJECT_ID"] == "42"
    assert env["FINDER_TUI_PEER_NAME"] == "", "unknown: empty, not a phrase to parse"
    assert env["FINDER_TUI_TIME"] == str(NOW - 60)


def test_message_and_sent_hooks_run_per_message_but_never_for_backlog(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    runner = HookRunner({"message": [str(script), str(out)], "sent": [str(script), str(out)]})
    received, sent = dm(1, SESSION_A, PEER_A, "in"), dm(2, SESSION_A, PEER_A, "out", sent=True)
    router = AlertRouter(index_with(received, sent), runner=runner)
    router.handle(arrived(received, sent, backfill=True))
    router.handle(arrived(received, sent))
    assert runner.wait_idle()
    assert sorted(r.env["FINDER_TUI_EVENT"] for r in runs(out)) == ["message", "sent"]


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_sync_runs_the_message_hook_once_for_a_dm_arriving_after_the_catch_up(
    demo_server: Callable[..., DemoServer],
    server_env: Callable[[DemoServer], dict[str, str]],
    tmp_path: Path,
) -> None:
    script, out = write_hook(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        f"poll_interval = 0.2\n[hooks]\nmessage = [{str(script)!r}, {str(out)!r}]\n", "utf-8"
    )
    server = demo_server(seed_items())
    env = {**server_env(server), "FINDER_TUI_CONFIG": str(config), "PYTHONUNBUFFERED": "1"}
    store = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, "-m", "finder_tui", "sync", "--store", str(store)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        # A continuous sync stamps each line with the local time.
        assert "  synced: 19 new" in proc.stdout.readline(), "the catch-up"
        server.append(
            [
                build_item(
                    seq=5000,
                    create_time=NOW,
                    new_msg_id=2**64 - 2,
                    msg_type=1,
                    content="新消息 ; \x1b]0;x\x07",
                    from_user=PEER_A,
                    to_user=OWN_FINDER,
                    is_sender=0,
                    session_id=SESSION_A,
                )
            ]
        )
        _wait_for(lambda: len(runs(out)) >= 1, 15, "the message hook")
        time.sleep(1.0)  # a few more polls: the hook must not run again
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    (record,) = runs(out)
    env_seen = record.env
    assert env_seen["FINDER_TUI_EVENT"] == "message"
    assert env_seen["FINDER_TUI_SESSION_ID"] == SESSION_A
    assert env_seen["FINDER_TUI_PEER"] == PEER_A
    assert env_seen["FINDER_TUI_TEXT"] == "新消息 ; ]0;x"
    assert env_seen["FINDER_TUI_NEW_MSG_ID"] == str(2**64 - 2)
    assert env_seen["FINDER_TUI_TIME"] == str(NOW)
    assert env_seen["FINDER_TUI_PEER_NAME"]
    assert not any(TOKEN in str(v) for v in env_seen.values())
    assert os.environ.get("FINDER_TUI_TOKEN") == TOKEN  # the parent had it; the hook did not


def test_sync_hooks_wait_for_room_rather_than_skip_a_dm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, out = write_hook(tmp_path)
    small = functools.partial(HookRunner, max_running=1, max_queued=1)
    monkeypatch.setattr(alerts.hooks, "HookRunner", small)
    messages = [dm(n, SESSION_A, PEER_A, f"dm {n}") for n in range(1, 7)]
    failures: list[str] = []
    emit = alerts.with_hooks(
        lambda event: None,
        index_with(*messages),
        [("message", (str(script), str(out)))],
        None,
        failures.append,
    )
    emit(arrived(*messages))
    _wait_for(lambda: len(runs(out)) == 6, 30, "every hook")
    assert failures == []
