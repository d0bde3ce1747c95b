"""A syncFinder answer read from its body bytes, and its compact form between processes.

``read_sync_answer`` is a pure function of the body, so it gives the same result in this
process or in the page-parser process (``parse_worker``); the client turns a ``SyncAnswer``
into a page or a typed error either way. The compact form is JSON (orjson keeps uint64 ids
exact): the parent never unpickles what a process that read hostile input wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from . import jsonio
from .models import EnvelopeError, Message, Rejected, SyncPage, parse_envelope, parse_page

SUCCESS = "1000"


@dataclass(slots=True)
class SyncAnswer:
    """What a body said: ``problem`` when it is no syncFinder answer at all, else the
    envelope's ``code``/``message`` and, on success, the ``page``."""

    code: str = ""
    message: str = ""
    page: SyncPage | None = None
    problem: str = ""


def read_sync_answer(body: bytes) -> SyncAnswer:
    try:
        payload: Any = jsonio.loads(body)
    except jsonio.JSONError:
        return SyncAnswer(problem=f"answer is not valid JSON ({len(body)} bytes; truncated?)")
    try:
        code, message, data = parse_envelope(payload)
    except EnvelopeError as exc:
        return SyncAnswer(problem=f"unexpected answer shape: {exc}")
    if code != SUCCESS:
        return SyncAnswer(code, message)
    try:
        return SyncAnswer(code, message, parse_page(data))
    except EnvelopeError as exc:
        return SyncAnswer(code, message, problem=f"unexpected answer shape: {exc}")


def encode_answer(answer: SyncAnswer) -> bytes:
    """The answer as compact JSON; raises ``TypeError`` for a value JSON cannot carry."""
    page = answer.page
    out: dict[str, Any] = {"c": answer.code, "m": answer.message, "p": answer.problem}
    if page is not None:
        out["k"], out["n"] = page.key_buff, page.raw_count
        out["ms"] = [_message_row(m) for m in page.messages]
        out["rj"] = [[r.reason, r.excerpt] for r in page.rejected]
    return orjson.dumps(out)


def decode_answer(data: bytes) -> SyncAnswer:
    """The inverse of ``encode_answer``; raises ``ValueError``/``TypeError``/``KeyError`` on
    anything else."""
    out = orjson.loads(data)
    page = None
    if "k" in out:
        messages = [
            Message(k, i, s, p, bool(o), t, q, ty, kd, tx, mt, raw.encode("utf-8"), me)
            for k, i, s, p, o, t, q, ty, kd, tx, mt, raw, me in out["ms"]
        ]
        rejected = [Rejected(reason, excerpt) for reason, excerpt in out["rj"]]
        page = SyncPage(messages, rejected, out["k"], int(out["n"]))
    return SyncAnswer(str(out["c"]), str(out["m"]), page, str(out["p"]))


def _message_row(m: Message) -> list[Any]:
    # Field order of Message's constructor; raw is UTF-8 by construction (orjson wrote it).
    return [
        m.key, m.new_msg_id, m.session_id, m.peer, m.is_sender, m.create_time, m.seq,
        m.msg_type, m.kind, m.text, m.meta, m.raw.decode("utf-8"), m.me,
    ]  # fmt: skip
