"""The demo server in a separate process (multiprocessing, spawn), serving a generated data set."""

from __future__ import annotations

import multiprocessing
import secrets
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ..client import ClientConfig, Secret

WID = "bench-wid"


@dataclass(frozen=True, slots=True)
class Recipe:
    """What to serve: ``messages`` items over ``sessions`` sessions (``sessions=1``: chat only)."""

    sessions: int
    messages: int
    seed: int = 7


def build_items(recipe: Recipe) -> list[dict[str, Any]]:
    from ..demo import generate_items

    if recipe.sessions > 1:
        return generate_items(sessions=recipe.sessions, messages=recipe.messages, seed=recipe.seed)
    # One conversation of exactly ``messages`` chat items: drop the ~5% account-level notices.
    raw = generate_items(sessions=1, messages=recipe.messages * 11 // 10 + 50, seed=recipe.seed)
    chat = [item for item in raw if item["content"]["msgSessionId"]]
    return chat[: recipe.messages]


def _serve(recipe: Recipe, page_size: int, token: str, conn: Connection) -> None:
    from ..demo import DemoServer

    items = build_items(recipe)
    server = DemoServer(token=token, wid=WID, items=items, page_size=page_size).start()
    conn.send((server.url, len(items)))
    try:
        conn.recv()  # "stop", or EOFError when the parent went away
    except EOFError:
        pass
    finally:
        server.stop()


class ServerProcess:
    """Start with ``start()`` (returns at once), ``wait()`` for the URL, ``stop()`` at the end."""

    def __init__(self, recipe: Recipe, page_size: int) -> None:
        self.recipe = recipe
        self.page_size = page_size
        self.token = secrets.token_urlsafe(16)
        self.url = ""
        self.count = 0
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(recipe, page_size, self.token, child), daemon=True
        )
        self._child = child

    def start(self) -> ServerProcess:
        self._proc.start()
        self._child.close()
        return self

    def wait(self, timeout: float = 120.0) -> ServerProcess:
        if not self.url:
            try:
                if not self._conn.poll(timeout):
                    raise RuntimeError("the demo server process did not start in time")
                self.url, self.count = self._conn.recv()
            except EOFError:
                code = self._proc.exitcode
                raise RuntimeError(f"the demo server process exited (code {code})") from None
        return self

    def config(self) -> ClientConfig:
        self.wait()
        return ClientConfig(self.url, WID, Secret(self.token), read_timeout=60.0)

    def stop(self) -> None:
        try:
            self._conn.send("stop")
        except (BrokenPipeError, OSError):
            pass
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
        self._conn.close()
