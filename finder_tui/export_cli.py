"""``finder-tui export``: one conversation to a file, or every session into a directory."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from .export import (
    ExportRequest,
    default_filename,
    export_all,
    export_conversation,
    parse_date,
)
from .peers import display_name
from .store import Store
from .store.lookup import lookup_session


class ExportUsageError(ValueError):
    pass


def run_export(args: argparse.Namespace, store: Store) -> int:
    try:
        since = parse_date(args.since) if args.since else None
        until = parse_date(args.until) if args.until else None
    except ValueError as exc:
        raise ExportUsageError(str(exc)) from None
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
        for result in results:
            print(f"{result.path}  ({result.count} messages)")
        print(f"exported {len(results)} conversation(s)")
        return 0
    if not args.session:
        raise ExportUsageError("name a SESSION, or use --all --out DIR")
    session_id = lookup_session(store.index, args.session)
    summary = store.index.session(session_id)
    assert summary is not None
    name = display_name(summary.peer, summary.alias)
    path = Path(args.out) if args.out else Path(default_filename(name, args.format, date.today()))
    if path.is_dir():
        path = path / default_filename(name, args.format, date.today())
    result = export_conversation(
        ExportRequest(
            session=summary,
            messages=store.index.messages(session_id),
            fmt=args.format,
            path=path,
            since=since,
            until=until,
            include_system=args.include_system,
            csv_bom=args.bom,
        ),
        overwrite=args.force,
    )
    print(f"exported {result.count} messages to {result.path}")
    return 0
