"""Helpers shared by the page-pipeline tests (test_parse_process.py, test_page_fetch.py):
which child processes a test started, and a demo server's pages as raw bodies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finder_tui.client import FinderClient
from finder_tui.demo import DemoServer
from finder_tui.wire.answer import read_sync_answer

HAS_PROC = Path("/proc/self/stat").exists()
needs_proc = pytest.mark.skipif(not HAS_PROC, reason="needs /proc to see child processes")

_before: set[int] = set()  # children that existed when the running test started


def _all_children() -> set[int]:
    """Every process (zombies included) whose parent is this test process."""
    me, found = os.getpid(), set[int]()
    if not HAS_PROC:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[1]) == me:
            found.add(int(entry.name))
    return found


def note_children() -> None:
    """Remember the children that exist now (other tests' leftovers are none of ours)."""
    _before.clear()
    _before.update(_all_children())


def child_pids() -> list[int]:
    """The children started since ``note_children``, still running or not yet reaped."""
    return sorted(_all_children() - _before)


def demo_bodies(server: DemoServer, client: FinderClient) -> list[bytes]:
    """The server's pages as raw bodies, along the keyBuff chain, the empty last one included."""
    bodies, key_buff = [], ""
    while True:
        body = client.sync_body(key_buff)
        bodies.append(body)
        page = read_sync_answer(body).page
        assert page is not None
        if page.raw_count == 0:
            return bodies
        key_buff = page.key_buff
