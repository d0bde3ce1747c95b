"""A name never stops sync: hostile, broken or missing name answers, from a real HTTP server on
127.0.0.1 (raw answers the demo server cannot produce; everything else is the demo server's)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from finder_tui import service_events as ev
from finder_tui.cli import main
from finder_tui.client import ClientConfig, FinderClient, Secret
from finder_tui.demo import DemoServer, seed_items
from finder_tui.demo.data import OWN_FINDER, sessions_of
from finder_tui.people import NameResolver, fetch_contact, fetch_profile, names_client_config
from finder_tui.people.api import CONTACT_PATH, HOME_PATH
from finder_tui.store import SessionSummary, Store
from finder_tui.store.contacts import MISSING, UNREADABLE
from finder_tui.wire.models import parse_page
from tests.conftest import TOKEN, WID
from tests.test_service_people import Recorder, _service, opened_index, wait_for
from tests.vendor_stub import VendorStub, deep_contact, ok

ServerFactory = Callable[..., DemoServer]
ClientFactory = Callable[..., FinderClient]
_NONE = SessionSummary("")
HOME_OK = ok('{"userName":"' + OWN_FINDER + '","roleType":3,"nickName":"me"}')
HOME_INF_ROLE = ok('{"userName":"' + OWN_FINDER + '","roleType":1e999}')  # orjson reads inf


def _peers() -> list[str]:
    return [s.peer for s in sessions_of(seed_items())]


def _filled(store: Store) -> Store:
    store.ingest(parse_page({"list": seed_items(), "keyBuff": ""}).messages)
    return store


def test_a_role_type_too_big_for_an_int_reads_as_channels(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    with VendorStub(demo_server().url, {HOME_PATH: HOME_INF_ROLE}) as stub:
        profile = fetch_profile(make_client(stub.url))
    assert profile is not None and (profile.username, profile.role_type) == (OWN_FINDER, 3)


def test_a_contact_nested_a_thousand_deep_is_unreadable_not_a_crash(
    demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    with VendorStub(demo_server().url, {CONTACT_PATH: ok(deep_contact())}) as stub:
        answer = fetch_contact(make_client(stub.url), OWN_FINDER, 3, _peers()[0])
    assert answer.contact.status == UNREADABLE and answer.contact.nickname == ""


def test_sync_once_survives_hostile_name_answers_and_keeps_every_message(
    demo_server: ServerFactory,
    store_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = {
        HOME_PATH: HOME_INF_ROLE,
        CONTACT_PATH: ok(deep_contact()),
    }
    with VendorStub(demo_server().url, answers) as stub:
        monkeypatch.setenv("FINDER_TUI_BASE_URL", stub.url)
        monkeypatch.setenv("FINDER_TUI_WID", WID)
        monkeypatch.setenv("FINDER_TUI_TOKEN", TOKEN)
        code = main(["sync", "--once", "--store", str(store_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    with Store.open(store_dir) as store:
        assert len(store.index.sessions()) == len(_peers())
        assert {store.contacts.get(p).status for p in _peers()} == {UNREADABLE}  # type: ignore[union-attr]


def test_any_error_in_one_name_lookup_sets_that_peer_aside_and_names_the_next(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import finder_tui.people.resolver as resolver_module

    server = demo_server()
    broken = _peers()[0]
    real_fetch = resolver_module.fetch_contact

    def fetch(client: FinderClient, me: str, role: int, peer: str) -> object:
        if peer == broken:
            raise RuntimeError("\x1b]0;secret text\x07")
        return real_fetch(client, me, role, peer)

    monkeypatch.setattr(resolver_module, "fetch_contact", fetch)
    clock = [0.0]
    with Store.open(store_dir) as store, caplog.at_level(logging.WARNING):
        resolver = NameResolver(make_client(server.url), _filled(store), clock=lambda: clock[0])
        for _ in range(10):
            resolver.step()  # never raises
            clock[0] += 3600.0
        assert store.contacts.get(broken).status == UNREADABLE  # type: ignore[union-attr]
        assert all(store.contacts.get(p).nickname for p in _peers() if p != broken)  # type: ignore[union-attr]
    assert "RuntimeError" in caplog.text and "secret" not in caplog.text
    assert "\x1b" not in caplog.text


def test_the_keys_of_an_unknown_answer_are_logged_scrubbed_short_and_few(
    demo_server: ServerFactory, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    keys = [f'"\\u001b]0;pwned\\u0007k{i}{"x" * 500}":1' for i in range(100)]
    answer = ok("{" + ",".join(keys) + "}")
    with (
        VendorStub(demo_server().url, {CONTACT_PATH: answer}) as stub,
        caplog.at_level(logging.WARNING),
    ):
        fetch_contact(make_client(stub.url), OWN_FINDER, 3, _peers()[0])
    assert "no known shape" in caplog.text
    assert "\x1b" not in caplog.text and "\x07" not in caplog.text
    assert len(caplog.text) < 2000 and "+80 more" in caplog.text


@pytest.mark.parametrize(("code", "cached"), [("1001", True), ("1002", False), ("500", False)])
def test_only_a_plain_1001_is_cached_as_not_found(
    code: str, cached: bool, demo_server: ServerFactory, make_client: ClientFactory
) -> None:
    body = b'{"code":"' + code.encode() + b'","message":"no","data":null}'
    with VendorStub(demo_server().url, {CONTACT_PATH: (200, body)}) as stub:
        answer = fetch_contact(make_client(stub.url), OWN_FINDER, 3, _peers()[0])
    assert answer.contact.status == MISSING and answer.transient is not cached


def test_an_endpoint_the_vendor_lacks_is_asked_ever_less_often_and_logged_once(
    demo_server: ServerFactory,
    make_client: ClientFactory,
    store_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = [0.0]
    answers = {HOME_PATH: HOME_OK, CONTACT_PATH: (404, b"not found")}
    with (
        VendorStub(demo_server().url, answers) as stub,
        Store.open(store_dir) as store,
        caplog.at_level(logging.WARNING),
    ):
        resolver = NameResolver(
            make_client(stub.url), _filled(store), interval=0.0, clock=lambda: clock[0]
        )
        resolver.step()  # the profile
        waits = []
        for _ in range(4):
            resolver.step()
            waits.append(resolver.due_in())
            clock[0] += waits[-1]
        assert stub.asked[CONTACT_PATH] == 4
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0] > 0
    assert caplog.text.count("name lookup failed") == 1


def test_an_unreadable_own_identity_is_asked_again_later_in_the_run(
    demo_server: ServerFactory, make_client: ClientFactory, store_dir: Path
) -> None:
    clock = [0.0]
    answers = {HOME_PATH: ok('{"weird":true}'), CONTACT_PATH: (404, b"")}
    with VendorStub(demo_server().url, answers) as stub, Store.open(store_dir) as store:
        resolver = NameResolver(make_client(stub.url), store, interval=0.0, clock=lambda: clock[0])
        resolver.step()
        assert resolver.has_work() and resolver.due_in() > 0
        clock[0] += resolver.due_in()
        resolver.step()
        assert stub.asked[HOME_PATH] == 2
        stub.answers[HOME_PATH] = HOME_OK
        clock[0] += resolver.due_in()
        resolver.step()
        assert store.contacts.profile is not None and not resolver.has_work()


def test_name_requests_use_short_timeouts_so_queued_commands_wait_little() -> None:
    config = ClientConfig("http://127.0.0.1:1", WID, Secret(TOKEN), 5.0, 20.0)
    names = names_client_config(config)
    assert (names.connect_timeout, names.read_timeout) == (2.0, 3.0)
    assert names.token.reveal() == TOKEN and names.base_url == config.base_url


def test_the_store_thread_outlives_hostile_name_answers_and_still_applies_commands(
    demo_server: ServerFactory, store_dir: Path
) -> None:
    answers = {HOME_PATH: HOME_INF_ROLE, CONTACT_PATH: ok(deep_contact())}
    with VendorStub(demo_server().url, answers) as stub:
        recorder = Recorder()
        service = _service(stub.url, store_dir, recorder)
        service.start()
        try:
            index = opened_index(service)
            wait_for(lambda: stub.asked[CONTACT_PATH] >= len(_peers()), "every peer asked")
            assert service.running and service.state != ev.STOPPED
            sid = index.sessions()[0].session_id
            service.set_alias(sid, "still here")
            wait_for(
                lambda: (index.session(sid) or _NONE).alias == "still here", "the alias applied"
            )
        finally:
            service.stop()


def test_cli_sync_prints_no_escape_from_an_answer_s_keys(
    demo_server: ServerFactory, store_dir: Path
) -> None:
    # A real process: with no logging handler, Python prints warnings to stderr itself.
    hostile = ok('{"\\u001b]0;pwned\\u0007":1,"\\u009b31m":2}')
    with VendorStub(demo_server().url, {CONTACT_PATH: hostile}) as stub:
        env = dict(os.environ, FINDER_TUI_BASE_URL=stub.url, FINDER_TUI_WID=WID)
        env["FINDER_TUI_TOKEN"] = TOKEN
        done = subprocess.run(
            [sys.executable, "-m", "finder_tui", "sync", "--once", "--store", str(store_dir)],
            env=env,
            capture_output=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert b"no known shape" in done.stderr  # logged, and scrubbed:
    assert b"\x1b" not in done.stdout + done.stderr and b"\x07" not in done.stderr
    assert "\x9b".encode() not in done.stderr
