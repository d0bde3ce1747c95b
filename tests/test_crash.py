"""kill -9 a syncing ``finder_tui sync --once`` at random instants: nothing committed is lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui.demo import DemoServer, FaultSpec, generate_items, seed_items
from finder_tui.store import Store
from finder_tui.wire.models import Message, parse_item

ServerFactory = Callable[..., DemoServer]
Item = dict[str, Any]


@pytest.fixture(scope="module")
def many_items() -> list[Item]:
    return seed_items() + generate_items(sessions=30, messages=20_000, seed=17)


def stored_keys(directory: Path) -> set[str]:
    with Store.open(directory) as store:
        if not store.index.complete:
            store.load_segments()
        keys = {m.key for m in store.index.all_messages()}
        assert store.index.message_count == len(keys)
    return keys


def docs_on_disk(directory: Path) -> list[str]:
    """Keys of every message document in the head and the segments it lists."""
    head = orjson.loads((directory / "head.json").read_bytes())
    keys = [d["k"] for d in head.get("messages", {}).values()]
    for name in head["meta"]["1"].get("segments", []):
        keys += [d["k"] for d in orjson.loads((directory / name).read_bytes())["messages"].values()]
    return keys


def expected(items: list[Item]) -> set[str]:
    keys = set()
    for item in items:
        message = parse_item(item)
        assert isinstance(message, Message)
        keys.add(message.key)
    return keys


def kill_run(kills: int, seed: int, server: DemoServer, env: dict[str, str], store: Path) -> None:
    rng = random.Random(seed)
    argv = [sys.executable, "-m", "finder_tui", "sync", "--once", "--store", str(store)]
    previous: set[str] = set()
    killed = 0
    for _ in range(kills):
        proc = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            # The first kill waits for a first commit: on a loaded machine an interpreter may
            # take longer to start than the whole random delay.
            deadline = time.monotonic() + 60
            while not (store / "head.json").exists() and time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                time.sleep(0.02)
            proc.wait(timeout=rng.uniform(0.2, 2.0))
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        _, err = proc.communicate(timeout=30)
        assert proc.returncode in (0, -signal.SIGKILL), err
        if (store / "head.json").exists():
            now = stored_keys(store)  # opens: the lock died with the process
            lost = previous - now
            assert not lost, f"{len(lost)} committed messages lost"
            on_disk = docs_on_disk(store)
            assert len(on_disk) == len(set(on_disk)) == len(now)
            previous = now
    assert killed >= kills // 2, "the sync finished before most kills; slow the server down"
    assert (store / "head.json").exists()
    assert previous, "no commit landed before the kills"

    server.set_faults(None)
    done = subprocess.run([*argv, "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rejected"] == 0
    final = stored_keys(store)
    assert final == expected(server.items)
    assert previous <= final
    on_disk = docs_on_disk(store)
    assert len(on_disk) == len(set(on_disk)) == len(server.items)


def _setup(
    demo_server: ServerFactory, items: list[Item], server_env: Callable[..., dict[str, str]]
) -> tuple[DemoServer, dict[str, str]]:
    # Every page waits a little, so a full sync takes several seconds and the kills land in it.
    faults = FaultSpec({"slow": 1.0}, slow_seconds=0.025)
    server = demo_server(items, page_size=200, faults=faults)
    return server, server_env(server)


def test_kill_9_loses_nothing(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    store_dir: Path,
    many_items: list[Item],
) -> None:
    server, env = _setup(demo_server, many_items, server_env)
    kill_run(6, 20240601, server, env, store_dir)


@pytest.mark.slow
def test_kill_9_twenty_times(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    store_dir: Path,
    many_items: list[Item],
) -> None:
    items = many_items + generate_items(
        sessions=10, messages=30_000, seed=18, start_seq=many_items[-1]["content"]["seq"] + 1
    )
    server, env = _setup(demo_server, items, server_env)
    kill_run(20, 7, server, env, store_dir)
