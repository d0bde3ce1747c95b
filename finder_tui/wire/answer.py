"""A syncFinder answer read from its body bytes, and its compact form between processes.

``read_sync_answer`` is a pure function of the body, so it gives the same result in this
process or in the page-parser process (``parse_worker``); the client turns a ``SyncAnswer``
into a page or a typed error either way. The compact form is JSON (orjson keeps uint64 ids
exact): the parent never unpickles what a process that read hostile input wrote. Each
message's raw item (its exact JSON text, most of a page's bytes) travels after the JSON as
plain bytes, its length in the message's row: as a JSON string it had to be escaped, and
reading it back was most of the parent's cost of a page (~7 of ~8.4 us a message).
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


def split_answer(body: bytes) -> tuple[str, str, Any, str]:
    """Any vendor answer's (code, message, data, problem): ``problem`` says why the body is
    no answer at all (then the rest is empty). The one reading of an envelope, for every
    endpoint (``FinderClient``) and for syncFinder pages in either process."""
    try:
        payload: Any = jsonio.loads(body)
    except jsonio.JSONError:
        return "", "", None, f"answer is not valid JSON ({len(body)} bytes; truncated?)"
    try:
        code, message, data = parse_envelope(payload)
    except EnvelopeError as exc:
        return "", "", None, f"unexpected answer shape: {exc}"
    return code, message, data, ""


def read_sync_answer(body: bytes) -> SyncAnswer:
    code, message, data, problem = split_answer(body)
    if problem or code != SUCCESS:
        return SyncAnswer(code, message, problem=problem)
    try:
        return SyncAnswer(code, message, parse_page(data))
    except EnvelopeError as exc:
        return SyncAnswer(code, message, problem=f"unexpected answer shape: {exc}")


def encode_answer(answer: SyncAnswer) -> bytes:
    """The answer in its compact form: the JSON's length (4 bytes, big-endian), the JSON,
    then every message's raw item, in order. Raises ``TypeError`` for a value JSON cannot
    carry."""
    page = answer.page
    out: dict[str, Any] = {"c": answer.code, "m": answer.message, "p": answer.problem}
    raws: list[bytes] = []
    if page is not None:
        out["k"], out["n"] = page.key_buff, page.raw_count
        out["ms"] = [_message_row(m) for m in page.messages]
        out["rj"] = [[r.reason, r.excerpt] for r in page.rejected]
        raws = [m.raw for m in page.messages]
    header = orjson.dumps(out)
    return b"".join([len(header).to_bytes(4, "big"), header, *raws])


def decode_answer(data: bytes) -> SyncAnswer:
    """The inverse of ``encode_answer``. Anything else (a helper gone wrong) raises
    ``ValueError``: every field is checked, so no wrong type reaches the store."""
    size = int.from_bytes(data[:4], "big")
    if len(data) < 4 + size:
        raise ValueError("an answer is cut short")
    out = orjson.loads(data[4 : 4 + size])
    raws = memoryview(data)[4 + size :]
    if type(out) is not dict:
        raise ValueError("an answer is an object")
    code, message, problem = out.get("c"), out.get("m"), out.get("p")
    if not (type(code) is str and type(message) is str and type(problem) is str):
        raise ValueError("code, message and problem are strings")
    if "k" not in out:
        if code == SUCCESS and not problem:
            raise ValueError("a successful answer carries a page")
        if raws:
            raise ValueError("raw bytes after an answer without a page")
        return SyncAnswer(code, message, None, problem)
    key_buff, raw_count, rows, rejects = out["k"], out.get("n"), out.get("ms"), out.get("rj")
    if not (type(key_buff) is str and type(raw_count) is int and type(rows) is list):
        raise ValueError("a page has a keyBuff, a count and messages")
    if type(rejects) is not list:
        raise ValueError("a page has a list of rejected items")
    # The raw items must be UTF-8 (the store writes them as text), each one whole.
    str(raws, "utf-8")
    messages, at = [], 0
    for row in rows:
        parsed, at = _message(row, raws, at)
        messages.append(parsed)
    if at != len(raws):
        raise ValueError("the raw items do not add up to the bytes sent")
    rejected = [_rejected(row) for row in rejects]
    return SyncAnswer(code, message, SyncPage(messages, rejected, key_buff, raw_count), problem)


_ROW_TYPES = (str, int, str, str, bool, int, int, int, str, str, dict, int, str)


def _message(row: Any, raws: memoryview, at: int) -> tuple[Message, int]:
    """The message of ``row``, its raw item the ``row[11]`` bytes of ``raws`` from ``at``."""
    if type(row) is not list or tuple(map(type, row)) != _ROW_TYPES:
        raise ValueError("a message row is not 13 fields of the expected types")
    k, i, s, p, o, t, q, ty, kd, tx, mt, size, me = row
    end = at + size
    if size < 0 or end > len(raws) or (size and raws[at] & 0xC0 == 0x80):
        raise ValueError("a raw item is out of range or cuts a character")
    return Message(k, i, s, p, o, t, q, ty, kd, tx, mt, bytes(raws[at:end]), me), end


def _rejected(row: Any) -> Rejected:
    if type(row) is not list or len(row) != 2 or not all(type(v) is str for v in row):
        raise ValueError("a rejected row is two strings")
    return Rejected(row[0], row[1])


def _message_row(m: Message) -> list[Any]:
    # Field order of Message's constructor; the raw item's length stands for it (its bytes
    # follow the JSON).
    return [
        m.key, m.new_msg_id, m.session_id, m.peer, m.is_sender, m.create_time, m.seq,
        m.msg_type, m.kind, m.text, m.meta, len(m.raw), m.me,
    ]  # fmt: skip
