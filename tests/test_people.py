"""Names and identities: the vendor answers read tolerantly, the contacts cache, the resolver,
all against the real demo server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finder_tui.cli import main
from finder_tui.client import FinderClient
from finder_tui.demo import DemoServer, seed_items
from finder_tui.demo.data import OWN_FINDER, sessions_of
from finder_tui.demo.people import nickname_for
from finder_tui.peers import display_name, identity_label
from finder_tui.people import NameResolver, fetch_contact, fetch_profile, read_contact, read_profile
from finder_tui.store import Store
from finder_tui.store.contacts import FOUND, MISSING, UNREADABLE, Contact
from tests.conftest import TOKEN, WID

ServerFactory = Callable[..., DemoServer]
ClientFactory = Callable[..., FinderClient]
PEER = "v2_060000231003b20faec8aaaa@finder"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _peers() -> list[str]:
    return [s.peer for s in sessions_of(seed_items())]


# ---- reading answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"username": PEER, "nickname": "小王", "headUrl": "https://x/h.jpg", "signature": "hi"},
        {"contact": {"userName": PEER, "nickName": "小王", "headImgUrl": "https://x/h.jpg"}},
        {"contact": {"nick_name": "小王", "avatar": "https://x/h.jpg"}},
        [
            {"username": "v2_other@finder", "nickname": "别人"},
            {"username": PEER, "nickname": "小王"},
        ],
        {"list": [{"username": "x", "nickname": "no"}, {"userName": PEER, "nickName": "小王"}]},
        {"contacts": [{"username": PEER, "nickname": "小王", "smallHeadImgUrl": "https://x/s"}]},
        {"data": [{"username": PEER, "nickname": "小王", "bigHeadImgUrl": "https://x/b"}]},
        {"nickname": "小王"},
    ],
)
def test_every_documented_contact_shape_yields_the_nickname(data: Any) -> None:
    contact = read_contact(data, PEER)
    assert (contact.status, contact.nickname) == (FOUND, "小王")


def test_an_unknown_contact_shape_is_logged_without_values_and_keeps_the_short_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        contact = read_contact({"who": {"secret": TOKEN}}, PEER)
    assert contact.status == UNREADABLE and contact.nickname == ""
    assert "no known shape" in caplog.text and "who" in caplog.text
    assert TOKEN not in caplog.text
    assert display_name(PEER, "", contact.nickname).startswith("v2_0600")


def test_a_hostile_nickname_is_scrubbed_to_one_bounded_line() -> None:
    contact = read_contact({"nickname": "\x1b]52;c;aGk=\x07坏\u202e人\n" + "x" * 200}, PEER)
    assert "\x1b" not in contact.nickname and "\x07" not in contact.nickname
    assert "\u202e" not in contact.nickname and "\n" not in contact.nickname
    assert contact.nickname.startswith("]52;c;aGk=坏人") and len(contact.nickname) <= 64


def test_an_avatar_that_is_not_http_is_dropped() -> None:
    assert read_contact({"nickname": "a", "headUrl": "file:///etc/passwd"}, PEER).avatar == ""


@pytest.mark.parametrize(
    "data",
    [
        {"userName": OWN_FINDER, "roleType": 3, "nickName": "我"},
        [{"username": OWN_FINDER, "roleType": "3", "nickname": "我"}],
    ],
)
def test_the_profile_is_read_from_an_object_or_the_first_element_of_a_list(data: Any) -> None:
    profile = read_profile(data)
    assert profile is not None
    assert (profile.username, profile.role_type, profile.nickname) == (OWN_FINDER, 3, "我")


def test_a_profile_answer_without_a_username_is_none() -> None:
    assert read_profile({"roleType": 3}) is None and read_profile([]) is None


# ---- against the demo server -----------------------------------------------------------------


def test_the_demo_server_answers_finder_home_and_contact_details(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    server = demo_server()
    client = make_client(server.url)
    profile = fetch_profile(client)
    assert profile is not None and profile.username == OWN_FINDER and profile.nickname
    peer = _peers()[0]
    answer = fetch_contact(client, profile.username, profile.role_type, peer)
    assert answer.contact.nickname == nickname_for(peer) and not answer.transient
    assert answer.contact.avatar.startswith("https://")


def test_an_unknown_contact_is_a_cached_miss_not_an_error(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    server = demo_server()
    answer = fetch_contact(make_client(server.url), OWN_FINDER, 3, "v2_nobody@finder")
    assert answer.contact.status == MISSING and not answer.transient


def test_a_busy_1001_is_retried_later_not_cached_as_a_miss(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    server = demo_server(faults="1001=1")
    answer = fetch_contact(make_client(server.url), OWN_FINDER, 3, _peers()[0])
    assert answer.transient


@pytest.mark.parametrize("shape", ["object", "contact", "list", "data_list", "contacts"])
def test_the_resolver_names_every_peer_whatever_the_answer_shape(
    shape: str, demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    server = demo_server()
    server.contact_shape = shape
    with Store.open(store_dir) as store:
        from finder_tui.wire.models import parse_page

        store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
        resolver = NameResolver(make_client(server.url), store, interval=0.0)
        resolver.run_until_done(time.monotonic() + 20)
        names = {s.peer: s.nickname for s in store.index.sessions()}
    assert names == {p: nickname_for(p) for p in _peers()}


def test_the_resolver_keeps_to_its_rate(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    server = demo_server()
    clock = [0.0]
    with Store.open(store_dir) as store:
        from finder_tui.wire.models import parse_page

        store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
        resolver = NameResolver(
            make_client(server.url), store, interval=0.5, clock=lambda: clock[0]
        )
        assert resolver.step() is True  # the profile
        assert resolver.step() is False and resolver.requests == 1  # too soon
        assert resolver.due_in() == pytest.approx(0.5)
        clock[0] += 0.5
        resolver.step()
        assert resolver.requests == 2


def test_names_persist_in_contacts_json_and_a_second_sync_asks_for_no_known_contact(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = demo_server()
    server_env(server)
    code, out, err = _run(capsys, "sync", "--once", "--store", str(store_dir))
    assert code == 0, err
    assert "names: 3 of 3 peers named" in out
    asked_once = dict(server.contact_requests)
    assert sorted(asked_once) == sorted(_peers()) and set(asked_once.values()) == {1}
    cache = json.loads((store_dir / "contacts.json").read_bytes())
    assert cache["profile"]["username"] == OWN_FINDER
    assert oct(os.stat(store_dir / "contacts.json").st_mode & 0o777) == "0o600"

    code, out, err = _run(capsys, "sessions", "--json", "--store", str(store_dir))
    assert code == 0, err
    rows = json.loads(out)
    assert {r["peer"]: r["display_name"] for r in rows} == {p: nickname_for(p) for p in _peers()}
    assert all(r["nickname"] == r["display_name"] for r in rows)
    assert {r["identity_kind"] for r in rows} == {"WeChat", "Channels"}

    code, _, err = _run(capsys, "sync", "--once", "--store", str(store_dir))
    assert code == 0, err
    assert server.contact_requests == asked_once


def test_a_week_old_name_is_asked_again(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    server = demo_server()
    peer = _peers()[0]
    with Store.open(store_dir) as store:
        from finder_tui.wire.models import parse_page

        store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
        for p in _peers():
            store.set_contact(Contact(p, nickname="old", fetched_at=time.time()))
        store.set_contact(Contact(peer, nickname="old", fetched_at=time.time() - 8 * 86400))
        resolver = NameResolver(make_client(server.url), store, interval=0.0)
        assert resolver.next_peer() == peer
        resolver.run_until_done(time.monotonic() + 10)
        assert store.contacts.get(peer).nickname == nickname_for(peer)  # type: ignore[union-attr]
        assert server.contact_requests == {peer: 1}


def test_a_corrupt_contacts_file_is_set_aside_and_the_store_still_opens(store_dir: Path) -> None:
    store_dir.mkdir()
    (store_dir / "contacts.json").write_bytes(b'{"contacts": {"x": [1, ')
    with Store.open(store_dir) as store:
        assert len(store.contacts) == 0 and "set aside" in store.contacts.load_problem
        store.set_contact(Contact(PEER, nickname="小王", fetched_at=1.0))
    assert (store_dir / "contacts.json.corrupt").exists()
    with Store.open(store_dir) as store:
        assert store.contacts.get(PEER).nickname == "小王"  # type: ignore[union-attr]


def test_display_name_prefers_alias_then_nickname_then_short_id() -> None:
    assert display_name(PEER, "Alias", "小王") == "Alias"
    assert display_name(PEER, "", "小王") == "小王"
    assert display_name(PEER, "", "").endswith("· Channels")
    assert identity_label("wxid_23fgdsdfh8") == "as WeChat"
    assert identity_label(OWN_FINDER) == "as Channels"
    assert identity_label("") == ""


def test_token_and_wid_are_what_the_demo_checks(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    server = demo_server()
    from finder_tui.client import AuthError

    with pytest.raises(AuthError):
        fetch_profile(make_client(server.url, token=TOKEN + "x"))
    assert WID


def test_names_arrive_through_every_demo_fault_without_a_wrong_cache_entry(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    from finder_tui.demo import FaultSpec
    from finder_tui.wire.models import parse_page

    server = demo_server()
    with Store.open(store_dir) as store:
        store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
        server.set_faults(
            FaultSpec.parse("1001=0.2,500=0.2,truncated=0.2,slow=0.1,slow_seconds=0.05", seed=3)
        )
        resolver = NameResolver(make_client(server.url), store, interval=0.0, pause=0.0)
        resolver.run_until_done(time.monotonic() + 30)
        names = {s.peer: s.nickname for s in store.index.sessions()}
        assert resolver.requests > len(names)  # some answers were faults, and were asked again
    assert names == {p: nickname_for(p) for p in _peers()}


def test_a_contacts_file_that_cannot_be_written_never_holds_up_messages(store_dir: Path) -> None:
    from finder_tui.store import StoreWriteError
    from finder_tui.wire.models import parse_page

    with Store.open(store_dir) as store:
        (store_dir / "contacts.json").mkdir()  # rename over a directory fails
        store.set_contact(Contact(PEER, nickname="小王", fetched_at=1.0))
        store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
        with pytest.raises(StoreWriteError, match="names stay cached"):
            store.commit()
        assert store.contacts.dirty
        (store_dir / "contacts.json").rmdir()
    with Store.open(store_dir) as store:
        assert store.index.message_count == 19
        assert store.contacts.get(PEER) is not None  # written at close, once it could be
