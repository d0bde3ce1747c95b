"""Helpers for the Textual Pilot suite (``tests/tui/``); its autouse fixture is in conftest.py.

Everything is real: a DemoServer on 127.0.0.1, a store under ``tmp_path``, the FinderApp in
``run_test``. Waits are bounded polls (``wait_for``), never fixed sleeps.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from finder_tui.client import ClientConfig, Secret
from finder_tui.demo import DemoServer, FaultSpec
from finder_tui.demo.data import OWN_FINDER, build_item, build_live_notice
from finder_tui.store import Store
from finder_tui.tui.app import FinderApp
from finder_tui.tui.screens.inbox import InboxScreen
from finder_tui.tui.widgets.conversation import ConversationView
from finder_tui.tui.widgets.live_view import LiveView
from finder_tui.tui.widgets.session_list import LIVE_ENTRY, SessionList
from finder_tui.wire.models import parse_page

TOKEN = "tui-tok-9d2Qx7-never-shown"
WID = "tui-wid-4f1a"
SIZE = (120, 36)
Item = dict[str, Any]

# C0 controls (tab and newline included: nothing multi-line belongs in one rendered row), DEL,
# C1 controls, and the bidi overrides/isolates that scrub() removes.
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# ---- waiting ----------------------------------------------------------------------------------


async def wait_for(
    pilot: Pilot[Any],
    predicate: Callable[[], object],
    timeout: float = 10.0,
    what: str = "",
) -> None:
    """Poll ``predicate`` every 50 ms (letting the app run) until true, or fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            await pilot.pause()  # let follow-up callbacks (scrolls, repaints) settle
            return
        if time.monotonic() > deadline:
            app = pilot.app
            state = ""
            if isinstance(app, FinderApp):
                state = f"; app state {app.sync_state.state!r}, status {app.status_text()!r}"
            pytest.fail(f"timed out after {timeout:g}s waiting for {what or predicate}{state}")
        await pilot.pause(0.05)


# ---- rendering --------------------------------------------------------------------------------


def strip_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def visible_lines(view: Widget) -> list[str]:
    """The rendered rows of a Line API widget (what is on screen at its scroll offset)."""
    height = view.scrollable_content_region.height
    return [strip_text(view.render_line(y)) for y in range(height)]


def visible_strips(view: Widget) -> list[Strip]:
    height = view.scrollable_content_region.height
    return [view.render_line(y) for y in range(height)]


def widget_text(widget: Widget) -> str:
    """What a (non Line API) widget paints, e.g. the status bar, as plain text."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip_text(strip) for strip in strips)


def screen_lines(pilot: Pilot[Any]) -> list[str]:
    """Every row of the composed screen, as the terminal would receive its text."""
    strips = pilot.app.screen._compositor.render_strips()
    return [strip_text(strip) for strip in strips]


def screen_segment_texts(pilot: Pilot[Any]) -> list[str]:
    strips = pilot.app.screen._compositor.render_strips()
    return [segment.text for strip in strips for segment in strip]


def find_row(lines: list[str], needle: str) -> int:
    for y, line in enumerate(lines):
        if needle in line:
            return y
    raise AssertionError(f"{needle!r} is not on screen:\n" + "\n".join(lines))


# ---- data -------------------------------------------------------------------------------------

_BASE_ID = 5_000_000_000_000_000_000


@dataclass(frozen=True)
class Chat:
    """A conversation to build wire items for (stranger → our Channels account by default)."""

    session_id: str
    peer: str
    own: str = OWN_FINDER

    @classmethod
    def named(cls, name: str) -> Chat:
        hex_id = (name.encode().hex() * 64)[:64]
        return cls(f"{hex_id}@findermsg", f"fv1_{hex_id}@findermsgstranger")

    def item(
        self,
        seq: int,
        when: int,
        text: str = "",
        *,
        sent: bool = False,
        msg_type: int = 1,
    ) -> Item:
        frm, to = (self.own, self.peer) if sent else (self.peer, self.own)
        return build_item(
            seq=seq,
            create_time=when,
            new_msg_id=_BASE_ID + seq,
            msg_type=msg_type,
            content=text,
            from_user=frm,
            to_user=to,
            is_sender=1 if sent else 0,
            session_id=self.session_id,
        )


def live_item(seq: int, when: int, object_id: int, *, start: bool = True) -> Item:
    return build_live_notice(
        start=start,
        object_id=object_id,
        seq=seq,
        create_time=when,
        new_msg_id=_BASE_ID + seq,
        live_id=2_080_000_000_000_000_000 + seq,
    )


def image_xml(length: int = 113_664, width: int = 80, height: int = 120) -> str:
    return (
        f'<?xml version="1.0"?><msg><img aeskey="00" length="{length}" '
        f'cdnthumbwidth="{width}" cdnthumbheight="{height}" md5="0f" /></msg>'
    )


def last_seq(items: list[Item]) -> int:
    return max(int(item["content"]["seq"]) for item in items)


def last_time(items: list[Item]) -> int:
    return max(int(item["content"]["msg"]["CreateTime"]) for item in items)


def prepare_store(store_dir: Path, items: list[Item], key_buff: str = "") -> None:
    """Write ``items`` into a store at ``store_dir`` as if synced, then close it."""
    page = parse_page({"list": items, "keyBuff": key_buff})
    assert not page.rejected, page.rejected[:3]
    store = Store.open(store_dir)
    try:
        store.ingest(page.messages)
        store.set_key_buff(key_buff, synced_at=0.0)
        store.commit()
    finally:
        store.close()


# ---- the app under test -----------------------------------------------------------------------


@dataclass
class Harness:
    app: FinderApp
    pilot: Pilot[Any]
    server: DemoServer | None
    store_dir: Path

    @property
    def inbox(self) -> InboxScreen:
        """The inbox screen: what is open, the filter, find (the App keeps the sync state)."""
        return self.app.inbox

    @property
    def sessions(self) -> SessionList:
        return self.app.query_one(SessionList)

    @property
    def conv(self) -> ConversationView:
        return self.app.query_one(ConversationView)

    @property
    def live(self) -> LiveView:
        return self.app.query_one(LiveView)

    @property
    def index(self) -> Any:
        assert self.app.index is not None, "the store has not opened yet"
        return self.app.index

    def status(self) -> str:
        return widget_text(self.app.query_one("#status"))

    def status_matches_state(self) -> bool:
        """The status bar shows the current sync state (its first word, e.g. "idle")."""
        word = self.app.status_text()[0].split(" ", 1)[0]
        return self.status().lstrip().startswith(word)

    def top(self) -> str:
        return widget_text(self.app.query_one("#top-bar"))

    def row(self, key: str) -> Any:
        for row in self.sessions.rows:
            if row.key == key:
                return row
        raise AssertionError(f"no row for {key!r}")

    def session_keys(self) -> list[str]:
        return [row.key for row in self.sessions.rows if row.key != LIVE_ENTRY]

    def list_matches_index(self) -> bool:
        """The (unfiltered) list shows the index's sessions in its order, with its badges."""
        index = self.app.index
        if index is None or self.sessions.filter_text:
            return False
        summaries = index.sessions()
        rows = [row for row in self.sessions.rows if row.key != LIVE_ENTRY]
        return [row.key for row in rows] == [s.session_id for s in summaries] and all(
            row.badge == (str(s.unread) if s.unread else "")
            for row, s in zip(rows, summaries, strict=True)
        )

    async def wait(
        self, predicate: Callable[[], object], timeout: float = 10.0, what: str = ""
    ) -> None:
        await wait_for(self.pilot, predicate, timeout, what)

    async def open_session(self, session_id: str) -> None:
        """Select a session in the list as a click would, and wait until it is open."""
        self.sessions.select_key(session_id)
        await self.wait(lambda: self.conv.session_id == session_id, what=f"{session_id} open")

    async def push(self, items: list[Item], timeout: float = 10.0) -> None:
        """Serve new items and sync now; returns when the UI has applied them."""
        assert self.server is not None
        target = self.index.message_count + len(items)
        started = time.time()
        self.server.append(items)
        self.app.service.sync_now()

        def applied() -> bool:
            # The UI has handled an "idle" emitted after the push, so also the new messages
            # that came before it on the same event stream.
            state = self.app.sync_state
            return (
                self.index.message_count >= target and state.state == "idle" and state.at >= started
            )

        await self.wait(applied, timeout, f"{len(items)} pushed items to be synced")
        await self.wait(self.list_matches_index, timeout, "the list to show the pushed items")


def client_config(url: str, token: str = TOKEN) -> ClientConfig:
    return ClientConfig(url, WID, Secret(token), connect_timeout=2.0, read_timeout=5.0)


@asynccontextmanager
async def running_app(
    store_dir: Path,
    *,
    items: list[Item] | None = None,
    online: bool = True,
    token: str = TOKEN,
    faults: str | None = None,
    page_size: int = 100,
    poll_interval: float = 60.0,
    size: tuple[int, int] = SIZE,
    wait_state: str | None = "idle",
    mode: str | None = None,
    timeout: float = 15.0,
) -> AsyncIterator[Harness]:
    """A DemoServer (``items``; the demo inbox when None) and a FinderApp syncing from it.

    ``online=False`` runs the app offline over whatever ``store_dir`` holds. With
    ``wait_state`` set, the block starts once the sync state reached it and the store is open.
    """
    server: DemoServer | None = None
    if online:
        server = DemoServer(
            token=TOKEN,
            wid=WID,
            items=items,
            page_size=page_size,
            faults=FaultSpec.parse(faults) if faults else None,
        ).start()
    try:
        app = FinderApp(
            store_dir=store_dir,
            client_config=client_config(server.url, token) if server else None,
            mode=mode or ("demo" if online else "offline"),
            poll_interval=poll_interval,
        )
        async with app.run_test(size=size) as pilot:
            harness = Harness(app, pilot, server, store_dir)
            if wait_state is not None:
                await wait_for(
                    pilot,
                    lambda: app.sync_state.state == wait_state and app.index is not None,
                    timeout,
                    f"state {wait_state!r}",
                )
                # The list and status bar repaint on their own schedule: wait for them.
                await wait_for(pilot, harness.list_matches_index, timeout, "the session list")
                await wait_for(pilot, harness.status_matches_state, timeout, "the status bar")
            yield harness
    finally:
        if server is not None:
            server.stop()
