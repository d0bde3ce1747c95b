"""Export entry points: select messages, name files, write them atomically."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import BinaryIO

from ..fsutil import PRIVATE_FILE, atomic_writer
from ..peers import CHANNELS, OTHER, STRANGER, WECHAT
from ..store.index import Index
from ..store.index_records import SessionSummary
from ..wire.content import SYSTEM_KINDS
from ..wire.models import Message
from . import csvfmt, htmlfmt, jsonfmt, markdown, plaintext
from .common import Doc, ExportError, Progress

Renderer = Callable[[Doc], Iterator[bytes]]
RENDERERS: dict[str, Renderer] = {
    "md": markdown.render,
    "txt": plaintext.render,
    "json": jsonfmt.render,
    "csv": csvfmt.render,
    "html": htmlfmt.render,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)
MAX_FILENAME = 80


@dataclass(slots=True)
class ExportRequest:
    session: SessionSummary
    messages: list[Message]
    fmt: str
    path: Path
    since: date | None = None
    until: date | None = None  # inclusive
    include_system: bool = False
    csv_bom: bool = False
    tz: tzinfo | None = None  # None: the system's local time
    exported_at: datetime | None = None  # fixed for reproducible output; None: now


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    count: int
    bytes: int


def _renderer(fmt: str) -> Renderer:
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}"
        ) from None


# ---- selection ---------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` (for ``--since``/``--until``); ValueError with a readable reason."""
    value = text.strip()
    if not _DATE.match(value):
        raise ValueError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2026-11-25")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"invalid date {text!r}: {exc}") from None


def _day_start(day: date, tz: tzinfo | None) -> float | None:
    """The instant ``day`` begins in ``tz`` (None: local); None when out of range (unbounded)."""
    try:
        return datetime.combine(day, time.min, tzinfo=tz).timestamp()
    except (OverflowError, ValueError, OSError):
        return None


def select_messages(
    messages: Sequence[Message],
    since: date | None = None,
    until: date | None = None,
    include_system: bool = False,
    tz: tzinfo | None = None,
) -> list[Message]:
    """Messages whose local day (in ``tz``) is within [since, until], in conversation order."""
    if since is not None and until is not None and since > until:
        raise ValueError(f"the start date {since} is after the end date {until}")
    # Compare timestamps against the day boundaries: no per-message datetime conversion.
    lo = _day_start(since, tz) if since is not None else None
    hi = None
    if until is not None and until < date.max:
        hi = _day_start(until + timedelta(days=1), tz)
    selected = [
        m
        for m in messages
        if (include_system or m.kind not in SYSTEM_KINDS)
        and (lo is None or m.create_time >= lo)
        and (hi is None or m.create_time < hi)
    ]
    selected.sort(key=lambda m: (m.create_time, m.seq))  # stable; input is usually sorted
    return selected


# ---- file names --------------------------------------------------------------------------------

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f"
_UNSAFE = re.compile(f"[^A-Za-z0-9._\\-{_CJK}]+")
_KIND_SUFFIX = re.compile(f" · (?:{CHANNELS}|{STRANGER}|{WECHAT}|{OTHER})$")
_PREFIX = "finder-"


def default_filename(display_name: str, fmt: str, today: date) -> str:
    """``finder-<name>-<YYYY-MM-DD>.<fmt>``, safe on every common file system.

    Only ASCII letters, digits, ``._-`` and CJK letters survive; everything else (path
    separators included) becomes ``-``. The fixed prefix means the name never starts with a dot
    or a dash and is never empty.
    """
    _renderer(fmt)
    stem = _KIND_SUFFIX.sub("", display_name)  # "· Channels" adds nothing to a file name
    stem = _UNSAFE.sub("-", stem)
    stem = re.sub(r"\.{2,}", ".", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-")
    tail = f"-{today.isoformat()}.{fmt}"
    stem = stem[: MAX_FILENAME - len(_PREFIX) - len(tail)].rstrip(".-")
    return f"{_PREFIX}{stem or 'conversation'}{tail}"


def _unique_name(name: str, fmt: str, out_dir: Path, used: set[str], overwrite: bool) -> str:
    base = name[: -len(fmt) - 1]
    n = 1
    candidate = name
    # casefold: two names differing only in case collide on macOS and Windows.
    while candidate.casefold() in used or (not overwrite and os.path.lexists(out_dir / candidate)):
        n += 1
        candidate = f"{base}-{n}.{fmt}"
    used.add(candidate.casefold())
    return candidate


# ---- writing -----------------------------------------------------------------------------------


def _reason(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT and not path.parent.is_dir():
        return f"the directory {path.parent} does not exist"
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or str(exc) or type(exc).__name__


def _exists_error(path: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, "export file already exists (allow overwrite)", str(path))


def export_conversation(
    req: ExportRequest, progress: Progress | None = None, overwrite: bool = False
) -> ExportResult:
    """Write one conversation to ``req.path`` atomically (temp file + fsync + rename).

    Raises FileExistsError when the file exists and ``overwrite`` is false, ExportError (an
    OSError) naming the path and the cause when writing fails, ValueError on a bad format or
    date range. On any failure nothing is left behind: no partial file, no temp file.
    """
    render = _renderer(req.fmt)
    path = Path(req.path)
    selected = select_messages(req.messages, req.since, req.until, req.include_system, req.tz)
    doc = _doc(req, selected, progress)
    if not overwrite and os.path.lexists(path):
        raise _exists_error(path)
    written = 0
    try:
        # Exports hold private messages: owner-only permissions, like the store.
        with atomic_writer(path, PRIVATE_FILE) as fh:
            for chunk in render(doc):
                fh.write(chunk)
                written += len(chunk)
            if not overwrite and os.path.lexists(path):  # created while we were writing
                raise _exists_error(path)
    except FileExistsError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot export to {path}: {_reason(path, exc)}") from exc
    return ExportResult(path, len(selected), written)


def _doc(req: ExportRequest, selected: list[Message], progress: Progress | None) -> Doc:
    return Doc(
        session=req.session,
        messages=selected,
        tz=req.tz,
        exported_at=req.exported_at or datetime.now().astimezone(),
        since=req.since,
        until=req.until,
        include_system=req.include_system,
        csv_bom=req.csv_bom,
        progress=progress,
    )


def stream_conversation(req: ExportRequest, sink: BinaryIO) -> int:
    """Write one conversation to an open binary stream (``--out -``); returns the count."""
    render = _renderer(req.fmt)
    selected = select_messages(req.messages, req.since, req.until, req.include_system, req.tz)
    for chunk in render(_doc(req, selected, None)):
        sink.write(chunk)
    return len(selected)


def export_all(
    index: Index,
    out_dir: Path,
    fmt: str,
    *,
    since: date | None = None,
    until: date | None = None,
    include_system: bool = False,
    csv_bom: bool = False,
    tz: tzinfo | None = None,
    exported_at: datetime | None = None,
    today: date | None = None,
    overwrite: bool = False,
    skip_empty: bool = True,
    progress: Progress | None = None,
) -> list[ExportResult]:
    """One file per session in ``out_dir`` (created if missing), names unique.

    Without ``overwrite`` an existing file is never replaced: the new one gets a ``-2``, ``-3``
    ... suffix. ``progress(done, total)`` counts sessions. Sessions with no message in range
    are skipped unless ``skip_empty`` is false.
    """
    _renderer(fmt)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create export directory {out}: {_reason(out, exc)}") from exc
    stamp = exported_at or datetime.now().astimezone()
    day = today or (stamp.astimezone(tz) if tz is not None else stamp.astimezone()).date()
    sessions = index.sessions()
    used: set[str] = set()
    results: list[ExportResult] = []
    for done, summary in enumerate(sessions, 1):
        messages = select_messages(
            index.messages(summary.session_id), since, until, include_system, tz
        )
        if messages or not skip_empty:
            name = default_filename(summary.display_name, fmt, day)
            name = _unique_name(name, fmt, out, used, overwrite)
            request = ExportRequest(
                summary, messages, fmt, out / name, since, until, include_system, csv_bom, tz, stamp
            )
            results.append(export_conversation(request, overwrite=overwrite))
        if progress is not None:
            progress(done, len(sessions))
    return results
