"""The index's records persist every field, in field order (what ``from_doc`` reads fastest)."""

from __future__ import annotations

from dataclasses import fields

from finder_tui.store.index_records import LiveStream, SessionSummary


def test_a_session_summary_doc_holds_every_persisted_field_in_order_and_reads_back() -> None:
    summary = SessionSummary("s1", "wxid_p", "Al", 3, 1, 1700, 9, "text", True, "hi", 1600, 4, "me")
    summary.nickname = "never persisted"
    doc = summary.to_doc()
    assert tuple(doc) == tuple(f.name for f in fields(SessionSummary) if f.name != "nickname")
    assert [doc[name] for name in doc] == [getattr(summary, name) for name in doc]
    back = SessionSummary.from_doc(doc)
    assert back == summary and back.nickname == ""


def test_a_live_stream_doc_holds_every_field_in_order_and_reads_back() -> None:
    stream = LiveStream("123", 1700, 1800, "live-1", 42, 2, "finder_x", "Shop")
    doc = stream.to_doc()
    assert tuple(doc) == tuple(f.name for f in fields(LiveStream))
    assert LiveStream.from_doc(doc) == stream
