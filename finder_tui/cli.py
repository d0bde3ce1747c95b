"""``finder-tui``: the inbox (default) and the headless commands."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from . import __version__, send_cli
from . import service_events as ev
from .alerts import with_hooks
from .client import FinderClient, SyncError
from .config import ConfigError, Settings, settings_from_args
from .importer import ImportFormatError, newer_cursor, read_capture
from .peers import display_name, identity_label
from .people import NameResolver
from .store import SessionSummary, Store, StoreError
from .store import check as store_check
from .store.lookup import SessionLookupError, lookup_session
from .sync import Backoff, SyncEngine, SyncReport
from .textfmt import human_stats, local_time, plural, stamped
from .wire import keybuff
from .wire.models import Message
from .wire.sanitize import scrub_line

EXIT_FAILURE, EXIT_USAGE = 1, 2


class CliError(Exception):
    """A one-line error for the user; the exit code rides along."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


# Subcommands repeat the global options with SUPPRESS defaults, so a value given before the
# subcommand (``finder-tui --store X stats``) is not overwritten by the subparser's None.
def _add_store(parser: argparse.ArgumentParser, sub: bool = True) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--store", metavar="DIR", default=default, help="store directory (env FINDER_TUI_STORE)"
    )


def _add_server(parser: argparse.ArgumentParser, sub: bool = True) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument("--base-url", default=default, help="server URL (env FINDER_TUI_BASE_URL)")
    parser.add_argument("--wid", default=default, help="login instance id (env FINDER_TUI_WID)")
    parser.add_argument(
        "--token",
        default=default,
        help="Authorization token; prefer env FINDER_TUI_TOKEN (a flag lands in shell history)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finder-tui",
        description="A terminal inbox for WeChat Channels (视频号) private messages.",
    )
    parser.add_argument("--version", action="version", version=f"finder-tui {__version__}")
    _add_store(parser, sub=False)
    _add_server(parser, sub=False)
    parser.add_argument("--demo", action="store_true", help="run against the embedded demo server")
    parser.add_argument("--offline", action="store_true", help="browse the store, no network")
    parser.add_argument("--poll-interval", type=float, help="seconds between polls (default 5)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sync = sub.add_parser("sync", help="fetch new messages into the store")
    _add_store(sync)
    _add_server(sync)
    sync.add_argument("--once", action="store_true", help="one catch-up, then exit")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")
    sync.add_argument(
        "--poll-interval",
        type=float,
        default=argparse.SUPPRESS,
        help="seconds between polls (default 5)",
    )

    imp = sub.add_parser("import", help="ingest saved syncFinder answers or JSON exports")
    _add_store(imp)
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--json", action="store_true")

    stats = sub.add_parser("stats", help="counts and where sync stands")
    _add_store(stats)
    stats.add_argument("--json", action="store_true")

    sessions = sub.add_parser("sessions", help="list sessions, newest first")
    _add_store(sessions)
    sessions.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="print one conversation")
    _add_store(show)
    show.add_argument("session", help="session id, a unique prefix of it, an alias or a peer id")
    show.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="export a conversation (or all)")
    _add_store(export)
    export.add_argument("session", nargs="?", help="session id, unique prefix, alias or peer id")
    export.add_argument("--format", choices=["md", "txt", "json", "csv", "html"], default="md")
    export.add_argument(
        "--out", metavar="PATH", help="file, - for standard output (or a directory with --all)"
    )
    export.add_argument("--since", metavar="YYYY-MM-DD")
    export.add_argument("--until", metavar="YYYY-MM-DD")
    export.add_argument("--all", action="store_true", help="every session, into --out DIR")
    export.add_argument("--include-system", action="store_true", help="include system notices")
    export.add_argument(
        "--bom",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="CSV: UTF-8 BOM so Excel reads Chinese text (default on; --no-bom for tools)",
    )
    export.add_argument("--force", action="store_true", help="overwrite existing files")

    store_check.add_parser(sub, _add_store)
    send_cli.add_parsers(sub, _add_store, _add_server)

    demo = sub.add_parser("demo-server", help="run the embedded syncFinder server")
    from .demo import cli as demo_cli

    demo_cli.add_arguments(demo)
    return parser


def _warn(text: str) -> None:
    print(f"finder-tui: {text}", file=sys.stderr)


def _open_store(settings: Settings, *, head_only: bool = False) -> Store:
    """The store; ``head_only``: what stats and sessions need (the head's summaries), without
    cataloguing sealed history, unless the head does not say what that holds."""
    store = Store.open(settings.store_dir(), lazy_history=True)
    if not head_only or not store.sealed_counts_known:
        store.load_segments()  # the catalog (not the live archive: stats reads that itself)
    store.index.live_stale_after = settings.live_stale_after
    return store


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


# ---- sync -----------------------------------------------------------------------------------


class _ProgressLine:
    """A one-line progress display on a terminal (stderr), silent otherwise."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, event: ev.Event) -> None:
        if not self.enabled:
            return
        if isinstance(event, ev.Progress) and time.monotonic() - self._last > 0.1:
            self._last = time.monotonic()
            sys.stderr.write(
                f"\rsyncing: {event.pages} pages, {event.new} new, "
                f"{event.duplicates} duplicates, {event.rejected} rejected"
            )
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")


def cmd_sync(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    try:
        client_config = settings.client_config()
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    progress = _ProgressLine()
    backoff = Backoff()
    with _open_store(settings) as store, FinderClient(client_config) as client:
        emit = with_hooks(progress, store.index, settings.hooks, settings.token, _warn)
        engine = SyncEngine(client, store, send_cli.reconciling(store, emit))
        names = NameResolver(client, store)
        while True:
            report = SyncReport()
            try:
                engine.run_cycle(report)
            except SyncError as exc:
                progress.done()
                if args.once or not exc.retryable:
                    raise CliError(f"sync failed after {report.pages} pages: {exc}") from None
                delay = backoff.next_delay()
                print(
                    stamped(f"sync error: {exc}; retrying in {delay:.0f} s", True), file=sys.stderr
                )
                time.sleep(delay)
                continue
            backoff.reset()
            progress.done()
            _print_report(report, args.json, stamp=not args.once)
            # Then names of new peers (rate-limited), within the wait before the next poll: a
            # continuous sync leaves the rest for the next round rather than delay messages.
            budget = NAMES_BUDGET if args.once else settings.poll_interval
            deadline = time.monotonic() + budget
            if names.run_until_done(deadline) and not args.json:
                sessions = store.index.sessions()
                named = sum(1 for s in sessions if s.nickname)
                line = f"names: {named} of {plural(len(sessions), 'peer')} named"
                print(stamped(line, not args.once))
            store.commit()
            if args.once:
                return 0
            time.sleep(max(0.0, deadline - time.monotonic()))


NAMES_BUDGET = 60.0  # seconds ``sync --once`` may spend naming new peers (~3 a second)


def _print_report(report: SyncReport, as_json: bool, *, stamp: bool = False) -> None:
    if as_json:
        _print_json(report.as_dict())
        return
    print(
        stamped(
            f"synced: {report.new} new, {plural(report.duplicates, 'duplicate')}, "
            f"{report.rejected} rejected, {plural(report.pages, 'page')} in "
            f"{report.seconds:.2f} s",
            stamp,
        )
    )
    for rejected in report.rejected_samples[:5]:
        print(f"  rejected: {rejected.reason}: {rejected.excerpt[:120]}")


_NO_ALIAS = SessionSummary("")


def cmd_import(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    totals = {"files": 0, "new": 0, "duplicates": 0, "rejected": 0}
    with _open_store(settings) as store:
        for name in args.files:
            try:
                capture = read_capture(Path(name).read_bytes())
            except OSError as exc:
                raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
            except ImportFormatError as exc:
                raise CliError(f"{name}: {exc}") from None
            result = store.ingest(capture.page.messages)
            if capture.session is not None:  # a JSON export: its alias and read state too
                state = capture.session
                if state.alias and not (store.index.session(state.session_id) or _NO_ALIAS).alias:
                    store.set_alias(state.session_id, state.alias)
                store.restore_read_marker(state.session_id, state.read_time, state.read_seq)
            if capture.key_buff and newer_cursor(store.key_buff, capture.key_buff):
                store.set_key_buff(capture.key_buff)
            store.commit()
            totals["files"] += 1
            totals["new"] += len(result.new)
            totals["duplicates"] += result.duplicates
            totals["rejected"] += len(capture.page.rejected)
    if args.json:
        _print_json(totals)
    else:
        print(
            f"imported {totals['files']} file(s): {totals['new']} new, "
            f"{totals['duplicates']} duplicates, {totals['rejected']} rejected"
        )
    return 0


def store_stats(store: Store) -> dict[str, Any]:
    store.load_live_archive()
    index = store.index
    notices = index.notice_count()
    return {
        "messages": index.message_count - notices,
        "notices": notices,
        "sessions": index.session_count(),
        "live_streams": len(index.live_streams()),
        "live_now": index.live_now_count(),
        "key_buff": store.key_buff,
        "cursor": keybuff.describe(store.key_buff) or {},
        "last_success": store.last_success,
        "segments": len(store.segments),
        "names": sum(1 for s in index.sessions() if s.nickname),
        "identity": store.contacts.profile.username if store.contacts.profile else None,
        "store": str(store.directory),
    }


def cmd_stats(args: argparse.Namespace) -> int:
    with _open_store(settings_from_args(args), head_only=True) as store:
        stats = store_stats(store)
    if args.json:
        _print_json(stats)
    else:
        for key, value in human_stats(stats).items():
            print(f"{key:>13}: {value}")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    with _open_store(settings_from_args(args), head_only=True) as store:
        sessions = store.index.sessions()
    if args.json:
        _print_json(
            [
                {
                    "session_id": s.session_id,
                    "peer": s.peer,
                    "alias": s.alias,
                    "nickname": s.nickname,
                    "display_name": display_name(s.peer, s.alias, s.nickname),
                    "identity": s.me,
                    "identity_kind": identity_label(s.me).removeprefix("as ") or None,
                    "count": s.count,
                    "unread": s.unread,
                    "last_time": s.last_time,
                    "preview": s.preview,
                }
                for s in sessions
            ]
        )
        return 0
    for s in sessions:
        name = display_name(s.peer, s.alias, s.nickname)
        print(
            f"{local_time(s.last_time)}  {s.unread:>3} unread  {plural(s.count, 'msg'):>9}  "
            f"{name}  ({identity_label(s.me) or '?'})  {s.session_id}  "
            f"{scrub_line(s.preview)[:60]}"
        )
    return 0


def find_session(store: Store, needle: str) -> str:
    try:
        return lookup_session(store.index, needle)
    except SessionLookupError as exc:
        raise CliError(str(exc)) from None


def message_json(message: Message) -> dict[str, Any]:
    return {
        "key": message.key,
        "new_msg_id": message.new_msg_id,  # orjson writes it as an exact integer
        "session_id": message.session_id,
        "peer": message.peer,
        "is_sender": message.is_sender,
        "create_time": message.create_time,
        "seq": message.seq,
        "msg_type": message.msg_type,
        "kind": message.kind,
        "text": message.text,
        "meta": message.meta,
    }


def message_line(message: Message, peer_name: str) -> str:
    direction = "me →" if message.is_sender else f"← {peer_name}"
    text = scrub_line(message.text)
    return f"{local_time(message.create_time)}  {direction}  [{message.kind}]  {text}"


def cmd_show(args: argparse.Namespace) -> int:
    with _open_store(settings_from_args(args)) as store:
        session_id = find_session(store, args.session)
        summary = store.index.session(session_id)
        messages = store.index.messages(session_id)
    if args.json:
        _print_json([message_json(m) for m in messages])
        return 0
    name = display_name(summary.peer, summary.alias, summary.nickname) if summary else session_id
    for message in messages:
        print(message_line(message, name))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export_cli import ExportEmptyError, ExportUsageError, run_export

    with _open_store(settings_from_args(args)) as store:
        try:
            return run_export(args, store)
        except SessionLookupError as exc:
            raise CliError(str(exc)) from None
        except ExportUsageError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        except ExportEmptyError as exc:
            raise CliError(str(exc)) from None
        except FileExistsError as exc:
            raise CliError(f"{exc.filename} exists; pass --force to overwrite") from None
        except OSError as exc:
            raise CliError(str(exc)) from None


def cmd_check(args: argparse.Namespace) -> int:
    status, lines = store_check.run_check(settings_from_args(args).store_dir(), repair=args.repair)
    print("\n".join(lines))
    return status


def cmd_demo_server(args: argparse.Namespace) -> int:
    from .demo import cli as demo_cli

    return demo_cli.run(args)


def cmd_tui(args: argparse.Namespace) -> int:
    from .tui.launch import launch

    return launch(args)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_tui,
    "sync": cmd_sync,
    "import": cmd_import,
    "stats": cmd_stats,
    "sessions": cmd_sessions,
    "show": cmd_show,
    "export": cmd_export,
    "check": cmd_check,
    "demo-server": cmd_demo_server,
    "send": send_cli.cmd_send,
    "outbox": send_cli.cmd_outbox,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return exc.code
    except (StoreError, ConfigError) as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
