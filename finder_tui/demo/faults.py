"""Injected faults for the demo server, so the client's retry and validation paths get exercised.

Grammar (comma-separated, whitespace ignored, keys case-insensitive)::

    spec    := entry ("," entry)*
    entry   := KIND "=" PROB | SEND "=" PROB | "all=" PROB | "seed=" INT
             | "slow_seconds=" SECONDS | "send_timeout_seconds=" SECONDS
    KIND    := "1001" | "500" | "slow" | "truncated" | "duplicate" | "malformed"
    SEND    := "send_fail" | "send_timeout" | "send_drop"

Each answerable request suffers at most one fault. ``KIND=P`` gives that kind probability P;
``all=P`` means "a fault with probability P, kind chosen uniformly", i.e. it adds P/6 to every
kind. Entries add up; the total must not exceed 1. Example:
``"1001=0.1,500=0.1,slow=0.05,truncated=0.05,duplicate=0.05,malformed=0.1,slow_seconds=0.5"``.

The SEND kinds apply to ``/privateSend`` only, drawn apart from the others (``all=`` leaves
them out; their probabilities add up to at most 1 on their own): ``send_fail`` answers 1001
and sends nothing; ``send_timeout`` sends (the message comes back through syncFinder) and
answers only after ``send_timeout_seconds`` (default 30), when the client has given up;
``send_drop`` reads the request and closes the connection without sending or answering.

No fault loses or reorders a real item: a client that retries on every error and drops invalid
items ends with exactly the server's item set.
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Mapping
from typing import Any

KINDS: tuple[str, ...] = ("1001", "500", "slow", "truncated", "duplicate", "malformed")
SEND_KINDS: tuple[str, ...] = ("send_fail", "send_timeout", "send_drop")
BUSY_MESSAGE = "服务繁忙,请稍后重试"

Item = dict[str, Any]


class FaultSpec:
    """Per-kind fault probabilities with a seeded, thread-safe draw."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        seed: int = 0,
        slow_seconds: float = 3.0,
        send_timeout_seconds: float = 30.0,
    ) -> None:
        self.rates: dict[str, float] = {kind: 0.0 for kind in KINDS}
        self.injected: dict[str, int] = {kind: 0 for kind in KINDS}  # for reliability figures
        self.send_rates: dict[str, float] = {kind: 0.0 for kind in SEND_KINDS}
        for kind, rate in (rates or {}).items():
            table = self.send_rates if kind in SEND_KINDS else self.rates
            if kind not in table:
                raise ValueError(f"unknown fault kind {kind!r} (known: {_known()})")
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault probability for {kind} must be in [0, 1]")
            table[kind] = float(rate)
        if sum(self.rates.values()) > 1.0 + 1e-9:
            raise ValueError("fault probabilities add up to more than 1")
        if sum(self.send_rates.values()) > 1.0 + 1e-9:
            raise ValueError("send fault probabilities add up to more than 1")
        if send_timeout_seconds < 0:
            raise ValueError("send_timeout_seconds must be >= 0")
        self.send_timeout_seconds = send_timeout_seconds
        if slow_seconds < 0:
            raise ValueError("slow_seconds must be >= 0")
        self.seed = seed
        self.slow_seconds = slow_seconds
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, text: str, *, seed: int = 0, slow_seconds: float = 3.0) -> FaultSpec:
        """Parse the grammar above; ``seed``/``slow_seconds`` are defaults the text may override."""
        rates: dict[str, float] = {}
        send_timeout_seconds = 30.0
        for entry in filter(None, (part.strip() for part in text.split(","))):
            key, sep, value = (s.strip() for s in entry.partition("="))
            key = key.lower()
            if not sep or not value:
                raise ValueError(f"fault entry {entry!r} is not KEY=VALUE")
            try:
                if key == "seed":
                    seed = int(value)
                elif key == "slow_seconds":
                    slow_seconds = float(value)
                elif key == "send_timeout_seconds":
                    send_timeout_seconds = float(value)
                elif key == "all":
                    for kind in KINDS:
                        rates[kind] = rates.get(kind, 0.0) + float(value) / len(KINDS)
                elif key in KINDS or key in SEND_KINDS:
                    rates[key] = rates.get(key, 0.0) + float(value)
                else:
                    raise ValueError(f"unknown fault kind {key!r} (known: {_known()})")
            except ValueError as exc:
                raise ValueError(f"bad fault entry {entry!r}: {exc}") from None
        return cls(
            rates,
            seed=seed,
            slow_seconds=slow_seconds,
            send_timeout_seconds=send_timeout_seconds,
        )

    def choose(self) -> str | None:
        """The fault for one request, or None."""
        with self._lock:
            roll = self._rng.random()
            for kind in KINDS:
                roll -= self.rates[kind]
                if roll < 0:
                    self.injected[kind] += 1
                    return kind
        return None

    def choose_send(self) -> str | None:
        """The send fault for one ``/privateSend`` request, or None."""
        with self._lock:
            roll = self._rng.random()
            for kind in SEND_KINDS:
                roll -= self.send_rates[kind]
                if roll < 0:
                    return kind
        return None

    def junk_items(self, template: Item | None) -> list[Item]:
        """1-3 junk items for a ``malformed`` answer.

        Every one breaks the item schema (a required field missing or of the wrong type), so a
        validating client drops them all and keeps exactly the real items. ``template`` is a
        real item to disfigure (copied, never mutated).
        """
        with self._lock:
            count = self._rng.randint(1, 3)
            makers = self._rng.sample(_JUNK_MAKERS, count)
            fake_id = self._rng.randint(1, (1 << 64) - 1)
        return [make(template or _FALLBACK, fake_id) for make in makers]

    def __repr__(self) -> str:
        rates = {**self.rates, **self.send_rates}
        active = ",".join(f"{k}={v:g}" for k, v in rates.items() if v)
        return f"FaultSpec({active or 'none'}, seed={self.seed}, slow_seconds={self.slow_seconds})"


def _known() -> str:
    return ", ".join(KINDS + SEND_KINDS)


_FALLBACK: Item = {
    "syncKeyType": 1,
    "itemType": 1,
    "subType": 0,
    "content": {
        "msg": {
            "Status": 3,
            "ImgBuf": {"iLen": 0},
            "Content": {"string": "junk"},
            "CreateTime": 1694500000,
            "MsgSeq": 1,
            "NewMsgId": 1,
            "FromUserName": {"string": "wxid_junk"},
            "ToUserName": {"string": "wxid_junk2"},
            "MsgType": 1,
            "ImgStatus": 1,
            "MsgId": 1,
            "MsgSource": "",
        },
        "isSender": 0,
        "msgSessionId": "junk@findermsg",
        "seq": 1,
    },
}


def _disfigure(template: Item, fake_id: int) -> tuple[Item, dict[str, Any]]:
    # A fresh NewMsgId so a junk item can never be mistaken for (or overwrite) a real one.
    item = copy.deepcopy(template)
    msg: dict[str, Any] = item["content"]["msg"]
    msg["NewMsgId"] = fake_id
    return item, msg


def _content_not_object(_template: Item, _fake_id: int) -> Item:
    return {"content": "x"}


def _id_not_int(_template: Item, _fake_id: int) -> Item:
    return {"syncKeyType": 1, "content": {"msg": {"NewMsgId": "abc"}}}


def _msgtype_missing(template: Item, fake_id: int) -> Item:
    item, msg = _disfigure(template, fake_id)
    del msg["MsgType"]
    return item


def _broken_image(template: Item, fake_id: int) -> Item:
    # Broken XML, and a number where the session id string belongs.
    item, msg = _disfigure(template, fake_id)
    msg.update({"MsgType": 3, "Content": {"string": '<msg><img length="1"'}})
    item["content"]["msgSessionId"] = 12345
    return item


def _number_for_string(template: Item, fake_id: int) -> Item:
    item, msg = _disfigure(template, fake_id)
    msg["Content"] = {"string": 42}
    msg["FromUserName"] = {"string": 7}
    return item


_JUNK_MAKERS = [
    _content_not_object,
    _id_not_int,
    _msgtype_missing,
    _broken_image,
    _number_for_string,
]
