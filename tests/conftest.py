"""Shared fixtures for the headless-core suite: the seed fixture, demo servers, store dirs.

Everything here is real: a DemoServer on 127.0.0.1, store directories under tmp_path. The
autouse ``_isolate_config`` fixture keeps a developer's own config, store and server settings
out of every test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from finder_tui.client import ClientConfig, FinderClient, Secret
from finder_tui.demo import DemoServer, FaultSpec, seed_items
from finder_tui.wire.models import SyncPage, parse_page

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "tok-Zq8Xr3VwP1-unique-secret-7f3a"
WID = "wid-test-2c7a5bf6"

_SERVER_ENV = (
    "FINDER_TUI_BASE_URL",
    "FINDER_TUI_WID",
    "FINDER_TUI_TOKEN",
    "FINDER_TUI_STORE",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long reliability runs only with FINDER_TUI_SLOW=1."""
    if os.environ.get("FINDER_TUI_SLOW") == "1":
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (drop if item.get_closest_marker("slow") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _isolate_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "_xdg"
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(home / "no-such-config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in _SERVER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TMUX", raising=False)  # notifications are wrapped inside tmux


@pytest.fixture(scope="session")
def seed_payload() -> dict[str, Any]:
    """The vendor's success example, parsed as plain JSON (treat as read-only)."""
    payload: dict[str, Any] = json.loads((FIXTURES / "syncFinder-success.json").read_text("utf-8"))
    return payload


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (FIXTURES / "syncFinder-success.json").read_text("utf-8")


@pytest.fixture()
def seed_page(seed_payload: dict[str, Any]) -> SyncPage:
    return parse_page(seed_payload["data"])


@pytest.fixture()
def token() -> str:
    return TOKEN


@pytest.fixture()
def wid() -> str:
    return WID


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


DemoFactory = Callable[..., DemoServer]


@pytest.fixture()
def demo_server() -> Iterator[DemoFactory]:
    """``demo_server(items=..., faults="500=0.5", page_size=...)`` → a started DemoServer."""
    servers: list[DemoServer] = []

    def start(
        items: list[dict[str, Any]] | None = None,
        *,
        faults: str | FaultSpec | None = None,
        page_size: int = 100,
        token: str = TOKEN,
        wid: str = WID,
        **kwargs: Any,
    ) -> DemoServer:
        spec = FaultSpec.parse(faults) if isinstance(faults, str) else faults
        server = DemoServer(
            token=token,
            wid=wid,
            items=seed_items() if items is None else items,
            page_size=page_size,
            faults=spec,
            **kwargs,
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture()
def make_client() -> Iterator[Callable[..., FinderClient]]:
    """``make_client(url, token=..., read_timeout=...)`` → a FinderClient closed after the test."""
    clients: list[FinderClient] = []

    def build(
        base_url: str,
        *,
        token: str = TOKEN,
        wid: str = WID,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        **kwargs: Any,
    ) -> FinderClient:
        config = ClientConfig(base_url, wid, Secret(token), connect_timeout, read_timeout)
        client = FinderClient(config, **kwargs)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture()
def server_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[DemoServer], dict[str, str]]:
    """Point FINDER_TUI_* at a server; returns the full environment for subprocesses."""

    def point(server: DemoServer, *, token: str = TOKEN, wid: str = WID) -> dict[str, str]:
        monkeypatch.setenv("FINDER_TUI_BASE_URL", server.url)
        monkeypatch.setenv("FINDER_TUI_WID", wid)
        monkeypatch.setenv("FINDER_TUI_TOKEN", token)
        return dict(os.environ)

    return point
