"""Demo data in the exact syncFinder wire shape: generated history and a live feed.

Everything here is reproducible from an integer seed (``random.Random``) so tests and
screenshots see the same inbox every run. Item dicts use the key order of the vendor example.
The wire builders and text pools live in ``items``; the on-demand generator for big inboxes in
``generator``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from finder_tui.demo.items import (
    _APP_TITLES,
    _APPMSG_XML,
    _EMOJI,
    _EMOJI_XML,
    _IMAGE_XML,
    _LIVE_END_RE,
    _LIVE_START_RE,
    _PHRASES,
    _UNKNOWN,
    _V2_PREFIX,
    _VIDEO_XML,
    FINDER_TO_FINDER,
    HIGH_BIT,
    HOSTILE_TEXTS,
    MAX_MSG_ID,
    OWN_FINDER,
    OWN_WXID,
    STRANGER,
    WX_TO_FINDER,
    Item,
    Session,
    build_item,
    build_live_notice,
    seed_items,
)

__all__ = [
    "FINDER_TO_FINDER",
    "HIGH_BIT",
    "HOSTILE_TEXTS",
    "MAX_MSG_ID",
    "OWN_FINDER",
    "OWN_WXID",
    "STRANGER",
    "WX_TO_FINDER",
    "Item",
    "LiveFeed",
    "Session",
    "build_item",
    "build_live_notice",
    "default_demo_items",
    "generate_items",
    "seed_items",
    "sessions_of",
    "shift_to_recent",
]


def default_demo_items(sessions: int = 12, messages: int = 400, seed: int = 7) -> list[Item]:
    """The seed page followed by generated history continuing after its last seq (1242)."""
    return seed_items() + generate_items(sessions=sessions, messages=messages, seed=seed)


class _Gen:
    """Random building blocks shared by generate_items and LiveFeed."""

    def __init__(self, rng: random.Random, used_ids: Iterable[int] = ()) -> None:
        self.rng = rng
        self.used_ids: set[int] = set(used_ids)
        self.used_objects: set[int] = set()

    def hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def msg_id(self) -> int:
        while True:
            value = self.rng.randint(1, MAX_MSG_ID)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def object_id(self) -> int:
        # 20 decimal digits, like the seed's 1419.../1421... ids, always a valid uint64.
        while True:
            value = self.rng.randrange(14_215_000_000_000_000_000, 18_000_000_000_000_000_000)
            if value not in self.used_objects:
                self.used_objects.add(value)
                return value

    def session(self, kind: str) -> Session:
        if kind == STRANGER:
            # The seed names a stranger session after the stranger's own hex id.
            hex_id = self.hex(64)
            return Session(f"{hex_id}@findermsg", OWN_FINDER, f"fv1_{hex_id}@findermsgstranger")
        peer = f"{_V2_PREFIX}{self.hex(56)}@finder"
        own = OWN_WXID if kind == WX_TO_FINDER else OWN_FINDER
        return Session(f"{self.hex(64)}@findermsg", own, peer)

    def text(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return rng.choice(_PHRASES)
        if roll < 0.65:
            return rng.choice(_PHRASES) + "".join(rng.choices(_EMOJI, k=rng.randint(1, 3)))
        if roll < 0.73:
            return "".join(rng.choices(_EMOJI, k=rng.randint(1, 5)))
        if roll < 0.88:
            return "\n".join(rng.choices(_PHRASES, k=rng.randint(2, 5)))
        if roll < 0.95:
            return self.long_line()
        return str(rng.randint(1, 99))  # the seed has bare numbers like "1" and "12"

    def long_line(self) -> str:
        parts: list[str] = []
        while sum(len(p) for p in parts) < 300:
            parts.append(self.rng.choice(_PHRASES))
            parts.append(self.rng.choice(("，", " ", "；", self.rng.choice(_EMOJI))))
        return "".join(parts)

    def image_xml(self) -> str:
        rng = self.rng
        tw, th = rng.choice(((80, 120), (120, 80), (120, 120), (67, 120), (120, 90)))
        length = rng.randint(20_000, 5_000_000)
        return _IMAGE_XML.format(
            aes=self.hex(32),
            url="3057020100044b304902010002" + self.hex(130),
            thumb_len=rng.randint(1_500, 9_000),
            th=th,
            tw=tw,
            length=length,
            hd=rng.randint(length // 3, length),
            md5=self.hex(32),
        )

    def video_xml(self) -> str:
        return _VIDEO_XML.format(
            aes=self.hex(32),
            url="3057020100044b304902010002" + self.hex(130),
            length=self.rng.randint(100_000, 30_000_000),
            play=self.rng.randint(1, 300),
            md5=self.hex(32),
        )

    def emoji_xml(self, frm: str, to: str) -> str:
        return _EMOJI_XML.format(
            frm=quoteattr(frm),
            to=quoteattr(to),
            md5=self.hex(32),
            size=self.rng.randint(800, 400_000),
            side=self.rng.choice((120, 240, 300)),
        )

    def appmsg_xml(self) -> str:
        title, des = self.rng.choice(_APP_TITLES)
        return _APPMSG_XML.format(title=escape(title), des=escape(des), n=self.rng.randint(1, 9999))

    def chat(self, s: Session, *, seq: int, when: int, is_sender: int, first: bool) -> Item:
        """A chat message in session ``s`` of a randomly chosen kind."""
        frm, to = (s.own, s.peer) if is_sender else (s.peer, s.own)
        roll = self.rng.random()
        if roll < 0.70:
            msg_type, content = 1, self.text()
        elif roll < 0.81:
            msg_type, content = 3, self.image_xml()
        elif roll < 0.86:
            msg_type, content = 43, self.video_xml()
        elif roll < 0.93:
            msg_type, content = 47, self.emoji_xml(frm, to)
        elif roll < 0.98:
            msg_type, content = 49, self.appmsg_xml()
        else:
            msg_type, content = self.rng.choice(_UNKNOWN)
        return build_item(
            seq=seq,
            create_time=when,
            new_msg_id=self.msg_id(),
            msg_type=msg_type,
            content=content,
            from_user=frm,
            to_user=to,
            is_sender=is_sender,
            session_id=s.session_id,
            extinfo="CAEQAQ==" if first else "CAIQAw==",
        )

    def live(self, *, start: bool, object_id: int, seq: int, when: int) -> Item:
        live_id = (
            0 if start else self.rng.randrange(2_078_600_000_000_000_000, 2_099_999_999_999_999_999)
        )
        return build_live_notice(
            start=start,
            object_id=object_id,
            seq=seq,
            create_time=when,
            new_msg_id=self.msg_id(),
            live_id=live_id,
        )


def _session_kinds(rng: random.Random, n: int) -> list[str]:
    """Every kind at least once (when n >= 3), the rest weighted toward strangers."""
    kinds = [STRANGER, WX_TO_FINDER, FINDER_TO_FINDER][:n]
    kinds += rng.choices([STRANGER, WX_TO_FINDER, FINDER_TO_FINDER], [5, 3, 2], k=n - len(kinds))
    rng.shuffle(kinds)
    return kinds


def _live_plan(rng: random.Random, gen: _Gen, n_live: int) -> list[tuple[bool, int]]:
    """(is_start, object_id) events: paired start/end streams plus some left live at the end."""
    if n_live <= 0:
        return []
    still_live = max(1, n_live // 5)
    if (n_live - still_live) % 2:
        still_live += 1
    ended = [gen.object_id() for _ in range((n_live - still_live) // 2)]
    events = [(True, oid) for oid in ended] + [(False, oid) for oid in ended]
    rng.shuffle(events)
    # A stream's end must follow its start: swap any pair that came out reversed.
    for oid in ended:
        i, j = events.index((True, oid)), events.index((False, oid))
        if j < i:
            events[i], events[j] = events[j], events[i]
    # Streams still live started recently: they come last (see _live_slots).
    return events + [(True, gen.object_id()) for _ in range(still_live)]


def _live_slots(rng: random.Random, messages: int, plan: list[tuple[bool, int]]) -> set[int]:
    """Where the plan's notices go: the streams still live among the last messages (about
    the last day of the inbox), not months back as if a stream had run for months."""
    still = sum(1 if is_start else -1 for is_start, _ in plan)  # starts with no end: the last
    tail = min(messages, max(4 * still, messages // 50))
    head_count = len(plan) - still
    if head_count > messages - tail:  # tiny inboxes: spread everything
        return set(rng.sample(range(messages), len(plan)))
    return set(rng.sample(range(messages - tail), head_count)) | set(
        rng.sample(range(messages - tail, messages), still)
    )


def _next_time(rng: random.Random, when: int) -> int:
    # Mostly minutes apart, sometimes a night or a weekend, so the inbox spans many days.
    if rng.random() < 0.06:
        return when + rng.randint(6 * 3600, 40 * 3600)
    return when + rng.randint(20, 5400)


def _plant_hostile(rng: random.Random, items: list[Item], messages: int) -> None:
    texts = [it for it in items if it["content"]["msg"]["MsgType"] == 1]
    count = max(1, messages // 100) if messages >= 50 else 0
    offset = rng.randrange(len(HOSTILE_TEXTS))
    for i, item in enumerate(rng.sample(texts, min(count, len(texts)))):
        item["content"]["msg"]["Content"]["string"] = HOSTILE_TEXTS[
            (offset + i) % len(HOSTILE_TEXTS)
        ]


def _ensure_high_id(gen: _Gen, items: list[Item]) -> None:
    """Guarantee at least one NewMsgId above 2^63 (beyond int64 and float precision)."""
    if not items or any(it["content"]["msg"]["NewMsgId"] > HIGH_BIT for it in items):
        return
    while (value := gen.rng.randint(HIGH_BIT + 1, MAX_MSG_ID)) in gen.used_ids:
        pass
    gen.used_ids.add(value)
    items[0]["content"]["msg"]["NewMsgId"] = value


def generate_items(
    *,
    sessions: int,
    messages: int,
    seed: int,
    start_seq: int = 1243,
    start_time: int = 1694500000,
) -> list[Item]:
    """``messages`` wire items over ``sessions`` sessions, reproducible from ``seed``.

    seq/MsgSeq/MsgId and CreateTime increase; NewMsgIds are unique random uint64s. About 5%
    are account-level live notices (some streams still live at the end) and a few texts carry
    hostile content (see HOSTILE_TEXTS).
    """
    if sessions < 1 or messages < 0:
        raise ValueError("sessions must be >= 1 and messages >= 0")
    rng = random.Random(seed)
    gen = _Gen(rng)
    convs = [gen.session(kind) for kind in _session_kinds(rng, sessions)]
    weights = [1.0 / (rank + 1) for rank in range(len(convs))]  # a few busy conversations
    n_live = max(round(messages * 0.05), 3 if messages >= 20 else 0)
    plan = _live_plan(rng, gen, min(n_live, messages))
    live_slots = _live_slots(rng, messages, plan)
    started: set[str] = set()
    items: list[Item] = []
    seq, when, current = start_seq, start_time, convs[0]
    for index in range(messages):
        if index in live_slots:
            is_start, oid = plan.pop(0)
            items.append(gen.live(start=is_start, object_id=oid, seq=seq, when=when))
        else:
            if rng.random() > 0.7:  # usually the conversation goes on, else another one
                current = rng.choices(convs, weights)[0]
            sent = rng.random() < (0.35 if current.own == OWN_FINDER else 0.6)
            first = current.session_id not in started
            started.add(current.session_id)
            items.append(gen.chat(current, seq=seq, when=when, is_sender=int(sent), first=first))
        seq += 1 if rng.random() < 0.85 else rng.randint(2, 4)  # the real seq has gaps
        when = _next_time(rng, when)
    _plant_hostile(rng, items, messages)
    _ensure_high_id(gen, items)
    return items


def sessions_of(items: Iterable[Item]) -> list[Session]:
    """The chat sessions present in ``items``, in first-seen order (junk is skipped)."""
    found: dict[str, Session] = {}
    for item in items:
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(content, dict) or not isinstance(content.get("msg"), dict):
            continue
        sid, msg = content.get("msgSessionId"), content["msg"]
        frm = (msg.get("FromUserName") or {}).get("string")
        to = (msg.get("ToUserName") or {}).get("string")
        if not sid or not isinstance(sid, str) or sid in found or not frm or not to:
            continue
        own, peer = (frm, to) if content.get("isSender") == 1 else (to, frm)
        found[sid] = Session(sid, own, peer)
    return list(found.values())


def _live_state(items: Iterable[Item]) -> tuple[list[int], set[int]]:
    """Object ids of streams still live (started, not ended) and all ids seen."""
    started: dict[int, None] = {}
    ended: set[int] = set()
    for item in items:
        try:
            msg = item["content"]["msg"]
            text = msg["Content"]["string"] if msg.get("MsgType") == 10002 else ""
        except (KeyError, TypeError):
            continue
        if isinstance(text, str) and (m := _LIVE_START_RE.search(text)):
            started[int(m.group(1))] = None
        elif isinstance(text, str) and (m := _LIVE_END_RE.search(text)):
            ended.add(int(m.group(1)))
    return [oid for oid in started if oid not in ended], set(started) | ended


def _ids_of(items: Iterable[Item]) -> set[int]:
    ids: set[int] = set()
    for item in items:
        try:
            value = item["content"]["msg"]["NewMsgId"]
        except (KeyError, TypeError):
            continue
        if isinstance(value, int):
            ids.add(value)
    return ids


class LiveFeed:
    """New items on demand, continuing an existing inbox (for the server's ``live_every``).

    Mostly a received or sent message in an existing session; sometimes a live stream starts
    or ends; rarely a new stranger opens a conversation.
    """

    def __init__(self, seed: int, sessions_from: Iterable[Item]) -> None:
        known = list(sessions_from)
        self._rng = random.Random(seed)
        self._gen = _Gen(self._rng, _ids_of(known))
        self._sessions = sessions_of(known)
        self._live, seen_objects = _live_state(known)
        self._gen.used_objects |= seen_objects

    def next_items(self, now_seq: int, now_time: int) -> list[Item]:
        """Items with seq > ``now_seq`` (the highest seq already served), at ``now_time``."""
        seq = now_seq + 1
        roll = self._rng.random()
        if roll < 0.10:
            return [self._live_notice(seq, now_time)]
        first = not self._sessions or roll < 0.15
        if first:
            self._sessions.append(self._gen.session(STRANGER))
        session = self._sessions[-1] if first else self._rng.choice(self._sessions)
        sent = 0 if first else int(self._rng.random() < 0.35)
        return [self._gen.chat(session, seq=seq, when=now_time, is_sender=sent, first=first)]

    def _live_notice(self, seq: int, when: int) -> Item:
        if self._live and self._rng.random() < 0.5:
            oid = self._live.pop(self._rng.randrange(len(self._live)))
            return self._gen.live(start=False, object_id=oid, seq=seq, when=when)
        oid = self._gen.object_id()
        self._live.append(oid)
        return self._gen.live(start=True, object_id=oid, seq=seq, when=when)


def shift_to_recent(items: list[Item], now: float, *, skip: int = 19) -> list[Item]:
    """Move the generated history (after the seed's ``skip`` items) so it ends a few minutes
    before ``now``: an interactive demo then shows "5m" and "LIVE 2h" rather than 2023 dates."""
    times = [
        item["content"]["msg"]["CreateTime"]
        for item in items[skip:]
        if isinstance(item.get("content"), dict) and isinstance(item["content"].get("msg"), dict)
    ]
    if not times:
        return items
    delta = int(now) - 300 - max(times)
    for item in items[skip:]:
        content = item.get("content")
        if isinstance(content, dict) and isinstance(content.get("msg"), dict):
            content["msg"]["CreateTime"] += delta
    return items
