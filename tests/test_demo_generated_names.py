"""The demo server at any size names its peers: a conversation served page by page from the
generator gets a nickname, not "contact not found" (which cost ``sync --once`` its whole naming
budget at 1M)."""

from __future__ import annotations

from finder_tui.client import ClientConfig, FinderClient, Secret
from finder_tui.demo import DemoServer
from finder_tui.demo.generator import GeneratedHistory
from finder_tui.demo.people import nickname_for
from finder_tui.people.api import fetch_contact


def test_a_generated_peer_has_a_nickname() -> None:
    history = GeneratedHistory(sessions=5, messages=20_000, seed=2)
    session = history.sessions[-1]
    with DemoServer(token="t", wid="w", source=history) as server:
        client = FinderClient(ClientConfig(server.url, "w", Secret("t")))
        try:
            answer = fetch_contact(client, session.own, 3, session.peer)
        finally:
            client.close()
    assert not answer.transient
    assert answer.contact.nickname == nickname_for(session.peer)
