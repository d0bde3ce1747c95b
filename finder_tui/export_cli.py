"""``finder-tui export``: one conversation to a file, or every session into a directory."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .export import (
    ExportRequest,
    default_filename,
    export_all,
    export_conversation,
    parse_date,
    select_messages,
    stream_conversation,
)
from .store import Store
from .store.lookup import lookup_session
from .textfmt import plural


class ExportUsageError(ValueError):
    pass


class ExportEmptyError(ValueError):
    """Nothing in the chosen range: said on stderr, exit non-zero, no file written."""


def _range_text(since: date | None, until: date | None) -> str:
    if since and until:
        return f"between {since} and {until}"
    if since:
        return f"since {since}"
    if until:
        return f"until {until}"
    return "at all"


def run_export(args: argparse.Namespace, store: Store) -> int:
    try:
        since = parse_date(args.since) if args.since else None
        until = parse_date(args.until) if args.until else None
    except ValueError as exc:
        raise ExportUsageError(str(exc)) from None
    if since is not None and until is not None and since > until:
        raise ExportUsageError(f"--since {since} is after --until {until}")
    if args.all:
        if not args.out:
            raise ExportUsageError("--all needs --out DIR")
        results = export_all(
            store.index,
            Path(args.out),
            args.format,
            since=since,
            until=until,
            include_system=args.include_system,
            csv_bom=args.bom,
            overwrite=args.force,
        )
        if not results:
            raise ExportEmptyError(f"no messages {_range_text(since, until)}; nothing exported")
        for result in results:
            print(f"{result.path}  ({plural(result.count, 'message')})")
        print(f"exported {len(results)} conversation(s)")
        return 0
    if not args.session:
        raise ExportUsageError("name a SESSION, or use --all --out DIR")
    session_id = lookup_session(store.index, args.session)
    summary = store.index.session(session_id)
    assert summary is not None
    name = summary.display_name
    messages = store.index.messages(session_id)
    if not select_messages(messages, since, until, args.include_system):
        raise ExportEmptyError(
            f"{name} has no messages {_range_text(since, until)}; nothing exported"
        )
    if args.out == "-":
        request = ExportRequest(
            summary, messages, args.format, Path("-"), since, until, args.include_system, args.bom
        )
        stream_conversation(request, sys.stdout.buffer)
        sys.stdout.flush()
        return 0
    path = Path(args.out) if args.out else Path(default_filename(name, args.format, date.today()))
    if path.is_dir():
        path = path / default_filename(name, args.format, date.today())
    result = export_conversation(
        ExportRequest(
            session=summary,
            messages=messages,
            fmt=args.format,
            path=path,
            since=since,
            until=until,
            include_system=args.include_system,
            csv_bom=args.bom,
        ),
        overwrite=args.force,
    )
    print(f"exported {plural(result.count, 'message')} to {result.path}")
    return 0
