"""``python -m finder_tui.bench.reliability``: the figures behind the README's Reliability section.

Faults injected by the demo server at 30% of every kind, kill -9 of a syncing process at random
instants, random and hostile parser inputs. Each part checks its own invariant (exactly the
server's item set, nothing committed lost, no exception escaped) and prints what it tried.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

import orjson

from ..client import ClientConfig, FinderClient, Secret, SyncError
from ..demo import DemoServer, FaultSpec, generate_items, seed_items
from ..store import Store
from ..sync import SyncEngine
from ..wire.content import parse_content
from ..wire.models import Message, parse_item
from ..wire.sanitize import scrub

TOKEN, WID = "reliability-token", "reliability-wid"


def _keys(items: list[dict[str, Any]]) -> set[str]:
    out = set()
    for item in items:
        message = parse_item(item)
        if isinstance(message, Message):
            out.add(message.key)
    return out


def faults(runs: int, messages: int) -> dict[str, Any]:
    injected: dict[str, int] = {}
    attempts = 0
    for run in range(runs):
        items = seed_items() + generate_items(sessions=20, messages=messages, seed=100 + run)
        spec = FaultSpec.parse(f"all=0.3,slow_seconds=1,seed={run}")
        with (
            DemoServer(token=TOKEN, wid=WID, items=items, page_size=25, faults=spec) as server,
            tempfile.TemporaryDirectory() as directory,
        ):
            config = ClientConfig(server.url, WID, Secret(TOKEN), read_timeout=0.3)
            with FinderClient(config) as client, Store.open(directory) as store:
                engine = SyncEngine(client, store)
                for _ in range(10_000):
                    attempts += 1
                    try:
                        engine.run_cycle()
                        break
                    except SyncError:
                        continue
                got = {m.key for m in store.index.all_messages()}
                if got != _keys(items) or store.index.message_count != len(got):
                    raise AssertionError(f"fault run {run}: the store differs from the server")
            for kind, count in spec.injected.items():
                injected[kind] = injected.get(kind, 0) + count
    return {
        "runs": runs,
        "items_per_run": messages + 19,
        "faults_injected": sum(injected.values()),
        "by_kind": injected,
        "sync_attempts": attempts,
        "lost": 0,
        "duplicates": 0,
    }


def kills(count: int, seed: int) -> dict[str, Any]:
    """kill -9 a syncing ``finder-tui sync --once`` until ``count`` kills landed mid-sync; fresh
    items arrive before every run, so there is always something being written."""
    rng = random.Random(seed)
    items = seed_items() + generate_items(sessions=30, messages=4_000, seed=17)
    slow = FaultSpec({"slow": 1.0}, slow_seconds=0.06)  # each page takes a while
    killed = runs = 0
    with (
        DemoServer(token=TOKEN, wid=WID, items=items, page_size=200, faults=slow) as server,
        tempfile.TemporaryDirectory() as directory,
    ):
        env = {
            **os.environ,
            "FINDER_TUI_BASE_URL": server.url,
            "FINDER_TUI_WID": WID,
            "FINDER_TUI_TOKEN": TOKEN,
        }
        argv = [sys.executable, "-m", "finder_tui", "sync", "--once", "--store", directory]
        before: set[str] = set()
        while killed < count and runs < count * 3:
            runs += 1
            last_seq = max(item["content"]["seq"] for item in server.items)
            server.append(
                generate_items(
                    sessions=30, messages=3_000, seed=1000 + runs, start_seq=last_seq + 1
                )
            )
            proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
            try:
                proc.wait(timeout=rng.uniform(0.4, 1.8))
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                killed += 1
            with Store.open(directory) as store:
                now = {m.key for m in store.index.all_messages()}
            if not before <= now:
                raise AssertionError(f"{len(before - now)} committed messages lost after a kill")
            before = now
        server.set_faults(None)
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, timeout=300)  # noqa: S603
        with Store.open(directory) as store:
            final = {m.key for m in store.index.all_messages()}
        if final != _keys(server.items):
            raise AssertionError("after the kills, a clean sync did not reach the server's set")
    return {
        "kills": killed,
        "runs": runs,
        "items_at_end": len(final),
        "lost": 0,
        "final_matches_server": True,
    }


_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    "<msg><img length='&c;'/></msg>"
)
_EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><msg>&x;</msg>'
)


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(8 if depth < 4 else 5)
    if choice == 0:
        return rng.randrange(-(2**65), 2**65)
    if choice == 1:
        return "".join(chr(rng.randrange(0, 0x2FFFF)) for _ in range(rng.randrange(12)))
    if choice == 2:
        return rng.random() * 1e20
    if choice == 3:
        return rng.choice([None, True, False])
    if choice == 4:
        return ""
    if choice == 5:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["content", "msg", "NewMsgId", "MsgType", "Content", "string", "seq", "x"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def parser(inputs: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    template = seed_items()[2]
    rejected = parsed = 0
    for i in range(inputs):
        if i % 2:
            item: Any = _random_value(rng)
        else:  # a real item with one field replaced: closer to what a server gets wrong
            item = orjson.loads(orjson.dumps(template))
            target = rng.choice([item, item["content"], item["content"]["msg"]])
            target[rng.choice(list(target))] = _random_value(rng)
        result = parse_item(item)  # must never raise
        parsed += isinstance(result, Message)
        rejected += not isinstance(result, Message)
    xml_cases = 0
    for msg_type in (3, 43, 47, 49, 10002):
        for payload in (_BOMB, _EXTERNAL, "<msg><img", "]]>", "<" * 10_000):
            parsed_content = parse_content(msg_type, payload)
            if parsed_content.kind != "broken" or "aaaaaaaaaa" * 10 in parsed_content.text:
                raise AssertionError("an XML bomb or external entity was expanded")
            xml_cases += 1
    hostile = ["\x1b]52;c;aGk=\x07", "\x1b[2J", "\u202eevil", "\x9b31m", "a\x00b\x7f"]
    if any(ch in scrub(text) for text in hostile for ch in "\x1b\x07\u202e\x9b\x00\x7f"):
        raise AssertionError("a control character survived scrubbing")
    return {
        "random_items": inputs,
        "accepted": parsed,
        "rejected_with_reason": rejected,
        "xml_attacks": xml_cases,
        "exceptions": 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser_args = argparse.ArgumentParser(prog="python -m finder_tui.bench.reliability")
    parser_args.add_argument("--quick", action="store_true", help="smaller runs")
    args = parser_args.parse_args(argv)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "faults": faults(2 if args.quick else 5, 500 if args.quick else 3000),
        "kills": kills(4 if args.quick else 20, seed=5),
        "parser": parser(2_000 if args.quick else 50_000, seed=9),
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
