"""``finder-tui check [--repair]``: verify every store file, and set bad segments aside.

Checks the head (parse, schema, message documents), then every sealed segment the head
lists: present, parses, as many documents as the head and its sidecar say, every document a
readable message, keys unique and the ones its sidecar lists. ``repair`` renames a bad
segment (and its sidecar) to ``*.corrupt`` — never deleting anything — drops it from the
head, recounts the session summaries without it and rebuilds missing sidecars. A corrupt head
is never repaired: it holds the sync cursor; the report says what is wrong with it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..wire.models import Message
from .errors import StoreCorruptError, StoreError
from .glance import NAME as GLANCE_FILE
from .glance import read_glance
from .keyset import key_hash
from .segments import SegmentIndex, load_index, read_docs, sidecar_path
from .sidetable import side_table_files
from .storage import load_tables
from .store import HEAD_FILE, Store


@dataclass(slots=True)
class FileReport:
    name: str
    ok: bool
    detail: str
    messages: int | None = None


@dataclass(slots=True)
class CheckReport:
    directory: Path
    files: list[FileReport] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def head_ok(self) -> bool:
        return bool(self.files) and self.files[0].ok

    def bad_segments(self) -> list[FileReport]:
        return [f for f in self.files[1:] if not f.ok and f.name.startswith("seg-")]

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            count = f" ({f.messages:,} messages)" if f.messages is not None else ""
            out.append(f"{'ok ' if f.ok else 'BAD'}  {f.name}{count}: {f.detail}")
        out += [f"repaired: {line}" for line in self.repaired]
        bad = [f for f in self.files if not f.ok]
        out.append("store is sound" if not bad else f"{len(bad)} bad file(s)")
        if self.bad_segments() and self.head_ok and not self.repaired:
            out.append(
                "run `finder-tui check --repair` to set the bad segments aside (renamed "
                "*.corrupt, nothing deleted); everything else stays usable"
            )
        return out


def _check_head(directory: Path) -> tuple[FileReport, list[str], dict[str, int]]:
    path = directory / HEAD_FILE
    if not path.exists():
        return FileReport(HEAD_FILE, True, "absent (an empty store)"), [], {}
    try:
        tables = load_tables(path)
        meta = tables.get("meta", {}).get("1", {})
        docs = list(tables.get("messages", {}).values())
        for doc in docs:
            Message.from_doc(doc)
        names = [str(n) for n in meta.get("segments", [])]
        raw_counts = meta.get("segment_counts") or {}
        counts = {str(k): int(v[0]) for k, v in raw_counts.items()}
    except StoreCorruptError as exc:
        return (
            FileReport(
                HEAD_FILE,
                False,
                f"{exc} — the head holds the sync cursor: restore a "
                "backup or move the store aside and sync afresh",
            ),
            [],
            {},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"unreadable document ({type(exc).__name__}: {exc}); left untouched"
        return FileReport(HEAD_FILE, False, detail), [], {}
    detail = f"{len(names)} sealed segment(s) listed, schema {meta.get('schema', 1)}"
    return FileReport(HEAD_FILE, True, detail, len(docs)), names, counts


def _check_segment(directory: Path, name: str, expected: int | None) -> FileReport:
    path = directory / name
    try:
        docs = read_docs(path)
        messages = [Message.from_doc(doc) for doc in docs]
    except StoreCorruptError as exc:
        # The generic advice of a store file ("move it aside to start afresh") is not this
        # one's: a segment is set aside by --repair.
        return FileReport(name, False, str(exc).split(" — ")[0], expected)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return FileReport(name, False, f"unreadable document ({type(exc).__name__})", expected)
    if expected is not None and len(messages) != expected:
        return FileReport(
            name, False, f"holds {len(messages):,}, the head says {expected:,}", expected
        )
    keys = [m.key for m in messages]
    if len(set(keys)) != len(keys):
        return FileReport(name, False, "duplicate message keys", len(keys))
    side = "sidecar ok"
    try:
        index = SegmentIndex.read_header(name, sidecar_path(path))
        listed = sorted(memoryview(index.read_keys()).cast("Q").tolist())
        if listed != sorted(key_hash(k) for k in keys) or index.size != path.stat().st_size:
            side = "sidecar disagrees with the segment (rebuilt by --repair)"
    except (OSError, ValueError, KeyError, TypeError):
        side = "sidecar missing or unreadable (rebuilt by --repair or the next open)"
    return FileReport(name, True, f"{len(messages):,} messages, ids unique; {side}", len(messages))


def check_store(directory: Path) -> CheckReport:
    """Verify every file (read-only; the store may be open elsewhere)."""
    report = CheckReport(Path(directory))
    head, names, counts = _check_head(report.directory)
    report.files.append(head)
    for name in names:
        report.files.append(_check_segment(report.directory, name, counts.get(name)))
    for path in side_table_files(report.directory):
        try:
            tables = load_tables(path)
            report.files.append(FileReport(path.name, True, f"side table: {len(tables)} table(s)"))
        except StoreCorruptError as exc:
            report.files.append(FileReport(path.name, False, f"side table: {exc}"))
    if (report.directory / GLANCE_FILE).exists():
        report.files.append(_check_glance(report.directory))
    return report


def _check_glance(directory: Path) -> FileReport:
    """The first screen is a hint: unreadable, it is ignored and rewritten, never an error."""
    glance = read_glance(directory)
    if glance is None:
        detail = "first screen: unreadable, ignored (rewritten at the next commit)"
    else:
        detail = f"first screen: {len(glance.sessions)} sessions"
    return FileReport(GLANCE_FILE, True, detail)


def repair_store(directory: Path) -> CheckReport:
    """Check, then set bad segments aside and rebuild the index without them."""
    report = check_store(directory)
    if not report.head_ok:
        return report  # never rewrite the head we cannot read
    bad = [f.name for f in report.bad_segments()]
    with Store.open(directory, lazy_history=True) as store:
        for f in report.files[1:]:
            path = store.directory / f.name
            if f.ok and "sidecar" in f.detail and "sidecar ok" not in f.detail:
                try:
                    os.unlink(sidecar_path(path))
                except OSError:
                    pass
                load_index(path)  # rebuilds it from the segment
                report.repaired.append(f"rebuilt the index of {f.name}")
        for name in bad:
            path = store.directory / name
            moved = []
            for src in (path, sidecar_path(path)):
                if src.exists():
                    os.replace(src, src.with_name(src.name + ".corrupt"))
                    moved.append(f"{src.name}.corrupt")
            missing = "" if path.with_name(name + ".corrupt").exists() else f"{name} is missing; "
            report.repaired.append(f"{missing}moved aside as {', '.join(moved) or 'nothing'}")
        if bad:
            store.forget_segments(bad)
            store.commit()
            report.repaired.append("dropped them from the head and recounted the sessions")
    return report


def add_parser(sub: Any, add_store: Callable[[argparse.ArgumentParser], None]) -> None:
    """``finder-tui check [--repair]`` (registered by cli.py)."""
    check = sub.add_parser("check", help="verify every store file; --repair sets bad ones aside")
    add_store(check)
    check.add_argument("--repair", action="store_true", help="move bad segments aside (.corrupt)")


def run_check(directory: Path, *, repair: bool) -> tuple[int, list[str]]:
    """Exit status (0 sound or repaired, 1 bad files left) and the report's lines."""
    try:
        report = repair_store(directory) if repair else check_store(directory)
    except StoreError as exc:
        return 1, [str(exc)]
    lines = report.lines()
    left = [f for f in report.files if not f.ok]
    if repair and report.head_ok:
        left = [f for f in left if f not in report.bad_segments()]  # set aside
    return (0 if not left else 1), lines
