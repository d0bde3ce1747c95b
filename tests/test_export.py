"""Conversation export: golden files, lossless JSON round trip, hostile content, atomic writes.

Regenerate the golden files with ``FINDER_TUI_UPDATE_GOLDEN=1 pytest tests/test_export.py``
(then read the diff: they are the reviewed, expected output).
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui.export import (
    FORMATS,
    ExportError,
    ExportFormatError,
    ExportRequest,
    default_filename,
    export_all,
    export_conversation,
    parse_date,
    read_export_items,
    select_messages,
)
from finder_tui.peers import display_name
from finder_tui.store.index import Index
from finder_tui.store.index_records import SessionSummary
from finder_tui.store.store import Store
from finder_tui.wire.models import Message, parse_item, parse_page

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "syncFinder-success.json"
GOLDEN = HERE / "golden"
UPDATE_GOLDEN = os.environ.get("FINDER_TUI_UPDATE_GOLDEN") == "1"

SID = "a37c87fbfb8c07ca21d29bea6e3feef1cd740982cfda8407bde2dc2ccbba7f0c@findermsg"
PEER = "v2_060000231003b20faec8cae18a1ec5d0cb07ea33b077ba915250774edbea38082ea6b24af229@finder"
OWN = "wxid_23fgdsdfh8"
U64_MAX = (1 << 64) - 1
ABOVE_DOUBLE = (1 << 53) + 1  # the first integer a double cannot hold
EXPORTED_AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
DAY_12 = 1694505600  # 2023-09-12T08:00:00Z
DAY_13 = 1694563200  # 2023-09-13T00:00:00Z
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def item(
    seq: int,
    when: int,
    msg_id: int,
    content: str,
    *,
    out: bool = False,
    msg_type: int = 1,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A wire item in the seed page's shape, in session SID."""
    msg: dict[str, Any] = {
        "Status": 3,
        "ImgBuf": {"iLen": 0},
        "Content": {"string": content},
        "CreateTime": when,
        "MsgSeq": seq,
        "NewMsgId": msg_id,
        "FromUserName": {"string": OWN if out else PEER},
        "ToUserName": {"string": PEER if out else OWN},
        "MsgType": msg_type,
        "ImgStatus": 1,
        "MsgId": seq,
        "MsgSource": "",
    }
    msg.update(extra or {})
    body = {"msg": msg, "isSender": 1 if out else 0, "msgSessionId": SID, "seq": seq}
    return {"syncKeyType": 1, "itemType": 1, "subType": 0, "content": body}


HAND_ITEMS = [
    item(
        1250,
        DAY_12,
        U64_MAX,
        "你好！\n请问 *今天* 几点开播？",
        extra={"FutureField": {"nested": [1, 2.5, None, True], "id": U64_MAX}},
    ),
    item(
        1251,
        DAY_12 + 120,
        ABOVE_DOUBLE,
        "好的 👨‍👩‍👧 [link](https://evil.example) <b>bold</b>",
        out=True,
    ),
    item(1252, DAY_13 + 3600, 7_000_000_000_000_001, "<script>alert(1)</script>"),
    item(1253, DAY_13 + 3660, 7_000_000_000_000_002, '=HYPERLINK("http://x","y")'),
    item(1254, DAY_13 + 3720, 7_000_000_000_000_003, "-1", out=True),
    item(1255, DAY_13 + 3780, 7_000_000_000_000_004, "+1", out=True),
    item(1256, DAY_13 + 3840, 7_000_000_000_000_005, "@SUM(A1)"),
    item(
        1257,
        DAY_13 + 3900,
        7_000_000_000_000_006,
        "# not a heading\n> not a quote\n- not a list\n1. not ordered\n```\nnot code\n```",
    ),
    item(
        1258,
        DAY_13 + 3960,
        7_000_000_000_000_007,
        "\x1b[2Jcleared\u202eevil\x07 ]]> [ @click=app.quit]x",
    ),
    item(
        1259,
        DAY_13 + 7200,
        7_000_000_000_000_008,
        '<sysmsg type="revokemsg"><revokemsg>recalled</revokemsg></sysmsg>',
        msg_type=10002,
    ),
    item(1260, DAY_13 + 7260, 7_000_000_000_000_009, "\tstarts with a tab", out=True),
    item(
        1261,
        DAY_13 + 86400 + 600,
        7_000_000_000_000_010,
        "line one\n\n    indented line\nwww.example.com foo@bar.com",
    ),
]


def parsed(items: list[dict[str, Any]]) -> list[Message]:
    out = [parse_item(it) for it in items]
    parsed_ok = [m for m in out if isinstance(m, Message)]
    assert len(parsed_ok) == len(out), out
    return parsed_ok


def seed_messages() -> list[Message]:
    return parse_page(orjson.loads(FIXTURE.read_bytes())["data"]).messages


@pytest.fixture
def index() -> Index:
    idx = Index()
    idx.add(seed_messages())
    idx.add(parsed(HAND_ITEMS))
    return idx


@pytest.fixture
def session(index: Index) -> SessionSummary:
    summary = index.session(SID)
    assert summary is not None
    return summary


def request(
    index: Index, session: SessionSummary, fmt: str, path: Path, **kw: Any
) -> ExportRequest:
    kw.setdefault("tz", UTC)
    kw.setdefault("exported_at", EXPORTED_AT)
    return ExportRequest(session, index.messages(session.session_id), fmt, path, **kw)


def export_bytes(index: Index, session: SessionSummary, fmt: str, tmp: Path, **kw: Any) -> bytes:
    path = tmp / f"out-{fmt}-{len(list(tmp.iterdir()))}.{fmt}"
    export_conversation(request(index, session, fmt, path, **kw))
    return path.read_bytes()


# ---- golden files --------------------------------------------------------------------------


GOLDEN_ALIAS = "咖啡小店 *Cafe* <b>&"  # stable (display_name of an id may change) and hostile


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(index: Index, tmp_path: Path, fmt: str) -> None:
    index.set_alias(SID, GOLDEN_ALIAS)
    session = index.session(SID)
    assert session is not None
    data = export_bytes(index, session, fmt, tmp_path)
    golden = GOLDEN / f"conversation.{fmt}"
    if UPDATE_GOLDEN:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(data)
    assert golden.exists(), "run with FINDER_TUI_UPDATE_GOLDEN=1 to create the golden files"
    assert data == golden.read_bytes()


def test_exports_are_deterministic(index: Index, session: SessionSummary, tmp_path: Path) -> None:
    for fmt in FORMATS:
        assert export_bytes(index, session, fmt, tmp_path) == export_bytes(
            index, session, fmt, tmp_path
        )


# ---- JSON: lossless ------------------------------------------------------------------------


def test_json_round_trip_is_lossless(index: Index, session: SessionSummary, tmp_path: Path) -> None:
    original = index.messages(SID)
    data = export_bytes(index, session, "json", tmp_path, include_system=True)
    items = read_export_items(data)
    back = parsed(items)
    assert len(back) == len(original) == 16
    for a, b in zip(original, back, strict=True):
        assert (a.key, a.new_msg_id, a.kind, a.text, a.raw) == (
            b.key,
            b.new_msg_id,
            b.kind,
            b.text,
            b.raw,
        )
        assert (a.create_time, a.seq, a.is_sender, a.peer, a.meta) == (
            b.create_time,
            b.seq,
            b.is_sender,
            b.peer,
            b.meta,
        )
    doc = orjson.loads(data)
    assert doc["format"] == "finder-tui-export" and doc["version"] == 1
    assert doc["count"] == 16
    assert doc["session"] == {
        "id": SID,
        "peer": PEER,
        "alias": "",
        "nickname": "",
        "display_name": display_name(PEER),
        "identity": doc["session"]["identity"],
        "read_time": 0,
        "read_seq": 0,
    }
    assert doc["exported_at"] == "2026-11-25T09:30:00+00:00"
    # Unknown fields survive, and the item is the exact original text (not re-encoded).
    assert doc["messages"][4]["item"]["content"]["msg"]["FutureField"]["nested"] == [
        1,
        2.5,
        None,
        True,
    ]
    for message in original:
        assert message.raw in data


def test_json_import_into_empty_store_gives_identical_conversation(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    data = export_bytes(index, session, "json", tmp_path, include_system=True)
    store = Store.open(tmp_path / "store")
    store.ingest(parsed(read_export_items(data)))
    store.close()
    reopened = Store.open(tmp_path / "store")
    try:
        got = reopened.index.messages(SID)
        want = index.messages(SID)
        assert [(m.key, m.new_msg_id, m.kind, m.text, m.raw) for m in got] == [
            (m.key, m.new_msg_id, m.kind, m.text, m.raw) for m in want
        ]
    finally:
        reopened.close()


def test_big_new_msg_ids_exact_in_json_and_csv(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    data = export_bytes(index, session, "json", tmp_path)
    assert b'"NewMsgId":18446744073709551615' in data
    assert b'"NewMsgId":9007199254740993' in data
    # Any arbitrary-precision reader gets the exact values back.
    for items in (read_export_items(data), [m["item"] for m in json.loads(data)["messages"]]):
        assert {U64_MAX, ABOVE_DOUBLE} <= {it["content"]["msg"]["NewMsgId"] for it in items}
    rows = list(csv.DictReader(io.StringIO(export_bytes(index, session, "csv", tmp_path).decode())))
    assert {"18446744073709551615", "9007199254740993"} <= {r["new_msg_id"] for r in rows}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b'{"format": "something-else", "version": 1, "messages": []}',
        b'{"format": "finder-tui-export", "version": 99, "messages": []}',
        b'{"format": "finder-tui-export", "version": 1, "messages": {}}',
        b'{"format": "finder-tui-export", "version": 1, "messages": [{"kind": "text"}]}',
    ],
)
def test_read_export_items_rejects_other_files(data: bytes) -> None:
    with pytest.raises(ExportFormatError):
        read_export_items(data)


def test_read_export_items_accepts_bom(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    data = export_bytes(index, session, "json", tmp_path)
    assert len(read_export_items(b"\xef\xbb\xbf" + data)) == 15


# ---- hostile content -----------------------------------------------------------------------

LONG_LINE = ("长" + "x" * 99) * 100  # 10,000 characters, no newline


@pytest.fixture
def hostile(index: Index) -> Index:
    index.add(parsed([item(1300, DAY_13 + 200_000, 7_000_000_000_000_100, LONG_LINE)]))
    return index


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["md", "txt", "csv", "html"])
def test_no_control_characters_and_long_line_kept(
    hostile: Index, session: SessionSummary, tmp_path: Path, fmt: str
) -> None:
    text = export_bytes(hostile, session, fmt, tmp_path).decode("utf-8")
    assert not _CONTROL.search(text)
    assert LONG_LINE in text
    assert "cleared" in text and "evil" in text  # the text itself is kept, controls removed


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_inert_and_self_contained(
    hostile: Index, session: SessionSummary, tmp_path: Path
) -> None:
    page = export_bytes(hostile, session, "html", tmp_path).decode()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<meta charset="utf-8">' in page
    assert "default-src 'none'; style-src 'unsafe-inline'" in page
    parser = _Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "h1", "dl", "dt", "dd"}
    allowed |= {"main", "div", "span", "time"}
    assert parser.tags <= allowed
    names = {name for name, _ in parser.attrs}
    assert names <= {"lang", "charset", "http-equiv", "content", "name", "class", "datetime"}
    for marker in ("src=", "href=", "url(", "@import", "<link"):
        assert marker not in page
    body = "".join(parser.text)
    assert "<b>bold</b>" in body and "[ @click=app.quit]x" in body and "]]>" in body
    assert "white-space: pre-wrap" in page
    # Sent right, received left, a separator per day.
    assert page.count('class="msg out') == 8 and page.count('class="msg in') == 8
    assert page.count('<div class="day">') == 6


def test_markdown_cannot_open_links_or_structure(
    hostile: Index, session: SessionSummary, tmp_path: Path
) -> None:
    import markdown_it  # a dependency of textual, always installed

    source = export_bytes(hostile, session, "md", tmp_path).decode()
    for parser in (markdown_it.MarkdownIt("commonmark"), markdown_it.MarkdownIt("gfm-like")):
        html = parser.render(source)
        for marker in (
            "<a ",
            "<img",
            "<script",
            "<b>",
            "<h3",
            "<ol",
            "<table",
            "<pre",
            "<code",
            "<em>",
            "<hr",
        ):
            assert marker not in html, marker
        assert html.count("<h1>") == 1
        assert html.count("<ul>") == 1 and html.count("<li>") == 5  # the header only
        assert html.count("<h2>") == 6  # one per day, nothing else
        # The text is all there, literally.
        assert "[link](https://evil.example)" in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "# not a heading" in html and "1. not ordered" in html


def test_csv_cells_are_guarded_and_reread(
    hostile: Index, session: SessionSummary, tmp_path: Path
) -> None:
    data = export_bytes(hostile, session, "csv", tmp_path)
    assert data.endswith(b"\r\n") and not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert header == [
        "time_iso",
        "direction",
        "sender",
        "kind",
        "text",
        "new_msg_id",
        "seq",
        "msg_type",
        "session_id",
    ]
    for row in body:
        assert len(row) == 9
        for cell in row:
            assert not cell.startswith(FORMULA_START), row
    texts = [row[4] for row in body]
    for guarded in (
        '\'=HYPERLINK("http://x","y")',
        "'-1",
        "'+1",
        "'@SUM(A1)",
        "'\tstarts with a tab",
        "<script>alert(1)</script>",
        LONG_LINE,
    ):
        assert guarded in texts
    assert "你好！\n请问 *今天* 几点开播？" in texts  # newlines survive inside a quoted cell
    by_seq = {row[6]: row for row in body}
    assert by_seq["1254"][:4] == ["2023-09-13T01:02:00+00:00", "out", "me", "text"]
    assert by_seq["1250"][1:3] == ["in", display_name(PEER)]


def test_csv_bom(index: Index, session: SessionSummary, tmp_path: Path) -> None:
    data = export_bytes(index, session, "csv", tmp_path, csv_bom=True)
    assert data.startswith(b"\xef\xbb\xbftime_iso,")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[0][0] == "time_iso"


# ---- selection -----------------------------------------------------------------------------


def test_date_range_is_inclusive_in_the_given_zone(index: Index) -> None:
    messages = index.messages(SID)
    day13 = select_messages(messages, date(2023, 9, 13), date(2023, 9, 13), tz=UTC)
    assert [m.seq for m in day13] == [1252, 1253, 1254, 1255, 1256, 1257, 1258, 1260]
    assert [m.seq for m in select_messages(messages, since=date(2023, 9, 14), tz=UTC)] == [1261]
    assert [m.seq for m in select_messages(messages, until=date(2023, 8, 31), tz=UTC)] == [
        1174,
        1194,
    ]
    # The two images at 05:49/06:07 UTC on the 12th are on the 11th in UTC-8.
    west = timezone(timedelta(hours=-8))
    assert [
        m.seq for m in select_messages(messages, date(2023, 9, 11), date(2023, 9, 11), tz=west)
    ] == [
        1241,
        1242,
    ]
    assert select_messages(messages, date(2023, 9, 11), date(2023, 9, 11), tz=UTC) == []
    with pytest.raises(ValueError, match="after"):
        select_messages(messages, date(2023, 9, 14), date(2023, 9, 13))


def test_include_system(index: Index, session: SessionSummary, tmp_path: Path) -> None:
    messages = index.messages(SID)
    assert 1259 not in [m.seq for m in select_messages(messages)]
    assert 1259 in [m.seq for m in select_messages(messages, include_system=True)]
    without = export_conversation(request(index, session, "txt", tmp_path / "a.txt"))
    with_sys = export_conversation(
        request(index, session, "txt", tmp_path / "b.txt", include_system=True)
    )
    assert (without.count, with_sys.count) == (15, 16)
    assert "A message was recalled" in (tmp_path / "b.txt").read_text()
    assert "recalled" not in (tmp_path / "a.txt").read_text()


def test_export_with_range_reports_count_and_header(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    path = tmp_path / "range.md"
    result = export_conversation(
        request(index, session, "md", path, since=date(2023, 9, 13), until=date(2023, 9, 13))
    )
    assert result.count == 8 and result.bytes == path.stat().st_size
    text = path.read_text()
    assert "- **Dates:** 2023-09-13\n" in text and "- **Messages:** 8\n" in text


def test_empty_selection_still_writes_a_valid_file(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    for fmt in FORMATS:
        path = tmp_path / f"empty.{fmt}"
        result = export_conversation(
            request(index, session, fmt, path, since=date(2030, 1, 1), until=date(2030, 1, 2))
        )
        assert result.count == 0 and path.exists()
    assert read_export_items((tmp_path / "empty.json").read_bytes()) == []
    # The header says what was asked for, and that nothing fell in it.
    assert "- **Dates:** 2030-01-01 – 2030-01-02 (no messages)\n" in (
        tmp_path / "empty.md"
    ).read_text("utf-8")
    path = tmp_path / "since.txt"
    export_conversation(request(index, session, "txt", path, since=date(2030, 1, 1)))
    assert "Dates:    from 2030-01-01 (no messages)\n" in path.read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11-25", date(2026, 11, 25)), (" 2023-09-01 ", date(2023, 9, 1))],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "2026-13-01", "2026-02-30", "20261125", "25/11/2026", "2026-1-5"]
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid date"):
        parse_date(text)


# ---- progress, streaming -------------------------------------------------------------------


def test_progress_every_500_messages(session: SessionSummary, tmp_path: Path) -> None:
    items = [item(10_000 + i, DAY_12 + i, 8_000_000_000_000_000 + i, f"m{i}") for i in range(1200)]
    calls: list[tuple[int, int]] = []
    req = ExportRequest(
        session, parsed(items), "csv", tmp_path / "p.csv", tz=UTC, exported_at=EXPORTED_AT
    )
    result = export_conversation(req, progress=lambda done, total: calls.append((done, total)))
    assert result.count == 1200
    assert calls == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]


# ---- files: existing, failures, atomicity --------------------------------------------------


def test_existing_file_needs_overwrite(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    path = tmp_path / "conv.md"
    path.write_text("keep me")
    with pytest.raises(FileExistsError):
        export_conversation(request(index, session, "md", path))
    assert path.read_text() == "keep me"
    export_conversation(request(index, session, "md", path), overwrite=True)
    assert path.read_text().startswith("# Conversation with")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.md"]


def test_missing_directory_raises_export_error(
    index: Index, session: SessionSummary, tmp_path: Path
) -> None:
    path = tmp_path / "nope" / "conv.md"
    with pytest.raises(ExportError, match="does not exist") as info:
        export_conversation(request(index, session, "md", path))
    assert str(path) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_permission_error_is_wrapped(
    index: Index, session: SessionSummary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulated (the suite may run as root, where chmod does not deny anything).
    def deny(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", deny)
    with pytest.raises(ExportError, match="permission denied") as info:
        export_conversation(request(index, session, "csv", tmp_path / "conv.csv"))
    assert str(tmp_path / "conv.csv") in str(info.value)
    assert isinstance(info.value, OSError)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_leaves_nothing_behind(
    index: Index, session: SessionSummary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conv.json"
    path.write_bytes(b"previous export")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ExportError, match="no space left on device"):
        export_conversation(request(index, session, "json", path), overwrite=True)
    assert path.read_bytes() == b"previous export"  # old file intact
    assert [p.name for p in tmp_path.iterdir()] == ["conv.json"]  # no temp file


def test_failure_mid_stream_leaves_nothing(session: SessionSummary, tmp_path: Path) -> None:
    items = [item(20_000 + i, DAY_12 + i, 9_000_000_000_000_000 + i, f"m{i}") for i in range(1500)]

    def fail_after_first_batch(done: int, total: int) -> None:
        if done >= 500:
            raise OSError(errno.EIO, "Input/output error")

    req = ExportRequest(session, parsed(items), "md", tmp_path / "c.md", tz=UTC)
    with pytest.raises(ExportError, match="Input/output error"):
        export_conversation(req, progress=fail_after_first_batch)
    assert list(tmp_path.iterdir()) == []


def test_unknown_format(index: Index, session: SessionSummary, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_conversation(request(index, session, "pdf", tmp_path / "x.pdf"))
    with pytest.raises(ValueError):
        default_filename("x", "exe", date(2026, 11, 25))


# ---- file names ----------------------------------------------------------------------------

TODAY = date(2026, 11, 25)
_SAFE = re.compile(r"^[A-Za-z0-9._\-\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+$")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "finder-etc-passwd-2026-11-25.md"),
        (".hidden", "finder-hidden-2026-11-25.md"),
        ("a/b\\c", "finder-a-b-c-2026-11-25.md"),
        ("", "finder-conversation-2026-11-25.md"),
        ("😀🙏", "finder-conversation-2026-11-25.md"),
        ("张三的小店", "finder-张三的小店-2026-11-25.md"),
        ("さくら 카페", "finder-さくら-카페-2026-11-25.md"),
        ("nul\x00byte\nnew line", "finder-nul-byte-new-line-2026-11-25.md"),
        ("-rf --no-preserve-root", "finder-rf-no-preserve-root-2026-11-25.md"),
        ("C:\\Windows\\..\\x.", "finder-C-Windows-.-x-2026-11-25.md"),
    ],
)
def test_default_filename(name: str, expected: str) -> None:
    got = default_filename(name, "md", TODAY)
    assert got == expected
    assert _SAFE.match(got) and not got.startswith(".") and len(got) <= 80


def test_default_filename_of_a_peer_id() -> None:
    # "v2_0600…f229 · Channels": the kind suffix is dropped, the ellipsis becomes "-".
    short = display_name(PEER).removesuffix(" · Channels")
    assert "…" in short
    expected = f"finder-{short.replace('…', '-')}-2026-11-25.csv"
    assert default_filename(display_name(PEER), "csv", TODAY) == expected


def test_default_filename_long() -> None:
    for name in ("x" * 500, "长" * 500, "." * 500, "/" * 500):
        got = default_filename(name, "html", TODAY)
        assert len(got) <= 80 and got.endswith("-2026-11-25.html") and _SAFE.match(got)
        assert not got.startswith(".") and len(got.encode()) < 255


# ---- export_all ----------------------------------------------------------------------------


def test_export_all_unique_names(index: Index, tmp_path: Path) -> None:
    for summary in index.sessions()[:2]:
        index.set_alias(summary.session_id, "Shop / 小店")
    out = tmp_path / "exports" / "nested"
    calls: list[tuple[int, int]] = []
    results = export_all(
        index,
        out,
        "md",
        tz=UTC,
        exported_at=EXPORTED_AT,
        today=TODAY,
        progress=lambda d, t: calls.append((d, t)),
    )
    third = index.sessions()[2]
    names = sorted(r.path.name for r in results)
    assert names == sorted(
        [
            "finder-Shop-小店-2026-11-25.md",
            "finder-Shop-小店-2026-11-25-2.md",
            default_filename(display_name(third.peer), "md", TODAY),
        ]
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert sum(r.count for r in results) == 15 + 3 + 1
    # A second run never clobbers: new suffixes. With overwrite the same names are reused.
    again = export_all(index, out, "md", tz=UTC, exported_at=EXPORTED_AT, today=TODAY)
    assert len({r.path for r in again} & {r.path for r in results}) == 0
    assert len(list(out.iterdir())) == 6
    export_all(index, out, "md", tz=UTC, exported_at=EXPORTED_AT, today=TODAY, overwrite=True)
    assert len(list(out.iterdir())) == 6


def test_export_all_skips_empty_sessions(index: Index, tmp_path: Path) -> None:
    results = export_all(
        index, tmp_path, "json", since=date(2023, 9, 13), tz=UTC, exported_at=EXPORTED_AT
    )
    assert [r.count for r in results] == [9]
    assert results[0].path.name.endswith("-2026-11-25.json")
